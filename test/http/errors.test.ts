import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { approve, AUTHORIZE, begin, clientOverride, connect, expectProblem, MEETINGS, PROFILE, RECORDINGS, redirectQuery, REFRESH, REVOKE, STATUS, uniqueUser, type Connected } from '../helpers/http-client.js';
import { EmulatorControl } from '../helpers/emulator-control.js';
import { AFTER_CONNECT_URL, useStack, TEST_JWT_SECRET } from '../helpers/stack.js';

/**
 * Every error code the connect flow and the user endpoints answer with, each
 * provoked for real (bad credentials, Zoom faults injected at the emulator,
 * a grant revoked at Zoom). The emulator's client has no webhook here, so a
 * grant revoked at Zoom goes unnoticed until the service next uses it.
 */

const fx = useStack({ rateLimit: false, emulator: { clients: [clientOverride({ webhookUrl: undefined, webhookSecret: undefined })] } });

async function connected(label: string): Promise<Connected> {
  const { userId, zoomEmail } = uniqueUser(label);
  return connect(fx.client, fx.stack, userId, zoomEmail);
}

/** Runs `fn` with `faults` injected at the emulator, clearing them afterwards whatever happens. */
async function withFaults<T>(faults: Parameters<EmulatorControl['faults']>[0], fn: () => Promise<T>): Promise<T> {
  await fx.zoom.faults(faults);
  try {
    return await fn();
  } finally {
    await fx.zoom.faults({});
  }
}

const b64 = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
const inAnHour = (): number => Math.floor(Date.now() / 1000) + 3600;

describe('unauthenticated (401)', () => {
  const cases: Array<[string, () => Promise<Record<string, string>>]> = [
    ['no Authorization header', () => Promise.resolve({})],
    ['another scheme (Basic)', () => Promise.resolve({ authorization: 'Basic dXNlcjpwYXNz' })],
    ['a bearer that is not a JWT', () => Promise.resolve({ authorization: 'Bearer not a jwt' })],
    ['an empty bearer', () => Promise.resolve({ authorization: 'Bearer ' })],
    ['a JWT signed with another secret', async () => ({ authorization: `Bearer ${await fx.stack.signIn('mallory', { secret: 'another-secret-that-is-at-least-32-bytes!!' })}` })],
    ['an expired JWT', async () => ({ authorization: `Bearer ${await fx.stack.signIn('late', { expiresInSeconds: -120 })}` })],
    ['an unsigned JWT (alg: none)', () => Promise.resolve({ authorization: `Bearer ${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'admin', exp: inAnHour() })}.` })],
    [
      'a JWT with an algorithm we do not accept (HS512)',
      async () => ({
        authorization: `Bearer ${await new SignJWT({}).setProtectedHeader({ alg: 'HS512' }).setSubject('u').setExpirationTime(inAnHour()).sign(new TextEncoder().encode(TEST_JWT_SECRET))}`,
      }),
    ],
    [
      'a JWT without an expiry',
      async () => ({
        authorization: `Bearer ${await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('u').sign(new TextEncoder().encode(TEST_JWT_SECRET))}`,
      }),
    ],
    [
      'a JWT without a subject',
      async () => ({
        authorization: `Bearer ${await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setExpirationTime(inAnHour()).sign(new TextEncoder().encode(TEST_JWT_SECRET))}`,
      }),
    ],
  ];

  it.each(cases)('with %s', async (_label, headers) => {
    const reply = await fx.client.get(STATUS, { headers: await headers() });
    expectProblem(reply, 401, 'unauthenticated');
  });

  it('is required by every user endpoint and by authorize', async () => {
    for (const [method, path] of [
      ['GET', AUTHORIZE],
      ['GET', STATUS],
      ['GET', PROFILE],
      ['GET', MEETINGS],
      ['POST', MEETINGS],
      ['GET', RECORDINGS],
      ['POST', REFRESH],
      ['POST', REVOKE],
    ] as const) {
      const reply = await fx.client.call(method, path, method === 'POST' ? { json: {} } : {});
      expectProblem(reply, 401, 'unauthenticated');
    }
  });
});

describe('not_connected (409)', () => {
  it('for every Zoom call of a user who never connected', async () => {
    const jwt = await fx.stack.signIn(uniqueUser('never').userId);
    expectProblem(await fx.client.get(PROFILE, { jwt }), 409, 'not_connected');
    expectProblem(await fx.client.get(MEETINGS, { jwt }), 409, 'not_connected');
    expectProblem(await fx.client.post(MEETINGS, { jwt, json: { topic: 't', start_time: '2031-01-01T10:00:00Z', duration: 30 } }), 409, 'not_connected');
    expectProblem(await fx.client.get(RECORDINGS, { jwt }), 409, 'not_connected');
    expectProblem(await fx.client.post(REFRESH, { jwt }), 409, 'not_connected');
  });
});

