import type { Db } from '../db.js';
import type { ClaimedEvent, OutboxEvent, OutboxListFilter, OutboxRecord, OutboxRepository, OutboxStatus } from '../types.js';

const INSERT = {
  name: 'zc_outbox_insert',
  // Sent as text and cast in SQL: `pg` and PGlite serialize object parameters differently.
  text: 'INSERT INTO event_outbox (id, type, app_user_id, occurred_at, data) VALUES ($1, $2, $3, $4, ($5::text)::jsonb)',
};

/**
 * Writes one event into the outbox through `db`, which must be the
 * transaction that makes the change the event reports: both commit or
 * neither does. After that transaction commits, call
 * `store.outbox.notifyCommitted()` so this process delivers it at once
 * (other instances find it on their next poll).
 *
 * A user's events are delivered in the order of their `seq`, which is taken
 * at insert: make a user's changes under a lock that serializes them (the
 * connection's lock does this for connection events) so that order is also
 * their commit order.
 */
export async function insertEvent(db: Db, event: OutboxEvent): Promise<void> {
  await db.query(INSERT, [event.id, event.type, event.appUserId, event.occurredAt, JSON.stringify(event.data)]);
}

const CLAIMED_COLUMNS = 'id, seq, type, app_user_id, occurred_at, data, attempts, created_at';

// Only a user's oldest pending event is eligible, so a later one never
// overtakes it, whichever instance holds it. SKIP LOCKED keeps concurrent
// claimers disjoint; the lease keeps the claim once this statement commits.
const CLAIM_DUE = {
  name: 'zc_outbox_claim_due',
  text: `
UPDATE event_outbox SET
  lease_until = now() + ($2 * interval '1 millisecond'), lease_owner = $3, attempts = attempts + 1
WHERE id IN (
  SELECT e.id FROM event_outbox e
  WHERE e.status = 'pending'
    AND e.next_attempt_at <= now()
    AND (e.lease_until IS NULL OR e.lease_until < now())
    AND NOT EXISTS (
      SELECT 1 FROM event_outbox p
      WHERE p.app_user_id = e.app_user_id AND p.status = 'pending' AND p.seq < e.seq)
  ORDER BY e.next_attempt_at, e.seq
  LIMIT $1
  FOR UPDATE SKIP LOCKED)
RETURNING ${CLAIMED_COLUMNS}`,
};

const MARK_DELIVERED = {
  name: 'zc_outbox_mark_delivered',
  text: `
UPDATE event_outbox SET
  status = 'delivered', delivered_at = now(), lease_until = NULL, lease_owner = NULL, last_error = NULL
WHERE id = $1 AND status = 'pending'
RETURNING extract(epoch FROM (delivered_at - created_at)) * 1000 AS delay_ms`,
};

const MARK_FAILED = {
  name: 'zc_outbox_mark_failed',
  text: `
UPDATE event_outbox SET
  status = CASE WHEN now() + ($3 * interval '1 millisecond') > created_at + ($4 * interval '1 millisecond') THEN 'dead' ELSE 'pending' END,
  dead_at = CASE WHEN now() + ($3 * interval '1 millisecond') > created_at + ($4 * interval '1 millisecond') THEN now() END,
  next_attempt_at = now() + ($3 * interval '1 millisecond'),
  lease_until = NULL, lease_owner = NULL, last_error = $2
WHERE id = $1 AND status = 'pending'
RETURNING status`,
};

const REPLAY_DEAD = `
UPDATE event_outbox SET
  status = 'pending', attempts = 0, next_attempt_at = now(), dead_at = NULL,
  lease_until = NULL, lease_owner = NULL, created_at = now()
WHERE status = 'dead' AND ($1::text IS NULL OR id = $1)`;

interface ClaimedRow {
  id: string;
  seq: number | string;
  type: string;
  app_user_id: string;
  occurred_at: Date;
  data: Record<string, unknown>;
  attempts: number;
  created_at: Date;
}

