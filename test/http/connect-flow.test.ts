import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser } from '../helpers/flow.js';
import {
  approve,
  AUTHORIZE,
  begin,
  connect,
  expectProblem,
  JWT_LIKE,
  MEETINGS,
  PROFILE,
  RECORDINGS,
  redirectQuery,
  REFRESH,
  REVOKE,
  ServiceClient,
  STATUS,
  uniqueUser,
  type Json,
  anyString,
  anyArray,
  matching,
  containing,
} from '../helpers/http-client.js';
import { EmulatorControl } from '../helpers/emulator-control.js';
import { AFTER_CONNECT_URL, startStack, TEST_CLIENT_ID, type TestStack } from '../helpers/stack.js';

/**
 * The connect flow end to end over real sockets against the emulator, with
 * the service's default rate limits on (each test stays far below them).
 * The whole lifecycle runs on PGlite and on PostgreSQL.
 */

type Backend = 'pglite' | 'postgres';
const stacks = new Map<Backend, { stack: TestStack; client: ServiceClient; zoom: EmulatorControl }>();

beforeAll(async () => {
  // One after the other: PGlite's start-up blocks the event loop long enough to time out a Fastify starting beside it.
  const postgres = await startStack({ db: 'postgres' });
  const pglite = await startStack();
  for (const [backend, stack] of [['pglite', pglite], ['postgres', postgres]] as const) {
    stacks.set(backend, { stack, client: new ServiceClient(stack.baseUrl), zoom: new EmulatorControl(stack.emulator.url) });
  }
});

afterAll(async () => {
  await Promise.all([...stacks.values()].map(({ stack }) => stack.close()));
});

function on(backend: Backend): { stack: TestStack; client: ServiceClient; zoom: EmulatorControl } {
  const found = stacks.get(backend);
  if (!found) throw new Error(`no ${backend} stack`);
  return found;
}

const today = (): string => new Date().toISOString().slice(0, 10);
const daysAgo = (n: number): string => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);

