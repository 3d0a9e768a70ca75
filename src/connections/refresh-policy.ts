import type { Connection, ConnectionStatus } from '../store/types.js';

/**
 * The token manager's decisions, as pure functions of a connection row, the
 * time and the settings: when to refresh, when automatic refreshes pause,
 * how long, and what a failure does to the connection. No I/O, no clock, no
 * randomness of their own (jitter is passed in), so each rule is tested alone
 * (test/connections/refresh-policy.test.ts). Coalescing and locking stay in
 * TokenManager.
 */

export interface TokenPolicy {
  /** Refresh when less than this much access-token life remains (DESIGN: 5 minutes). */
  skewSeconds: number;
  /** Consecutive failures of the connection's own (network/5xx, not a 429 or our credentials) after which it is `inactive`. */
  maxConsecutiveFailures: number;
  /** Base pause of automatic refreshes after a failure; doubles per failure, jittered. */
  cooldownSeconds: number;
  /** How long a caller waits for another process's refresh; above the Zoom HTTP timeout, twice (one retry). */
  lockTimeoutMs: number;
  /**
   * While a connection pauses after an outage, how often it may try again
   * early once Zoom is known to be back (default 2 s). Bounds what one
   * connection can send Zoom: one refresh per this interval at most.
   */
  probeIntervalSeconds?: number;
}

export const DEFAULT_PROBE_INTERVAL_SECONDS = 2;
const MAX_COOLDOWN_SECONDS = 3600;

/** What went wrong with a refresh, as far as the connection's future is concerned. */
export type RefreshFailureKind =
  /** `invalid_grant`: the grant is dead; only the user can revive it. */
  | { kind: 'grant_dead' }
  /** Zoom is pacing the app (429): wait what it says; not the connection's fault. */
  | { kind: 'rate_limited'; retryAfterSeconds: number }
  /** Zoom refused our client credentials: our configuration, not the connection's fault. */
  | { kind: 'client_rejected' }
  /** No answer, a 5xx, or another OAuth refusal: counts toward `inactive`. */
  | { kind: 'outage'; retryAfterSeconds: number | undefined }
  /** Zoom answered something malformed: paused, not counted. */
  | { kind: 'protocol' };

/** Why automatic refreshes of a connection are not attempted now. */
export type RefreshPause = { kind: 'inactive' } | { kind: 'cooldown'; until: Date };

/** What the store records after a failed refresh. */
export interface FailureVerdict {
  status: Extract<ConnectionStatus, 'active' | 'needs_reauth' | 'inactive'>;
  failureCount: number;
  blockedUntil: Date | null;
  /** Seconds a caller is told to wait (Retry-After). */
  retryAfterSeconds: number;
}

/** `last_refresh_error` prefix of failures that an outage's end may cut short. */
export const OUTAGE_ERROR_PREFIX = 'zoom_unavailable:';

export function isExpiring(row: Pick<Connection, 'accessTokenExpiresAt'>, now: Date, policy: TokenPolicy): boolean {
  const expiresAt = row.accessTokenExpiresAt?.getTime() ?? 0;
  return expiresAt - now.getTime() <= policy.skewSeconds * 1000;
}

export function isStillValid(row: Pick<Connection, 'accessTokenExpiresAt'>, now: Date): boolean {
  return row.accessTokenExpiresAt !== null && row.accessTokenExpiresAt > now;
}

/**
 * Non-null when automatic refreshes are paused. A pause that an outage
 * caused ends early once Zoom is known to be back (`zoomBackSince`: a refresh
 * succeeded after this connection's failed attempt) or when this connection
 * gets the process's probe slot; at most once per probe interval per
 * connection, and never for the attempt that would make the connection
 * `inactive`: that one always waits out its full cooldown, so a flapping Zoom
 * cannot deactivate connections in seconds.
 */
