import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/config/logger.js';
import { secondsUntilUtcMidnight, ZoomOAuthClient, ZoomRateLimitedError, ZoomTransport, ZoomUnavailableError } from '../../src/zoom/index.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** A real HTTP server whose next answers the test scripts. */
describe('Zoom transport', () => {
  let server: Server;
  let base: string;
  let handler: Handler = (_req, res) => res.end();
  let hits: string[] = [];
  const logs: string[] = [];
  const logger = createLogger('debug', new Writable({ write: (c: Buffer, _e, done) => (logs.push(c.toString()), done()) }));
  const transport = new ZoomTransport({ timeoutMs: 300, logger, baseBackoffMs: 5, maxRateLimitWaitMs: 1500 });

  beforeAll(async () => {
    server = createServer((req, res) => {
      hits.push(`${req.method} ${req.url}`);
      handler(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const address = server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterEach(() => {
    hits = [];
    logs.length = 0;
  });
  afterAll(async () => {
    await transport.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };

  it('a GET that meets 5xx is retried and succeeds once Zoom recovers', async () => {
    let n = 0;
    handler = (_req, res) => (++n < 3 ? json(res, 502, { code: 502, message: 'bad gateway' }) : json(res, 200, { ok: true }));
    const res = await transport.send({ method: 'GET', url: `${base}/v2/users/me`, headers: {}, idempotent: true });
    expect(res.body).toEqual({ ok: true });
    expect(hits).toHaveLength(3);
  });

  it('a POST that meets 5xx is not repeated (it could create twice)', async () => {
    handler = (_req, res) => json(res, 503, { code: 503, message: 'unavailable' });
    await expect(transport.send({ method: 'POST', url: `${base}/v2/users/me/meetings`, headers: {}, body: '{}', idempotent: false })).rejects.toBeInstanceOf(
      ZoomUnavailableError,
    );
    expect(hits).toHaveLength(1);
  });

  it('a per-second 429 with a short Retry-After is waited out and retried', async () => {
    let n = 0;
    handler = (_req, res) => (++n === 1 ? json(res, 429, { code: 429, message: 'slow down' }, { 'retry-after': '1', 'x-ratelimit-type': 'QPS' }) : json(res, 200, { ok: 1 }));
    const res = await transport.send({ method: 'GET', url: `${base}/v2/x`, headers: {}, idempotent: true });
    expect(res.status).toBe(200);
    expect(hits).toHaveLength(2);
  });

  it('a daily-limit 429 is surfaced at once with its Retry-After date, never retried', async () => {
    const reset = new Date(Date.now() + 3600_000).toUTCString();
    handler = (_req, res) => json(res, 429, { code: 429, message: 'daily' }, { 'retry-after': reset, 'x-ratelimit-type': 'Daily-limit' });
    const err = await transport.send({ method: 'GET', url: `${base}/v2/x`, headers: {}, idempotent: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ZoomRateLimitedError);
    expect((err as ZoomRateLimitedError).daily).toBe(true);
    expect((err as ZoomRateLimitedError).retryAfterSeconds).toBeGreaterThan(3500);
    expect(hits).toHaveLength(1);
  });

  it('a daily-limit 429 without Retry-After is held until 00:00 UTC, when Zoom resets daily limits', async () => {
    handler = (_req, res) => json(res, 429, { code: 429, message: 'daily' }, { 'x-ratelimit-type': 'Daily-limit' });
    const err = await transport.send({ method: 'GET', url: `${base}/v2/x`, headers: {}, idempotent: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ZoomRateLimitedError);
    const expected = secondsUntilUtcMidnight();
    expect(Math.abs((err as ZoomRateLimitedError).retryAfterSeconds - expected)).toBeLessThanOrEqual(5);
    expect(hits).toHaveLength(1);
  });

  it('a GET answered 503 with a short Retry-After waits at least that long before its retry', async () => {
    let n = 0;
    handler = (_req, res) => (++n === 1 ? json(res, 503, { code: 503, message: 'busy' }, { 'retry-after': '1' }) : json(res, 200, { ok: 1 }));
    const started = Date.now();
    const res = await transport.send({ method: 'GET', url: `${base}/v2/x`, headers: {}, idempotent: true });
    expect(res.status).toBe(200);
    expect(hits).toHaveLength(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
  });

  it('a GET answered 503 with a Retry-After beyond the wait bound is not retried and carries that Retry-After', async () => {
    handler = (_req, res) => json(res, 503, { code: 503, message: 'maintenance' }, { 'retry-after': '120' });
    const err = await transport.send({ method: 'GET', url: `${base}/v2/x`, headers: {}, idempotent: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ZoomUnavailableError);
    expect((err as ZoomUnavailableError).retryAfterSeconds).toBe(120);
    expect(hits).toHaveLength(1);
  });

  it('a 429 asking for longer than the wait bound surfaces as rate limited', async () => {
    handler = (_req, res) => json(res, 429, { code: 429, message: 'x' }, { 'retry-after': '30', 'x-ratelimit-type': 'QPS' });
    const err = await transport.send({ method: 'GET', url: `${base}/v2/x`, headers: {}, idempotent: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ZoomRateLimitedError);
    expect((err as ZoomRateLimitedError).retryAfterSeconds).toBe(30);
  });

  it('a response slower than the timeout is a timed-out ZoomUnavailableError', async () => {
    handler = (_req, res) => setTimeout(() => json(res, 200, {}), 1000);
    const err = await transport.send({ method: 'POST', url: `${base}/oauth/token`, headers: {}, body: '', idempotent: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ZoomUnavailableError);
    expect((err as ZoomUnavailableError).timedOut).toBe(true);
  });

  it('a failed revoke logs the path and tracking id but never the token in its query string', async () => {
    handler = (_req, res) => json(res, 400, { error: 'invalid_request', reason: 'nope' }, { 'x-zm-trackingid': 'TRACK-1' });
    const oauth = new ZoomOAuthClient(
      { clientId: 'cid', clientSecret: 'very-secret-value', redirectUri: 'http://localhost/cb', oauthBaseUrl: base, apiBaseUrl: `${base}/v2` },
      transport,
    );
    await expect(oauth.revoke('SECRET-REFRESH-TOKEN')).rejects.toThrow(/invalid_request/);
    const all = logs.join('');
    expect(all).toContain('TRACK-1');
    expect(all).toContain('/oauth/revoke');
    expect(all).not.toContain('SECRET-REFRESH-TOKEN');
    expect(all).not.toContain('very-secret-value');
  });

  it('a token response without expires_in is assumed short-lived, not eternal', async () => {
    handler = (_req, res) => json(res, 200, { access_token: 'a.b.c', token_type: 'bearer', refresh_token: 'r.s.t', scope: 'user:read' });
    const oauth = new ZoomOAuthClient({ clientId: 'c', clientSecret: 's', redirectUri: 'http://localhost/cb', oauthBaseUrl: base, apiBaseUrl: `${base}/v2` }, transport);
    const tokens = await oauth.refresh('old');
    expect(tokens.expiresInSeconds).toBe(900);
  });

  it('an api_url over plain http to a foreign host is ignored so bearer tokens stay on the configured API', async () => {
    handler = (_req, res) =>
      json(res, 200, { access_token: 'a.b.c', token_type: 'bearer', refresh_token: 'r.s.t', expires_in: 3599, api_url: 'http://evil.example' });
    const oauth = new ZoomOAuthClient({ clientId: 'c', clientSecret: 's', redirectUri: 'http://localhost/cb', oauthBaseUrl: base, apiBaseUrl: `${base}/v2` }, transport);
    expect((await oauth.refresh('old')).apiBase).toBeNull();
  });
});
