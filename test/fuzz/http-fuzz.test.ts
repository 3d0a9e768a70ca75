/**
 * A seeded random pass over every endpoint with hostile input: garbage
 * Authorization headers, odd content types, malformed and oversized query
 * strings, JSON of the wrong shape, deep nesting, huge strings, invalid
 * UTF-8, prototype-pollution keys, big cookies. Whatever comes in, the
 * service answers quickly, never with a 5xx (no dependency is down here),
 * always with problem+json for errors, and keeps serving afterwards.
 *
 * The seed is printed on failure; FUZZ_SEED=<n> replays a run.
 */
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectUser } from '../helpers/flow.js';
import { closeHttpAgents, http, type HttpOptions, type HttpResult } from '../helpers/raw-http.js';
import { signedDelivery } from '../helpers/zoom-webhook.js';
import { startStack, TEST_JWT_SECRET, TEST_WEBHOOK_SECRET, type TestStack } from '../helpers/stack.js';
import { seededRandom } from '../../src/emulator/seed.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20_240_611);
const REQUESTS = 400;
const CONCURRENCY = 4;
const PER_REQUEST_TIMEOUT_MS = 10_000;


type Method = NonNullable<HttpOptions['method']>;

interface FuzzRequest {
  method: Method;
  path: string;
  headers: Record<string, string>;
  body?: string | Buffer;
}

class Fuzzer {
  private readonly random: () => number;

  constructor(
    seed: number,
    private readonly auth: { connected: string; unconnected: string; expired: string; wrongKey: string; unsigned: string },
  ) {
    this.random = seededRandom(seed);
  }

  int(n: number): number {
    return Math.floor(this.random() * n);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }

  chance(p: number): boolean {
    return this.random() < p;
  }

  /** Printable ASCII with some latin-1: what a header may carry on the wire. */
  headerText(max: number): string {
    const length = this.int(max);
    let s = '';
    for (let i = 0; i < length; i++) s += String.fromCharCode(this.chance(0.9) ? 0x20 + this.int(0x5f) : 0xa0 + this.int(0x60));
    return s.trim();
  }

  /** Anything at all, percent-encoded into a query value. */
  queryValue(): string {
    return this.pick([
      () => encodeURIComponent(this.headerText(40)),
      () => String(this.int(1_000_000) - 500_000),
      () => '%zz%',
      () => '%00%ff%fe',
      () => 'x'.repeat(4_000 + this.int(4_000)),
      () => '',
      () => '1e309',
      () => '2024-02-30',
      () => '9999-99-99',
      () => encodeURIComponent('../../etc/passwd'),
      () => encodeURIComponent('<script>alert(1)</script>'),
      () => encodeURIComponent('ü😀\u202e'),
    ])();
  }

  query(knownKeys: readonly string[]): string {
    const parts: string[] = [];
    const n = this.int(5);
    for (let i = 0; i < n; i++) {
      const key = this.chance(0.7) && knownKeys.length > 0 ? this.pick(knownKeys) : this.pick(['__proto__[x]', 'constructor.prototype', 'a[]', '', '%zz', 'x'.repeat(300), 'page_size']);
      parts.push(`${key}=${this.queryValue()}`);
    }
    if (this.chance(0.1)) parts.push('&&&==');
    return parts.length > 0 ? `?${parts.join('&')}` : '';
  }

  authorization(allowConnected: boolean): string | undefined {
    const options: Array<() => string | undefined> = [
      () => undefined,
      () => `Bearer ${this.auth.unconnected}`,
      () => `Bearer ${this.auth.expired}`,
      () => `Bearer ${this.auth.wrongKey}`,
      () => `Bearer ${this.auth.unsigned}`,
      () => `Bearer ${this.headerText(60)}`,
      () => `Bearer ${'A'.repeat(9_000)}`,
      () => `Basic ${Buffer.from('admin:admin').toString('base64')}`,
      () => this.headerText(100),
      () => 'Bearer',
      () => `bearer  ${this.auth.unconnected}.${this.auth.unconnected}`,
    ];
    if (allowConnected) options.push(() => `Bearer ${this.auth.connected}`, () => `Bearer ${this.auth.connected}`);
    return this.pick(options)();
  }

  contentType(): string | undefined {
    return this.pick([
      undefined,
      'application/json',
      'application/json; charset=utf-8',
      'application/json; charset=utf-16',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=zzz',
      'application/jsonx',
      'application/xml',
      '*/*',
      this.headerText(40),
    ]);
  }

  deep(depth: number): string {
    return this.chance(0.5) ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
  }

  jsonValue(depth = 0): unknown {
    const leaves = [
      () => null,
      () => this.int(2) === 0,
      () => this.int(1e9) - 5e8,
      () => 1e308 * (this.chance(0.5) ? 1 : -1),
      () => this.headerText(30),
      () => 'x'.repeat(this.int(3_000)),
      () => '2030-01-01T10:00:00Z',
    ];
    if (depth > 3) return this.pick(leaves)();
    return this.pick([
      ...leaves,
      () => Array.from({ length: this.int(4) }, () => this.jsonValue(depth + 1)),
      () => Object.fromEntries(Array.from({ length: this.int(4) }, () => [this.pick(['topic', 'start_time', 'duration', 'type', 'settings', 'event', 'payload', 'x']), this.jsonValue(depth + 1)])),
    ])();
  }