interface RecordRow extends ClaimedRow {
  status: OutboxStatus;
  next_attempt_at: Date;
  lease_until: Date | null;
  last_error: string | null;
  delivered_at: Date | null;
  dead_at: Date | null;
}

function toClaimed(row: ClaimedRow): ClaimedEvent {
  return {
    id: row.id,
    seq: Number(row.seq),
    type: row.type,
    appUserId: row.app_user_id,
    occurredAt: row.occurred_at,
    data: row.data,
    attempts: Number(row.attempts),
    createdAt: row.created_at,
  };
}

export class SqlOutboxRepository implements OutboxRepository {
  private readonly listeners = new Set<() => void>();

  constructor(private readonly db: Db) {}

  async claimDue(limit: number, leaseMs: number, owner: string): Promise<ClaimedEvent[]> {
    const { rows } = await this.db.query<ClaimedRow>(CLAIM_DUE, [limit, leaseMs, owner]);
    // UPDATE ... RETURNING does not keep the subquery's order.
    return rows.map(toClaimed).sort((a, b) => a.seq - b.seq);
  }

  async markDelivered(id: string): Promise<{ delayMs: number } | null> {
    const { rows } = await this.db.query<{ delay_ms: number | string }>(MARK_DELIVERED, [id]);
    return rows[0] ? { delayMs: Number(rows[0].delay_ms) } : null;
  }

  async markFailed(id: string, error: string, retryInMs: number, retryPeriodMs: number): Promise<'pending' | 'dead' | null> {
    const { rows } = await this.db.query<{ status: 'pending' | 'dead' }>(MARK_FAILED, [id, error.slice(0, 500), retryInMs, retryPeriodMs]);
    return rows[0]?.status ?? null;
  }

  async list(filter: OutboxListFilter): Promise<OutboxRecord[]> {
    const { rows } = await this.db.query<RecordRow>(
      `SELECT ${CLAIMED_COLUMNS}, status, next_attempt_at, lease_until, last_error, delivered_at, dead_at
       FROM event_outbox
       WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR app_user_id = $2)
       ORDER BY seq DESC LIMIT $3`,
      [filter.status ?? null, filter.appUserId ?? null, filter.limit],
    );
    return rows.map((r) => ({
      ...toClaimed(r),
      status: r.status,
      nextAttemptAt: r.next_attempt_at,
      leaseUntil: r.lease_until,
      lastError: r.last_error,
      deliveredAt: r.delivered_at,
      deadAt: r.dead_at,
    }));
  }

  /** A replayed event gets a fresh retry period: it counts from the replay. */
  async replayDead(id?: string): Promise<number> {
    const { rowCount } = await this.db.query(REPLAY_DEAD, [id ?? null]);
    if (rowCount > 0) this.notifyCommitted();
    return rowCount;
  }

  /** Delivered rows are not counted: the partial indexes cover the other two, however long the history. */
  async counts(): Promise<Record<Exclude<OutboxStatus, 'delivered'>, number>> {
    const { rows } = await this.db.query<{ pending: number | string; dead: number | string }>(
      `SELECT (SELECT count(*) FROM event_outbox WHERE status = 'pending') AS pending,
              (SELECT count(*) FROM event_outbox WHERE status = 'dead') AS dead`,
    );
    return { pending: Number(rows[0]?.pending ?? 0), dead: Number(rows[0]?.dead ?? 0) };
  }

  /** Deletes up to `limit` events delivered more than `olderThanMs` ago; returns how many. */
  async purgeDelivered(olderThanMs: number, limit: number): Promise<number> {
    const { rowCount } = await this.db.query(
      `DELETE FROM event_outbox WHERE id IN (
         SELECT id FROM event_outbox
         WHERE status = 'delivered' AND delivered_at < now() - ($1 * interval '1 millisecond')
         LIMIT $2)`,
      [olderThanMs, limit],
    );
    return rowCount;
  }

  onCommitted(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  notifyCommitted(): void {
    for (const listener of this.listeners) listener();
  }
}
