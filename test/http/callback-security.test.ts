import { describe, expect, it } from 'vitest';
import { Browser, consent } from '../helpers/flow.js';
import { approve, begin, CALLBACK, connect, expectProblem, MEETINGS, PROFILE, redirectQuery, REVOKE, STATUS, uniqueUser, type Json, type Reply } from '../helpers/http-client.js';

import { AFTER_CONNECT_URL, useStack } from '../helpers/stack.js';

/**
 * Attacks on the callback: cross-user session fixation (the connect-link
 * hijack), replays, forged or tampered states, malformed codes, oversized
 * input, and one user reaching another's connection. Rate limits are off
 * here (this file runs many flows from one IP); rate-limit.test.ts covers them.
 */

const fx = useStack({ rateLimit: false });

const asJson = { accept: 'application/json' };

async function codeExchanges(): Promise<number> {
  return (await fx.zoom.stats()).tokenRequests.authorization_code ?? 0;
}

async function statusOf(userId: string): Promise<Json> {
  return (await fx.client.get(STATUS, { jwt: await fx.stack.signIn(userId) })).body;
}

/** The callback URL with one query parameter replaced. */
function withParam(callbackUrl: string, name: string, value: string): string {
  const url = new URL(callbackUrl);
  url.searchParams.set(name, value);
  return url.toString();
}

describe('the connect-link hijack (cross-user session fixation)', () => {
  it('is refused when the victim\'s browser finishes a flow the attacker began: the code is never exchanged and nobody is connected', async () => {
    const attacker = uniqueUser('attacker');
    const victim = uniqueUser('victim');
    const attackerFlow = await begin(fx.client, fx.stack, attacker.userId, new Browser());
    const exchangesBefore = await codeExchanges();

    // The attacker sends the link; the victim consents with their own Zoom account in their own browser.
    const victimBrowser = new Browser();
    const { callbackUrl } = await approve(attackerFlow.authorizationUrl, victim.zoomEmail);
    const reply = await fx.client.get(callbackUrl, { browser: victimBrowser, headers: asJson });

    expectProblem(reply, 403, 'state_browser_mismatch');
    expect(await codeExchanges()).toBe(exchangesBefore);
    expect(await statusOf(attacker.userId)).toMatchObject({ connected: false, status: 'not_connected' });
    expect(await statusOf(victim.userId)).toMatchObject({ connected: false, status: 'not_connected' });
  });

  it('sends the victim\'s browser to the app with zoom=error&reason=state_browser_mismatch', async () => {
    const attacker = uniqueUser('attacker-html');
    const victim = uniqueUser('victim-html');
    const attackerFlow = await begin(fx.client, fx.stack, attacker.userId);
    const { callbackUrl } = await approve(attackerFlow.authorizationUrl, victim.zoomEmail);
    const reply = await fx.client.get(callbackUrl, { browser: new Browser() });
    expect(Object.fromEntries(redirectQuery(reply, AFTER_CONNECT_URL))).toEqual({ zoom: 'error', reason: 'state_browser_mismatch' });
    expect(reply.headers.get('referrer-policy')).toBe('no-referrer');
    expect(reply.headers.get('cache-control')).toBe('no-store');
  });

  it('burns the attacker\'s state: the same link then fails even in the attacker\'s own browser', async () => {
    const attacker = uniqueUser('attacker-burn');
    const victim = uniqueUser('victim-burn');
    const attackerFlow = await begin(fx.client, fx.stack, attacker.userId);
    const { callbackUrl } = await approve(attackerFlow.authorizationUrl, victim.zoomEmail);
    expectProblem(await fx.client.get(callbackUrl, { browser: new Browser(), headers: asJson }), 403, 'state_browser_mismatch');

    const exchangesBefore = await codeExchanges();
    expectProblem(await fx.client.get(callbackUrl, { browser: attackerFlow.browser, headers: asJson }), 400, 'invalid_state');
    expect(await codeExchanges()).toBe(exchangesBefore);
    expect(await statusOf(attacker.userId)).toMatchObject({ status: 'not_connected' });
  });

  it('refuses user B\'s state in user A\'s browser, even though A\'s browser holds its own binding cookie', async () => {
    const a = uniqueUser('user-a');
    const b = uniqueUser('user-b');
    const aFlow = await begin(fx.client, fx.stack, a.userId);
    const bFlow = await begin(fx.client, fx.stack, b.userId);
    expect(aFlow.browser.cookies.size).toBe(1);
    const exchangesBefore = await codeExchanges();

    const { callbackUrl } = await approve(bFlow.authorizationUrl, a.zoomEmail);
    expectProblem(await fx.client.get(callbackUrl, { browser: aFlow.browser, headers: asJson }), 403, 'state_browser_mismatch');
    expect(await codeExchanges()).toBe(exchangesBefore);
    expect(await statusOf(a.userId)).toMatchObject({ status: 'not_connected' });
    expect(await statusOf(b.userId)).toMatchObject({ status: 'not_connected' });
  });
});

