import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { AVA, CLIENT, control } from './helpers.js';
import { WebhookReceiver } from './webhook-receiver.js';

const SECRET = 'whsec_url_validation';

describe('endpoint.url_validation', () => {
  let emulator: RunningEmulator;
  let receiver: WebhookReceiver;
  let url: string;

  beforeAll(async () => {
    receiver = new WebhookReceiver();
    url = await receiver.listen();
    emulator = await startEmulator({ clients: [{ ...CLIENT, webhookUrl: url, webhookSecret: SECRET }] });
  });
  afterAll(async () => {
    await emulator.close();
    await receiver.close();
  });
  beforeEach(async () => {
    await control(emulator.url, 'reset');
    receiver.received.length = 0;
    receiver.status = 200;
    receiver.validationSecret = SECRET;
  });

  it('registering a webhook URL sends a signed endpoint.url_validation carrying a plainToken', async () => {
    const result = await control(emulator.url, 'webhook', { url });
    expect(result.body).toEqual({ validated: true, status: 200 });
    const [hook] = receiver.received;
    const event = JSON.parse(hook?.rawBody ?? '{}') as { event: string; payload: { plainToken: string } };
    expect(event.event).toBe('endpoint.url_validation');
    expect(event.payload.plainToken).toMatch(/^[A-Za-z0-9_-]{16,}$/);
    const timestamp = String(hook?.headers['x-zm-request-timestamp']);
    expect(hook?.headers['x-zm-signature']).toBe(`v0=${createHmac('sha256', SECRET).update(`v0:${timestamp}:${hook?.rawBody ?? ''}`).digest('hex')}`);
  });

  it('an answer hashed with another secret fails validation, and events are then refused', async () => {
    receiver.validationSecret = 'not-the-secret';
    const result = await control(emulator.url, 'validate-webhook', {});
    expect(result.body).toMatchObject({ validated: false, status: 200 });
    receiver.received.length = 0;
    const deauthorized = await control(emulator.url, 'deauthorize', { userId: AVA.id });
    expect(deauthorized.body).toMatchObject({ delivered: false, status: null });
    expect(String(deauthorized.body['error'])).toContain('url_validation');
    expect(receiver.received).toHaveLength(0);
  });

  it('an answer that is not the challenge (an empty 200) fails validation', async () => {
    receiver.validationSecret = undefined;
    expect((await control(emulator.url, 'validate-webhook', {})).body).toMatchObject({ validated: false });
  });

  it('an endpoint nobody listens on fails validation with the connection error', async () => {
    const closed = new WebhookReceiver();
    const closedUrl = await closed.listen();
    await closed.close();
    const result = await control(emulator.url, 'webhook', { url: closedUrl });
    expect(result.body).toMatchObject({ validated: false, status: null });
    expect(typeof result.body['error']).toBe('string');
  });

  it('an endpoint that passes revalidation gets events again', async () => {
    receiver.validationSecret = 'not-the-secret';
    await control(emulator.url, 'validate-webhook', {});
    receiver.validationSecret = SECRET;
    expect((await control(emulator.url, 'validate-webhook', {})).body).toMatchObject({ validated: true });
    expect((await control(emulator.url, 'deauthorize', { userId: AVA.id })).body).toMatchObject({ delivered: true, status: 200 });
  });

  it('a URL given at start is sent events before any validation', async () => {
    expect((await control(emulator.url, 'deauthorize', { userId: AVA.id })).body).toMatchObject({ delivered: true });
    expect(receiver.received).toHaveLength(1);
  });

  it('stats count validations passed, failed, and events refused', async () => {
    await control(emulator.url, 'validate-webhook', {});
    receiver.validationSecret = 'not-the-secret';
    await control(emulator.url, 'validate-webhook', {});
    await control(emulator.url, 'deauthorize', { userId: AVA.id });
    const stats = await control(emulator.url, 'stats');
    expect(stats.body['webhooks']).toEqual({ delivered: 0, failed: 0, refused: 1, validated: 1, validationFailed: 1 });
  });

  it('registering a URL for an app without a secret is refused, naming the field', async () => {
    const bare = await startEmulator({ clients: [CLIENT] });
    try {
      const result = await control(bare.url, 'webhook', { url });
      expect(result.status).toBe(400);
      expect(result.body['errors']).toEqual([{ field: 'secret', message: 'Invalid field.' }]);
    } finally {
      await bare.close();
    }
  });
});
