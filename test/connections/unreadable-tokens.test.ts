/**
 * Tokens that no longer decrypt can never be used or refreshed again: the
 * connection is saved as needs_reauth (status says so, the sweeper stops
 * picking it), not only reported so to one caller.
 */
import { Writable } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { createLogger } from '../../src/config/logger.js';
import { TokenManager, type TokenPolicy } from '../../src/connections/index.js';
import { ZoomOAuthClient, ZoomTransport } from '../../src/zoom/index.js';
import { BACKENDS, newConnection, uniqueUserId, useStore } from '../helpers/store-fixtures.js';

const POLICY: TokenPolicy = { skewSeconds: 300, maxConsecutiveFailures: 5, cooldownSeconds: 60, lockTimeoutMs: 5_000 };
const logger = createLogger('silent', new Writable({ write: (_c: Buffer, _e, done) => done() }));
// Never called: every test fails before a token would be sent anywhere.
const oauth = new ZoomOAuthClient(
  { clientId: 'c', clientSecret: 's', redirectUri: 'http://app.test/cb', oauthBaseUrl: 'http://127.0.0.1:9', apiBaseUrl: 'http://127.0.0.1:9/v2' },
  new ZoomTransport({ timeoutMs: 100, logger }),
);

describe.each(BACKENDS)('unreadable tokens on %s', (backend) => {
  const fx = useStore(backend);
  const tokens = (): TokenManager => new TokenManager({ store: fx.store, oauth, policy: POLICY, clock: () => new Date(), logger });

  async function tamper(userId: string, column: 'access_token_enc' | 'refresh_token_enc'): Promise<void> {
    await fx.store.db.query(
      `UPDATE connections SET ${column} = overlay(${column} placing
         CASE WHEN substr(${column}, 30, 1) = 'A' THEN 'B' ELSE 'A' END from 30 for 1)
       WHERE user_id = $1`,
      [userId],
    );
  }

  test('an access token that fails authentication answers needs_reauth and saves the connection as needs_reauth', async () => {
    const userId = uniqueUserId('unreadable');
    await fx.store.connections.saveConnected(newConnection(userId, { now: new Date(Date.UTC(1980, 0, 1)) }));
    await tamper(userId, 'access_token_enc');

    await expect(tokens().getAccessToken(userId)).rejects.toMatchObject({ code: 'needs_reauth' });

    expect(await fx.store.connections.get(userId)).toMatchObject({ status: 'needs_reauth', lastRefreshError: 'token_unreadable' });
    const claimed = await fx.store.connections.claimIdleForSweep(new Date(Date.UTC(1981, 0, 1)), 1000, 60_000, new Date());
    expect(claimed).not.toContain(userId);
  });

  test('a refresh token that fails authentication under the refresh lock saves the connection as needs_reauth', async () => {
    const userId = uniqueUserId('unreadable-refresh');
    await fx.store.connections.saveConnected(newConnection(userId));
    await tamper(userId, 'refresh_token_enc');

    await expect(tokens().refreshNow(userId)).rejects.toMatchObject({ code: 'needs_reauth' });

    expect((await fx.store.connections.get(userId))?.status).toBe('needs_reauth');
  });

  test('a reconnect that replaced the unreadable tokens is not marked', async () => {
    const userId = uniqueUserId('reconnected');
    const first = await fx.store.connections.saveConnected(newConnection(userId));
    const second = await fx.store.connections.saveConnected(newConnection(userId));

    expect(await fx.store.connections.markUnreadable(userId, first.version, new Date())).toBeNull();
    expect((await fx.store.connections.get(userId))).toMatchObject({ status: 'active', version: second.version });
  });
});
