import { TokenDecryptError, UnknownKeyError, type TokenCipher } from '../../crypto/index.js';
import type { Db, StoreLogger } from '../db.js';
import { isLockNotAvailable } from '../db-errors.js';
import { StoreLockTimeoutError } from '../errors.js';
import { KeyedMutex } from '../keyed-mutex.js';
import { insertEvent } from './outbox.js';
import type { RefreshLocker } from '../refresh-lock.js';
import { Semaphore } from '../semaphore.js';
import { IDLE_IN_TRANSACTION_TIMEOUT_MS, STATEMENT_TIMEOUT_MS } from '../timeouts.js';
import type {
  AppointmentMeeting,
  AppointmentMeetingDetails,
  AppointmentMeetingRepository,
  AppointmentRequest,
  LockedS2SToken,
  MeetingProviderId,
  OutboxRepository,
  OutboxEvent,
  S2SToken,
  S2STokenRepository,
} from '../types.js';

interface AppointmentRow {
  host_id: string;
  appointment_id: string;
  provider: MeetingProviderId | null;
  meeting_id: string | null;
  join_url: string | null;
  passcode: string | null;
  topic: string;
  start_time: Date;
  duration_minutes: number | string;
  timezone: string;
  agenda: string | null;
  host_email: string | null;
  fallback_reason: string | null;
  pending_provider: MeetingProviderId | null;
  pending_marker: string | null;
  version: number | string;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = `host_id, appointment_id, provider, meeting_id, join_url, passcode, topic, start_time,
  duration_minutes, timezone, agenda, host_email, fallback_reason, pending_provider, pending_marker,
  version, created_at, updated_at`;

const GET = {
  name: 'zc_appointment_get',
  text: `SELECT ${COLUMNS} FROM appointment_meetings WHERE host_id = $1 AND appointment_id = $2`,
};

// The request columns are written with the intent: a crash after the create
// was sent leaves what was asked for beside the marker that finds it.
const RECORD_PENDING = `
INSERT INTO appointment_meetings AS a (
  host_id, appointment_id, topic, start_time, duration_minutes, timezone, agenda, host_email,
  pending_provider, pending_marker, created_at, updated_at
) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)
ON CONFLICT (host_id, appointment_id) DO UPDATE SET
  pending_provider = EXCLUDED.pending_provider,
  pending_marker = EXCLUDED.pending_marker,
  host_email = coalesce(EXCLUDED.host_email, a.host_email),
  version = a.version + 1,
  updated_at = EXCLUDED.updated_at
RETURNING ${COLUMNS}`;

const SAVE_MEETING = `
INSERT INTO appointment_meetings AS a (
  host_id, appointment_id, provider, meeting_id, join_url, passcode, topic, start_time,
  duration_minutes, timezone, agenda, host_email, fallback_reason, created_at, updated_at
) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14)
ON CONFLICT (host_id, appointment_id) DO UPDATE SET
  provider = EXCLUDED.provider, meeting_id = EXCLUDED.meeting_id, join_url = EXCLUDED.join_url,
  passcode = EXCLUDED.passcode, topic = EXCLUDED.topic, start_time = EXCLUDED.start_time,
  duration_minutes = EXCLUDED.duration_minutes, timezone = EXCLUDED.timezone, agenda = EXCLUDED.agenda,
  host_email = EXCLUDED.host_email, fallback_reason = EXCLUDED.fallback_reason,
  pending_provider = NULL, pending_marker = NULL,
  version = a.version + 1, updated_at = EXCLUDED.updated_at
RETURNING ${COLUMNS}`;

const CLEAR_PENDING = `
UPDATE appointment_meetings SET pending_provider = NULL, pending_marker = NULL, version = version + 1, updated_at = $3
WHERE host_id = $1 AND appointment_id = $2`;

const DELETE_EMPTY = `DELETE FROM appointment_meetings WHERE host_id = $1 AND appointment_id = $2 AND meeting_id IS NULL AND pending_marker IS NULL`;

const DELETE = `DELETE FROM appointment_meetings WHERE host_id = $1 AND appointment_id = $2`;

/**
 * Appointment meetings. The lock is separate from the row: on PostgreSQL a
 * transaction-level advisory lock held on one pooled connection while the
 * writes go through the pool and commit at once, so the intent recorded
 * before a provider call survives a crash of the holder (a row lock would
 * put those writes inside the holder's transaction, lost with it). Two
 * appointments whose keys hash alike only wait for each other.
 */
export class SqlAppointmentMeetingRepository implements AppointmentMeetingRepository {
  private readonly local = new KeyedMutex();
  private readonly slots: Semaphore | undefined;

