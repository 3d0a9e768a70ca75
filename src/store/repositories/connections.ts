import { TokenDecryptError, UnknownKeyError, type TokenCipher } from '../../crypto/index.js';
import { connectionEvent } from '../../events/catalog.js';
import type { Db, StoreLogger } from '../db.js';
import { LockReleasedError, UnreadableTokensError } from '../errors.js';
import type { RefreshLocker } from '../refresh-lock.js';
import {
  CONNECTION_ACCESS_COLUMNS,
  CONNECTION_ACCESS_TOKEN_COLUMNS,
  CONNECTION_COLUMNS,
  CONNECTION_SUMMARY_COLUMNS,
  CONNECTION_TOKEN_COLUMNS,
  toConnection,
  toConnectionAccess,
  toConnectionSummary,
  toConnectionTokenState,
  type ConnectionAccessRow,
  type ConnectionAccessTokenRow,
  type ConnectionSummaryRow,
  type ConnectionRow,
  type ConnectionTokenRow,
} from '../rows.js';
import { openAccessToken, openTokens, sealTokens, type SealedTokens } from '../sealing.js';
import { insertEvent } from './outbox.js';
import type {
  Connection,
  ConnectionAccess,
  ConnectionRepository,
  ConnectionSummary,
  ConnectionTokens,
  ConnectionWithAccessToken,
  ConnectionWithTokens,
  DisconnectOptions,
  LockedConnection,
  NewConnection,
  OutboxEvent,
  OutboxRepository,
  RefreshedTokens,
  RefreshFailure,
} from '../types.js';

// Hot statements carry a name so `pg` prepares them once per connection.
const GET = { name: 'zc_connection_get', text: `SELECT ${CONNECTION_COLUMNS} FROM connections WHERE user_id = $1` };
const GET_SUMMARY = { name: 'zc_connection_get_summary', text: `SELECT ${CONNECTION_SUMMARY_COLUMNS} FROM connections WHERE user_id = $1` };
const GET_WITH_TOKENS = {
  name: 'zc_connection_get_tokens',
  text: `SELECT ${CONNECTION_TOKEN_COLUMNS} FROM connections WHERE user_id = $1`,
};
const GET_ACCESS = { name: 'zc_connection_get_access', text: `SELECT ${CONNECTION_ACCESS_COLUMNS} FROM connections WHERE user_id = $1` };
const GET_WITH_ACCESS_TOKEN = {
  name: 'zc_connection_get_access_token',
  text: `SELECT ${CONNECTION_ACCESS_TOKEN_COLUMNS} FROM connections WHERE user_id = $1`,
};
const GET_WITH_TOKENS_FOR_UPDATE = {
  name: 'zc_connection_get_tokens_for_update',
  text: `${GET_WITH_TOKENS.text} FOR UPDATE`,
};

const SAVE_CONNECTED = `
INSERT INTO connections AS c (
  user_id, status, zoom_user_id, zoom_email, zoom_account_id, api_url,
  access_token_enc, refresh_token_enc, token_kid, access_token_expires_at, granted_scopes,
  refresh_failure_count, last_refresh_attempt_at, last_refresh_error, last_refreshed_at,
  refresh_blocked_until, sweep_lease_until, last_used_at, authorized_at, revoked_at,
  device_user_agent, device_ip, version, created_at, updated_at
) VALUES (
  $1, 'active', $2, $3, $4, $5,
  $6, $7, $8, $9, $10::text[],
  0, NULL, NULL, NULL,
  NULL, NULL, NULL, $11, NULL,
  $12, $13, 1, $11, $11
)
ON CONFLICT (user_id) DO UPDATE SET
  status = 'active',
  zoom_user_id = EXCLUDED.zoom_user_id,
  zoom_email = EXCLUDED.zoom_email,
  zoom_account_id = EXCLUDED.zoom_account_id,
  api_url = EXCLUDED.api_url,
  access_token_enc = EXCLUDED.access_token_enc,
  refresh_token_enc = EXCLUDED.refresh_token_enc,
  token_kid = EXCLUDED.token_kid,
  access_token_expires_at = EXCLUDED.access_token_expires_at,
  granted_scopes = EXCLUDED.granted_scopes,
  refresh_failure_count = 0,
  last_refresh_attempt_at = NULL,
  last_refresh_error = NULL,
  last_refreshed_at = NULL,
  refresh_blocked_until = NULL,
  sweep_lease_until = NULL,
  last_used_at = NULL,
  authorized_at = EXCLUDED.authorized_at,
  revoked_at = NULL,
  device_user_agent = EXCLUDED.device_user_agent,
  device_ip = EXCLUDED.device_ip,
  version = c.version + 1,
  updated_at = EXCLUDED.updated_at
RETURNING ${CONNECTION_COLUMNS}`;