describe.each(['pglite', 'postgres'] as const)('on %s', (backend) => {
  it('a user connects, uses every endpoint, refreshes and disconnects', async () => {
    const { stack, client, zoom } = on(backend);
    const { userId, zoomEmail } = uniqueUser(`life-${backend}`);
    const jwt = await stack.signIn(userId);

    const before = await client.get(STATUS, { jwt });
    expect(before.body).toMatchObject({ connected: false, status: 'not_connected' });

    const begun = await begin(client, stack, userId);
    const { callbackUrl } = await approve(begun.authorizationUrl, zoomEmail);
    const callback = await client.get(callbackUrl, { browser: begun.browser });
    expect(Object.fromEntries(redirectQuery(callback, AFTER_CONNECT_URL))).toEqual({ zoom: 'connected' });

    const status = await client.get(STATUS, { jwt });
    expect(status.body).toMatchObject({ connected: true, status: 'active', zoomEmail, refreshFailureCount: 0 });
    expect(status.text).not.toMatch(JWT_LIKE);

    const profile = await client.get(PROFILE, { jwt });
    expect(profile.status).toBe(200);
    expect(profile.body).toMatchObject({ email: zoomEmail, id: status.body.zoomUserId });

    const meetings = await client.get<{ meetings: Json[] }>(MEETINGS, { jwt, query: { type: 'scheduled', page_size: '30' } });
    expect(meetings.status).toBe(200);
    expect(meetings.body.meetings.length).toBeGreaterThan(0);

    const created = await client.post(MEETINGS, {
      jwt,
      json: { topic: 'Follow-up appointment', start_time: '2031-05-04T10:00:00Z', duration: 30, timezone: 'UTC' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ topic: 'Follow-up appointment', duration: 30, join_url: anyString() });

    const recordings = await client.get(RECORDINGS, { jwt, query: { from: daysAgo(20), to: today() } });
    expect(recordings.status).toBe(200);
    expect(recordings.body).toMatchObject({ from: daysAgo(20), to: today(), meetings: anyArray() });

    const statsBeforeRefresh = await zoom.stats();
    stack.clock.advance(60_000);
    const refreshed = await client.post(REFRESH, { jwt });
    expect(refreshed.status).toBe(200);
    expect(Date.parse(refreshed.body.accessTokenExpiresAt as string)).toBeGreaterThan(Date.parse(status.body.accessTokenExpiresAt as string));
    expect((await zoom.stats()).tokenRequests.refresh_token).toBe((statsBeforeRefresh.tokenRequests.refresh_token ?? 0) + 1);

    const revoked = await client.post(REVOKE, { jwt });
    expect(revoked.body).toMatchObject({ connected: false, status: 'revoked', revokedAtZoom: true });
    expect((await zoom.stats()).revocations).toBe(statsBeforeRefresh.revocations + 1);
    const row = await stack.service.store.connections.getWithTokens(userId);
    expect(row?.tokens).toBeNull();
    expectProblem(await client.get(PROFILE, { jwt }), 409, 'not_connected');
  });
});

describe('authorize', () => {
  it('answers the Zoom consent URL (code flow, PKCE S256, no scope) and when the flow expires', async () => {
    const { stack, client } = on('pglite');
    const { userId } = uniqueUser('authz-shape');
    const started = stack.clock.now().getTime();
    const { reply } = await begin(client, stack, userId);
    expect(Object.keys(reply.body).sort()).toEqual(['authorizationUrl', 'expiresAt']);
    expect(reply.headers.get('cache-control')).toBe('no-store');

    const url = new URL(reply.body.authorizationUrl);
    expect(`${url.origin}${url.pathname}`).toBe(`${stack.emulator.url}/oauth/authorize`);
    const q = Object.fromEntries(url.searchParams);
    expect(q).toEqual({
      response_type: 'code',
      client_id: TEST_CLIENT_ID,
      redirect_uri: `${stack.baseUrl}/api/zoom/oauth/user-callback`,
      state: matching(/^[A-Za-z0-9_-]{43}$/),
      code_challenge: matching(/^[A-Za-z0-9_-]{43}$/),
      code_challenge_method: 'S256',
    });
    const ttl = Date.parse(reply.body.expiresAt) - started;
    expect(ttl).toBeGreaterThan(10 * 60_000 - 5_000);
    expect(ttl).toBeLessThanOrEqual(10 * 60_000 + 5_000);
  });

  it('sets the browser-binding cookie HttpOnly, SameSite=Lax, scoped to the OAuth paths, not Secure over http', async () => {
    const { stack, client } = on('pglite');
    const { reply } = await begin(client, stack, uniqueUser('authz-cookie').userId);
    const cookies = reply.headers.getSetCookie();
    expect(cookies).toHaveLength(1);
    const [pair, ...attributes] = (cookies[0] ?? '').split(';').map((s) => s.trim());
    expect(pair).toMatch(/^zoom_connect_binding=[A-Za-z0-9_-]{43}$/);
    const attrs = attributes.map((a) => a.toLowerCase());
    expect(attrs).toContain('httponly');
    expect(attrs).toContain('samesite=lax');
    expect(attrs).toContain('path=/api/zoom/oauth');
    expect(attrs).toContain('max-age=600');
    expect(attrs).not.toContain('secure');
    expect(attrs.some((a) => a.startsWith('domain='))).toBe(false);
  });

  it('keeps one binding per browser: a second flow in the same browser reuses the cookie and both flows stay valid', async () => {
    const { stack, client } = on('pglite');
    const { userId, zoomEmail } = uniqueUser('authz-twice');
    const browser = new Browser();
    const first = await begin(client, stack, userId, browser);
    const cookieAfterFirst = browser.cookies.get('zoom_connect_binding');
    const second = await begin(client, stack, userId, browser);
    expect(browser.cookies.get('zoom_connect_binding')).toBe(cookieAfterFirst);
    expect(second.state).not.toBe(first.state);

    const { callbackUrl } = await approve(first.authorizationUrl, zoomEmail);
    const reply = await client.get(callbackUrl, { browser, headers: { accept: 'application/json' } });
    expect(reply.status).toBe(200);
  });
});

describe('callback', () => {
  it('redirects 303 to POST_CONNECT_REDIRECT_URL?zoom=connected without the code or state, with no-referrer and no-store', async () => {
    const { stack, client } = on('pglite');
    const { userId, zoomEmail } = uniqueUser('cb-redirect');
    const begun = await begin(client, stack, userId);
    const { callbackUrl, code } = await approve(begun.authorizationUrl, zoomEmail);
    const reply = await client.get(callbackUrl, { browser: begun.browser });
    expect(Object.fromEntries(redirectQuery(reply, AFTER_CONNECT_URL))).toEqual({ zoom: 'connected' });
    const location = reply.headers.get('location') ?? '';
    expect(location).not.toContain(code);
    expect(location).not.toContain(begun.state);
    expect(reply.headers.get('referrer-policy')).toBe('no-referrer');
    expect(reply.headers.get('cache-control')).toBe('no-store');
  });

  it('answers the connection status as JSON when the caller accepts application/json, with the same headers', async () => {
    const { stack, client } = on('pglite');
    const { userId, zoomEmail } = uniqueUser('cb-json');
    const begun = await begin(client, stack, userId);
    const { callbackUrl } = await approve(begun.authorizationUrl, zoomEmail);
    const reply = await client.get(callbackUrl, { browser: begun.browser, headers: { accept: 'application/json' } });
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toMatch(/^application\/json/);
    expect(reply.body).toMatchObject({
      connected: true,
      status: 'active',
      zoomEmail,
      zoomUserId: anyString(),
      zoomAccountId: anyString(),
      grantedScopes: containing(['user:read', 'meeting:read', 'meeting:write', 'recording:read']),
    });
    expect(reply.text).not.toMatch(JWT_LIKE);
    expect(reply.headers.get('referrer-policy')).toBe('no-referrer');
    expect(reply.headers.get('cache-control')).toBe('no-store');
  });

  it('lets a user who disconnected connect again', async () => {
    const { stack, client } = on('pglite');
    const { userId, zoomEmail } = uniqueUser('cb-again');
    const first = await connect(client, stack, userId, zoomEmail);
    await client.post(REVOKE, { jwt: first.jwt });
    const again = await connect(client, stack, userId, zoomEmail);
    expect(again.status).toMatchObject({ connected: true, status: 'active', revokedAt: null });
    expect((await client.get(PROFILE, { jwt: again.jwt })).status).toBe(200);
  });
});

describe('security headers', () => {
  const expectSecurityHeaders = (headers: Headers): void => {
    expect(headers.get('x-content-type-options')).toBe('nosniff');
    expect(headers.get('referrer-policy')).toBe('no-referrer');
    expect(headers.get('x-frame-options')).toBe('DENY');
    expect(headers.get('cross-origin-resource-policy')).toBe('same-origin');
    // An API answer loads nothing and is framed by nobody.
    expect(headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'");
    // Plain http: HSTS would pin localhost to https.
    expect(headers.get('strict-transport-security')).toBeNull();
    // Headers that act only on a rendered document are not spent on JSON.
    for (const documentOnly of ['cross-origin-opener-policy', 'origin-agent-cluster', 'x-dns-prefetch-control', 'x-xss-protection']) {
      expect(headers.get(documentOnly), documentOnly).toBeNull();
    }
  };

  it('are on successful API responses', async () => {
    const { stack, client } = on('pglite');
    const jwt = await stack.signIn(uniqueUser('hdr-ok').userId);
    const reply = await client.get(STATUS, { jwt });
    expect(reply.status).toBe(200);
    expectSecurityHeaders(reply.headers);
  });

  it('are on error responses and unknown routes', async () => {
    const { client } = on('pglite');
    const unauthenticated = await client.get(STATUS);
    expectProblem(unauthenticated, 401, 'unauthenticated');
    expectSecurityHeaders(unauthenticated.headers);
    const missing = await client.get('/api/zoom/oauth/nothing-here');
    expectProblem(missing, 404, 'not_found');
    expectSecurityHeaders(missing.headers);
  });

  it('are on the callback redirect', async () => {
    const { client } = on('pglite');
    const reply = await client.get(`/api/zoom/oauth/user-callback`, { query: { state: 'x', code: 'y' } });
    expect(reply.status).toBe(303);
    expectSecurityHeaders(reply.headers);
  });
});

describe('authorize without a user', () => {
  it('is refused 401 and sets no cookie', async () => {
    const { client } = on('pglite');
    const reply = await client.get(AUTHORIZE);
    expectProblem(reply, 401, 'unauthenticated');
    expect(reply.headers.getSetCookie()).toEqual([]);
  });
});
