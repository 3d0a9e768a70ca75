/**
 * A small HTTP client for the reliability, webhook and fuzz suites, on
 * undici directly: raw byte bodies, no redirects followed, a hard
 * per-request timeout, and an optional loopback source address so many
 * simulated users do not share one client IP (the connect routes are rate
 * limited per IP).
 */
import { Agent, request } from 'undici';
import type { Problem } from './http-client.js';

export interface HttpResult {
  status: number;
  headers: Record<string, string>;
  /** Set-Cookie lines, in order. */
  setCookies: string[];
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
  elapsedMs: number;
}

export interface HttpOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS';
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Aborts the request after this long (and the test fails with a clear message). */
  timeoutMs?: number;
  /** Source address, e.g. 127.0.0.7: any 127/8 address reaches a server listening on 127.0.0.1. */
  localAddress?: string;
}

const agents = new Map<string, Agent>();

function agentFor(localAddress: string | undefined): Agent {
  const key = localAddress ?? '';
  let agent = agents.get(key);
  if (!agent) {
    agent = new Agent({ keepAliveTimeout: 1_000, connect: { timeout: 5_000 }, ...(localAddress ? { localAddress } : {}) });
    agents.set(key, agent);
  }
  return agent;
}

/** Closes every agent this module opened (afterAll of a suite that used many source addresses). */
export async function closeHttpAgents(): Promise<void> {
  const all = [...agents.values()];
  agents.clear();
  await Promise.all(all.map((a) => a.close()));
}

export class HttpTimeoutError extends Error {
  constructor(method: string, url: string, ms: number) {
    super(`${method} ${url} did not answer within ${ms} ms`);
    this.name = 'HttpTimeoutError';
  }
}

export async function http(url: string, options: HttpOptions = {}): Promise<HttpResult> {
  const method = options.method ?? 'GET';
  const timeoutMs = options.timeoutMs ?? 20_000;
  const started = Date.now();
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const res = await request(url, {
      method,
      headers: options.headers,
      body: options.body,
      signal,
      dispatcher: agentFor(options.localAddress),
    });
    const text = await res.body.text();
    const headers: Record<string, string> = {};
    let setCookies: string[] = [];
    for (const [name, value] of Object.entries(res.headers)) {
      if (value === undefined) continue;
      if (name === 'set-cookie') setCookies = Array.isArray(value) ? value : [value];
      headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    return { status: res.statusCode, headers, setCookies, text, json: parseJson(text), elapsedMs: Date.now() - started };
  } catch (err) {
    if (signal.aborted) throw new HttpTimeoutError(method, url, timeoutMs);
    throw err;
  }
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The problem body of an error response, or throws saying what came instead. */
export function problemOf(res: HttpResult): Problem {
  const type = res.headers['content-type'] ?? '';
  if (!type.startsWith('application/problem+json')) {
    throw new Error(`expected application/problem+json, got ${res.status} "${type}": ${res.text.slice(0, 300)}`);
  }
  const body = res.json as Partial<Problem> | undefined;
  if (!body || typeof body.code !== 'string' || body.status !== res.status) {
    throw new Error(`malformed problem body for ${res.status}: ${res.text.slice(0, 300)}`);
  }
  return body as Problem;
}

/** A distinct loopback source address per index (127.0.1.x, 127.0.2.x, ...). */
export function loopbackAddress(index: number): string {
  return `127.0.${Math.floor(index / 250) + 1}.${(index % 250) + 2}`;
}
