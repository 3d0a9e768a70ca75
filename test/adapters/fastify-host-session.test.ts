import fastifyCookie from '@fastify/cookie';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zoomConnect } from '../../src/http/plugin.js';
import { startEmbeddedCore, type EmbeddedCore } from '../helpers/embedded.js';
import { Browser, consent } from '../helpers/flow.js';
import { expectProblem, REFRESH, REVOKE, ServiceClient, STATUS, uniqueUser } from '../helpers/http-client.js';
import { captureLog, secretsIn, type CapturedLog } from '../helpers/log-capture.js';

/**
 * The plugin in a host Fastify app that is a typical cookie-session web app:
 * it registers @fastify/cookie itself, signs users in with a signed session
 * cookie, and logs its requests at info (Fastify's default).
 */

const HOST_COOKIE_SECRET = 'host-app-cookie-signing-secret-0123456789';
/** A frontend on another origin that the host serves with credentialed CORS. */
const TRUSTED_FRONTEND = 'https://app.example.test';

let env: EmbeddedCore;
let host: FastifyInstance;
let log: CapturedLog;
let client: ServiceClient;

function sessionUser(request: FastifyRequest): string | null {
  const raw = request.cookies.session;
  if (!raw) return null;
  const unsigned = request.unsignCookie(raw);
  return unsigned.valid ? unsigned.value : null;
}

beforeAll(async () => {
  env = await startEmbeddedCore();
  log = captureLog('info');
  const hostLogger: FastifyBaseLogger = log.logger;
  host = Fastify({ loggerInstance: hostLogger });
  await host.register(fastifyCookie, { secret: HOST_COOKIE_SECRET });
  host.post<{ Body: { user: string } }>('/host/login', {
    schema: { body: { type: 'object', required: ['user'], properties: { user: { type: 'string', pattern: '^[a-z0-9-]+$' } } } },
  }, (request, reply) => {
    void reply.setCookie('session', request.body.user, { signed: true, path: '/', httpOnly: true, sameSite: 'lax' });
    return { user: request.body.user };
  });
  host.get('/host/whoami', (request) => ({ user: sessionUser(request) }));
  await host.register(zoomConnect, env.core.pluginOptions(sessionUser, { rateLimit: false, trustedOrigins: [TRUSTED_FRONTEND] }));
  await host.listen({ port: env.port, host: '127.0.0.1' });
  client = new ServiceClient(env.baseUrl);
});

afterAll(async () => {
  await host?.close();
  await env?.close();
});