  constructor(
    private readonly db: Db & { readonly kind: 'postgres' | 'pglite' },
    private readonly outbox: OutboxRepository,
    lockSlots: number,
  ) {
    this.slots = db.kind === 'postgres' ? new Semaphore(Math.max(1, lockSlots)) : undefined;
  }

  async get(hostId: string, appointmentId: string): Promise<AppointmentMeeting | null> {
    const { rows } = await this.db.query<AppointmentRow>(GET, [hostId, appointmentId]);
    return rows[0] ? toAppointment(rows[0]) : null;
  }

  async withLock<T>(hostId: string, appointmentId: string, lockTimeoutMs: number, fn: () => Promise<T>): Promise<T> {
    const key = JSON.stringify([hostId, appointmentId]);
    const budget = Math.max(1, Math.round(lockTimeoutMs));
    const startedAt = Date.now();
    const timeout = (): Error => new StoreLockTimeoutError(`appointment ${appointmentId} of ${hostId}`, budget);
    // One waiter per appointment per process reaches the database: the rest queue here, holding no connection.
    const releaseLocal = await this.local.acquire(key, budget, timeout);
    try {
      if (!this.slots) return await fn();
      const releaseSlot = await this.slots.acquire(Math.max(1, budget - (Date.now() - startedAt)), timeout);
      try {
        return await this.underAdvisoryLock(hostId, appointmentId, Math.max(1, budget - (Date.now() - startedAt)), fn);
      } finally {
        releaseSlot();
      }
    } finally {
      releaseLocal();
    }
  }

  private async underAdvisoryLock<T>(hostId: string, appointmentId: string, lockTimeout: number, fn: () => Promise<T>): Promise<T> {
    // The holder sits idle in this transaction while providers answer: both timeouts stay above the wait.
    const statementTimeout = Math.max(STATEMENT_TIMEOUT_MS, lockTimeout + 1_000);
    const idleTimeout = Math.max(IDLE_IN_TRANSACTION_TIMEOUT_MS, statementTimeout + 5_000, lockTimeout * 2 + 5_000);
    try {
      return await this.db.transaction(async (tx) => {
        await tx.query(
          "SELECT set_config('lock_timeout', $1, true), set_config('statement_timeout', $2, true), set_config('idle_in_transaction_session_timeout', $3, true)",
          [`${lockTimeout}ms`, `${statementTimeout}ms`, `${idleTimeout}ms`],
        );
        await tx.query('SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))', [hostId, appointmentId]);
        return fn();
      });
    } catch (err) {
      if (isLockNotAvailable(err)) throw new StoreLockTimeoutError(`appointment ${appointmentId} of ${hostId}`, lockTimeout, { cause: err });
      throw err;
    }
  }

  async recordPending(
    hostId: string,
    appointmentId: string,
    request: AppointmentRequest,
    pending: { provider: MeetingProviderId; marker: string },
    now: Date,
  ): Promise<AppointmentMeeting> {
    const { rows } = await this.db.query<AppointmentRow>(RECORD_PENDING, [
      hostId,
      appointmentId,
      request.topic,
      request.startTime,
      request.durationMinutes,
      request.timezone,
      request.agenda,
      request.hostEmail,
      pending.provider,
      pending.marker,
      now,
    ]);
    return toAppointment(single(rows));
  }

  async saveMeeting(
    hostId: string,
    appointmentId: string,
    request: AppointmentRequest,
    meeting: AppointmentMeetingDetails,
    fallbackReason: string | null,
    now: Date,
    event?: OutboxEvent,
  ): Promise<AppointmentMeeting> {
    return this.withEvent(event, async (db) => toAppointment(single((await db.query<AppointmentRow>(SAVE_MEETING, [
      hostId,
      appointmentId,
      meeting.provider,
      meeting.meetingId,
      meeting.joinUrl,
      meeting.passcode,
      request.topic,
      request.startTime,
      request.durationMinutes,
      request.timezone,
      request.agenda,
      request.hostEmail,
      fallbackReason,
      now,
    ])).rows)));
  }

  async clearPending(hostId: string, appointmentId: string, now: Date): Promise<void> {
    await this.db.query(CLEAR_PENDING, [hostId, appointmentId, now]);
    await this.db.query(DELETE_EMPTY, [hostId, appointmentId]);
  }

  async delete(hostId: string, appointmentId: string, event?: OutboxEvent): Promise<boolean> {
    return this.withEvent(event, async (db) => (await db.query(DELETE, [hostId, appointmentId])).rowCount > 0);
  }

