import { Writable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/config/logger.js';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { secondsUntilUtcMidnight, ZoomRateLimitedError, ZoomTransport } from '../../src/zoom/index.js';
import { CLIENT, connect, control } from '../emulator/helpers.js';

/** The transport against each 429 shape Zoom has been seen to send, served by the emulator over HTTP. */
describe('Zoom transport and Zoom\'s 429 shapes', () => {
  let emulator: RunningEmulator;
  let accessToken: string;
  // Longer than the 1 s a per-second 429 is retried after, so a misread daily limit would be retried here.
  const transport = new ZoomTransport({ timeoutMs: 2000, logger: createLogger('silent', new Writable({ write: (_c, _e, done) => done() })), maxRateLimitWaitMs: 1500 });

  beforeAll(async () => {
    emulator = await startEmulator({ clients: [CLIENT] });
  });
  afterAll(async () => {
    await transport.close();
    await emulator.close();
  });
  beforeEach(async () => {
    await control(emulator.url, 'reset');
    accessToken = (await connect(emulator.url)).access_token;
  });

  async function createMeeting(): Promise<unknown> {
    return transport
      .send({
        method: 'POST',
        url: `${emulator.url}/v2/users/me/meetings`,
        headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ topic: 'Rate limited' }),
        idempotent: false,
      })
      .catch((error: unknown) => error);
  }

  async function createCalls(): Promise<number> {
    const stats = await control(emulator.url, 'stats');
    return (stats.body['apiCalls'] as Record<string, number>)['POST /v2/users/{userId}/meetings'] ?? 0;
  }

  it('a 429 with no headers whose message names the daily limit is a daily limit, held until 00:00 UTC and not retried', async () => {
    await control(emulator.url, 'faults', { rateLimit: { count: 1, shape: 'message-only' } });
    const error = await createMeeting();
    expect(error).toBeInstanceOf(ZoomRateLimitedError);
    expect((error as ZoomRateLimitedError).daily).toBe(true);
    expect(Math.abs((error as ZoomRateLimitedError).retryAfterSeconds - secondsUntilUtcMidnight())).toBeLessThanOrEqual(5);
    expect(await createCalls()).toBe(1);
  });

  it('an ISO 8601 Retry-After is read as the time it names', async () => {
    const at = new Date(Date.now() + 30 * 3600_000);
    at.setUTCMilliseconds(0);
    await control(emulator.url, 'faults', { rateLimit: { count: 1, type: 'Daily-limit', retryAfter: at.toISOString().replace('.000Z', 'Z') } });
    const error = await createMeeting();
    expect(error).toBeInstanceOf(ZoomRateLimitedError);
    expect(Math.abs((error as ZoomRateLimitedError).retryAfterSeconds - 30 * 3600)).toBeLessThanOrEqual(5);
  });

  it('X-RateLimit-Type: Daily-limit is a daily limit, surfaced at once', async () => {
    await control(emulator.url, 'faults', { rateLimit: { count: 1, type: 'Daily-limit' } });
    const error = await createMeeting();
    expect(error).toBeInstanceOf(ZoomRateLimitedError);
    expect((error as ZoomRateLimitedError).daily).toBe(true);
    expect(await createCalls()).toBe(1);
  });

  it('a per-second 429 is still retried after its second and succeeds', async () => {
    await control(emulator.url, 'faults', { rateLimit: { count: 1, type: 'QPS', retryAfter: 1 } });
    const answer = (await createMeeting()) as { status: number };
    expect(answer.status).toBe(201);
    expect(await createCalls()).toBe(2);
  });
});
