import { describe, expect, test } from 'vitest';
import { CONNECTION_EVENT_SCHEMAS, type ConnectionEventType } from '../../src/events/catalog.js';
import type { SqlStore } from '../../src/store/index.js';
import { BACKENDS, newConnection, uniqueUserId, useStore } from '../helpers/store-fixtures.js';

interface EventRow {
  type: string;
  data: Record<string, unknown>;
}

async function eventsOf(store: SqlStore, userId: string): Promise<EventRow[]> {
  const { rows } = await store.db.query<EventRow>('SELECT type, data FROM event_outbox WHERE app_user_id = $1 ORDER BY seq', [userId]);
  return rows;
}

function failure(status: 'active' | 'inactive' | 'needs_reauth', failureCount: number) {
  return { error: 'zoom_unavailable: HTTP 503', status, failureCount, blockedUntil: null, now: new Date() };
}

describe.each(BACKENDS)('outbox writes on %s', (backend) => {
  const fx = useStore(backend);

  test('a first connect writes one connection.connected with reconnect false, valid against its schema', async () => {
    const userId = uniqueUserId('first');
    await fx.store.connections.saveConnected(newConnection(userId));
    const events = await eventsOf(fx.store, userId);
    expect(events.map((e) => e.type)).toEqual(['connection.connected']);
    const data = events[0]?.data;
    expect(CONNECTION_EVENT_SCHEMAS['connection.connected'].safeParse(data).success).toBe(true);
    expect(data).toMatchObject({ appUserId: userId, zoomUserId: `zoom-${userId}`, zoomAccountId: `acct-${userId}`, status: 'active', reason: 'authorized', reconnect: false });
  });

  test('a reconnect writes connection.connected with reconnect true', async () => {
    const userId = uniqueUserId('again');
    await fx.store.connections.saveConnected(newConnection(userId));
    await fx.store.connections.disconnect(userId, 'revoked', { wipePersonalData: false, now: new Date() });
    await fx.store.connections.saveConnected(newConnection(userId));
    const events = await eventsOf(fx.store, userId);
    expect(events.map((e) => [e.type, e.data.reconnect])).toEqual([
      ['connection.connected', false],
      ['connection.disconnected', undefined],
      ['connection.connected', true],
    ]);
  });

  test('a second disconnect writes no event: the first one won', async () => {
    const userId = uniqueUserId('twice');
    await fx.store.connections.saveConnected(newConnection(userId));
    await fx.store.connections.disconnect(userId, 'revoked', { wipePersonalData: false, now: new Date() });
    await fx.store.connections.disconnect(userId, 'deauthorized', { wipePersonalData: true, now: new Date() });
    expect((await eventsOf(fx.store, userId)).map((e) => e.type)).toEqual(['connection.connected', 'connection.disconnected']);
  });

  test('a deauthorization writes connection.deauthorized without the Zoom account id', async () => {
    const userId = uniqueUserId('deauth');
    await fx.store.connections.saveConnected(newConnection(userId));
    await fx.store.connections.disconnect(userId, 'deauthorized', { wipePersonalData: true, now: new Date() });
    const events = await eventsOf(fx.store, userId);
    expect(events.map((e) => e.type)).toEqual(['connection.connected', 'connection.deauthorized']);
    expect(events[1]?.data).toMatchObject({ status: 'deauthorized', reason: 'app_deauthorized', zoomAccountId: null, zoomUserId: `zoom-${userId}` });
  });

  test('invalid_grant writes one connection.needs_reauth', async () => {
    const userId = uniqueUserId('grant');
    const saved = await fx.store.connections.saveConnected(newConnection(userId));
    await fx.store.connections.withRefreshLock(userId, 5_000, (locked) => locked.recordFailure(saved.version, failure('needs_reauth', 1)));
    const events = await eventsOf(fx.store, userId);
    expect(events.map((e) => [e.type, e.data.reason])).toEqual([
      ['connection.connected', 'authorized'],
      ['connection.needs_reauth', 'invalid_grant'],
    ]);
  });

  test('failures under the limit write nothing; the one that makes it inactive writes connection.inactive, later ones nothing', async () => {
    const userId = uniqueUserId('failing');
    let version = (await fx.store.connections.saveConnected(newConnection(userId))).version;
    const statuses: Array<'active' | 'inactive'> = ['active', 'active', 'inactive', 'inactive'];
    for (const [i, status] of statuses.entries()) {
      const next = await fx.store.connections.withRefreshLock(userId, 5_000, (locked) => locked.recordFailure(version, failure(status, i + 1)));
      version = next?.version ?? -1;
    }
    expect((await eventsOf(fx.store, userId)).map((e) => e.type)).toEqual(['connection.connected', 'connection.inactive']);
  });

  test('a successful refresh of an inactive connection writes connection.reactivated; of an active one, nothing', async () => {
    const userId = uniqueUserId('back');
    const saved = await fx.store.connections.saveConnected(newConnection(userId));
    const tokens = () => ({ accessToken: 'a'.repeat(40), refreshToken: 'r'.repeat(40), accessTokenExpiresAt: new Date(Date.now() + 3600_000), grantedScopes: [], apiUrl: null, now: new Date() });
    const refreshed = await fx.store.connections.withRefreshLock(userId, 5_000, (locked) => locked.saveTokens(saved.version, tokens()));
    const inactive = await fx.store.connections.withRefreshLock(userId, 5_000, (locked) => locked.recordFailure(refreshed?.version ?? -1, failure('inactive', 5)));
    await fx.store.connections.withRefreshLock(userId, 5_000, (locked) => locked.saveTokens(inactive?.version ?? -1, tokens()));
    const types: ConnectionEventType[] = ['connection.connected', 'connection.inactive', 'connection.reactivated'];
    expect((await eventsOf(fx.store, userId)).map((e) => e.type)).toEqual(types);
  });

  test('a write and its event stand or fall together when the lock holder fails after writing', async () => {
    const userId = uniqueUserId('rollback');
    const saved = await fx.store.connections.saveConnected(newConnection(userId));
    const attempt = fx.store.connections.withRefreshLock(userId, 5_000, async (locked) => {
      await locked.recordFailure(saved.version, failure('needs_reauth', 1));
      throw new Error('the caller failed after writing');
    });
    await expect(attempt).rejects.toThrow('the caller failed after writing');
    const status = (await fx.store.connections.get(userId))?.status;
    const types = (await eventsOf(fx.store, userId)).map((e) => e.type);
    // PGlite's lock is a mutex and each write its own transaction: the write and its event stand together.
    expect({ status, needsReauthEvent: types.includes('connection.needs_reauth') }).toEqual(
      backend === 'postgres' ? { status: 'active', needsReauthEvent: false } : { status: 'needs_reauth', needsReauthEvent: true },
    );
  });
});
