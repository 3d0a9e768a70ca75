import { generateKeyPairSync } from 'node:crypto';
import { importPKCS8, SignJWT } from 'jose';
import type { RunningGoogleEmulator, ServiceAccountKeyFile } from '../../src/google-emulator/index.js';
import { expect } from 'vitest';

/** Plain-HTTP helpers for the Google emulator tests; assertions are signed here, independently of src/google. */

export const EVENTS_SCOPE = 'https://www.googleapis.com/auth/calendar.events';
export const USER = 'ava.thompson@example.com';

export function keyFileOf(emulator: RunningGoogleEmulator): ServiceAccountKeyFile {
  return JSON.parse(emulator.keyFile) as ServiceAccountKeyFile;
}

export interface AssertionOverrides {
  claims?: Record<string, unknown>;
  kid?: string;
  /** Sign with another key than the one the emulator issued. */
  foreignKey?: boolean;
  iat?: number;
  exp?: number;
}

export async function assertion(emulator: RunningGoogleEmulator, overrides: AssertionOverrides = {}): Promise<string> {
  const key = keyFileOf(emulator);
  const pem = overrides.foreignKey
    ? generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
    : key.private_key;
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ iss: key.client_email, sub: USER, aud: key.token_uri, scope: EVENTS_SCOPE, ...overrides.claims })
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: overrides.kid ?? key.private_key_id })
    .setIssuedAt(overrides.iat ?? now)
    .setExpirationTime(overrides.exp ?? now + 3600)
    .sign(await importPKCS8(pem, 'RS256'));
}

export interface Answer {
  status: number;
  body: Record<string, unknown>;
}

async function answer(res: Response): Promise<Answer> {
  const text = await res.text();
  return { status: res.status, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

export async function requestToken(emulator: RunningGoogleEmulator, fields: Record<string, string>): Promise<Answer> {
  return answer(await fetch(keyFileOf(emulator).token_uri, { method: 'POST', body: new URLSearchParams(fields) }));
}

export async function tokenFor(emulator: RunningGoogleEmulator, overrides: AssertionOverrides = {}): Promise<string> {
  const res = await requestToken(emulator, { grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: await assertion(emulator, overrides) });
  if (res.status !== 200) throw new Error(`token: HTTP ${res.status} ${JSON.stringify(res.body)}`);
  return res.body['access_token'] as string;
}

export async function api(
  emulator: RunningGoogleEmulator,
  token: string | undefined,
  method: string,
  path: string,
  body?: unknown,
): Promise<Answer> {
  const headers: Record<string, string> = token === undefined ? {} : { authorization: `Bearer ${token}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  return answer(
    await fetch(`${emulator.url}/calendar/v3${path}`, { method, headers, ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }) }),
  );
}

export async function control(emulator: RunningGoogleEmulator, method: 'GET' | 'POST', path: string, body?: unknown): Promise<Answer> {
  return answer(
    await fetch(`${emulator.url}/_emulator/${path}`, {
      method,
      ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    }),
  );
}

export function newEvent(id: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id,
    summary: 'Intro call',
    start: { dateTime: '2027-03-01T10:00:00+01:00', timeZone: 'Europe/Berlin' },
    end: { dateTime: '2027-03-01T10:30:00+01:00', timeZone: 'Europe/Berlin' },
    conferenceData: { createRequest: { requestId: `req-${id}`, conferenceSolutionKey: { type: 'hangoutsMeet' } } },
    ...overrides,
  };
}

/** Google's Calendar error shape, with the reason it must carry. */
export function googleError(code: number, reason: string): Record<string, unknown> {
  return { error: { code, message: expectString(), errors: [{ domain: expectString(), reason, message: expectString() }], status: expectString() } };
}

function expectString(): unknown {
  return expect.any(String);
}
