import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser } from '../helpers/flow.js';
import {
  approve,
  begin,
  connect,
  JWT_LIKE,
  MEETINGS,
  PROFILE,
  RECORDINGS,
  REFRESH,
  REVOKE,
  ServiceClient,
  STATUS,
  uniqueUser,
} from '../helpers/http-client.js';
import { EmulatorControl } from '../helpers/emulator-control.js';
import { startStack, TEST_CLIENT_SECRET, TEST_WEBHOOK_SECRET, type TestStack } from '../helpers/stack.js';

/**
 * After a lifecycle that touches every endpoint and fails in the usual ways
 * (replay, hijack, forged code, Zoom down, Zoom 5xx, bad JWT, deauthorization
 * webhook), no secret appears in the service's log or in any response.
 * Zoom's tokens are read back from the store (in-process) to know what to look for.
 * PostgreSQL: its driver's errors carry query details, so it is the backend
 * more likely to leak (and it starts in a second, PGlite in several).
 */

let stack: TestStack;
let client: ServiceClient;
let zoom: EmulatorControl;

/** Secrets with the name they are reported under. */
const secrets = new Map<string, string>();
/** The state is in authorize's answer by design (it is part of the consent URL); nowhere else. */
const states = new Map<string, string>();
/** Browser-binding cookies: in Set-Cookie by design; never in a log. */
const bindings = new Map<string, string>();
/** PKCE code verifiers: sent to Zoom's token endpoint only; never in a response or a log. */
const verifiers = new Map<string, string>();

/**
 * The verifiers live encrypted in the database; this records each one as the
 * store hands it to the connect flow at a callback (the real store still
 * does the work). Every flow below that reaches the callback adds one.
 */
function recordVerifiers(): void {
  const repository = stack.service.store.states;
  const consume = repository.consume.bind(repository);
  repository.consume = async (stateHash, now) => {
    const result = await consume(stateHash, now);
    if (result.ok) verifiers.set(`PKCE verifier ${verifiers.size + 1}`, result.state.codeVerifier);
    return result;
  };
}

async function rememberTokens(label: string, userId: string): Promise<void> {
  const row = await stack.service.store.connections.getWithTokens(userId);
  expect(row?.tokens, `${label}: tokens stored`).toBeTruthy();
  secrets.set(`${label} access token`, row?.tokens?.accessToken ?? '');
  secrets.set(`${label} refresh token`, row?.tokens?.refreshToken ?? '');
}

function rememberBinding(label: string, browser: Browser): void {
  const value = browser.cookies.get('zoom_connect_binding');
  if (value) bindings.set(`${label} binding`, value);
}

beforeAll(async () => {
  stack = await startStack({ db: 'postgres', rateLimit: false });
  client = new ServiceClient(stack.baseUrl);
  zoom = new EmulatorControl(stack.emulator.url);
  recordVerifiers();
  secrets.set('client secret', TEST_CLIENT_SECRET);
  secrets.set('webhook secret', TEST_WEBHOOK_SECRET);
  const json = { accept: 'application/json' };

  // A connects in a browser (HTML redirect), uses everything, refreshes.
  const a = uniqueUser('leak-a');
  const aFlow = await begin(client, stack, a.userId);
  const aConsent = await approve(aFlow.authorizationUrl, a.zoomEmail);
  secrets.set('A code', aConsent.code);
  states.set('A state', aFlow.state);
  rememberBinding('A', aFlow.browser);
  expect((await client.get(aConsent.callbackUrl, { browser: aFlow.browser })).status).toBe(303);
  await rememberTokens('A initial', a.userId);
  await client.get(STATUS, { jwt: aFlow.jwt });
  await client.get(PROFILE, { jwt: aFlow.jwt });
  await client.get(MEETINGS, { jwt: aFlow.jwt, query: { page_size: '1' } });
  await client.post(MEETINGS, { jwt: aFlow.jwt, json: { topic: 'Consult', start_time: '2031-01-01T10:00:00Z', duration: 30, password: 'pa55' } });
  await client.get(RECORDINGS, { jwt: aFlow.jwt, query: { from: '2025-01-01', to: '2025-02-15' } });
  await client.post(REFRESH, { jwt: aFlow.jwt });
  await rememberTokens('A refreshed', a.userId);

  // The callback replayed.
  expect((await client.get(aConsent.callbackUrl, { browser: aFlow.browser, headers: json })).status).toBe(400);

  // A hijack attempt: the attacker's link finished in another browser.
  const attacker = uniqueUser('leak-attacker');
  const hijack = await begin(client, stack, attacker.userId);
  const hijackConsent = await approve(hijack.authorizationUrl, uniqueUser('leak-victim').zoomEmail);
  secrets.set('hijack code', hijackConsent.code);
  states.set('hijack state', hijack.state);
  rememberBinding('attacker', hijack.browser);
  expect((await client.get(hijackConsent.callbackUrl, { browser: new Browser(), headers: json })).status).toBe(403);

  // A forged code, and a real one while Zoom's token endpoint is down (both HTML, so the failure redirects).
  const forged = uniqueUser('leak-forged');
  const forgedFlow = await begin(client, stack, forged.userId);
  const forgedConsent = await approve(forgedFlow.authorizationUrl, forged.zoomEmail);
  const forgedCode = 'Zm9yZ2VkLWJ1dC1wbGF1c2libGUtYXV0aG9yaXphdGlvbi1jb2Rl';
  secrets.set('real code never used', forgedConsent.code);
  secrets.set('forged code', forgedCode);
  states.set('forged state', forgedFlow.state);
  const forgedUrl = new URL(forgedConsent.callbackUrl);
  forgedUrl.searchParams.set('code', forgedCode);
  expect((await client.get(forgedUrl.toString(), { browser: forgedFlow.browser })).headers.get('location')).toContain('zoom_code_rejected');

  const down = uniqueUser('leak-down');
  const downFlow = await begin(client, stack, down.userId);
  const downConsent = await approve(downFlow.authorizationUrl, down.zoomEmail);
  secrets.set('code during outage', downConsent.code);
  states.set('outage state', downFlow.state);
  await zoom.faults({ tokenEndpointDown: true });
  const downReply = await client.get(downConsent.callbackUrl, { browser: downFlow.browser });
  await zoom.faults({});
  expect(downReply.headers.get('location')).toContain('zoom_unavailable');

  // Zoom's API failing, and a refresh while the token endpoint is down.
  await zoom.faults({ errorRate: 1, errorStatus: 502 });
  expect((await client.get(PROFILE, { jwt: aFlow.jwt })).status).toBe(503);
  await zoom.faults({ tokenEndpointDown: true });
  expect((await client.post(REFRESH, { jwt: aFlow.jwt })).status).toBe(503);
  await zoom.faults({});

  // Bad app credentials.
  const badJwt = await stack.signIn(a.userId, { secret: 'not-the-app-secret-but-long-enough-to-sign' });
  secrets.set('forged app JWT', badJwt);
  expect((await client.get(STATUS, { jwt: badJwt })).status).toBe(401);

  // B connects, then Zoom deauthorizes B (signed webhook to the service).
  const b = uniqueUser('leak-b');
  const bConn = await connect(client, stack, b.userId, b.zoomEmail);
  secrets.set('B code', bConn.code);
  states.set('B state', bConn.state);
  rememberBinding('B', bConn.browser);
  await rememberTokens('B', b.userId);
  expect((await zoom.deauthorize(b.zoomEmail)).delivered).toBe(true);
  expect((await client.get(STATUS, { jwt: bConn.jwt })).body).toMatchObject({ status: 'deauthorized' });

  // A disconnects.
  expect((await client.post(REVOKE, { jwt: aFlow.jwt })).body).toMatchObject({ status: 'revoked', revokedAtZoom: true });
  secrets.set('A app JWT', aFlow.jwt);

  // The scan below is only worth something if the log recorded these events.
  const log = stack.logs.join('');
  expect(log).toContain('Zoom connected');
  expect(log).toContain('Zoom token refreshed');
  expect(log).toContain('Zoom call failed');
  expect(log).toContain('connect callback refused');
});