export function refreshPause(
  row: Pick<Connection, 'status' | 'refreshBlockedUntil' | 'lastRefreshAttemptAt' | 'lastRefreshError' | 'refreshFailureCount'>,
  now: Date,
  policy: TokenPolicy,
  early: { zoomBackSince: Date | null; takeProbeSlot: () => boolean },
): RefreshPause | null {
  if (row.status === 'inactive') return { kind: 'inactive' };
  if (!row.refreshBlockedUntil || row.refreshBlockedUntil <= now) return null;
  if (mayEndPauseEarly(row, now, policy, early)) return null;
  return { kind: 'cooldown', until: row.refreshBlockedUntil };
}

function mayEndPauseEarly(
  row: Pick<Connection, 'lastRefreshAttemptAt' | 'lastRefreshError' | 'refreshFailureCount'>,
  now: Date,
  policy: TokenPolicy,
  early: { zoomBackSince: Date | null; takeProbeSlot: () => boolean },
): boolean {
  if (row.lastRefreshAttemptAt === null || !row.lastRefreshError?.startsWith(OUTAGE_ERROR_PREFIX)) return false;
  if (row.refreshFailureCount + 1 >= policy.maxConsecutiveFailures) return false;
  const probeMs = (policy.probeIntervalSeconds ?? DEFAULT_PROBE_INTERVAL_SECONDS) * 1000;
  if (now.getTime() - row.lastRefreshAttemptAt.getTime() < probeMs) return false;
  if (early.zoomBackSince !== null && early.zoomBackSince > row.lastRefreshAttemptAt) return true;
  // No evidence yet that Zoom is back: one connection of the process probes per interval.
  return early.takeProbeSlot();
}

/**
 * What a failed refresh does to the connection. `jitter` in [0, 1) spreads
 * the cooldowns of connections that failed together (an outage) so they do
 * not come back in one wave.
 */
export function failureVerdict(
  failure: RefreshFailureKind,
  row: Pick<Connection, 'status' | 'refreshFailureCount'>,
  now: Date,
  policy: TokenPolicy,
  jitter: number,
): FailureVerdict {
  if (failure.kind === 'grant_dead') {
    return { status: 'needs_reauth', failureCount: row.refreshFailureCount + 1, blockedUntil: null, retryAfterSeconds: 0 };
  }
  const failureCount = countsTowardInactive(failure) ? row.refreshFailureCount + 1 : row.refreshFailureCount;
  const inactive = row.status === 'inactive' || failureCount >= policy.maxConsecutiveFailures;
  // Never less than a second (a 429 may say "0" or a past date), and never shorter than Zoom asked for.
  const retryAfterSeconds = Math.max(
    1,
    failure.kind === 'rate_limited' ? failure.retryAfterSeconds : cooldownSeconds(Math.max(1, failureCount), policy, jitter),
    failure.kind === 'outage' ? (failure.retryAfterSeconds ?? 0) : 0,
  );
  return {
    status: inactive ? 'inactive' : 'active',
    failureCount,
    blockedUntil: new Date(now.getTime() + retryAfterSeconds * 1000),
    retryAfterSeconds,
  };
}

/**
 * Only the connection's own trouble counts toward `inactive` (DESIGN:
 * network errors, timeouts, 5xx). A rate limit is Zoom pacing the app,
 * `invalid_client` is our own configuration and a malformed answer is Zoom's
 * bug: counting any of them would mark every healthy connection inactive.
 */
export function countsTowardInactive(failure: RefreshFailureKind): boolean {
  return failure.kind === 'outage' || failure.kind === 'grant_dead';
}

/** `cooldownSeconds` doubled per consecutive failure, at most an hour, ±25% jitter. */
export function cooldownSeconds(failureCount: number, policy: TokenPolicy, jitter: number): number {
  const base = policy.cooldownSeconds * 2 ** Math.min(Math.max(failureCount, 1) - 1, 10);
  const capped = Math.min(base, MAX_COOLDOWN_SECONDS);
  return Math.max(1, Math.round(capped * (0.75 + jitter * 0.5)));
}
