/**
 * The storage port. The domain (src/connections) depends only on these
 * interfaces; src/store implements them for PostgreSQL (`pg`) and PGlite with
 * one schema and one set of migrations.
 *
 * Tokens cross this boundary in plaintext only as method arguments and
 * return values: the implementation encrypts them before they reach SQL.
 */

import type { ConnectionCensus } from './census.js';

export type ConnectionStatus = 'active' | 'needs_reauth' | 'inactive' | 'revoked' | 'deauthorized';

/** A connection without its tokens: what status pages and most code need. */
export interface Connection {
  userId: string;
  status: ConnectionStatus;
  zoomUserId: string | null;
  zoomEmail: string | null;
  zoomAccountId: string | null;
  /** Zoom's data-residency API base from the token response (`api_url`), if any. */
  apiUrl: string | null;
  accessTokenExpiresAt: Date | null;
  grantedScopes: string[];
  /** Consecutive refresh failures (network, timeout, 5xx); reset by a success. */
  refreshFailureCount: number;
  lastRefreshAttemptAt: Date | null;
  lastRefreshError: string | null;
  lastRefreshedAt: Date | null;
  /** Automatic refreshes pause until then after a failure (cooldown). */
  refreshBlockedUntil: Date | null;
  lastUsedAt: Date | null;
  authorizedAt: Date | null;
  revokedAt: Date | null;
  deviceUserAgent: string | null;
  deviceIp: string | null;
  /** Bumped by every write; token writes are conditional on it. */
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * What the status answer shows of a connection (GET .../status reads only
 * these columns). Times are ISO 8601 in UTC to the millisecond, exactly as
 * `Date.prototype.toISOString` writes them: the database formats them, so
 * the hot read parses no date and formats none.
 */
export interface ConnectionSummary
  extends Pick<Connection, 'status' | 'zoomUserId' | 'zoomEmail' | 'zoomAccountId' | 'grantedScopes' | 'refreshFailureCount' | 'lastRefreshError'> {
  accessTokenExpiresAt: string | null;
  authorizedAt: string | null;
  lastRefreshedAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface ConnectionTokens {
  accessToken: string;
  refreshToken: string;
}

/** What a Zoom call needs when its access token is fresh: the hot read of every call (the full token state only when it is not). */
export interface ConnectionAccess extends Pick<Connection, 'status' | 'zoomUserId' | 'apiUrl' | 'accessTokenExpiresAt' | 'grantedScopes' | 'version'> {
  /** Null once tokens are wiped (revoked, deauthorized). */
  accessToken: string | null;
}

/** What deciding on and using the access token needs of a connection (refresh decisions read these). */
export type ConnectionTokenState = Pick<
  Connection,
  | 'userId'
  | 'status'
  | 'zoomUserId'
  | 'apiUrl'
  | 'accessTokenExpiresAt'
  | 'grantedScopes'
  | 'refreshFailureCount'
  | 'lastRefreshAttemptAt'
  | 'lastRefreshError'
  | 'lastRefreshedAt'
  | 'refreshBlockedUntil'
  | 'authorizedAt'
  | 'version'
>;

/** What a Zoom call needs: the connection's token state and its access token only (the refresh token stays sealed). */
export interface ConnectionWithAccessToken extends ConnectionTokenState {
  /** Null once tokens are wiped (revoked, deauthorized). */
  accessToken: string | null;
}

export interface ConnectionWithTokens extends Connection {
  /** Null once tokens are wiped (revoked, deauthorized). */
  tokens: ConnectionTokens | null;
}

/** What a successful callback stores: replaces any earlier connection of the user. */
export interface NewConnection {
  userId: string;
  zoomUserId: string;
  zoomEmail: string | null;
  zoomAccountId: string | null;
  apiUrl: string | null;
  accessToken: string;
  refreshToken: string;
  accessTokenExpiresAt: Date;
  grantedScopes: string[];
  deviceUserAgent: string | null;
  deviceIp: string | null;
  now: Date;
}

export interface RefreshedTokens {
  accessToken: string;
  refreshToken: string;
  accessTokenExpiresAt: Date;
  grantedScopes: string[];
  apiUrl: string | null;
  now: Date;
}

export interface RefreshFailure {
  /** Short, secret-free description (e.g. "zoom_unavailable: HTTP 503"). */
  error: string;
  /** The status after this failure: `active` while under the limit, else `inactive`; `needs_reauth` on invalid_grant. */
  status: Extract<ConnectionStatus, 'active' | 'needs_reauth' | 'inactive'>;
  failureCount: number;
  blockedUntil: Date | null;
  now: Date;
}

/**
 * A connection row held under the cross-process refresh lock. On PostgreSQL
 * this is a transaction holding `SELECT ... FOR UPDATE` on the row; on PGlite
 * (one process) an in-process mutex. Writes are still conditional on version
 * and status, so a disconnect that won the race is never undone.
 */
export interface LockedConnection {
  /** The row as committed when the lock was taken: re-read, never a cached copy. */
  readonly current: ConnectionWithTokens | null;
  /** Stores new tokens if `version` still matches and the status is active or inactive; null otherwise. */
  saveTokens(expectedVersion: number, tokens: RefreshedTokens): Promise<Connection | null>;
  /** Records a failed refresh if `version` still matches and the connection is not disconnected; null otherwise. */
  recordFailure(expectedVersion: number, failure: RefreshFailure): Promise<Connection | null>;
}

export interface DisconnectOptions {
  wipePersonalData: boolean;
  now: Date;
  /**
   * Leave the connection alone if it was authorized after this (checked
   * under the lock): a replayed or late app_deauthorized must not end a
   * connection the user made after the event.
   */
  authorizedNotAfter?: Date;
  /** Wait at most this long for a refresh holding the connection's lock (default: the store's lock wait). */
  lockTimeoutMs?: number;
}

export interface ConnectionRepository {
  get(userId: string): Promise<Connection | null>;
  /** The status answer's hot path: only the columns it shows. */
  getSummary(userId: string): Promise<ConnectionSummary | null>;
  getWithTokens(userId: string): Promise<ConnectionWithTokens | null>;
  /** The hot path of every Zoom call: the access token (decrypted) and what using it needs, nothing more. */
  getAccess(userId: string): Promise<ConnectionAccess | null>;
  /** Deciding on a refresh: the token state and the access token alone decrypted. */
  getWithAccessToken(userId: string): Promise<ConnectionWithAccessToken | null>;
  findByZoomUserId(zoomUserId: string): Promise<Connection[]>;
  /** Zoom refused this version's access token: it expires now, so no one sends it again. */
  expireAccessToken(userId: string, version: number, now: Date): Promise<void>;
  /** The tokens of this version of the row no longer decrypt: `needs_reauth`, unless the row changed since. */
  markUnreadable(userId: string, version: number, now: Date): Promise<Connection | null>;
  /**
   * Insert or replace the user's connection: status active, counters reset,
   * version bumped. Waits for a refresh holding the connection's lock.
   */
  saveConnected(input: NewConnection): Promise<Connection>;
  /**
   * Runs `fn` holding the refresh lock of one connection. The lock waits at
   * most `lockTimeoutMs` (then throws StoreLockTimeoutError); `fn` must do
   * nothing but the token HTTP call and one of the writes.
   */
  withRefreshLock<T>(userId: string, lockTimeoutMs: number, fn: (locked: LockedConnection) => Promise<T>): Promise<T>;
  /** Cheap, throttled by the caller: records that the connection served a call. */
  touchLastUsed(userId: string, at: Date): Promise<void>;
  /**
   * Idempotent disconnect: wipes both tokens, sets status and revoked_at,
   * bumps version. `wipePersonalData` also clears Zoom email, account id,
   * device info (Zoom's app_deauthorized data-deletion rule). Returns the row
   * as it was just before the change, tokens decrypted (so the caller can
   * revoke exactly the grant it wiped, even if a refresh rotated it a moment
   * ago), or null when there is no row or it was already disconnected
   * (revoked or deauthorized: the first disconnect wins the status; a later
   * one with wipePersonalData still wipes personal data).
   */
  disconnect(userId: string, status: 'revoked' | 'deauthorized', opts: DisconnectOptions): Promise<ConnectionWithTokens | null>;
  /**
   * Sweeper: claims up to `limit` active connections not refreshed since
   * `refreshedBefore` and not claimed by another instance (FOR UPDATE SKIP
   * LOCKED, then a lease of `leaseMs` so the claim outlives the transaction).
   */
  claimIdleForSweep(refreshedBefore: Date, limit: number, leaseMs: number, now: Date): Promise<string[]>;
}

export interface NewOAuthState {
  stateHash: string;
  userId: string;
  bindingHash: string;
  codeVerifier: string;
  /** The post-connect redirect the flow will use (already validated). */
  returnTo: string | null;
  expiresAt: Date;
  createdAt: Date;
}

export interface ConsumedState {
  userId: string;
  bindingHash: string;
  codeVerifier: string;
  returnTo: string | null;
  expiresAt: Date;
}

export type ConsumeStateResult =
  | { ok: true; state: ConsumedState }
  | { ok: false; reason: 'unknown' | 'replayed' | 'expired' };

export interface OAuthStateRepository {
  create(state: NewOAuthState): Promise<void>;
  /**
   * Atomically marks the state consumed and returns it; of any number of
   * concurrent calls with one hash exactly one gets `ok: true`. An expired
   * state is consumed too (so it cannot be retried) and reported `expired`.
   */
  consume(stateHash: string, now: Date): Promise<ConsumeStateResult>;
  deleteExpired(before: Date): Promise<number>;
}

export interface AuditEvent {
  userId: string | null;
  event: string;
  ip: string | null;
  userAgent: string | null;
  /** Never a token, code, verifier or secret. */
  details: Record<string, unknown>;
  at: Date;
}

export interface AuditRepository {
  record(event: AuditEvent): Promise<void>;
  listForUser(userId: string, limit: number): Promise<AuditEvent[]>;
}

/** One event as the outbox stores and delivers it: ordered per `appUserId`, in commit order. */
export interface OutboxEvent {
  /** Unique, stable across retries: the webhook-id. */
  id: string;
  type: string;
  appUserId: string;
  occurredAt: Date;
  /** The payload; never a token. */
  data: Record<string, unknown>;
}

export type OutboxStatus = 'pending' | 'delivered' | 'dead';

/** An event a worker holds under a lease, to deliver now. */
export interface ClaimedEvent extends OutboxEvent {
  seq: number;
  /** Delivery attempts so far, this one included. */
  attempts: number;
  /** When the outbox row was committed (database clock). */
  createdAt: Date;
}

export interface OutboxRecord extends ClaimedEvent {
  status: OutboxStatus;
  nextAttemptAt: Date;
  leaseUntil: Date | null;
  lastError: string | null;
  deliveredAt: Date | null;
  deadAt: Date | null;
}

export interface OutboxListFilter {
  status?: OutboxStatus;
  appUserId?: string;
  limit: number;
}

/**
 * The delivery side of the transactional outbox. Events are inserted by the
 * repositories whose changes they report, inside the same transaction
 * (`insertEvent` in src/store/repositories/outbox.ts); this claims, settles,
 * lists and replays them. Times are the database's clock.
 */
export interface OutboxRepository {
  /**
   * Claims up to `limit` due events, each the oldest pending event of its app
   * user (so a user's events go out strictly in order), skipping rows other
   * workers hold (FOR UPDATE SKIP LOCKED) and leasing them for `leaseMs`.
   */
  claimDue(limit: number, leaseMs: number, owner: string): Promise<ClaimedEvent[]>;
  /** Marks a pending event delivered; returns the delay from commit to delivery, or null if it was not pending. */
  markDelivered(id: string): Promise<{ delayMs: number } | null>;
  /**
   * Schedules another attempt in `retryInMs`, or dead-letters the event when
   * that would fall beyond `retryPeriodMs` after it was committed. Null if it was not pending.
   */
  markFailed(id: string, error: string, retryInMs: number, retryPeriodMs: number): Promise<'pending' | 'dead' | null>;
  list(filter: OutboxListFilter): Promise<OutboxRecord[]>;
  /** Puts one dead event (or, without an id, every dead event) back to pending, due now; returns how many. */
  replayDead(id?: string): Promise<number>;
  /** Pending and dead events (delivered ones are history, see purgeDelivered). */
  counts(): Promise<Record<Exclude<OutboxStatus, 'delivered'>, number>>;
  /** Deletes up to `limit` events delivered more than `olderThanMs` ago; returns how many. */
  purgeDelivered(olderThanMs: number, limit: number): Promise<number>;
  /** Called after a transaction of this process that inserted events has committed: wakes the local worker. */
  onCommitted(listener: () => void): () => void;
  notifyCommitted(): void;
}

export interface RotationReport {
  rowsScanned: number;
  fieldsReencrypted: number;
  /** Rows left as they were because a field did not decrypt (unknown key id, failed authentication); each is logged. */
  rowsUnreadable: number;
  /** Key ids found in the data that are not in the key ring. */
  unknownKeyIds: string[];
  /** Rows still not under the current key afterwards (unreadable ones, or ones a refresh held through every pass). */
  remaining: number;
}

export type MeetingProviderId = 'zoom_user' | 'zoom_account' | 'google_meet';

/** The meeting an appointment has at its provider; never a start_url (a credential). */
export interface AppointmentMeetingDetails {
  provider: MeetingProviderId;
  meetingId: string;
  joinUrl: string;
  passcode: string | null;
}

/** What the app asked for; the meeting is kept in line with it. */
export interface AppointmentRequest {
  topic: string;
  startTime: Date;
  durationMinutes: number;
  timezone: string;
  agenda: string | null;
  hostEmail: string | null;
}

export interface AppointmentMeeting extends AppointmentRequest {
  hostId: string;
  appointmentId: string;
  /** Null while the only thing known is a pending create. */
  meeting: AppointmentMeetingDetails | null;
  /** Why each earlier provider could not serve, or null when the first one did. */
  fallbackReason: string | null;
  /** A create that was sent and whose outcome is not known yet: reconciled before anything else. */
  pending: { provider: MeetingProviderId; marker: string } | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface AppointmentMeetingRepository {
  get(hostId: string, appointmentId: string): Promise<AppointmentMeeting | null>;
  /**
   * Runs `fn` holding the appointment's lock: one holder per (host,
   * appointment) across every process (PostgreSQL: a transaction-level
   * advisory lock on its own connection, so the writes `fn` makes through
   * this repository commit at once and survive a crash). Throws
   * StoreLockTimeoutError after `lockTimeoutMs`.
   */
  withLock<T>(hostId: string, appointmentId: string, lockTimeoutMs: number, fn: () => Promise<T>): Promise<T>;
  /** Records (committed) that a create is about to be sent; keeps any meeting the row already has. */
  recordPending(hostId: string, appointmentId: string, request: AppointmentRequest, pending: { provider: MeetingProviderId; marker: string }, now: Date): Promise<AppointmentMeeting>;
  /** Stores the meeting and the request it now matches; clears the pending create. `event` goes into the outbox in the same transaction. */
  saveMeeting(
    hostId: string,
    appointmentId: string,
    request: AppointmentRequest,
    meeting: AppointmentMeetingDetails,
    fallbackReason: string | null,
    now: Date,
    event?: OutboxEvent,
  ): Promise<AppointmentMeeting>;
  /** Forgets a pending create known not to exist; removes the row if it has no meeting either. */
  clearPending(hostId: string, appointmentId: string, now: Date): Promise<void>;
  /** Removes the appointment's record (and writes `event` in the same transaction); false when there was none. */
  delete(hostId: string, appointmentId: string, event?: OutboxEvent): Promise<boolean>;
  /** An event about an outcome that changed no row (a failure, a move finished by a cancel). */
  recordEvent(event: OutboxEvent): Promise<void>;
}

/** The shared Server-to-Server token of a Zoom account. */
export interface S2SToken {
  accessToken: string;
  expiresAt: Date;
}

export interface LockedS2SToken {
  /** As committed when the lock was taken (re-read, never cached); null when none or unreadable. */
  readonly current: S2SToken | null;
  save(token: S2SToken, now: Date): Promise<void>;
}

export interface S2STokenRepository {
  /** Null when there is none, or it no longer decrypts (a retired key): fetch a new one. */
  get(accountId: string): Promise<S2SToken | null>;
  /** Runs `fn` holding the account's token lock across processes, so one instance at a time fetches. */
  withLock<T>(accountId: string, lockTimeoutMs: number, fn: (locked: LockedS2SToken) => Promise<T>): Promise<T>;
}

export interface Store {
  readonly kind: 'postgres' | 'pglite';
  readonly connections: ConnectionRepository;
  readonly states: OAuthStateRepository;
  readonly audit: AuditRepository;
  readonly appointments: AppointmentMeetingRepository;
  readonly s2sTokens: S2STokenRepository;
  readonly outbox: OutboxRepository;
  /** Applies pending migrations (idempotent, safe for instances starting together). */
  migrate(): Promise<void>;
  /** Throws StoreUnavailableError when the database cannot be reached. */
  ping(): Promise<void>;
  /** Re-encrypts every token and verifier under the current key, in batches. */
  rotateKeys(batchSize: number): Promise<RotationReport>;
  /** Connections by status and the oldest active one's token age, for the metrics' periodic count. */
  census(): Promise<ConnectionCensus>;
  close(): Promise<void>;
}