afterAll(async () => {
  await stack?.close();
});

function leaks(haystack: string, needles: Map<string, string>): string[] {
  return [...needles].filter(([, value]) => value.length > 0 && haystack.includes(value)).map(([name]) => name);
}

describe('secrets', () => {
  it('never appear in the service\'s log: no token, code, state, binding, app JWT or client/webhook secret', () => {
    const log = stack.logs.join('');
    expect(leaks(log, secrets)).toEqual([]);
    expect(leaks(log, states)).toEqual([]);
    expect(leaks(log, bindings)).toEqual([]);
    expect(log.match(JWT_LIKE)).toBeNull();
  });

  it('never appear in any response: no token, code, app JWT or secret in a body, header or redirect', () => {
    expect(client.exchanges.length).toBeGreaterThan(20);
    for (const exchange of client.exchanges) {
      expect(leaks(exchange.raw, secrets), `${exchange.method} ${exchange.path} ${exchange.status}`).toEqual([]);
      expect(exchange.raw.match(JWT_LIKE), `${exchange.method} ${exchange.path}`).toBeNull();
    }
  });

  it('never include a PKCE code verifier: not in the log, not in any response', () => {
    // A, the hijack, the forged code, the outage, B: five flows consumed their state at the callback.
    expect(verifiers.size).toBe(5);
    expect(leaks(stack.logs.join(''), verifiers)).toEqual([]);
    for (const exchange of client.exchanges) {
      expect(leaks(exchange.raw, verifiers), `${exchange.method} ${exchange.path} ${exchange.status}`).toEqual([]);
    }
  });

  it('the state appears only in the authorize answer that issued it', () => {
    const issued = client.exchanges.filter((e) => e.path.endsWith('/user/authorize')).map((e) => e.raw).join('\n');
    // The scan finds what is there: every state is in the answer that issued it.
    expect(leaks(issued, states).sort()).toEqual([...states.keys()].sort());
    for (const exchange of client.exchanges.filter((e) => !e.path.endsWith('/user/authorize'))) {
      expect(leaks(exchange.raw, states), `${exchange.method} ${exchange.path} ${exchange.status}`).toEqual([]);
    }
  });

  it('the binding cookie appears only in the Set-Cookie of authorize', () => {
    const issued = client.exchanges.filter((e) => e.path.endsWith('/user/authorize')).map((e) => e.raw).join('\n');
    expect(leaks(issued, bindings).sort()).toEqual([...bindings.keys()].sort());
    for (const exchange of client.exchanges.filter((e) => !e.path.endsWith('/user/authorize'))) {
      expect(leaks(exchange.raw, bindings), `${exchange.method} ${exchange.path} ${exchange.status}`).toEqual([]);
    }
  });
});
