/**
 * TokenManager against the emulator over HTTP and a real store (PGlite and
 * PostgreSQL): who gets what when a refresh fails, and which failures count
 * against a connection.
 */
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import { createLogger } from '../../src/config/logger.js';
import { ConnectError, TokenManager, type TokenPolicy } from '../../src/connections/index.js';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import type { ZoomTransport } from '../../src/zoom/index.js';
import { CLIENT, control } from '../emulator/helpers.js';
import { storeEmulatorConnection, zoomClientsFor } from '../helpers/domain.js';
import { BACKENDS, uniqueUserId, useStore } from '../helpers/store-fixtures.js';

const POLICY: TokenPolicy = { skewSeconds: 300, maxConsecutiveFailures: 5, cooldownSeconds: 60, lockTimeoutMs: 5_000 };

describe.each(BACKENDS)('token manager on %s', (backend) => {
  const fx = useStore(backend);
  let emulator: RunningEmulator;
  const logs: string[] = [];
  const logger = createLogger('info', new Writable({ write: (chunk: Buffer, _enc, done) => (logs.push(chunk.toString()), done()) }));
  const transports: ZoomTransport[] = [];

  function tokenManager(clientSecret = CLIENT.clientSecret): TokenManager {
    const { transport, oauth } = zoomClientsFor(emulator.url, CLIENT, logger, { clientSecret });
    transports.push(transport);
    return new TokenManager({ store: fx.store, oauth, policy: POLICY, clock: () => new Date(), logger });
  }

  /** A user connected at the emulator whose stored access token is still valid but inside the refresh window. */
  async function expiringConnection(): Promise<{ userId: string; accessToken: string }> {
    const userId = uniqueUserId('tm');
    const { accessToken } = await storeEmulatorConnection(fx.store, emulator.url, userId, 120_000);
    return { userId, accessToken };
  }

  /** A call's outcome, its rejection handled at once (callers sharing one refresh settle in any order). */
  function settled<T>(call: Promise<T>): Promise<unknown> {
    return call.then(
      (value) => value,
      (err: unknown) => err,
    );
  }

  /** The first caller's refresh is under way (latency holds it at the emulator): the next caller joins it, whatever the scheduler does. */
  async function untilRefreshing(tokens: TokenManager, userId: string): Promise<void> {
    await vi.waitUntil(() => tokens.isRefreshing(userId), { timeout: 5_000, interval: 5 });
  }

  async function emulatorStats(): Promise<{ refreshRequests: number; invalidGrant: number }> {
    const stats = (await control(emulator.url, 'stats')).body as { tokenRequests: Record<string, number | undefined>; invalidGrant: number };
    return { refreshRequests: stats.tokenRequests['refresh_token'] ?? 0, invalidGrant: stats.invalidGrant };
  }

  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, clients: [CLIENT] });
  });
  afterEach(async () => {
    await control(emulator.url, 'faults', {});
    logs.length = 0;
  });
  afterAll(async () => {
    for (const t of transports) await t.close();
    await emulator.close();
  });

  test('a reader who joins a failing sweeper refresh still gets the stored token while it is valid', async () => {
    const tokens = tokenManager();
    const { userId, accessToken } = await expiringConnection();
    await control(emulator.url, 'faults', { tokenEndpointDown: true, tokenLatencyMs: 2_000 });

    const sweep = settled(tokens.refreshIdle(userId, new Date(Date.now() + 86_400_000)));
    await untilRefreshing(tokens, userId);
    const reader = await tokens.getAccessToken(userId);

    expect(reader.accessToken).toBe(accessToken);
    expect(await sweep).toMatchObject({ code: 'zoom_unavailable' });
  });

  test('once Zoom refused a token, nobody sharing the failed refresh is handed it: not the caller Zoom refused, nor the reader who started the refresh', async () => {
    const tokens = tokenManager();
    const { userId, accessToken } = await expiringConnection();
    await control(emulator.url, 'faults', { tokenEndpointDown: true, tokenLatencyMs: 2_000 });

    const reader = settled(tokens.getAccessToken(userId));
    await untilRefreshing(tokens, userId);
    const retry = settled(tokens.refreshAfterRejection(userId, accessToken));

    expect(await retry).toBeInstanceOf(ConnectError);
    expect(await retry).toMatchObject({ code: 'zoom_unavailable' });
    expect(await reader).toMatchObject({ code: 'zoom_unavailable' });
  });

  test('a reader who joins a refresh started because Zoom refused its token is not handed that token when the refresh fails', async () => {
    const tokens = tokenManager();
    const { userId, accessToken } = await expiringConnection();
    await control(emulator.url, 'faults', { tokenEndpointDown: true, tokenLatencyMs: 2_000 });

    const retry = settled(tokens.refreshAfterRejection(userId, accessToken));
    await untilRefreshing(tokens, userId);
    const reader = settled(tokens.getAccessToken(userId));

    expect(await reader).toMatchObject({ code: 'zoom_unavailable' });
    expect(await retry).toMatchObject({ code: 'zoom_unavailable' });
  });

  test('a refresh 429 that says "retry after 0" still pauses automatic refreshes for a moment', async () => {
    const tokens = tokenManager();
    const { userId } = await expiringConnection();
    // More 429s than the transport retries, so the refresh gives up with Retry-After 0.
    await control(emulator.url, 'faults', { rateLimit: { count: 5, retryAfter: 0 }, paths: ['/oauth/token'] });

    await expect(tokens.refreshNow(userId)).rejects.toMatchObject({ code: 'zoom_rate_limited' });

    const after = await fx.store.connections.get(userId);
    expect(after?.refreshBlockedUntil?.getTime() ?? 0).toBeGreaterThan(Date.now() + 100);
  });

  test('a refresh Zoom processed but whose answer was lost is retried once; Zoom\'s invalid_grant then marks the connection needs_reauth', async () => {
    const tokens = tokenManager();
    const { userId } = await expiringConnection();
    const before = await emulatorStats();
    await control(emulator.url, 'faults', { loseTokenResponses: 1 });

    await expect(tokens.refreshNow(userId)).rejects.toMatchObject({ code: 'needs_reauth' });

    const after = await emulatorStats();
    expect(after.refreshRequests - before.refreshRequests).toBe(2);
    expect(after.invalidGrant - before.invalidGrant).toBe(1);
    expect((await fx.store.connections.get(userId))?.status).toBe('needs_reauth');
  });

  test('a refresh whose connection dropped before Zoom answered, but which Zoom did not process, succeeds on the one retry', async () => {
    const tokens = tokenManager();
    const { userId, accessToken } = await expiringConnection();
    // The first request waits out 2.5 s of latency (fixed when it arrived); our client gives up at 2 s,
    // so the emulator drops it unprocessed. The fault is gone by the time the retry arrives.
    await control(emulator.url, 'faults', { tokenLatencyMs: 2_500 });
    const refresh = tokens.refreshNow(userId);
    await sleep(1_000);
    await control(emulator.url, 'faults', {});

    const refreshed = await refresh;

    expect(refreshed.status).toBe('active');
    expect(refreshed.refreshFailureCount).toBe(0);
    expect((await fx.store.connections.getWithTokens(userId))?.tokens?.accessToken).not.toBe(accessToken);
  });

  test('shutdown cutting a refresh in flight records no failure against the connection', async () => {
    const tokens = tokenManager();
    const { userId } = await expiringConnection();
    await control(emulator.url, 'faults', { tokenLatencyMs: 1_000 });

    const refresh = tokens.refreshNow(userId);
    await sleep(150);
    tokens.shutdown();

    await expect(refresh).rejects.toMatchObject({ code: 'zoom_unavailable' });
    const after = await fx.store.connections.get(userId);
    expect(after).toMatchObject({ status: 'active', refreshFailureCount: 0, refreshBlockedUntil: null, lastRefreshError: null });
  });

  test('a rate-limited refresh pauses automatic refreshes until Retry-After without counting toward inactive', async () => {
    const tokens = tokenManager();
    const { userId } = await expiringConnection();
    await control(emulator.url, 'faults', { rateLimit: { count: 1, retryAfter: 120 }, paths: ['/oauth/token'] });

    await expect(tokens.refreshNow(userId)).rejects.toMatchObject({ code: 'zoom_rate_limited' });

    const after = await fx.store.connections.get(userId);
    expect(after?.status).toBe('active');
    expect(after?.refreshFailureCount).toBe(0);
    expect(after?.lastRefreshError).toMatch(/rate_limited/);
    const pausedFor = (after?.refreshBlockedUntil?.getTime() ?? 0) - Date.now();
    expect(pausedFor).toBeGreaterThan(100_000);
    expect(pausedFor).toBeLessThanOrEqual(120_000);
  });

  test('Zoom refusing the app\'s client credentials does not count against the connection and is logged as a configuration error', async () => {
    const tokens = tokenManager('not-the-client-secret');
    const { userId } = await expiringConnection();

    await expect(tokens.refreshNow(userId)).rejects.toMatchObject({ code: 'zoom_unavailable' });

    const after = await fx.store.connections.get(userId);
    expect(after?.status).toBe('active');
    expect(after?.refreshFailureCount).toBe(0);
    expect(after?.lastRefreshError).toMatch(/invalid_client/);
    expect(logs.join('')).toMatch(/client credentials/);
    expect(logs.join('')).not.toContain('not-the-client-secret');
  });
});
