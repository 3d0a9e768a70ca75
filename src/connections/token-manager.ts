import { performance } from 'node:perf_hooks';
import type { Logger } from '../config/logger.js';
import type { RefreshFailureReason, RefreshMetrics } from '../metrics/types.js';
import { StoreLockTimeoutError, StoreUnavailableError, UnreadableTokensError } from '../store/errors.js';
import type { Connection, ConnectionAccess, ConnectionTokenState, ConnectionWithAccessToken, ConnectionWithTokens, LockedConnection, Store } from '../store/types.js';
import { ZoomUnavailableError, type TokenSet, type ZoomOAuthClient } from '../zoom/index.js';
import type { Clock } from './context.js';
import { ConnectError, needsReauth, notConnected } from './errors.js';
import {
  DEFAULT_PROBE_INTERVAL_SECONDS,
  OUTAGE_ERROR_PREFIX,
  failureVerdict,
  isExpiring,
  isStillValid,
  refreshPause,
  type RefreshFailureKind,
  type RefreshPause,
  type TokenPolicy,
} from './refresh-policy.js';
import { classifyRefreshFailure, describeRefreshFailure, refreshFailureError, zoomUnavailable } from './zoom-failures.js';
import { ZoomHealth } from './zoom-health.js';

export type { TokenPolicy } from './refresh-policy.js';

/** An access token ready to use, with what the caller needs to call Zoom. */
export interface AccessGrant {
  accessToken: string;
  /** The Zoom user the token acts for. */
  zoomUserId: string | null;
  apiBase: string | null;
  scopes: string[];
  expiresAt: Date;
}

type Trigger =
  /** The stored token is near expiry. */
  | { kind: 'expiring' }
  /** Zoom refused this access token (401 code 124). */
  | { kind: 'rejected' }
  /** The app asked to refresh now (POST .../refresh). */
  | { kind: 'manual' }
  /** The sweeper keeps an idle refresh token from aging out. */
  | { kind: 'idle' };

/**
 * The only way code obtains a Zoom access token. Guarantees at most one
 * refresh per connection at a time: callers in this process share one
 * promise; processes serialize on the store's refresh lock and re-read under
 * it, so whoever waited uses the refresh someone else just made. The
 * decisions (expiring? paused? what a failure does) are ./refresh-policy.ts.
 */
export class TokenManager {
  private readonly inflight = new Map<string, InFlight>();
  private readonly abort = new AbortController();
  private readonly refused = new RefusedTokens();
  readonly health: ZoomHealth;

  constructor(
    private readonly deps: {
      store: Store;
      oauth: ZoomOAuthClient;
      policy: TokenPolicy;
      clock: Clock;
      logger: Logger;
      /** Each refresh's outcome, reason and duration, and each lock wait. */
      metrics?: RefreshMetrics;
    },
  ) {
    this.health = new ZoomHealth(deps.logger, (deps.policy.probeIntervalSeconds ?? DEFAULT_PROBE_INTERVAL_SECONDS) * 1000);
  }

  /**
   * A token with more than `skewSeconds` of life, refreshing first when
   * needed. DESIGN: a still-valid access token keeps serving while refresh is
   * failing, whoever started the refresh this caller joined.
   */
  async getAccessToken(userId: string): Promise<AccessGrant> {
    // The hot path reads only what a fresh token needs; anything else reads the full token state below.
    let access: ConnectionAccess | null;
    try {
      access = await this.deps.store.connections.getAccess(userId);
    } catch (err) {
      throw await this.unreadable(err);
    }
    if (access && isLive(access) && access.accessToken !== null) {
      const fresh = !isExpiring(access, this.deps.clock(), this.deps.policy) && !this.refused.has(access.accessToken);
      if (fresh) return toGrant(access, access.accessToken);
    }
    const row = ready(await this.readAccessToken(userId));
    const now = this.deps.clock();
    if (!isExpiring(row, now, this.deps.policy) && !this.refused.has(row.accessToken)) return toGrant(row, row.accessToken);
    const pause = this.pauseOf(row, now);
    if (pause) return this.serveWhilePaused(row, now, pause);
    const refresh = this.coalesced(userId, { kind: 'expiring' }, row.version, row.accessToken);
    try {
      return await refresh.run;
    } catch (err) {
      // The refresh we joined may have been started because Zoom refused this very token.
      if (refresh.rejectedToken === row.accessToken || this.refused.has(row.accessToken)) throw err;
      if (!isPassing(err) || !isStillValid(row, this.deps.clock())) throw err;
      this.deps.logger.debug({ userId }, 'refresh failed; serving the still-valid access token');
      return toGrant(row, row.accessToken);
    }
  }