  body(): string | Buffer {
    return this.pick<() => string | Buffer>([
      () => JSON.stringify(this.jsonValue()),
      () => JSON.stringify({ topic: this.jsonValue(3), start_time: this.jsonValue(3), duration: this.jsonValue(3), type: this.jsonValue(3) }),
      () => JSON.stringify({ topic: 'Fuzz', start_time: '2030-01-01T10:00:00Z', duration: 1 + this.int(60), agenda: this.headerText(80) }),
      () => '{"__proto__":{"polluted":true},"topic":"x","start_time":"2030-01-01T10:00:00Z","duration":30}',
      () => '{"constructor":{"prototype":{"polluted":true}},"topic":"x","start_time":"2030-01-01T10:00:00Z","duration":30}',
      () => this.deep(500 + this.int(20_000)),
      () => JSON.stringify({ topic: 'x'.repeat(60_000) }),
      () => JSON.stringify({ topic: 'x'.repeat(70_000 + this.int(100_000)) }),
      () => Buffer.from([0x7b, 0x22, 0x74, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc3, 0x28, 0x22, 0x7d]),
      () => Buffer.from(Array.from({ length: this.int(200) }, () => this.int(256))),
      () => '',
      () => '{"topic":',
      () => 'null',
      () => '[]',
      () => `topic=${this.queryValue()}&duration=30`,
    ])();
  }

  cookie(): string | undefined {
    return this.pick([
      undefined,
      undefined,
      `zoom_connect_binding=${this.headerText(80).replace(/[;,]/g, '')}`,
      `zoom_connect_binding=${'b'.repeat(4_000)}`,
      `big=${'c'.repeat(7_000)}; other=${'d'.repeat(4_000)}`,
      `${'k'.repeat(200)}=v; __proto__=x; constructor=y`,
      ';;;=;==',
    ]);
  }

  /** One request to some endpoint. The connected user is never revoked, so Zoom calls keep happening. */
  next(): FuzzRequest {
    const endpoint = this.pick([
      { method: 'GET', path: '/api/zoom/oauth/user/authorize', keys: ['returnTo'], connected: true },
      { method: 'GET', path: '/api/zoom/oauth/user/connect', keys: ['returnTo'], connected: true },
      { method: 'GET', path: '/api/zoom/oauth/user-callback', keys: ['state', 'code', 'error', 'error_description'], connected: true },
      { method: 'GET', path: '/api/zoom/oauth/user/status', keys: [], connected: true },
      { method: 'POST', path: '/api/zoom/oauth/user/revoke', keys: [], connected: false },
      { method: 'POST', path: '/api/zoom/oauth/user/refresh', keys: [], connected: true },
      { method: 'GET', path: '/api/zoom/oauth/user/profile', keys: [], connected: true },
      { method: 'GET', path: '/api/zoom/oauth/user/meetings', keys: ['type', 'page_size', 'next_page_token'], connected: true },
      { method: 'POST', path: '/api/zoom/oauth/user/meetings', keys: [], connected: true },
      { method: 'GET', path: '/api/zoom/oauth/user/recordings', keys: ['from', 'to', 'page_size', 'next_page_token'], connected: true },
      { method: 'POST', path: '/api/zoom/webhooks', keys: [], connected: false },
      { method: 'GET', path: '/healthz', keys: [], connected: false },
      { method: 'GET', path: '/readyz', keys: [], connected: false },
      { method: 'GET', path: '/metrics', keys: [], connected: false },
      { method: 'GET', path: '/openapi.json', keys: [], connected: false },
      { method: 'GET', path: `/api/zoom/${encodeURIComponent(this.headerText(30))}`, keys: [], connected: false },
      { method: 'GET', path: '/api/zoom/oauth/user/..%2f..%2fetc%2fpasswd', keys: [], connected: false },
      { method: 'GET', path: `/${'p'.repeat(3_000)}`, keys: [], connected: false },
    ] as const);
    const method: Method = this.chance(0.08) ? this.pick(['PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'] as const) : endpoint.method;
    const headers: Record<string, string> = {};
    const authorization = this.authorization(endpoint.connected);
    if (authorization !== undefined) headers['authorization'] = authorization;
    const cookie = this.cookie();
    if (cookie !== undefined) headers['cookie'] = cookie;
    if (this.chance(0.3)) headers['accept'] = this.pick(['application/json', 'text/html', '*/*', this.headerText(40)]);
    if (this.chance(0.1)) headers['x-forwarded-for'] = this.headerText(40);
    if (this.chance(0.1)) headers['x-zm-signature'] = `v0=${this.headerText(64)}`;
    if (this.chance(0.1)) headers['x-zm-request-timestamp'] = this.pick(['0', '-1', '99999999999999', this.headerText(12)]);
    const request: FuzzRequest = { method, path: endpoint.path + this.query(endpoint.keys), headers };
    if (method === 'POST' || method === 'PUT' || method === 'PATCH') {
      const body = this.body();
      if (endpoint.path === '/api/zoom/webhooks' && this.chance(0.3)) {
        // Correctly signed garbage: gets past the signature to the parser.
        const signed = signedDelivery(body, TEST_WEBHOOK_SECRET);
        Object.assign(headers, signed.headers);
      }
      request.body = body;
      const type = this.contentType();
      if (type !== undefined && !('content-type' in headers)) headers['content-type'] = type;
    }
    return request;
  }
}

