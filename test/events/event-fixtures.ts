import { connectionEvent } from '../../src/events/catalog.js';
import { LifecycleEvents } from '../../src/events/index.js';
import type { OutboxWorkerOptions } from '../../src/events/outbox-worker.js';
import { insertEvent, type SqlStore } from '../../src/store/index.js';

export const quietLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** Fast retries and polling, so a test waits for conditions, not for production's back-off. */
export function testEvents(store: SqlStore, options: { webhookUrl?: string; webhookSecret?: string; worker?: Partial<OutboxWorkerOptions> } = {}): LifecycleEvents {
  return new LifecycleEvents({
    outbox: store.outbox,
    logger: quietLogger,
    config: { webhookUrl: options.webhookUrl, webhookSecret: options.webhookSecret, retryPeriodMs: 3 * 86_400_000, initialRetryMs: 20, pollIntervalMs: 50 },
    worker: { maxRetryMs: 200, ...options.worker },
  });
}

/** Commits `count` events for `appUserId` (one transaction each, in order) and returns their ids. */
export async function commitEvents(store: SqlStore, appUserId: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const who = { appUserId, zoomUserId: `zoom-${appUserId}`, zoomAccountId: null, occurredAt: new Date() };
    const event =
      i % 2 === 0
        ? connectionEvent({ type: 'connection.connected', reason: 'authorized', reconnect: i > 0, ...who })
        : connectionEvent({ type: 'connection.disconnected', reason: 'user_revoked', ...who });
    await store.db.transaction((tx) => insertEvent(tx, event));
    ids.push(event.id);
  }
  store.outbox.notifyCommitted();
  return ids;
}

/** What the outbox says about an event (database truth, not the receiver's). */
export async function outboxRow(store: SqlStore, id: string): Promise<{ status: string; attempts: number }> {
  const { rows } = await store.db.query<{ status: string; attempts: number }>('SELECT status, attempts FROM event_outbox WHERE id = $1', [id]);
  const row = rows[0];
  if (!row) throw new Error(`no outbox row ${id}`);
  return { status: row.status, attempts: Number(row.attempts) };
}

/** Polls `condition` until it holds (the test's own timeout bounds the wait). */
export async function eventually(condition: () => Promise<boolean>, pollMs = 25): Promise<void> {
  while (!(await condition())) await new Promise((resolve) => setTimeout(resolve, pollMs));
}