  /**
   * Zoom refused `failedAccessToken`. Refreshes only if it is still the
   * stored token; otherwise someone already refreshed and the stored one is
   * used. A refused token is never sent to Zoom again: this process
   * remembers it, and when no refresh replaces it, it is marked expired in
   * the store for every other process too.
   */
  async refreshAfterRejection(userId: string, failedAccessToken: string): Promise<AccessGrant> {
    const row = ready(await this.readAccessToken(userId));
    if (row.accessToken !== failedAccessToken) return toGrant(row, row.accessToken);
    this.refused.remember(failedAccessToken);
    const now = this.deps.clock();
    const pause = this.pauseOf(row, now);
    if (pause) {
      await this.deps.store.connections.expireAccessToken(userId, row.version, now);
      throw this.pausedError(row, now, pause);
    }
    try {
      return await this.coalesced(userId, { kind: 'rejected' }, row.version, failedAccessToken).run;
    } catch (err) {
      await this.deps.store.connections.expireAccessToken(userId, row.version, this.deps.clock());
      throw err;
    }
  }

  /** POST .../refresh: refresh now, whatever the token's age, even during a cooldown or when inactive. */
  async refreshNow(userId: string): Promise<Connection> {
    const row = ready(await this.readAccessToken(userId));
    await this.coalesced(userId, { kind: 'manual' }, row.version, row.accessToken).run;
    const after = await this.deps.store.connections.get(userId);
    if (!after) throw notConnected();
    return after;
  }

  /**
   * The sweeper: refresh a connection whose refresh token has gone unused
   * for long, whatever its access token's age. Respects cooldowns and
   * `inactive` like every automatic refresh. `idleBefore` is the sweep's
   * cutoff: a request may have refreshed the connection since the sweep
   * claimed it, and a needless refresh is what Zoom's review rejects.
   * Returns whether a refresh was attempted.
   */
  async refreshIdle(userId: string, idleBefore: Date): Promise<boolean> {
    const row = ready(await this.readAccessToken(userId));
    const lastActivity = row.lastRefreshedAt ?? row.authorizedAt;
    if (lastActivity && lastActivity >= idleBefore) return false;
    if (this.pauseOf(row, this.deps.clock())) return false;
    await this.coalesced(userId, { kind: 'idle' }, row.version, row.accessToken).run;
    return true;
  }

  /** Whether this process has an automatic refresh of the connection in flight (operations and tests look; nothing decides on it). */
  isRefreshing(userId: string): boolean {
    return this.inflight.has(userId);
  }

  /** Stops waiting on Zoom: in-flight refreshes end as failures and their lock transactions roll back. */
  shutdown(): void {
    this.abort.abort(new Error('shutting down'));
  }

  /**
   * Tokens that no longer decrypt cannot be used or refreshed ever again:
   * the connection is saved as `needs_reauth` (so status says so and the
   * sweeper stops picking it) before the caller hears it.
   */
  private async readAccessToken(userId: string): Promise<ConnectionWithAccessToken | null> {
    try {
      return await this.deps.store.connections.getWithAccessToken(userId);
    } catch (err) {
      throw await this.unreadable(err);
    }
  }

  private async unreadable(err: unknown): Promise<unknown> {
    if (!(err instanceof UnreadableTokensError)) return err;
    this.deps.logger.error({ userId: err.userId }, 'stored Zoom tokens failed authentication: connection marked needs_reauth');
    await this.deps.store.connections.markUnreadable(err.userId, err.version, this.deps.clock());
    return needsReauth();
  }

  private pauseOf(row: ConnectionTokenState, now: Date): RefreshPause | null {
    return refreshPause(row, now, this.deps.policy, {
      zoomBackSince: this.health.zoomBackSince,
      takeProbeSlot: () => this.health.takeProbeSlot(now),
    });
  }

