/**
 * HTTP-suite helpers: a client for the service that records every exchange
 * (for "no secret in any response" scans) and checks on every reply the
 * rules that hold for every route: no 500, and every error is RFC 9457
 * problem+json with a stable code.
 */
import { expect } from 'vitest';
import type { EmulatorClient } from '../../src/emulator/index.js';
import { Browser, consent } from './flow.js';
import type { TestStack } from './stack.js';


export const OAUTH = '/api/zoom/oauth';
export const AUTHORIZE = `${OAUTH}/user/authorize`;
export const CALLBACK = `${OAUTH}/user-callback`;
export const STATUS = `${OAUTH}/user/status`;
export const PROFILE = `${OAUTH}/user/profile`;
export const MEETINGS = `${OAUTH}/user/meetings`;
export const RECORDINGS = `${OAUTH}/user/recordings`;
export const REFRESH = `${OAUTH}/user/refresh`;
export const REVOKE = `${OAUTH}/user/revoke`;

export type Json = Record<string, unknown>;

export interface Reply<T = Json> {
  status: number;
  headers: Headers;
  text: string;
  /** Parsed JSON body; an empty object when the body is not JSON. */
  body: T;
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  code: string;
  detail: string;
  retryAfter?: number;
  errors?: Array<{ field: string; message: string }>;
}

export interface CallOptions {
  jwt?: string;
  query?: Record<string, string>;
  json?: unknown;
  body?: string;
  headers?: Record<string, string>;
  /** Send with this browser's cookies (and keep the ones the reply sets). */
  browser?: Browser;
}

export interface Exchange {
  method: string;
  path: string;
  status: number;
  /** Status line, headers and body as received. */
  raw: string;
}

export class ServiceClient {
  /** Every exchange this client made, in order. */
  readonly exchanges: Exchange[] = [];

  constructor(readonly baseUrl: string) {}

  async call<T = Json>(method: string, pathOrUrl: string, opts: CallOptions = {}): Promise<Reply<T>> {
    const url = new URL(pathOrUrl, this.baseUrl);
    for (const [k, v] of Object.entries(opts.query ?? {})) url.searchParams.set(k, v);
    const headers = new Headers(opts.headers);
    if (opts.jwt !== undefined) headers.set('authorization', `Bearer ${opts.jwt}`);
    let body: string | undefined = opts.body;
    if (opts.json !== undefined) {
      body = JSON.stringify(opts.json);
      if (!headers.has('content-type')) headers.set('content-type', 'application/json');
    }
    const init: RequestInit = { method, headers, body, redirect: 'manual' };
    const res = opts.browser ? await opts.browser.fetch(url.toString(), init) : await fetch(url, init);
    const text = await res.text();
    const headerLines: string[] = [];
    res.headers.forEach((value, name) => headerLines.push(`${name}: ${value}`));
    const rawHeaders = headerLines.join('\n');
    this.exchanges.push({ method, path: url.pathname, status: res.status, raw: `${res.status}\n${rawHeaders}\n\n${text}` });
    const reply: Reply<T> = { status: res.status, headers: res.headers, text, body: parseJson(text) as T };
    checkInvariants(method, url, reply);
    return reply;
  }

  get<T = Json>(path: string, opts?: CallOptions): Promise<Reply<T>> {
    return this.call<T>('GET', path, opts);
  }

  post<T = Json>(path: string, opts?: CallOptions): Promise<Reply<T>> {
    return this.call<T>('POST', path, opts);
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return {};
  }
}

/** Holds for every route: a 5xx only as a dependency's 503 (with Retry-After), and errors are problem+json. */
function checkInvariants(method: string, url: URL, reply: Reply<unknown>): void {
  const where = `${method} ${url.pathname}`;
  expect(reply.status, `${where} must never answer 500`).not.toBe(500);
  if (reply.status >= 500) expect(reply.status, `${where}: the only 5xx is 503`).toBe(503);
  if (reply.status < 400) return;
  expect(reply.headers.get('content-type'), `${where} error content type`).toMatch(/^application\/problem\+json/);
  const p = reply.body as Partial<Problem>;
  expect(p, `${where} problem body`).toMatchObject({
    type: anyString(),
    title: anyString(),
    status: reply.status,
    code: anyString(),
    detail: anyString(),
  });
  expect(p.type).toBe(`urn:zoom-connect:problem:${p.code ?? ''}`);
  if (reply.status === 429 || reply.status === 503) {
    expect(reply.headers.get('retry-after'), `${where} Retry-After`).toMatch(/^\d+$/);
  }
}