  async recordEvent(event: OutboxEvent): Promise<void> {
    await insertEvent(this.db, event);
    this.outbox.notifyCommitted();
  }

  /** The change and its event commit together, or neither does. */
  private async withEvent<T>(event: OutboxEvent | undefined, change: (db: Db) => Promise<T>): Promise<T> {
    if (!event) return change(this.db);
    const result = await this.db.transaction(async (tx) => {
      const changed = await change(tx);
      await insertEvent(tx, event);
      return changed;
    });
    this.outbox.notifyCommitted();
    return result;
  }
}

function toAppointment(row: AppointmentRow): AppointmentMeeting {
  return {
    hostId: row.host_id,
    appointmentId: row.appointment_id,
    topic: row.topic,
    startTime: row.start_time,
    durationMinutes: Number(row.duration_minutes),
    timezone: row.timezone,
    agenda: row.agenda,
    hostEmail: row.host_email,
    meeting:
      row.provider !== null && row.meeting_id !== null
        ? { provider: row.provider, meetingId: row.meeting_id, joinUrl: row.join_url ?? '', passcode: row.passcode }
        : null,
    fallbackReason: row.fallback_reason,
    pending: row.pending_provider !== null && row.pending_marker !== null ? { provider: row.pending_provider, marker: row.pending_marker } : null,
    version: Number(row.version),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function single<R>(rows: R[]): R {
  const row = rows[0];
  if (!row) throw new Error('expected one appointment_meetings row back, got none');
  return row;
}

const S2S_FIELD = { table: 'zoom_s2s_tokens', column: 'access_token_enc' } as const;

interface S2SRow {
  access_token_enc: string | null;
  expires_at: Date | null;
}

/**
 * The account's Server-to-Server token, sealed, shared by every instance.
 * Fetching happens under the refresh locker (a row lock on PostgreSQL, the
 * in-process mutex on PGlite): whoever waited re-reads and uses the token
 * the holder just stored.
 */
export class SqlS2STokenRepository implements S2STokenRepository {
  constructor(
    private readonly db: Db,
    private readonly cipher: TokenCipher,
    private readonly locker: RefreshLocker,
    private readonly logger: StoreLogger,
  ) {}

  async get(accountId: string): Promise<S2SToken | null> {
    const { rows } = await this.db.query<S2SRow>(
      { name: 'zc_s2s_get', text: 'SELECT access_token_enc, expires_at FROM zoom_s2s_tokens WHERE account_id = $1' },
      [accountId],
    );
    return this.open(accountId, rows[0]);
  }

  async withLock<T>(accountId: string, lockTimeoutMs: number, fn: (locked: LockedS2SToken) => Promise<T>): Promise<T> {
    // The row must exist for FOR UPDATE to hold anything.
    await this.db.query('INSERT INTO zoom_s2s_tokens (account_id) VALUES ($1) ON CONFLICT (account_id) DO NOTHING', [accountId]);
    return this.locker.run(`zoom-s2s:${accountId}`, lockTimeoutMs, async (db, rowLock) => {
      const { rows } = await db.query<S2SRow>(`SELECT access_token_enc, expires_at FROM zoom_s2s_tokens WHERE account_id = $1 ${rowLock}`, [accountId]);
      const current = this.open(accountId, rows[0]);
      return fn({
        current,
        save: async (token, now) => {
          await db.query(
            `UPDATE zoom_s2s_tokens SET access_token_enc = $2, token_kid = $3, expires_at = $4, fetched_at = $5, version = version + 1
             WHERE account_id = $1`,
            [accountId, this.cipher.seal(token.accessToken, { ...S2S_FIELD, userId: accountId }), this.cipher.currentKeyId, token.expiresAt, now],
          );
        },
      });
    });
  }

  private open(accountId: string, row: S2SRow | undefined): S2SToken | null {
    if (!row || row.access_token_enc === null || row.expires_at === null) return null;
    try {
      return { accessToken: this.cipher.open(row.access_token_enc, { ...S2S_FIELD, userId: accountId }), expiresAt: row.expires_at };
    } catch (err) {
      if (!(err instanceof TokenDecryptError || err instanceof UnknownKeyError)) throw err;
      // A token is cheap to fetch again; one sealed under a retired key is simply replaced.
      this.logger.warn({ accountId, error: err.name }, 'stored Zoom Server-to-Server token does not decrypt; fetching a new one');
      return null;
    }
  }
}