  /** DESIGN: a still-valid access token keeps serving while refresh is failing. */
  private serveWhilePaused(row: ReadyRow, now: Date, pause: RefreshPause): AccessGrant {
    if (isStillValid(row, now) && !this.refused.has(row.accessToken)) return toGrant(row, row.accessToken);
    throw this.pausedError(row, now, pause);
  }

  private pausedError(row: ConnectionTokenState, now: Date, pause: RefreshPause): ConnectError {
    if (pause.kind === 'inactive') {
      return new ConnectError(
        'connection_inactive',
        `Refreshing this connection failed ${row.refreshFailureCount} times in a row; automatic refresh stopped. POST /api/zoom/oauth/user/refresh to retry, or connect again.`,
      );
    }
    this.health.callRefused();
    return zoomUnavailable((pause.until.getTime() - now.getTime()) / 1000);
  }

  /**
   * One refresh per connection in this process: automatic triggers share one
   * promise; a manual refresh (which bypasses the cooldown) has its own, so
   * it never inherits an automatic one's "paused" answer. The promise
   * resolves only with a token fresh from Zoom (or one another process just
   * got); every failure rejects, and each caller applies its own fallback.
   */
  private coalesced(userId: string, trigger: Trigger, seenVersion: number, seenAccessToken: string): InFlight {
    const key = trigger.kind === 'manual' ? `manual\0${userId}` : userId;
    const existing = this.inflight.get(key);
    if (existing) {
      // A caller whose token Zoom refused marks the shared refresh, so no one falls back to that token.
      if (trigger.kind === 'rejected') existing.rejectedToken = seenAccessToken;
      return existing;
    }
    const entry: InFlight = {
      run: this.refreshUnderLock(userId, trigger, seenVersion, seenAccessToken).finally(() => {
        this.inflight.delete(key);
      }),
      rejectedToken: trigger.kind === 'rejected' ? seenAccessToken : null,
    };
    this.inflight.set(key, entry);
    return entry;
  }

  private async refreshUnderLock(userId: string, trigger: Trigger, seenVersion: number, seenAccessToken: string): Promise<AccessGrant> {
    const started = performance.now();
    const seconds = (): number => (performance.now() - started) / 1000;
    let outcome: Outcome;
    try {
      outcome = await this.deps.store.connections.withRefreshLock(userId, this.deps.policy.lockTimeoutMs, async (locked) => {
        this.deps.metrics?.refreshLockWaited(seconds());
        const row = usable(locked.current);
        const now = this.deps.clock();
        // Someone refreshed while we waited for the lock: use theirs.
        if (row.version !== seenVersion && row.tokens.accessToken !== seenAccessToken && !isExpiring(row, now, this.deps.policy)) {
          return { kind: 'done' as const, grant: toGrant(row, row.tokens.accessToken), reused: true };
        }
        if (trigger.kind !== 'manual') {
          // Another process's refresh failed while we waited: its pause applies to us too.
          const pause = refreshPause(row, now, this.deps.policy, { zoomBackSince: this.health.zoomBackSince, takeProbeSlot: () => false });
          if (pause && row.version !== seenVersion) return { kind: 'failed' as const, error: this.pausedError(row, now, pause), reason: 'paused' as const };
        }
        return this.refreshLocked(locked, row);
      });
    } catch (err) {
      this.deps.metrics?.refreshFinished(trigger.kind, 'failed', thrownReason(err), seconds());
      throw await this.unreadable(err);
    }
    if (outcome.kind === 'failed') {
      this.deps.metrics?.refreshFinished(trigger.kind, 'failed', outcome.reason, seconds());
      throw outcome.error;
    }
    this.deps.metrics?.refreshFinished(trigger.kind, outcome.reused ? 'reused' : 'refreshed', 'none', seconds());
    return outcome.grant;
  }