// Only a live connection takes new tokens: a disconnect or needs_reauth that
// won the race is never undone by a refresh that was already in flight.
const SAVE_TOKENS = {
  name: 'zc_connection_save_tokens',
  text: `
UPDATE connections SET
  access_token_enc = $3, refresh_token_enc = $4, token_kid = $5,
  access_token_expires_at = $6, granted_scopes = $7::text[], api_url = coalesce($8, api_url),
  last_refreshed_at = $9, last_refresh_attempt_at = $9,
  refresh_failure_count = 0, last_refresh_error = NULL, refresh_blocked_until = NULL,
  status = 'active', version = version + 1, updated_at = $9
WHERE user_id = $1 AND version = $2 AND status IN ('active', 'inactive')
RETURNING ${CONNECTION_COLUMNS}`,
};

const RECORD_FAILURE = {
  name: 'zc_connection_record_failure',
  text: `
UPDATE connections SET
  refresh_failure_count = $3, last_refresh_error = $4, status = $5,
  refresh_blocked_until = $6, last_refresh_attempt_at = $7,
  version = version + 1, updated_at = $7
WHERE user_id = $1 AND version = $2 AND status NOT IN ('revoked', 'deauthorized')
RETURNING ${CONNECTION_COLUMNS}`,
};

// Conditional on the version that failed to decrypt: a reconnect that
// replaced the tokens meanwhile is not marked. The ciphertext stays: were the
// cause a misconfigured key, wiping it would make the mistake permanent.
const MARK_UNREADABLE = `
UPDATE connections SET
  status = 'needs_reauth', last_refresh_error = 'token_unreadable',
  refresh_blocked_until = NULL, version = version + 1, updated_at = $3
WHERE user_id = $1 AND version = $2 AND status IN ('active', 'inactive')
RETURNING ${CONNECTION_COLUMNS}`;

// Zoom refused this access token: no process sends it again. Not a state
// change (no version bump), only an earlier expiry, conditional on the
// version whose token was refused. SKIP LOCKED: a refresh holding the row is
// about to replace the token anyway, and nobody waits behind it for this.
const EXPIRE_ACCESS_TOKEN = `
UPDATE connections SET access_token_expires_at = $3
WHERE user_id = (
  SELECT user_id FROM connections
  WHERE user_id = $1 AND version = $2 AND (access_token_expires_at IS NULL OR access_token_expires_at > $3)
  FOR UPDATE SKIP LOCKED)`;

// Not a state change, so no version bump (that would make in-flight refresh
// writes stale), and SKIP LOCKED: an API call never waits behind a refresh
// for the sake of a "last used" timestamp.
const TOUCH_LAST_USED = {
  name: 'zc_connection_touch',
  text: `
UPDATE connections SET last_used_at = $2
WHERE user_id = (
  SELECT user_id FROM connections
  WHERE user_id = $1 AND (last_used_at IS NULL OR last_used_at < $2)
  FOR UPDATE SKIP LOCKED)`,
};

const DISCONNECT = `
UPDATE connections SET
  status = $2,
  access_token_enc = NULL, refresh_token_enc = NULL, token_kid = NULL,
  revoked_at = $3, updated_at = $3, version = version + 1,
  refresh_blocked_until = NULL, sweep_lease_until = NULL,
  zoom_email = CASE WHEN $4 THEN NULL ELSE zoom_email END,
  zoom_account_id = CASE WHEN $4 THEN NULL ELSE zoom_account_id END,
  device_user_agent = CASE WHEN $4 THEN NULL ELSE device_user_agent END,
  device_ip = CASE WHEN $4 THEN NULL ELSE device_ip END,
  api_url = CASE WHEN $4 THEN NULL ELSE api_url END
WHERE user_id = $1`;

// zoom_user_id stays: a repeated app_deauthorized (Zoom retries webhooks)
// must still find the row to be a no-op, and it is Zoom's opaque id, not
// contact data. Audit rows keep their own copies by design.
const WIPE_PERSONAL_DATA = `
UPDATE connections SET
  zoom_email = NULL, zoom_account_id = NULL, device_user_agent = NULL, device_ip = NULL, api_url = NULL,
  updated_at = $2, version = version + 1
WHERE user_id = $1`;

