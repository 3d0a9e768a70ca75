import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { LifecycleEvents } from '../../src/events/index.js';
import { BACKENDS, newConnection, uniqueUserId, useStore } from '../helpers/store-fixtures.js';
import { APP_WEBHOOK_SECRET, AppReceiver } from './app-receiver.js';
import { commitEvents, eventually, outboxRow, testEvents } from './event-fixtures.js';

describe.each(BACKENDS)('event delivery on %s', (backend) => {
  const fx = useStore(backend);
  let receiver: AppReceiver;
  let events: LifecycleEvents | undefined;

  beforeEach(async () => {
    receiver = new AppReceiver();
    await receiver.up();
  });

  afterEach(async () => {
    await events?.stop();
    events = undefined;
    await receiver.down();
  });

  function startWorker(options: Parameters<typeof testEvents>[1] = {}): LifecycleEvents {
    events = testEvents(fx.store, { webhookUrl: receiver.url, webhookSecret: APP_WEBHOOK_SECRET, ...options });
    events.start();
    return events;
  }

  test('a connect is delivered as a Standard Webhook that the standardwebhooks package verifies, body {type, timestamp, data}', async () => {
    startWorker();
    const userId = uniqueUserId('hook');
    await fx.store.connections.saveConnected(newConnection(userId));
    await receiver.until((r) => r.deliveries.some((d) => d.data.appUserId === userId));
    const delivery = receiver.deliveries.find((d) => d.data.appUserId === userId);
    expect(receiver.refused).toEqual([]);
    expect(delivery).toMatchObject({ type: 'connection.connected', data: { type: 'connection.connected', appUserId: userId, reconnect: false } });
    expect(delivery?.webhookId).toBe(delivery?.data.id);
    expect(delivery?.timestamp).toBe(delivery?.data.occurredAt);
    await eventually(async () => (await outboxRow(fx.store, String(delivery?.webhookId))).status === 'delivered');
    expect((await outboxRow(fx.store, String(delivery?.webhookId))).attempts).toBe(1);
  });

  test('a receiver that answers 500 gets the event again with the same webhook-id, until it answers 2xx', async () => {
    const userId = uniqueUserId('retry');
    let failuresLeft = 2;
    receiver.answer = (d) => (d.data.appUserId === userId && failuresLeft-- > 0 ? 500 : 204);
    startWorker();
    const [id] = await commitEvents(fx.store, userId, 1);
    await eventually(async () => (await outboxRow(fx.store, String(id))).status === 'delivered');
    expect(receiver.arrivals.filter((a) => a.data.appUserId === userId).map((a) => a.webhookId)).toEqual([id, id, id]);
    expect(await outboxRow(fx.store, String(id))).toEqual({ status: 'delivered', attempts: 3 });
  });

  test('with the receiver down and then up, every event is delivered, in order per user', async () => {
    await receiver.down();
    startWorker();
    const users = [uniqueUserId('down-a'), uniqueUserId('down-b'), uniqueUserId('down-c')];
    const committed = new Map<string, string[]>();
    for (const userId of users) committed.set(userId, await commitEvents(fx.store, userId, 4));
    const firstIds = users.map((u) => committed.get(u)?.[0] ?? '');
    // Each user's first event has been refused at least twice; the rest wait behind it.
    await eventually(async () => (await Promise.all(firstIds.map((id) => outboxRow(fx.store, id)))).every((r) => r.attempts >= 2));
    for (const userId of users) {
      const later = committed.get(userId)?.slice(1) ?? [];
      expect((await Promise.all(later.map((id) => outboxRow(fx.store, id)))).map((r) => r.attempts)).toEqual([0, 0, 0]);
    }
    await receiver.up();
    await receiver.until((r) => users.every((u) => r.deliveries.filter((d) => d.data.appUserId === u).length >= 4));
    for (const userId of users) {
      expect(receiver.deliveries.filter((d) => d.data.appUserId === userId).map((d) => d.webhookId)).toEqual(committed.get(userId));
    }
  });

  test('an event still failing at the end of its retry period is dead-lettered, counted, and delivered once replayed', async () => {
    receiver.answer = () => 503;
    startWorker({ worker: { retryPeriodMs: 1 } });
    const userId = uniqueUserId('dead');
    const [id] = await commitEvents(fx.store, userId, 1);
    await eventually(async () => (await outboxRow(fx.store, String(id))).status === 'dead');
    expect((await fx.store.outbox.counts()).dead).toBeGreaterThanOrEqual(1);
    expect(await fx.store.outbox.list({ status: 'dead', appUserId: userId, limit: 10 })).toMatchObject([{ id, lastError: 'webhook answered HTTP 503' }]);

    receiver.answer = () => 200;
    expect(await fx.store.outbox.replayDead(id)).toBe(1);
    await eventually(async () => (await outboxRow(fx.store, String(id))).status === 'delivered');
    expect(receiver.deliveries.filter((d) => d.webhookId === id)).toHaveLength(1);
  });

  test('a dead event does not hold back its user: the next one is delivered', async () => {
    const userId = uniqueUserId('skip-dead');
    // commitEvents alternates connected, disconnected: the first always fails.
    receiver.answer = (d) => (d.data.appUserId === userId && d.type === 'connection.connected' ? 500 : 200);
    startWorker({ worker: { retryPeriodMs: 1 } });
    const [first, second] = await commitEvents(fx.store, userId, 2);
    await receiver.until((r) => r.deliveries.some((d) => d.webhookId === second));
    expect((await outboxRow(fx.store, String(first))).status).toBe('dead');
  });

  test('an in-process handler that throws is retried like a webhook; the event is delivered once it succeeds', async () => {
    const worker = testEvents(fx.store);
    events = worker;
    const userId = uniqueUserId('handler');
    const seen: Array<{ id: string; attempt: number }> = [];
    worker.on('connection.connected', (event) => {
      if (event.data.appUserId !== userId) return;
      seen.push({ id: event.id, attempt: event.attempt });
      if (seen.length < 3) throw new Error('the app was not ready');
    });
    worker.start();
    await fx.store.connections.saveConnected(newConnection(userId));
    await eventually(async () => seen.length >= 3 && (await outboxRow(fx.store, seen[0]?.id ?? '')).status === 'delivered');
    expect(seen.map((s) => s.attempt)).toEqual([1, 2, 3]);
    expect(new Set(seen.map((s) => s.id)).size).toBe(1);
  });

  test('a rejecting handler is retried too, and handlers registered for "*" see every type', async () => {
    const worker = testEvents(fx.store);
    events = worker;
    const userId = uniqueUserId('reject');
    const types: string[] = [];
    let rejections = 1;
    worker.on('*', (event) => {
      if (event.data.appUserId !== userId) return Promise.resolve();
      if (rejections-- > 0) return Promise.reject(new Error('not yet'));
      types.push(event.type);
      return Promise.resolve();
    });
    worker.start();
    await fx.store.connections.saveConnected(newConnection(userId));
    await fx.store.connections.disconnect(userId, 'revoked', { wipePersonalData: false, now: new Date() });
    await eventually(() => Promise.resolve(types.length >= 2));
    expect(types).toEqual(['connection.connected', 'connection.disconnected']);
  });

  test("a claim whose instance died is taken over once its lease expires, with the same id", async () => {
    const userId = uniqueUserId('lease');
    const [id] = await commitEvents(fx.store, userId, 1);
    // An instance claims it and is never heard from again.
    await eventually(async () => (await fx.store.outbox.claimDue(100, 200, 'killed-instance')).some((e) => e.id === id));
    startWorker();
    await eventually(async () => (await outboxRow(fx.store, String(id))).status === 'delivered');
    expect(receiver.deliveries.filter((d) => d.webhookId === id)).toHaveLength(1);
    expect((await outboxRow(fx.store, String(id))).attempts).toBe(2);
  });

  test("a commit in this process wakes its worker: delivered with the poll set to ten minutes", async () => {
    startWorker({ worker: { pollIntervalMs: 600_000 } });
    // The worker's first (empty) claim has run and it is asleep on its poll.
    await eventually(async () => (await fx.store.outbox.counts()).pending === 0);
    const userId = uniqueUserId('wake');
    await fx.store.connections.saveConnected(newConnection(userId));
    await receiver.until((r) => r.deliveries.some((d) => d.data.appUserId === userId));
  });
});