  /** Inside the lock: one token call (plus one retry when no answer came), then one write. Nothing else. */
  private async refreshLocked(locked: LockedConnection, row: UsableRow): Promise<Outcome> {
    const started = this.deps.clock();
    let tokenSet: TokenSet;
    try {
      tokenSet = await this.callRefresh(row.tokens.refreshToken);
    } catch (err) {
      return this.recordFailure(locked, row, err);
    }
    const now = this.deps.clock();
    this.health.refreshSucceeded(now);
    const saved = await locked.saveTokens(row.version, {
      accessToken: tokenSet.accessToken,
      refreshToken: tokenSet.refreshToken,
      accessTokenExpiresAt: new Date(started.getTime() + tokenSet.expiresInSeconds * 1000),
      grantedScopes: tokenSet.scopes.length > 0 ? tokenSet.scopes : row.grantedScopes,
      apiUrl: tokenSet.apiBase ?? row.apiUrl,
      now,
    });
    if (!saved) {
      // Unreachable while every writer takes this lock (a disconnect or connect waits for us).
      // Were it reached, the disconnect revoked the whole grant at Zoom, these tokens with it.
      this.deps.logger.error({ userId: row.userId }, 'a refresh result could not be saved: the connection changed under its lock');
      return { kind: 'failed', error: notConnected(), reason: 'not_connected' };
    }
    if (row.refreshFailureCount > 0 || row.status === 'inactive') {
      this.deps.logger.info({ userId: row.userId, zoomUserId: row.zoomUserId, failuresBefore: row.refreshFailureCount }, 'Zoom token refresh succeeded again: connection active');
    } else {
      this.deps.logger.debug({ userId: row.userId, version: saved.version }, 'Zoom token refreshed');
    }
    return { kind: 'done', grant: toGrant(saved, tokenSet.accessToken), reused: false };
  }

  /**
   * A refresh that got no answer (timed out, or the connection dropped) is
   * ambiguous: Zoom may have rotated the token. Retry once with the same
   * token: if the first was never processed this one succeeds; if Zoom then
   * says invalid_grant, the first was processed and its answer is lost for
   * good (ZOOM.md), which is needs_reauth. A 5xx is an answer: not retried.
   */
  private async callRefresh(refreshToken: string): Promise<TokenSet> {
    const signal = this.abort.signal;
    try {
      return await this.deps.oauth.refresh(refreshToken, signal);
    } catch (err) {
      if (err instanceof ZoomUnavailableError && err.status === undefined && !signal.aborted) {
        this.deps.logger.debug({ timedOut: err.timedOut }, 'Zoom gave no answer to a refresh; retrying once with the same token');
        return this.deps.oauth.refresh(refreshToken, signal);
      }
      throw err;
    }
  }

  private async recordFailure(locked: LockedConnection, row: UsableRow, err: unknown): Promise<Outcome> {
    const now = this.deps.clock();
    if (this.abort.signal.aborted) {
      // Our own shutdown cut the call: not Zoom's failure, so nothing is counted.
      return { kind: 'failed', error: zoomUnavailable(1), reason: 'shutdown' };
    }
    const failure = classifyRefreshFailure(err);
    const verdict = failureVerdict(failure, row, now, this.deps.policy, Math.random());
    await locked.recordFailure(row.version, { error: describeRefreshFailure(err), status: verdict.status, failureCount: verdict.failureCount, blockedUntil: verdict.blockedUntil, now });
    const trackingId = typeof err === 'object' && err !== null && 'trackingId' in err && typeof err.trackingId === 'string' ? err.trackingId : undefined;
    const log = { userId: row.userId, failureCount: verdict.failureCount, status: verdict.status, trackingId, error: describeRefreshFailure(err) };
    switch (failure.kind) {
      case 'grant_dead':
        this.deps.logger.info({ ...log, zoomUserId: row.zoomUserId }, 'Zoom refused the refresh token: connection needs_reauth (the user must connect again)');
        break;
      case 'client_rejected':
        this.deps.logger.error(log, 'Zoom refused this app\'s client credentials on refresh: check ZOOM_USER_MANAGED_CLIENT_ID and ZOOM_USER_MANAGED_CLIENT_SECRET');
        break;
      case 'outage':
        if (verdict.status === 'inactive') this.deps.logger.warn({ ...log, zoomUserId: row.zoomUserId }, 'Zoom token refresh failed too often: connection inactive');
        else if (describeRefreshFailure(err).startsWith('zoom_unavailable:')) this.health.refreshFailedByOutage(now, log.error);
        else this.deps.logger.warn(log, 'Zoom token refresh failed');
        break;
      default:
        this.deps.logger.warn(log, 'Zoom token refresh failed');
    }
    return { kind: 'failed', error: refreshFailureError(failure, err, verdict.retryAfterSeconds), reason: failureReason(failure, log.error) };
  }
}