describe('the state', () => {
  it('is one-time: a replayed callback is invalid_state and changes nothing', async () => {
    const { userId, zoomEmail } = uniqueUser('replay');
    const first = await connect(fx.client, fx.stack, userId, zoomEmail);
    const exchangesBefore = await codeExchanges();

    const replay = await fx.client.get(first.callbackUrl, { browser: first.browser, headers: asJson });
    expectProblem(replay, 400, 'invalid_state');
    expect(await codeExchanges()).toBe(exchangesBefore);
    expect(await statusOf(userId)).toEqual(first.status);
    expect((await fx.client.get(PROFILE, { jwt: first.jwt })).status).toBe(200);
  });

  it('is consumed once when two callbacks race with it: one connects, the other is invalid_state, one code exchange', async () => {
    const { userId, zoomEmail } = uniqueUser('race');
    const flow = await begin(fx.client, fx.stack, userId);
    const { callbackUrl } = await approve(flow.authorizationUrl, zoomEmail);
    const exchangesBefore = await codeExchanges();

    const replies = await Promise.all([1, 2].map(() => fx.client.get(callbackUrl, { browser: flow.browser, headers: asJson })));
    expect(replies.map((r) => r.status).sort()).toEqual([200, 400]);
    expect(replies.find((r) => r.status === 400)?.body).toMatchObject({ code: 'invalid_state' });
    expect(await codeExchanges()).toBe(exchangesBefore + 1);
  });

  it('sent twice in one callback (state=a&state=b) is refused 400', async () => {
    const { userId, zoomEmail } = uniqueUser('dup');
    const flow = await begin(fx.client, fx.stack, userId);
    const { callbackUrl } = await approve(flow.authorizationUrl, zoomEmail);
    const exchangesBefore = await codeExchanges();
    const doubled = `${callbackUrl}&state=${'B'.repeat(43)}`;
    const reply = await fx.client.get(doubled, { browser: flow.browser, headers: asJson });
    expect(reply.status).toBe(400);
    expect(await codeExchanges()).toBe(exchangesBefore);
  });

  it('tampered by one character is invalid_state, and the genuine state still completes', async () => {
    const { userId, zoomEmail } = uniqueUser('tamper');
    const flow = await begin(fx.client, fx.stack, userId);
    const { callbackUrl } = await approve(flow.authorizationUrl, zoomEmail);
    const last = flow.state.at(-1) === 'A' ? 'B' : 'A';
    const tampered = withParam(callbackUrl, 'state', `${flow.state.slice(0, -1)}${last}`);
    const exchangesBefore = await codeExchanges();

    expectProblem(await fx.client.get(tampered, { browser: flow.browser, headers: asJson }), 400, 'invalid_state');
    expect(await codeExchanges()).toBe(exchangesBefore);
    expect((await fx.client.get(callbackUrl, { browser: flow.browser, headers: asJson })).status).toBe(200);
  });

  it('missing or malformed is invalid_state without touching Zoom', async () => {
    const exchangesBefore = await codeExchanges();
    const queries: Array<Record<string, string>> = [{ code: 'abc' }, { code: 'abc', state: 'short' }, { code: 'abc', state: `${'a'.repeat(42)}!` }];
    for (const query of queries) {
      expectProblem(await fx.client.get(CALLBACK, { query, headers: asJson }), 400, 'invalid_state');
    }
    expect(await codeExchanges()).toBe(exchangesBefore);
  });

  it('expires after 10 minutes: a callback 11 minutes later is state_expired and the code is not exchanged', async () => {
    const { userId, zoomEmail } = uniqueUser('expired');
    const flow = await begin(fx.client, fx.stack, userId);
    const { callbackUrl } = await approve(flow.authorizationUrl, zoomEmail);
    fx.stack.clock.advance(11 * 60_000);
    const exchangesBefore = await codeExchanges();

    expectProblem(await fx.client.get(callbackUrl, { browser: flow.browser, headers: asJson }), 400, 'state_expired');
    expect(await codeExchanges()).toBe(exchangesBefore);
    expect(await statusOf(userId)).toMatchObject({ status: 'not_connected' });
  });
});

