import { createHash, randomBytes } from 'node:crypto';
import type { EmulatorClient } from '../../src/emulator/index.js';

/** Plain-HTTP helpers for the emulator tests: every call goes over a real socket. */

export const REDIRECT_URI = 'http://localhost:3000/api/zoom/oauth/user-callback';

export const CLIENT: EmulatorClient = {
  clientId: 'zc_test_client',
  clientSecret: 'zc_test_secret_0123456789',
  redirectUris: [REDIRECT_URI, 'http://localhost:3000/other-callback'],
};

export const AVA = { id: 'KDcuGIm1QgePTO8WbOqwIQ', email: 'ava.thompson@example.com' };
export const MATEO = { id: 'z8yBXksmQ7aHpu3ZbXhR5g', email: 'mateo.garcia@example.com' };

export interface Pkce {
  verifier: string;
  challenge: string;
}

export function pkce(): Pkce {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export function basicAuth(clientId: string, clientSecret: string): string {
  return `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`;
}

export interface AuthorizeOptions {
  client?: EmulatorClient;
  user?: string;
  redirectUri?: string;
  state?: string;
  challenge?: string;
  method?: 'S256' | 'plain';
  decision?: 'allow' | 'deny';
}

export function authorizeFields(options: AuthorizeOptions = {}): Record<string, string> {
  const client = options.client ?? CLIENT;
  const fields: Record<string, string> = {
    response_type: 'code',
    client_id: client.clientId,
    redirect_uri: options.redirectUri ?? client.redirectUris[0] ?? REDIRECT_URI,
    state: options.state ?? randomBytes(8).toString('hex'),
  };
  if (options.challenge !== undefined) fields['code_challenge'] = options.challenge;
  if (options.method !== undefined) fields['code_challenge_method'] = options.method;
  return fields;
}

/** Submits the consent form the way a browser would; returns the redirect Location. */
export async function submitConsent(baseUrl: string, options: AuthorizeOptions = {}): Promise<{ status: number; location: URL | null; body: string }> {
  const form = new URLSearchParams({ ...authorizeFields(options), user: options.user ?? AVA.email, decision: options.decision ?? 'allow' });
  const response = await fetch(`${baseUrl}/oauth/authorize`, { method: 'POST', body: form, redirect: 'manual' });
  const location = response.headers.get('location');
  return { status: response.status, location: location ? new URL(location) : null, body: await response.text() };
}

export async function authorizationCode(baseUrl: string, options: AuthorizeOptions = {}): Promise<string> {
  const { location } = await submitConsent(baseUrl, options);
  const code = location?.searchParams.get('code');
  if (!code) throw new Error(`consent did not redirect with a code: ${location?.toString() ?? 'no location'}`);
  return code;
}

export interface JsonResponse {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

async function asJson(response: Response): Promise<JsonResponse> {
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

export async function tokenRequest(baseUrl: string, params: Record<string, string>, client: EmulatorClient = CLIENT): Promise<JsonResponse> {
  return asJson(
    await fetch(`${baseUrl}/oauth/token`, {
      method: 'POST',
      headers: { authorization: basicAuth(client.clientId, client.clientSecret) },
      body: new URLSearchParams(params),
    }),
  );
}

export interface Tokens {
  access_token: string;
  refresh_token: string;
  expires_in: number;
  scope: string;
  token_type: string;
  api_url: string;
}

/** The whole connect flow (consent, PKCE S256, code exchange) for one user. */
export async function connect(baseUrl: string, options: AuthorizeOptions = {}): Promise<Tokens> {
  const { verifier, challenge } = pkce();
  const client = options.client ?? CLIENT;
  const redirectUri = options.redirectUri ?? client.redirectUris[0] ?? REDIRECT_URI;
  const code = await authorizationCode(baseUrl, { ...options, challenge, method: 'S256' });
  const response = await tokenRequest(baseUrl, { grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier }, client);
  if (response.status !== 200) throw new Error(`code exchange failed: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body as unknown as Tokens;
}

export async function refresh(baseUrl: string, refreshToken: string, client: EmulatorClient = CLIENT): Promise<JsonResponse> {
  return tokenRequest(baseUrl, { grant_type: 'refresh_token', refresh_token: refreshToken }, client);
}

export async function api(baseUrl: string, path: string, accessToken: string | undefined, init: RequestInit = {}): Promise<JsonResponse> {
  const headers = new Headers(init.headers);
  if (accessToken !== undefined) headers.set('authorization', `Bearer ${accessToken}`);
  if (init.body !== undefined && !headers.has('content-type')) headers.set('content-type', 'application/json');
  return asJson(await fetch(`${baseUrl}${path}`, { ...init, headers }));
}

export async function control(baseUrl: string, path: string, body?: unknown): Promise<JsonResponse> {
  const init: RequestInit =
    body === undefined ? { method: path === 'stats' || path === 'users' ? 'GET' : 'POST' } : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
  return asJson(await fetch(`${baseUrl}/_emulator/${path}`, init));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function isoDate(daysFromToday: number): string {
  return new Date(Date.now() + daysFromToday * 24 * 60 * 60 * 1000).toISOString().slice(0, 10);
}