function describeRequest(r: FuzzRequest): string {
  const body = r.body === undefined ? '' : ` body(${r.body.length}B)=${r.body.toString().slice(0, 80)}`;
  const headers = Object.entries(r.headers).map(([k, v]) => `${k}: ${v.slice(0, 60)}${v.length > 60 ? `…(${v.length})` : ''}`);
  return `${r.method} ${r.path.slice(0, 160)} [${headers.join(' | ')}]${body}`;
}

/** What is wrong with this answer, or null. */
function verdict(req: FuzzRequest, res: HttpResult): string | null {
  if (res.status >= 500) return `answered ${res.status}: ${res.text.slice(0, 300)}`;
  if (res.status < 400 || req.method === 'HEAD') return null;
  const type = res.headers['content-type'] ?? '';
  if (!type.startsWith('application/problem+json')) return `error ${res.status} as "${type}": ${res.text.slice(0, 200)}`;
  const body = res.json as { status?: unknown; code?: unknown; type?: unknown; title?: unknown } | undefined;
  if (!body || body.status !== res.status || typeof body.code !== 'string' || typeof body.type !== 'string' || typeof body.title !== 'string') {
    return `malformed problem body: ${res.text.slice(0, 200)}`;
  }
  if ((res.status === 429 || res.status === 503) && !res.headers['retry-after']) return `${res.status} without Retry-After`;
  return null;
}

describe('HTTP fuzz', () => {
  let stack: TestStack;
  let connectedJwt: string;
  beforeAll(async () => {
    stack = await startStack({ db: 'postgres' });
    connectedJwt = await stack.signIn('fuzz-connected');
    const res = await connectUser(stack.baseUrl, connectedJwt, 'fuzz-connected@example.test');
    expect(res.status).toBe(200);
  });
  afterAll(async () => {
    await stack?.close();
    await closeHttpAgents();
  });

  it(`${REQUESTS} seeded random hostile requests over every endpoint: no 5xx, every error problem+json, no hang, and the service still answers`, async () => {
    const sign = (sub: string, opts: { exp?: number; secret?: string } = {}): Promise<string> =>
      new SignJWT({})
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(sub)
        .setIssuedAt()
        .setExpirationTime(opts.exp ?? Math.floor(Date.now() / 1000) + 3600)
        .sign(new TextEncoder().encode(opts.secret ?? TEST_JWT_SECRET));
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    const claims = Buffer.from(JSON.stringify({ sub: 'fuzz-connected', exp: 9_999_999_999 })).toString('base64url');
    const fuzzer = new Fuzzer(SEED, {
      connected: connectedJwt,
      unconnected: await sign('fuzz-stranger'),
      expired: await sign('fuzz-connected', { exp: Math.floor(Date.now() / 1000) - 3600 }),
      wrongKey: await sign('fuzz-connected', { secret: 'another-secret-that-is-also-32-bytes-long!!' }),
      unsigned: `${header}.${claims}.`,
    });
    const requests = Array.from({ length: REQUESTS }, () => fuzzer.next());

    const problems: string[] = [];
    const statuses: Record<number, number> = {};
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < requests.length) {
        const req = requests[next++] as FuzzRequest;
        let res: HttpResult;
        try {
          res = await http(`${stack.baseUrl}${req.path}`, {
            method: req.method,
            headers: req.headers,
            body: req.body,
            timeoutMs: PER_REQUEST_TIMEOUT_MS,
          });
        } catch (err) {
          problems.push(`${describeRequest(req)}\n    → ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
          continue;
        }
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
        const wrong = verdict(req, res);
        if (wrong) problems.push(`${describeRequest(req)}\n    → ${wrong}`);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));

    expect(problems, `FUZZ_SEED=${SEED}; statuses ${JSON.stringify(statuses)}`).toEqual([]);
    // The pass reached the code behind authentication, not only the front door.
    expect(statuses[200] ?? 0).toBeGreaterThan(20);
    expect(Object.keys(statuses).filter((s) => s.startsWith('4')).length).toBeGreaterThan(3);

    expect((await http(`${stack.baseUrl}/healthz`)).status).toBe(200);
    expect((await http(`${stack.baseUrl}/readyz`)).status).toBe(200);
    const profile = await http(`${stack.baseUrl}/api/zoom/oauth/user/profile`, { headers: { authorization: `Bearer ${connectedJwt}` } });
    expect(profile.status).toBe(200);
    // The service runs in this process: a polluted Object.prototype would show here.
    expect(({}) as Record<string, unknown>).not.toHaveProperty('polluted');
  });
});