describe('the code', () => {
  it.each([
    ['5000 characters long', 'a'.repeat(5000), 400, 'validation_failed'],
    ['containing spaces and quotes', 'abc def"\'<x>', 400, 'invalid_code'],
    ['empty', '', 400, 'invalid_code'],
  ])('is refused without calling Zoom when %s', async (_label, code, status, problemCode) => {
    const { userId, zoomEmail } = uniqueUser('badcode');
    const flow = await begin(fx.client, fx.stack, userId);
    const { callbackUrl } = await approve(flow.authorizationUrl, zoomEmail);
    const exchangesBefore = await codeExchanges();

    const reply = await fx.client.get(withParam(callbackUrl, 'code', code), { browser: flow.browser, headers: asJson });
    expectProblem(reply, status, problemCode);
    expect(await codeExchanges()).toBe(exchangesBefore);
    expect(await statusOf(userId)).toMatchObject({ status: 'not_connected' });
  });

  it('that Zoom does not know is zoom_code_rejected and stores nothing', async () => {
    const { userId, zoomEmail } = uniqueUser('unknowncode');
    const flow = await begin(fx.client, fx.stack, userId);
    const { callbackUrl } = await approve(flow.authorizationUrl, zoomEmail);
    const exchangesBefore = await codeExchanges();

    const forged = withParam(callbackUrl, 'code', 'Zm9yZ2VkLWNvZGUtdGhhdC16b29tLW5ldmVyLWlzc3VlZA');
    expectProblem(await fx.client.get(forged, { browser: flow.browser, headers: asJson }), 400, 'zoom_code_rejected');
    expect(await codeExchanges()).toBe(exchangesBefore + 1);
    expect(await statusOf(userId)).toMatchObject({ status: 'not_connected' });
  });
});

describe('Zoom\'s answer', () => {
  it('a declined consent redirects with zoom=error&reason=zoom_denied and connects nothing', async () => {
    const { userId, zoomEmail } = uniqueUser('denied');
    const flow = await begin(fx.client, fx.stack, userId);
    const callbackUrl = await consent(flow.authorizationUrl, zoomEmail, 'deny');
    expect(new URL(callbackUrl).searchParams.get('error')).toBe('access_denied');

    const reply = await fx.client.get(callbackUrl, { browser: flow.browser });
    expect(Object.fromEntries(redirectQuery(reply, AFTER_CONNECT_URL))).toEqual({ zoom: 'error', reason: 'zoom_denied' });
    expect(await statusOf(userId)).toMatchObject({ status: 'not_connected' });
  });

  it('a declined consent answers 400 zoom_denied as JSON', async () => {
    const { userId, zoomEmail } = uniqueUser('denied-json');
    const flow = await begin(fx.client, fx.stack, userId);
    const callbackUrl = await consent(flow.authorizationUrl, zoomEmail, 'deny');
    expectProblem(await fx.client.get(callbackUrl, { browser: flow.browser, headers: asJson }), 400, 'zoom_denied');
  });

  it('an error other than access_denied is zoom_code_rejected', async () => {
    const { userId } = uniqueUser('zoom-error');
    const flow = await begin(fx.client, fx.stack, userId);
    const reply = await fx.client.get(CALLBACK, { browser: flow.browser, headers: asJson, query: { state: flow.state, error: 'server_error' } });
    expectProblem(reply, 400, 'zoom_code_rejected');
  });
});

