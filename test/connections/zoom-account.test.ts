/**
 * ZoomAccount against the emulator over HTTP and a real store: how calls for
 * a user behave when Zoom's daily limit is reached.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { createLogger } from '../../src/config/logger.js';
import { TokenManager, ZoomAccount } from '../../src/connections/index.js';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import type { ZoomTransport } from '../../src/zoom/index.js';
import { CLIENT, control } from '../emulator/helpers.js';
import { storeEmulatorConnection, zoomClientsFor } from '../helpers/domain.js';
import { BACKENDS, uniqueUserId, useStore } from '../helpers/store-fixtures.js';

describe.each(BACKENDS)('zoom account on %s', (backend) => {
  const fx = useStore(backend);
  let emulator: RunningEmulator;
  let transport: ZoomTransport;
  let account: ZoomAccount;

  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, clients: [CLIENT] });
    const logger = createLogger('silent');
    const clients = zoomClientsFor(emulator.url, CLIENT, logger);
    transport = clients.transport;
    const clock = (): Date => new Date();
    const tokens = new TokenManager({
      store: fx.store,
      oauth: clients.oauth,
      policy: { skewSeconds: 300, maxConsecutiveFailures: 5, cooldownSeconds: 60, lockTimeoutMs: 5_000 },
      clock,
      logger,
    });
    account = new ZoomAccount({ store: fx.store, api: clients.api, tokens, clock, logger });
  });
  afterEach(async () => {
    await control(emulator.url, 'faults', {});
  });
  afterAll(async () => {
    await transport.close();
    await emulator.close();
  });

  async function apiCalls(): Promise<number> {
    const stats = (await control(emulator.url, 'stats')).body as { apiCalls: Record<string, number> };
    return Object.values(stats.apiCalls).reduce((a, b) => a + b, 0);
  }

  test('once Zoom says a call\'s daily limit is spent, that call is answered 429 without asking Zoom again until the reset', async () => {
    const userId = uniqueUserId('daily');
    await storeEmulatorConnection(fx.store, emulator.url, userId, 3_600_000);
    await control(emulator.url, 'faults', { rateLimit: { count: 1, type: 'Daily', retryAfter: 3_600 }, paths: ['/v2/users/me'] });

    await expect(account.profile(userId)).rejects.toMatchObject({ code: 'zoom_rate_limited' });
    const before = await apiCalls();
    const again = await account.profile(userId).catch((err: unknown) => err);

    expect(again).toMatchObject({ code: 'zoom_rate_limited' });
    expect((again as { extra: { retryAfterSeconds: number } }).extra.retryAfterSeconds).toBeGreaterThan(3_500);
    expect(await apiCalls()).toBe(before);
    // Another call of the same user is not held back by it.
    await expect(account.listMeetings(userId, {})).resolves.toHaveProperty('meetings');
  });

  test('a remembered daily limit belongs to the Zoom user: after a disconnect the app user hears not_connected, and connected to another Zoom account the call goes through', async () => {
    const userId = uniqueUserId('daily-reconnect');
    await storeEmulatorConnection(fx.store, emulator.url, userId, 3_600_000);
    await control(emulator.url, 'faults', { rateLimit: { count: 1, type: 'Daily', retryAfter: 3_600 }, paths: ['/v2/users/me'] });
    await expect(account.profile(userId)).rejects.toMatchObject({ code: 'zoom_rate_limited' });

    await fx.store.connections.disconnect(userId, 'revoked', { wipePersonalData: false, now: new Date() });
    await expect(account.profile(userId)).rejects.toMatchObject({ code: 'not_connected' });

    // The same app user connects another Zoom account (storeEmulatorConnection consents as a new Zoom user).
    await storeEmulatorConnection(fx.store, emulator.url, userId, 3_600_000, 'another-');
    await expect(account.profile(userId)).resolves.toHaveProperty('id');
  });

  test('a per-second 429 is not remembered: the next call goes to Zoom', async () => {
    const userId = uniqueUserId('qps');
    await storeEmulatorConnection(fx.store, emulator.url, userId, 3_600_000);
    await control(emulator.url, 'faults', { rateLimit: { count: 3, type: 'QPS', retryAfter: 30 }, paths: ['/v2/users/me'] });

    await expect(account.profile(userId)).rejects.toMatchObject({ code: 'zoom_rate_limited' });
    await control(emulator.url, 'faults', {});

    await expect(account.profile(userId)).resolves.toHaveProperty('id');
  });
});