describe('needs_reauth (409)', () => {
  it('when the grant was revoked at Zoom behind our back: the refresh gets invalid_grant and the status says needs_reauth', async () => {
    const user = await connected('reauth');
    const revoked = await fx.zoom.deauthorize(user.zoomEmail);
    expect(revoked).toMatchObject({ revokedGrants: 1, delivered: false });
    await fx.zoom.expire(user.zoomEmail);
    const before = await fx.zoom.stats();

    expectProblem(await fx.client.get(PROFILE, { jwt: user.jwt }), 409, 'needs_reauth');
    const after = await fx.zoom.stats();
    expect(after.tokenRequests.refresh_token).toBe((before.tokenRequests.refresh_token ?? 0) + 1);
    expect(after.invalidGrant).toBe(before.invalidGrant + 1);
    expect((await fx.client.get(STATUS, { jwt: user.jwt })).body).toMatchObject({ connected: false, status: 'needs_reauth' });
  });

  it('is then answered without asking Zoom again, and connecting again recovers', async () => {
    const user = await connected('reauth-again');
    await fx.zoom.deauthorize(user.zoomEmail);
    await fx.zoom.expire(user.zoomEmail);
    expectProblem(await fx.client.get(PROFILE, { jwt: user.jwt }), 409, 'needs_reauth');
    const refreshes = (await fx.zoom.stats()).tokenRequests.refresh_token;

    expectProblem(await fx.client.get(PROFILE, { jwt: user.jwt }), 409, 'needs_reauth');
    expectProblem(await fx.client.get(MEETINGS, { jwt: user.jwt }), 409, 'needs_reauth');
    expectProblem(await fx.client.post(REFRESH, { jwt: user.jwt }), 409, 'needs_reauth');
    expect((await fx.zoom.stats()).tokenRequests.refresh_token).toBe(refreshes);

    const again = await connect(fx.client, fx.stack, user.userId, user.zoomEmail);
    expect(again.status).toMatchObject({ connected: true, status: 'active' });
    expect((await fx.client.get(PROFILE, { jwt: user.jwt })).status).toBe(200);
  });
});

describe('zoom_unavailable (503 with Retry-After)', () => {
  it('when Zoom\'s token endpoint is down at the callback: nothing is stored', async () => {
    const { userId, zoomEmail } = uniqueUser('token-down');
    const flow = await begin(fx.client, fx.stack, userId);
    const { callbackUrl } = await approve(flow.authorizationUrl, zoomEmail);
    const reply = await withFaults({ tokenEndpointDown: true }, () =>
      fx.client.get(callbackUrl, { browser: flow.browser, headers: { accept: 'application/json' } }),
    );
    expectProblem(reply, 503, 'zoom_unavailable');
    expect(Number(reply.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await fx.client.get(STATUS, { jwt: flow.jwt })).body).toMatchObject({ connected: false, status: 'not_connected' });
  });

  it('when Zoom\'s token endpoint is down, a browser lands on zoom=error&reason=zoom_unavailable', async () => {
    const { userId, zoomEmail } = uniqueUser('token-down-html');
    const flow = await begin(fx.client, fx.stack, userId);
    const { callbackUrl } = await approve(flow.authorizationUrl, zoomEmail);
    const reply = await withFaults({ tokenEndpointDown: true }, () => fx.client.get(callbackUrl, { browser: flow.browser }));
    expect(Object.fromEntries(redirectQuery(reply, AFTER_CONNECT_URL))).toEqual({ zoom: 'error', reason: 'zoom_unavailable' });
  });

  it('when a manual refresh cannot reach Zoom: the connection stays usable on its still-valid token', async () => {
    const user = await connected('refresh-down');
    const reply = await withFaults({ tokenEndpointDown: true }, () => fx.client.post(REFRESH, { jwt: user.jwt }));
    expectProblem(reply, 503, 'zoom_unavailable');
    expect((await fx.client.get(STATUS, { jwt: user.jwt })).body).toMatchObject({ connected: true, status: 'active', refreshFailureCount: 1 });
    expect((await fx.client.get(PROFILE, { jwt: user.jwt })).status).toBe(200);
  });

  it('when Zoom\'s API answers 5xx', async () => {
    const user = await connected('api-down');
    const reply = await withFaults({ errorRate: 1, errorStatus: 503 }, () => fx.client.get(PROFILE, { jwt: user.jwt }));
    expectProblem(reply, 503, 'zoom_unavailable');
    expect((await fx.client.get(STATUS, { jwt: user.jwt })).body).toMatchObject({ status: 'active' });
  });
});