describe('oversized input', () => {
  it('a callback query over the server\'s header limit is refused 431 before any handler runs, without calling Zoom', async () => {
    const exchangesBefore = await codeExchanges();
    // Plain fetch: Node's HTTP parser refuses this one before any route; the answer is still problem+json.
    const res = await fetch(`${fx.stack.baseUrl}${CALLBACK}?state=${'a'.repeat(43)}&code=${'b'.repeat(40_000)}`, { redirect: 'manual' });
    expect(res.status).toBe(431);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(((await res.json()) as { code: string }).code).toBe('validation_failed');
    expect(await codeExchanges()).toBe(exchangesBefore);
  });

  it('a state longer than any we issue is refused 400 validation_failed', async () => {
    expectProblem(await fx.client.get(CALLBACK, { headers: asJson, query: { state: 'a'.repeat(600), code: 'abc' } }), 400, 'validation_failed');
  });

  it('a JSON body over 64 KiB is refused 413 payload_too_large', async () => {
    const jwt = await fx.stack.signIn(uniqueUser('bigbody').userId);
    const reply = await fx.client.post(MEETINGS, { jwt, json: { topic: 'x', duration: 30, start_time: '2031-01-01T10:00:00Z', agenda: 'a'.repeat(70_000) } });
    expectProblem(reply, 413, 'payload_too_large');
  });
});

describe('one user and another\'s connection', () => {
  it('user B\'s status, profile, refresh and revoke never touch user A\'s connection', async () => {
    const a = uniqueUser('owner-a');
    const b = uniqueUser('other-b');
    const aConn = await connect(fx.client, fx.stack, a.userId, a.zoomEmail);
    const bJwt = await fx.stack.signIn(b.userId);
    const revocationsBefore = (await fx.zoom.stats()).revocations;
    const refreshesBefore = (await fx.zoom.stats()).tokenRequests.refresh_token ?? 0;

    const bStatus: Reply = await fx.client.get(STATUS, { jwt: bJwt });
    expect(bStatus.body).toMatchObject({ connected: false, status: 'not_connected', zoomEmail: null, zoomUserId: null });
    expectProblem(await fx.client.get(PROFILE, { jwt: bJwt }), 409, 'not_connected');
    expectProblem(await fx.client.post('/api/zoom/oauth/user/refresh', { jwt: bJwt }), 409, 'not_connected');
    expect((await fx.client.post(REVOKE, { jwt: bJwt })).body).toMatchObject({ status: 'not_connected', revokedAtZoom: false });

    expect((await fx.zoom.stats()).revocations).toBe(revocationsBefore);
    expect((await fx.zoom.stats()).tokenRequests.refresh_token ?? 0).toBe(refreshesBefore);
    expect(await statusOf(a.userId)).toEqual(aConn.status);
    const aProfile = await fx.client.get(PROFILE, { jwt: aConn.jwt });
    expect(aProfile.body).toMatchObject({ email: a.zoomEmail });
  });

  it('two users connected to different Zoom accounts each see only their own', async () => {
    const a = uniqueUser('pair-a');
    const b = uniqueUser('pair-b');
    const aConn = await connect(fx.client, fx.stack, a.userId, a.zoomEmail);
    const bConn = await connect(fx.client, fx.stack, b.userId, b.zoomEmail);
    expect((await fx.client.get(PROFILE, { jwt: aConn.jwt })).body).toMatchObject({ email: a.zoomEmail });
    expect((await fx.client.get(PROFILE, { jwt: bConn.jwt })).body).toMatchObject({ email: b.zoomEmail });

    await fx.client.post(REVOKE, { jwt: bConn.jwt });
    expect(await statusOf(a.userId)).toMatchObject({ status: 'active', zoomEmail: a.zoomEmail });
    expect((await fx.client.get(PROFILE, { jwt: aConn.jwt })).status).toBe(200);
  });
});
