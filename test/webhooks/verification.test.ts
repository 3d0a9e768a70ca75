/**
 * The webhook endpoint trusts nothing it cannot verify: the signature over
 * the raw bytes, a timestamp within five minutes, a body that is JSON and
 * not too big. Refusals are RFC 9457 problems and change nothing.
 */
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, connectUser } from '../helpers/flow.js';
import { closeHttpAgents, http, problemOf } from '../helpers/raw-http.js';
import { deauthorizationEvent, deliver, nowSeconds, signedDelivery } from '../helpers/zoom-webhook.js';
import { startStack, TEST_CLIENT_ID, TEST_WEBHOOK_SECRET, type TestStack } from '../helpers/stack.js';

describe('webhook verification', () => {
  let stack: TestStack;
  let jwt: string;
  let zoomUserId: string;
  beforeAll(async () => {
    stack = await startStack({ db: 'postgres', rateLimit: false });
    jwt = await stack.signIn('webhook-target');
    const res = await connectUser(stack.baseUrl, jwt, 'webhook-target@example.test');
    zoomUserId = ((await res.json()) as { zoomUserId: string }).zoomUserId;
  });
  afterAll(async () => {
    await stack?.close();
    await closeHttpAgents();
  });

  function deauthorization(): string {
    return deauthorizationEvent({ zoomUserId, clientId: TEST_CLIENT_ID });
  }

  async function expectStillConnected(): Promise<void> {
    const res = await http(`${stack.baseUrl}/api/zoom/oauth/user/status`, { headers: bearer(jwt) });
    expect(res.json).toMatchObject({ connected: true, status: 'active', zoomEmail: 'webhook-target@example.test' });
    const row = await stack.service.store.connections.getWithTokens('webhook-target');
    expect(row?.tokens).not.toBeNull();
  }

  it('a signature made with another secret is refused with 401 and nothing changes', async () => {
    const res = await deliver(stack.baseUrl, signedDelivery(deauthorization(), TEST_WEBHOOK_SECRET, { signWith: 'not-the-secret' }));

    expect(res.status).toBe(401);
    expect(problemOf(res).code).toBe('webhook_signature_invalid');
    await expectStillConnected();
  });

  it('a valid signature over different bytes is refused with 401', async () => {
    const signed = signedDelivery(deauthorization(), TEST_WEBHOOK_SECRET);
    // Same JSON meaning, other bytes: the signature covers the raw body, not a re-serialization.
    const res = await deliver(stack.baseUrl, { ...signed, body: `${signed.body.toString()} ` });

    expect(res.status).toBe(401);
    await expectStillConnected();
  });

  it('a delivery without signature headers is refused with 401', async () => {
    const res = await http(`${stack.baseUrl}/api/zoom/webhooks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: deauthorization(),
    });

    expect(res.status).toBe(401);
    expect(problemOf(res).code).toBe('webhook_signature_invalid');
    await expectStillConnected();
  });

  it('a correctly signed delivery with a timestamp more than five minutes old is refused with 401', async () => {
    const res = await deliver(stack.baseUrl, signedDelivery(deauthorization(), TEST_WEBHOOK_SECRET, { timestamp: nowSeconds(-301) }));

    expect(res.status).toBe(401);
    expect(problemOf(res).detail).toMatch(/stale/);
    await expectStillConnected();
  });

  it('a correctly signed delivery with a timestamp more than five minutes ahead is refused with 401', async () => {
    const res = await deliver(stack.baseUrl, signedDelivery(deauthorization(), TEST_WEBHOOK_SECRET, { timestamp: nowSeconds(301) }));

    expect(res.status).toBe(401);
    await expectStillConnected();
  });

  it('endpoint.url_validation answers 200 with the plain token and its HMAC-SHA256 under the secret, in hex', async () => {
    const plainToken = 'qgg8vlvZRS6UYooatFL8Aw';
    const body = JSON.stringify({ event: 'endpoint.url_validation', payload: { plainToken }, event_ts: Date.now() });

    const res = await deliver(stack.baseUrl, signedDelivery(body, TEST_WEBHOOK_SECRET));

    expect(res.status).toBe(200);
    expect(res.json).toEqual({ plainToken, encryptedToken: createHmac('sha256', TEST_WEBHOOK_SECRET).update(plainToken).digest('hex') });
  });

  it('malformed JSON under a valid signature is refused with 400', async () => {
    const res = await deliver(stack.baseUrl, signedDelivery('{"event":"app_deauthorized","payload":', TEST_WEBHOOK_SECRET));

    expect(res.status).toBe(400);
    expect(problemOf(res).code).toBe('validation_failed');
    await expectStillConnected();
  });

  it('JSON that is not an event object under a valid signature is refused with 400', async () => {
    for (const body of ['[]', '"app_deauthorized"', '{"payload":{}}', 'null']) {
      const res = await deliver(stack.baseUrl, signedDelivery(body, TEST_WEBHOOK_SECRET));
      expect(res.status, body).toBe(400);
      expect(problemOf(res).code).toBe('validation_failed');
    }
    await expectStillConnected();
  });

  it('an app_deauthorized without a user id under a valid signature is refused with 400', async () => {
    const body = JSON.stringify({ event: 'app_deauthorized', payload: { client_id: TEST_CLIENT_ID } });

    const res = await deliver(stack.baseUrl, signedDelivery(body, TEST_WEBHOOK_SECRET));

    expect(res.status).toBe(400);
    await expectStillConnected();
  });

  it('an oversized body is refused with 413 before anything else', async () => {
    const body = JSON.stringify({ event: 'app_deauthorized', payload: { user_id: zoomUserId, padding: 'x'.repeat(70 * 1024) } });

    const res = await deliver(stack.baseUrl, signedDelivery(body, TEST_WEBHOOK_SECRET));

    expect(res.status).toBe(413);
    expect(problemOf(res).code).toBe('payload_too_large');
    await expectStillConnected();
  });

  it('an event we do not act on is acknowledged with 204', async () => {
    const body = JSON.stringify({ event: 'meeting.started', payload: { object: { id: 1 } }, event_ts: Date.now() });

    const res = await deliver(stack.baseUrl, signedDelivery(body, TEST_WEBHOOK_SECRET));

    expect(res.status).toBe(204);
    await expectStillConnected();
  });
});