describe('connection_inactive (409)', () => {
  it('after 5 failed refreshes in a row: the still-valid token serves, a rejected one is not refreshed again, and a manual refresh revives it', async () => {
    const user = await connected('inactive');
    await withFaults({ tokenEndpointDown: true }, async () => {
      for (let i = 0; i < 5; i++) expectProblem(await fx.client.post(REFRESH, { jwt: user.jwt }), 503, 'zoom_unavailable');
    });
    expect((await fx.client.get(STATUS, { jwt: user.jwt })).body).toMatchObject({ connected: true, status: 'inactive', refreshFailureCount: 5 });
    expect((await fx.client.get(PROFILE, { jwt: user.jwt })).status).toBe(200);

    await fx.zoom.expire(user.zoomEmail);
    const refreshes = (await fx.zoom.stats()).tokenRequests.refresh_token;
    expectProblem(await fx.client.get(PROFILE, { jwt: user.jwt }), 409, 'connection_inactive');
    expect((await fx.zoom.stats()).tokenRequests.refresh_token).toBe(refreshes);

    expect((await fx.client.post(REFRESH, { jwt: user.jwt })).body).toMatchObject({ status: 'active', refreshFailureCount: 0 });
    expect((await fx.client.get(PROFILE, { jwt: user.jwt })).status).toBe(200);
  });
});

describe('zoom_rate_limited (429 with Retry-After)', () => {
  it('when Zoom\'s Retry-After is longer than the client waits', async () => {
    const user = await connected('rate-long');
    const reply = await withFaults({ rateLimit: { count: 1, retryAfter: 30 } }, () => fx.client.get(PROFILE, { jwt: user.jwt }));
    const p = expectProblem(reply, 429, 'zoom_rate_limited');
    expect(reply.headers.get('retry-after')).toBe('30');
    expect(p.retryAfter).toBe(30);
  });

  it('when Zoom\'s daily limit is reached, even with a short Retry-After', async () => {
    const user = await connected('rate-daily');
    const reply = await withFaults({ rateLimit: { count: 1, retryAfter: 1, type: 'Daily' } }, () => fx.client.get(MEETINGS, { jwt: user.jwt }));
    expectProblem(reply, 429, 'zoom_rate_limited');
  });

  it('is not surfaced for a short per-second burst: the client waits and retries', async () => {
    const user = await connected('rate-short');
    const reply = await withFaults({ rateLimit: { count: 1, retryAfter: 1 } }, () => fx.client.get(PROFILE, { jwt: user.jwt }));
    expect(reply.status).toBe(200);
  });
});

describe('validation_failed (400)', () => {
  it('authorize refuses a returnTo that is not on the allow list, and an unknown parameter', async () => {
    const jwt = await fx.stack.signIn(uniqueUser('returnto').userId);
    const evil = await fx.client.get(AUTHORIZE, { jwt, query: { returnTo: 'https://evil.example/steal' } });
    expectProblem(evil, 400, 'validation_failed');
    expect(evil.headers.getSetCookie()).toEqual([]);
    expectProblem(await fx.client.get(AUTHORIZE, { jwt, query: { redirect_uri: 'https://evil.example/cb' } }), 400, 'validation_failed');
  });

  it('a malformed URL (bad percent-encoding) is 400 problem+json, not Fastify\'s own error JSON', async () => {
    const jwt = await fx.stack.signIn(uniqueUser('bad-url').userId);
    expectProblem(await fx.client.get(`${STATUS}%zz`, { jwt }), 400, 'validation_failed');
    expectProblem(await fx.client.get('/api/zoom/oauth/user-callback%E0%A4%A', { query: { state: 'x', code: 'y' } }), 400, 'validation_failed');
  });
});

describe('not_found (404)', () => {
  it('for unknown routes, as problem+json', async () => {
    expectProblem(await fx.client.get('/api/zoom/oauth/user/tokens'), 404, 'not_found');
    expectProblem(await fx.client.post('/api/zoom/oauth/user/delete-everything', { json: {} }), 404, 'not_found');
    expectProblem(await fx.client.get('/nothing/here?x=1'), 404, 'not_found');
  });
});

describe('insufficient_scope (403), for an app granted only user:read', () => {
  const scopedFx = useStack({ db: 'postgres', rateLimit: false, emulator: { clients: [clientOverride({ scopes: ['user:read'] })] } });

  it('meetings and recordings are refused before Zoom is called; the profile works', async () => {
    const { userId, zoomEmail } = uniqueUser('scoped');
    const user = await connect(scopedFx.client, scopedFx.stack, userId, zoomEmail);
    expect(user.status.grantedScopes).toEqual(['user:read']);
    const apiCallsBefore = (await scopedFx.zoom.stats()).apiCalls;

    expectProblem(await scopedFx.client.get(MEETINGS, { jwt: user.jwt }), 403, 'insufficient_scope');
    expectProblem(
      await scopedFx.client.post(MEETINGS, { jwt: user.jwt, json: { topic: 't', start_time: '2031-01-01T10:00:00Z', duration: 30 } }),
      403,
      'insufficient_scope',
    );
    expectProblem(await scopedFx.client.get(RECORDINGS, { jwt: user.jwt }), 403, 'insufficient_scope');
    expect((await scopedFx.zoom.stats()).apiCalls).toEqual(apiCallsBefore);
    expect((await scopedFx.client.get(PROFILE, { jwt: user.jwt })).status).toBe(200);
  });
});