/** The metrics' name for a failure Zoom gave us. */
function failureReason(failure: RefreshFailureKind, description: string): RefreshFailureReason {
  switch (failure.kind) {
    case 'grant_dead':
      return 'invalid_grant';
    case 'client_rejected':
      return 'invalid_client';
    case 'rate_limited':
      return 'rate_limited';
    case 'protocol':
      return 'invalid_response';
    case 'outage':
      return description.startsWith(OUTAGE_ERROR_PREFIX) ? 'zoom_unavailable' : 'zoom_refused';
  }
}

/** The metrics' name for a refresh that ended by an exception rather than an answer from Zoom. */
function thrownReason(err: unknown): RefreshFailureReason {
  if (err instanceof StoreLockTimeoutError) return 'lock_timeout';
  if (err instanceof StoreUnavailableError) return 'database_unavailable';
  if (err instanceof UnreadableTokensError) return 'not_connected';
  if (err instanceof ConnectError && (err.code === 'not_connected' || err.code === 'needs_reauth')) return 'not_connected';
  return 'error';
}

const MAX_REMEMBERED_REFUSALS = 10_000;

/** Access tokens Zoom refused (401 code 124), so this process never sends one again; bounded, forgotten wholesale when full. */
class RefusedTokens {
  private readonly tokens = new Set<string>();

  remember(accessToken: string): void {
    if (this.tokens.size >= MAX_REMEMBERED_REFUSALS) this.tokens.clear();
    this.tokens.add(accessToken);
  }

  has(accessToken: string): boolean {
    return this.tokens.size > 0 && this.tokens.has(accessToken);
  }
}

type UsableRow = ConnectionWithTokens & { tokens: NonNullable<ConnectionWithTokens['tokens']> };
type ReadyRow = ConnectionWithAccessToken & { accessToken: string };

type Outcome = { kind: 'done'; grant: AccessGrant; reused: boolean } | { kind: 'failed'; error: ConnectError; reason: RefreshFailureReason };

/** One refresh in flight, shared by its callers. */
interface InFlight {
  run: Promise<AccessGrant>;
  /** The access token Zoom refused, when a caller joined because of that: never a fallback. */
  rejectedToken: string | null;
}

/** A connection we may refresh (under the lock): connected, tokens present, grant not known dead. */
function usable(row: ConnectionWithTokens | null): UsableRow {
  assertLive(row, row?.tokens ?? null);
  return row as UsableRow;
}

/** A connection we may call Zoom with: the same checks, the access token alone decrypted. */
function ready(row: ConnectionWithAccessToken | null): ReadyRow {
  assertLive(row, row?.accessToken ?? null);
  return row as ReadyRow;
}

function assertLive<R extends Pick<ConnectionTokenState, 'status'>>(row: R | null, tokens: unknown): asserts row is R {
  if (!row || row.status === 'revoked' || row.status === 'deauthorized' || tokens === null) throw notConnected();
  if (row.status === 'needs_reauth') throw needsReauth();
}

/** Connected, its grant not known dead: the only state a Zoom call may use its token in. */
function isLive(row: Pick<ConnectionTokenState, 'status'>): boolean {
  return row.status === 'active' || row.status === 'inactive';
}

/** Failures a still-valid access token may outlast: Zoom or the database having trouble, or a paused refresh. */
function isPassing(err: unknown): boolean {
  if (err instanceof StoreLockTimeoutError || err instanceof StoreUnavailableError) return true;
  return err instanceof ConnectError && (err.code === 'zoom_unavailable' || err.code === 'zoom_rate_limited' || err.code === 'connection_inactive' || err.code === 'zoom_invalid_response');
}

function toGrant(row: Pick<ConnectionTokenState, 'zoomUserId' | 'apiUrl' | 'grantedScopes' | 'accessTokenExpiresAt'>, accessToken: string): AccessGrant {
  return {
    accessToken,
    zoomUserId: row.zoomUserId,
    apiBase: row.apiUrl,
    scopes: row.grantedScopes,
    expiresAt: row.accessTokenExpiresAt ?? new Date(0),
  };
}
