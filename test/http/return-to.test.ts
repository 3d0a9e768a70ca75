import { describe, expect, it } from 'vitest';
import { Browser, consent } from '../helpers/flow.js';
import { approve, AUTHORIZE, expectProblem, redirectQuery, uniqueUser } from '../helpers/http-client.js';
import { AFTER_CONNECT_URL, useStack } from '../helpers/stack.js';

/**
 * A caller-chosen post-connect redirect (`returnTo`) is honoured only when it
 * is on POST_CONNECT_REDIRECT_ALLOW_LIST, exactly (DESIGN: no open redirect).
 */

const ALLOWED = 'https://app.example.test/booking/42/zoom';

const fx = useStack({ rateLimit: false, env: { POST_CONNECT_REDIRECT_ALLOW_LIST: `${ALLOWED}, https://other.example.test/` } });

/** Begins a flow with `returnTo` in a fresh browser; returns the browser and the consent URL. */
async function beginWithReturnTo(label: string, returnTo: string): Promise<{ browser: Browser; authorizationUrl: string; zoomEmail: string }> {
  const { userId, zoomEmail } = uniqueUser(label);
  const browser = new Browser();
  const reply = await fx.client.get<{ authorizationUrl: string }>(AUTHORIZE, { jwt: await fx.stack.signIn(userId), browser, query: { returnTo } });
  expect(reply.status).toBe(200);
  return { browser, authorizationUrl: reply.body.authorizationUrl, zoomEmail };
}

describe('an allow-listed returnTo', () => {
  it('is where a successful connect lands, with zoom=connected', async () => {
    const flow = await beginWithReturnTo('return-ok', ALLOWED);
    const { callbackUrl } = await approve(flow.authorizationUrl, flow.zoomEmail);
    const query = redirectQuery(await fx.client.get(callbackUrl, { browser: flow.browser }), ALLOWED);
    expect(query.get('zoom')).toBe('connected');
  });

  it('is where a failed connect lands too, with zoom=error and the reason', async () => {
    const flow = await beginWithReturnTo('return-denied', ALLOWED);
    const callbackUrl = await consent(flow.authorizationUrl, flow.zoomEmail, 'deny');
    const query = redirectQuery(await fx.client.get(callbackUrl, { browser: flow.browser }), ALLOWED);
    expect(Object.fromEntries(query)).toEqual({ zoom: 'error', reason: 'zoom_denied' });
  });
});

describe('a returnTo that is not on the allow list', () => {
  it.each([
    ['another site', 'https://evil.example/steal'],
    ['a longer path on an allowed origin', `${ALLOWED}/../../admin`],
    ['an allowed URL with a query added', `${ALLOWED}?next=https://evil.example`],
    ['an allowed URL under another scheme', ALLOWED.replace('https:', 'http:')],
  ])('is refused 400 validation_failed at authorize, with no flow begun and no cookie: %s', async (_label, returnTo) => {
    const browser = new Browser();
    const reply = await fx.client.get(AUTHORIZE, { jwt: await fx.stack.signIn(uniqueUser('return-bad').userId), browser, query: { returnTo } });
    expectProblem(reply, 400, 'validation_failed');
    expect(reply.headers.getSetCookie()).toEqual([]);
  });
});

describe('without returnTo', () => {
  it('the connect lands on POST_CONNECT_REDIRECT_URL', async () => {
    const { userId, zoomEmail } = uniqueUser('return-none');
    const browser = new Browser();
    const reply = await fx.client.get<{ authorizationUrl: string }>(AUTHORIZE, { jwt: await fx.stack.signIn(userId), browser });
    const { callbackUrl } = await approve(reply.body.authorizationUrl, zoomEmail);
    expect(redirectQuery(await fx.client.get(callbackUrl, { browser }), AFTER_CONNECT_URL).get('zoom')).toBe('connected');
  });
});