// FOR UPDATE SKIP LOCKED makes concurrent sweepers take disjoint rows; the
// lease keeps the claim after this short transaction commits.
const CLAIM_FOR_SWEEP = `
UPDATE connections SET sweep_lease_until = $4
WHERE user_id IN (
  SELECT user_id FROM connections
  WHERE status = 'active'
    AND coalesce(last_refreshed_at, authorized_at) < $1
    AND (sweep_lease_until IS NULL OR sweep_lease_until < $3)
  ORDER BY coalesce(last_refreshed_at, authorized_at)
  LIMIT $2
  FOR UPDATE SKIP LOCKED)
RETURNING user_id`;

export class SqlConnectionRepository implements ConnectionRepository {
  constructor(
    private readonly db: Db,
    private readonly cipher: TokenCipher,
    private readonly locker: RefreshLocker,
    private readonly logger: StoreLogger,
    /** How long a connect or disconnect waits behind a refresh holding the connection's lock. */
    private readonly writeLockTimeoutMs: number,
    /** Told after a transaction that wrote an event has committed. */
    private readonly outbox: Pick<OutboxRepository, 'notifyCommitted'>,
  ) {}

  async get(userId: string): Promise<Connection | null> {
    const { rows } = await this.db.query<ConnectionRow>(GET, [userId]);
    return rows[0] ? toConnection(rows[0]) : null;
  }

  async getSummary(userId: string): Promise<ConnectionSummary | null> {
    const { rows } = await this.db.query<ConnectionSummaryRow>(GET_SUMMARY, [userId]);
    return rows[0] ? toConnectionSummary(rows[0]) : null;
  }

  async getWithTokens(userId: string): Promise<ConnectionWithTokens | null> {
    const { rows } = await this.db.query<ConnectionTokenRow>(GET_WITH_TOKENS, [userId]);
    return rows[0] ? this.withTokens(rows[0]) : null;
  }

  async getAccess(userId: string): Promise<ConnectionAccess | null> {
    const { rows } = await this.db.query<ConnectionAccessRow>(GET_ACCESS, [userId]);
    const row = rows[0];
    if (!row) return null;
    return toConnectionAccess(row, unsealed({ user_id: userId, version: row.version }, () => openAccessToken(this.cipher, userId, row)));
  }

  async getWithAccessToken(userId: string): Promise<ConnectionWithAccessToken | null> {
    const { rows } = await this.db.query<ConnectionAccessTokenRow>(GET_WITH_ACCESS_TOKEN, [userId]);
    const row = rows[0];
    return row ? { ...toConnectionTokenState(row), accessToken: unsealed(row, () => openAccessToken(this.cipher, row.user_id, row)) } : null;
  }

  async expireAccessToken(userId: string, version: number, now: Date): Promise<void> {
    await this.db.query(EXPIRE_ACCESS_TOKEN, [userId, version, now]);
  }

  async markUnreadable(userId: string, version: number, now: Date): Promise<Connection | null> {
    const marked = await this.db.transaction(async (tx) => {
      const { rows } = await tx.query<ConnectionRow>(MARK_UNREADABLE, [userId, version, now]);
      const row = rows[0];
      if (!row) return null;
      const connection = toConnection(row);
      await insertEvent(
        tx,
        connectionEvent({
          type: 'connection.needs_reauth',
          reason: 'token_unreadable',
          appUserId: userId,
          zoomUserId: connection.zoomUserId,
          zoomAccountId: connection.zoomAccountId,
          occurredAt: now,
        }),
      );
      return connection;
    });
    if (marked) this.outbox.notifyCommitted();
    return marked;
  }

  async findByZoomUserId(zoomUserId: string): Promise<Connection[]> {
    const { rows } = await this.db.query<ConnectionRow>(
      `SELECT ${CONNECTION_COLUMNS} FROM connections WHERE zoom_user_id = $1 ORDER BY user_id`,
      [zoomUserId],
    );
    return rows.map(toConnection);
  }

  /**
   * Under the connection's lock: a refresh already talking to Zoom finishes
   * and saves first, then this replaces its result (on PostgreSQL the upsert
   * would wait for the row lock anyway, but under the default statement
   * timeout, which a refresh may outlast).
   */
  async saveConnected(input: NewConnection): Promise<Connection> {
    const sealed = sealTokens(this.cipher, input.userId, input);
    const saved = await this.locker.run(input.userId, this.writeLockTimeoutMs, (db) =>
      db.transaction((tx) => this.upsertConnected(tx, input, sealed)),
    );
    this.outbox.notifyCommitted();
    return saved;
  }

