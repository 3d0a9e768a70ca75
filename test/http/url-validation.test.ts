/**
 * Zoom's endpoint.url_validation, end to end: the emulator validates the
 * service's /api/zoom/webhooks as Zoom does when the URL is saved and every
 * 72 hours, and sends no events to an endpoint that failed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, connectUser } from '../helpers/flow.js';
import { closeHttpAgents, http } from '../helpers/raw-http.js';
import { startStack, TEST_WEBHOOK_SECRET, type TestStack } from '../helpers/stack.js';

interface ControlAnswer {
  status: number;
  body: Record<string, unknown>;
}

describe('endpoint.url_validation against the service', () => {
  let stack: TestStack;
  let webhookUrl: string;

  beforeAll(async () => {
    stack = await startStack({ rateLimit: false });
    webhookUrl = `${stack.baseUrl}/api/zoom/webhooks`;
  });
  afterAll(async () => {
    await stack?.close();
    await closeHttpAgents();
  });

  async function control(path: string, body: unknown): Promise<ControlAnswer> {
    const response = await fetch(`${stack.emulator.url}/_emulator/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  let sequence = 0;
  async function connected(): Promise<{ jwt: string; zoomUserId: string }> {
    sequence += 1;
    const userId = `validated-${sequence}`;
    const jwt = await stack.signIn(userId);
    const res = await connectUser(stack.baseUrl, jwt, `${userId}@example.test`);
    expect(res.status).toBe(200);
    const view = (await res.json()) as { zoomUserId: string };
    return { jwt, zoomUserId: view.zoomUserId };
  }

  async function isConnected(jwt: string): Promise<unknown> {
    const res = await http(`${stack.baseUrl}/api/zoom/oauth/user/status`, { headers: bearer(jwt) });
    return (res.json as Record<string, unknown>)['connected'];
  }

  it('the service answers the emulator\'s revalidation with the right encryptedToken', async () => {
    expect((await control('validate-webhook', {})).body).toEqual({ validated: true, status: 200 });
  });

  it('saving the service\'s URL with the service\'s secret validates it', async () => {
    expect((await control('webhook', { url: webhookUrl, secret: TEST_WEBHOOK_SECRET })).body).toEqual({ validated: true, status: 200 });
  });

  it('an endpoint saved with a secret the service does not hold fails, and gets no events until it passes again', async () => {
    const user = await connected();
    const failed = await control('webhook', { url: webhookUrl, secret: 'a-secret-the-service-does-not-hold' });
    expect(failed.body['validated']).toBe(false);

    const refused = await control('deauthorize', { userId: user.zoomUserId });
    expect(refused.body).toMatchObject({ delivered: false, status: null });
    expect(await isConnected(user.jwt)).toBe(true);

    expect((await control('webhook', { url: webhookUrl, secret: TEST_WEBHOOK_SECRET })).body['validated']).toBe(true);
    const other = await connected();
    expect((await control('deauthorize', { userId: other.zoomUserId })).body).toMatchObject({ delivered: true, status: 204 });
    expect(await isConnected(other.jwt)).toBe(false);
  });
});
