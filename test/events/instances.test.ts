/**
 * Delivery from real service processes on one PostgreSQL: a process killed
 * before delivering loses nothing, and three processes deliver a burst once
 * each, never the same event at the same time, each user's in order.
 */
import { afterAll, afterEach, beforeEach, describe, expect, test } from 'vitest';
import { connectionEvent } from '../../src/events/catalog.js';
import { insertEvent, openPostgresStore } from '../../src/store/index.js';
import { cipherOf, testKey } from '../helpers/store-fixtures.js';
import { printClusterOutputOnFailure, startCluster, type Cluster } from '../helpers/cluster.js';
import { closeHttpAgents } from '../helpers/raw-http.js';
import { APP_WEBHOOK_SECRET, AppReceiver } from './app-receiver.js';
import { eventually } from './event-fixtures.js';

const EVENT_ENV = { APP_WEBHOOK_SECRET, EVENT_POLL_INTERVAL_MS: '50', EVENT_RETRY_INITIAL_MS: '20' };

describe('events from service processes on one PostgreSQL', () => {
  let cluster: Cluster | undefined;
  let receiver = new AppReceiver();

  beforeEach(() => {
    receiver = new AppReceiver();
  });

  afterEach(async () => {
    await cluster?.close();
    cluster = undefined;
    await receiver.down();
  });
  afterAll(async () => {
    await closeHttpAgents();
  });
  printClusterOutputOnFailure(() => cluster);

  test('a process SIGKILLed after the change committed and before delivery: delivered after restart, with the same webhook-id', async () => {
    await receiver.up();
    receiver.answer = () => 503;
    cluster = await startCluster({ processes: 1, env: { ...EVENT_ENV, APP_WEBHOOK_URL: receiver.url } });
    await cluster.connect('killed-user', 'killed-user@example.test');
    // Committed and attempted, but not delivered.
    await receiver.until((r) => r.arrivals.some((a) => a.data.appUserId === 'killed-user'));
    const firstId = receiver.arrivals.find((a) => a.data.appUserId === 'killed-user')?.webhookId;
    expect(await cluster.kill(0, 'SIGKILL')).toMatchObject({ signal: 'SIGKILL' });
    expect(receiver.deliveries).toEqual([]);

    receiver.answer = () => 200;
    await cluster.restart(0);
    await receiver.until((r) => r.deliveries.some((d) => d.data.appUserId === 'killed-user'));
    expect(receiver.deliveries.map((d) => [d.type, d.webhookId])).toEqual([['connection.connected', firstId]]);
    const running = cluster;
    await eventually(async () => (await running.sql<{ status: string }>('SELECT status FROM event_outbox WHERE id = $1', [firstId]))[0]?.status === 'delivered');
  }, 180_000);

  test('three processes deliver a burst of 1,000 events once each, never one twice at the same time, each user in order', async () => {
    await receiver.up();
    // Slow enough that deliveries overlap across processes.
    receiver.answer = () => new Promise((resolve) => setTimeout(() => resolve(200), 5));
    cluster = await startCluster({ processes: 3, env: { ...EVENT_ENV, APP_WEBHOOK_URL: receiver.url } });

    const store = openPostgresStore({ databaseUrl: cluster.databaseUrl, cipher: cipherOf(testKey('unused')) });
    const committed = new Map<string, string[]>();
    try {
      // One transaction: the processes see the whole burst at once.
      await store.db.transaction(async (tx) => {
        for (let i = 0; i < 1_000; i++) {
          const appUserId = `burst-${i % 50}`;
          const event = connectionEvent({ type: 'connection.connected', reason: 'authorized', reconnect: i >= 50, appUserId, zoomUserId: null, zoomAccountId: null, occurredAt: new Date() });
          await insertEvent(tx, event);
          committed.set(appUserId, [...(committed.get(appUserId) ?? []), event.id]);
        }
      });
    } finally {
      await store.close();
    }

    await receiver.until((r) => new Set(r.deliveries.map((d) => d.webhookId)).size >= 1_000);
    const ids = receiver.deliveries.map((d) => d.webhookId);
    expect(new Set(ids).size).toBe(1_000);
    // No acknowledgement was lost, so nothing was delivered twice.
    expect(ids).toHaveLength(1_000);
    expect(receiver.maxConcurrentSameId).toBe(1);
    for (const [userId, expected] of committed) {
      expect(receiver.deliveries.filter((d) => d.data.appUserId === userId).map((d) => d.webhookId)).toEqual(expected);
    }
  }, 300_000);
});