  private async upsertConnected(tx: Db, input: NewConnection, sealed: SealedTokens): Promise<Connection> {
    const { rows } = await tx.query<ConnectionRow>(SAVE_CONNECTED, [
      input.userId,
      input.zoomUserId,
      input.zoomEmail,
      input.zoomAccountId,
      input.apiUrl,
      sealed.accessTokenEnc,
      sealed.refreshTokenEnc,
      sealed.kid,
      input.accessTokenExpiresAt,
      input.grantedScopes,
      input.now,
      input.deviceUserAgent,
      input.deviceIp,
    ]);
    const saved = toConnection(single(rows, 'INSERT ... ON CONFLICT DO UPDATE'));
    await insertEvent(
      tx,
      connectionEvent({
        type: 'connection.connected',
        reason: 'authorized',
        appUserId: input.userId,
        zoomUserId: input.zoomUserId,
        zoomAccountId: input.zoomAccountId,
        occurredAt: input.now,
        // A fresh insert starts at version 1; an update of any earlier row (whatever its status) bumps it.
        reconnect: saved.version > 1,
      }),
    );
    return saved;
  }

  async withRefreshLock<T>(userId: string, lockTimeoutMs: number, fn: (locked: LockedConnection) => Promise<T>): Promise<T> {
    let wroteEvent = false;
    const result = await this.locker.run(userId, lockTimeoutMs, async (db, rowLock) => {
      const statement = rowLock === '' ? GET_WITH_TOKENS : GET_WITH_TOKENS_FOR_UPDATE;
      const { rows } = await db.query<ConnectionTokenRow>(statement, [userId]);
      const current = rows[0] ? this.withTokens(rows[0]) : null;
      const locked = new SqlLockedConnection(db, this.cipher, userId, current);
      try {
        return await fn(locked);
      } finally {
        locked.release();
        wroteEvent = locked.wroteEvent;
      }
    });
    // Only now is the event committed (PostgreSQL commits when run() resolves).
    if (wroteEvent) this.outbox.notifyCommitted();
    return result;
  }

  async touchLastUsed(userId: string, at: Date): Promise<void> {
    await this.db.query(TOUCH_LAST_USED, [userId, at]);
  }

  /**
   * Under the connection's lock, in one transaction: read the row as it was,
   * then wipe. A refresh in flight finishes first, so the tokens returned are
   * the latest (the grant revoked at Zoom is the one that lives). Whichever of
   * revoke and app_deauthorized comes first sets the status; a later
   * deauthorization still deletes personal data.
   */
  async disconnect(userId: string, status: 'revoked' | 'deauthorized', opts: DisconnectOptions): Promise<ConnectionWithTokens | null> {
    const wait = opts.lockTimeoutMs ?? this.writeLockTimeoutMs;
    const before = await this.locker.run(userId, wait, (db) => db.transaction((tx) => this.disconnectLocked(tx, userId, status, opts)));
    if (before) this.outbox.notifyCommitted();
    return before;
  }

  private async disconnectLocked(
    tx: Db,
    userId: string,
    status: 'revoked' | 'deauthorized',
    opts: DisconnectOptions,
  ): Promise<ConnectionWithTokens | null> {
    const { rows } = await tx.query<ConnectionTokenRow>(GET_WITH_TOKENS_FOR_UPDATE, [userId]);
    const before = rows[0];
    if (!before) return null;
    // Checked under the lock: a connect that lands after the event was read must not be undone by it.
    if (opts.authorizedNotAfter && before.authorized_at && before.authorized_at > opts.authorizedNotAfter) return null;
    if (before.status === 'revoked' || before.status === 'deauthorized') {
      if (opts.wipePersonalData && hasPersonalData(before)) await tx.query(WIPE_PERSONAL_DATA, [userId, opts.now]);
      return null;
    }
    await tx.query(DISCONNECT, [userId, status, opts.now, opts.wipePersonalData]);
    const event =
      status === 'revoked'
        ? connectionEvent({ type: 'connection.disconnected', reason: 'user_revoked', appUserId: userId, zoomUserId: before.zoom_user_id, zoomAccountId: before.zoom_account_id, occurredAt: opts.now })
        : connectionEvent({ type: 'connection.deauthorized', reason: 'app_deauthorized', appUserId: userId, zoomUserId: before.zoom_user_id, zoomAccountId: null, occurredAt: opts.now });
    await insertEvent(tx, event);
    return { ...toConnection(before), tokens: this.tokensForRevocation(before) };
  }

  async claimIdleForSweep(refreshedBefore: Date, limit: number, leaseMs: number, now: Date): Promise<string[]> {
    const leaseUntil = new Date(now.getTime() + leaseMs);
    const { rows } = await this.db.query<{ user_id: string }>(CLAIM_FOR_SWEEP, [refreshedBefore, limit, now, leaseUntil]);
    return rows.map((r) => r.user_id);
  }