/** The reply is the problem `code` with `status`; returns it for further checks. */
export function expectProblem(reply: Reply<unknown>, status: number, code: string): Problem {
  expect({ status: reply.status, code: (reply.body as Partial<Problem>).code }).toEqual({ status, code });
  return reply.body as Problem;
}

/** A redirect to the post-connect URL; returns its query. */
export function redirectQuery(reply: Reply<unknown>, expectedBase: string): URLSearchParams {
  expect(reply.status).toBe(303);
  const location = new URL(reply.headers.get('location') ?? 'about:blank');
  expect(`${location.origin}${location.pathname}`).toBe(expectedBase);
  return location.searchParams;
}

export interface Connected {
  userId: string;
  jwt: string;
  browser: Browser;
  zoomEmail: string;
  /** The URL Zoom redirected the browser to (it carries the code and the state). */
  callbackUrl: string;
  code: string;
  state: string;
  status: Json;
}

export interface Begun {
  jwt: string;
  browser: Browser;
  authorizationUrl: string;
  state: string;
  reply: Reply<{ authorizationUrl: string; expiresAt: string }>;
}

/** GET .../authorize as `userId` in `browser` (a fresh one unless given). */
export async function begin(client: ServiceClient, stack: TestStack, userId: string, browser = new Browser()): Promise<Begun> {
  const jwt = await stack.signIn(userId);
  const reply = await client.get<{ authorizationUrl: string; expiresAt: string }>(AUTHORIZE, { jwt, browser });
  expect(reply.status).toBe(200);
  const state = new URL(reply.body.authorizationUrl).searchParams.get('state') ?? '';
  return { jwt, browser, authorizationUrl: reply.body.authorizationUrl, state, reply };
}

/** Zoom's consent (allow) for `zoomEmail`; returns the callback URL and the code it carries. */
export async function approve(authorizationUrl: string, zoomEmail: string): Promise<{ callbackUrl: string; code: string }> {
  const callbackUrl = await consent(authorizationUrl, zoomEmail);
  return { callbackUrl, code: new URL(callbackUrl).searchParams.get('code') ?? '' };
}

/** The whole connect flow for `userId` with the Zoom user `zoomEmail`, answered as JSON. */
export async function connect(client: ServiceClient, stack: TestStack, userId: string, zoomEmail: string): Promise<Connected> {
  const begun = await begin(client, stack, userId);
  const { callbackUrl, code } = await approve(begun.authorizationUrl, zoomEmail);
  const reply = await client.get(callbackUrl, { browser: begun.browser, headers: { accept: 'application/json' } });
  expect(reply.status, reply.text).toBe(200);
  return { userId, jwt: begun.jwt, browser: begun.browser, zoomEmail, callbackUrl, code, state: begun.state, status: reply.body };
}

let sequence = 0;
/** An app user id (and a matching fresh Zoom email) no other test in the run uses. */
export function uniqueUser(label: string): { userId: string; zoomEmail: string } {
  sequence += 1;
  const suffix = `${sequence}-${Math.random().toString(36).slice(2, 8)}`;
  return { userId: `${label}-${suffix}`, zoomEmail: `${label}.${suffix}@example.test` };
}

/**
 * An override of the stack's emulator client: startStack spreads it over the
 * client it builds (id, secret, redirect URI, webhook), so only the fields
 * to change are given.
 */
export function clientOverride(fields: Partial<EmulatorClient>): EmulatorClient {
  return fields as EmulatorClient;
}

/** Asymmetric matchers typed as what they match (vitest types them `any`). */
export const anyString = (): string => expect.any(String) as string;
export const anyNumber = (): number => expect.any(Number) as number;
export const anyArray = (): unknown[] => expect.any(Array) as unknown[];
export const matching = (pattern: RegExp): string => expect.stringMatching(pattern) as string;
export const containing = (items: string[]): string[] => expect.arrayContaining(items) as string[];

/** Three base64url segments starting with a JSON header: what Zoom's tokens and our app's JWTs look like. */
export const JWT_LIKE = /eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/;