/** Signs `user` in through the host's own login route, in `browser`. */
async function login(browser: Browser, user: string): Promise<void> {
  const res = await browser.fetch(`${env.baseUrl}/host/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user }),
  });
  expect(res.status).toBe(200);
}

/** Begins the flow as the browser's session user and consents as `zoomEmail`; returns Zoom's redirect to the callback. */
async function beginAndConsent(browser: Browser, zoomEmail: string): Promise<string> {
  const res = await browser.fetch(`${env.baseUrl}/api/zoom/oauth/user/authorize`);
  expect(res.status).toBe(200);
  return consent(((await res.json()) as { authorizationUrl: string }).authorizationUrl, zoomEmail);
}

/** A user signed in with the host and connected to Zoom, in their own browser. */
async function connectedUser(label: string): Promise<{ userId: string; browser: Browser; callbackUrl: string }> {
  const { userId, zoomEmail } = uniqueUser(label);
  const browser = new Browser();
  await login(browser, userId);
  const callbackUrl = await beginAndConsent(browser, zoomEmail);
  const callback = await browser.fetch(callbackUrl);
  expect(callback.headers.get('location')).toContain('zoom=connected');
  return { userId, browser, callbackUrl };
}

async function statusOf(userId: string): Promise<string> {
  return (await env.core.connections.status(userId)).status;
}

describe('a host app that registers @fastify/cookie itself', () => {
  it('keeps its own cookie routes: its login sets a signed session cookie that its routes read back', async () => {
    const browser = new Browser();
    await login(browser, 'cookie-owner');
    const whoami = await browser.fetch(`${env.baseUrl}/host/whoami`);
    expect(await whoami.json()).toEqual({ user: 'cookie-owner' });
  });

  it('keeps its parser beside the plugin: the binding cookie is set and read back, and the user connects', async () => {
    const user = await connectedUser('shared-cookie');
    expect(user.browser.cookies.has('zoom_connect_binding')).toBe(true);
    expect(await statusOf(user.userId)).toBe('active');
  });
});

describe('the host\'s own request log at info', () => {
  it('shows the callback by its path only: no code, state, binding cookie or token', async () => {
    const user = await connectedUser('host-log');
    const query = new URL(user.callbackUrl).searchParams;
    const row = await env.core.store.connections.getWithTokens(user.userId);
    const secrets = new Map([
      ['code', query.get('code') ?? ''],
      ['state', query.get('state') ?? ''],
      ['binding cookie', user.browser.cookies.get('zoom_connect_binding') ?? ''],
      ['access token', row?.tokens?.accessToken ?? ''],
      ['refresh token', row?.tokens?.refreshToken ?? ''],
    ]);
    expect([...secrets.values()].every((value) => value.length > 0)).toBe(true);
    // The host did log the callback request; it just holds nothing secret.
    expect(log.lines.some((line) => line.includes('"url":"/api/zoom/oauth/user-callback"'))).toBe(true);
    expect(secretsIn(log.lines.join('\n'), secrets)).toEqual([]);
  });
});

describe('the callback under the host\'s session', () => {
  it('refuses user B finishing user A\'s flow in A\'s browser (A\'s binding cookie) with 403 state_user_mismatch, linking nobody', async () => {
    const a = uniqueUser('session-a');
    const b = uniqueUser('session-b');
    const browser = new Browser();
    await login(browser, a.userId);
    const callbackUrl = await beginAndConsent(browser, a.zoomEmail);
    await login(browser, b.userId);
    expect(browser.cookies.has('zoom_connect_binding')).toBe(true);

    expectProblem(await client.get(callbackUrl, { browser, headers: { accept: 'application/json' } }), 403, 'state_user_mismatch');
    expect([await statusOf(a.userId), await statusOf(b.userId)]).toEqual(['not_connected', 'not_connected']);
  });
});

describe('cross-site request forgery against the host\'s session', () => {
  it('a cross-site POST revoke carrying the session cookie is refused 403 cross_site_request and the connection stays', async () => {
    const user = await connectedUser('csrf-site');
    const headers = { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'no-cors' };
    expectProblem(await client.post(REVOKE, { browser: user.browser, headers }), 403, 'cross_site_request');
    expectProblem(await client.post(REFRESH, { browser: user.browser, headers }), 403, 'cross_site_request');
    expect(await statusOf(user.userId)).toBe('active');
  });

  it('a POST revoke from a sibling subdomain (same-site, which Lax cookies reach) is refused 403 and the connection stays', async () => {
    const user = await connectedUser('csrf-sibling');
    expectProblem(await client.post(REVOKE, { browser: user.browser, headers: { 'sec-fetch-site': 'same-site' } }), 403, 'cross_site_request');
    expect(await statusOf(user.userId)).toBe('active');
  });

  it.each([
    ['a foreign origin', 'https://evil.example'],
    ['an opaque (null) origin', 'null'],
  ])('without Fetch Metadata, a POST revoke from %s is refused 403 by its Origin and the connection stays', async (_label, origin) => {
    const user = await connectedUser('csrf-origin');
    expectProblem(await client.post(REVOKE, { browser: user.browser, headers: { origin } }), 403, 'cross_site_request');
    expect(await statusOf(user.userId)).toBe('active');
  });

  it('without Fetch Metadata, a POST revoke whose Origin is this host disconnects', async () => {
    const user = await connectedUser('same-origin-header');
    const reply = await client.post(REVOKE, { browser: user.browser, headers: { origin: env.baseUrl } });
    expect(reply.status).toBe(200);
    expect(await statusOf(user.userId)).toBe('revoked');
  });

  it('a POST revoke from a trusted frontend origin disconnects, even cross-site', async () => {
    const user = await connectedUser('trusted-origin');
    const reply = await client.post(REVOKE, { browser: user.browser, headers: { origin: TRUSTED_FRONTEND, 'sec-fetch-site': 'cross-site' }, json: {} });
    expect(reply.status).toBe(200);
    expect(await statusOf(user.userId)).toBe('revoked');
  });

  it.each([
    ['text/plain', 'x'],
    ['text/plain;charset=UTF-8', ''],
    ['application/x-www-form-urlencoded', 'a=b'],
    ['multipart/form-data; boundary=zc', '--zc\r\nContent-Disposition: form-data; name="a"\r\n\r\nb\r\n--zc--\r\n'],
  ])('a POST revoke with a form-encodable body (%s) is refused 415 unsupported_media_type and the connection stays', async (type, body) => {
    const user = await connectedUser('csrf-form');
    expectProblem(await client.post(REVOKE, { browser: user.browser, headers: { 'content-type': type }, body }), 415, 'unsupported_media_type');
    expect(await statusOf(user.userId)).toBe('active');
  });

  it('a same-origin POST revoke with no body disconnects', async () => {
    const user = await connectedUser('same-origin-empty');
    const reply = await client.post(REVOKE, { browser: user.browser, headers: { 'sec-fetch-site': 'same-origin' } });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ status: 'revoked' });
  });

  it('a same-origin POST revoke with a JSON body disconnects', async () => {
    const user = await connectedUser('same-origin-json');
    const reply = await client.post(REVOKE, { browser: user.browser, headers: { 'sec-fetch-site': 'same-origin' }, json: {} });
    expect(reply.status).toBe(200);
    expect((await client.get(STATUS, { browser: user.browser })).body).toMatchObject({ status: 'revoked' });
  });
});