  private withTokens(row: ConnectionTokenRow): ConnectionWithTokens {
    return { ...toConnection(row), tokens: unsealed(row, () => openTokens(this.cipher, row.user_id, row)) };
  }

  /** A disconnect must wipe even a row that no longer decrypts; the caller then has nothing to revoke at Zoom. */
  private tokensForRevocation(row: ConnectionTokenRow): ConnectionTokens | null {
    try {
      return openTokens(this.cipher, row.user_id, row);
    } catch (err) {
      if (!(err instanceof TokenDecryptError || err instanceof UnknownKeyError)) throw err;
      this.logger.warn({ userId: row.user_id, error: err.name }, `disconnect wiped tokens it could not decrypt: ${err.message}`);
      return null;
    }
  }
}

/** The write side of a held refresh lock; every write is still conditional on version and status. */
class SqlLockedConnection implements LockedConnection {
  private released = false;
  /** Whether a write inserted an event, so the caller wakes the worker once the lock's transaction commits. */
  wroteEvent = false;

  constructor(
    private readonly db: Db,
    private readonly cipher: TokenCipher,
    private readonly userId: string,
    readonly current: ConnectionWithTokens | null,
  ) {}

  release(): void {
    this.released = true;
  }

  async saveTokens(expectedVersion: number, tokens: RefreshedTokens): Promise<Connection | null> {
    this.assertHeld();
    const sealed = sealTokens(this.cipher, this.userId, tokens);
    const previous = this.current?.status;
    // On PGlite the lock is a mutex, not a transaction: this makes the write and its event one.
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query<ConnectionRow>(SAVE_TOKENS, [
        this.userId,
        expectedVersion,
        sealed.accessTokenEnc,
        sealed.refreshTokenEnc,
        sealed.kid,
        tokens.accessTokenExpiresAt,
        tokens.grantedScopes,
        tokens.apiUrl,
        tokens.now,
      ]);
      const saved = rows[0] ? toConnection(rows[0]) : null;
      // The app heard `inactive`; it hears that the connection is back. A recovery below the limit changed no status.
      if (saved && previous === 'inactive') {
        await this.emit(tx, connectionEvent({ type: 'connection.reactivated', reason: 'refresh_succeeded', ...this.identity(saved), occurredAt: tokens.now }));
      }
      return saved;
    });
  }

  async recordFailure(expectedVersion: number, failure: RefreshFailure): Promise<Connection | null> {
    this.assertHeld();
    const previous = this.current?.status;
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query<ConnectionRow>(RECORD_FAILURE, [
        this.userId,
        expectedVersion,
        failure.failureCount,
        failure.error,
        failure.status,
        failure.blockedUntil,
        failure.now,
      ]);
      const saved = rows[0] ? toConnection(rows[0]) : null;
      if (saved && previous !== failure.status) {
        if (failure.status === 'needs_reauth') {
          await this.emit(tx, connectionEvent({ type: 'connection.needs_reauth', reason: 'invalid_grant', ...this.identity(saved), occurredAt: failure.now }));
        } else if (failure.status === 'inactive') {
          await this.emit(tx, connectionEvent({ type: 'connection.inactive', reason: 'refresh_failures', ...this.identity(saved), occurredAt: failure.now }));
        }
      }
      return saved;
    });
  }

  private identity(row: Connection): { appUserId: string; zoomUserId: string | null; zoomAccountId: string | null } {
    return { appUserId: row.userId, zoomUserId: row.zoomUserId, zoomAccountId: row.zoomAccountId };
  }

  private async emit(tx: Db, event: OutboxEvent): Promise<void> {
    await insertEvent(tx, event);
    this.wroteEvent = true;
  }

  private assertHeld(): void {
    if (this.released) throw new LockReleasedError(this.userId);
  }
}

/** A ciphertext that fails authentication is reported with its row's version; a key missing from the ring is configuration, not the row. */
function unsealed<T>(row: Pick<ConnectionRow, 'user_id' | 'version'>, open: () => T): T {
  try {
    return open();
  } catch (err) {
    if (err instanceof TokenDecryptError) throw new UnreadableTokensError(row.user_id, Number(row.version), { cause: err });
    throw err;
  }
}

function hasPersonalData(row: ConnectionRow): boolean {
  return [row.zoom_email, row.zoom_account_id, row.device_user_agent, row.device_ip, row.api_url].some((v) => v !== null);
}

function single<R>(rows: R[], statement: string): R {
  const row = rows[0];
  if (!row) throw new Error(`expected one row back from ${statement}, got none`);
  return row;
}
