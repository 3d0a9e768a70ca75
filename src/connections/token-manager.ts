import type { Logger } from '../config/logger.js';
import { StoreLockTimeoutError, StoreUnavailableError } from '../store/errors.js';
import type { Connection, ConnectionWithAccessToken, ConnectionWithTokens, LockedConnection, Store } from '../store/types.js';
import { ZoomError, ZoomOAuthError, ZoomRateLimitedError, ZoomUnavailableError, type TokenSet, type ZoomOAuthClient } from '../zoom/index.js';
import type { Clock } from './context.js';
import { ConnectError, needsReauth, notConnected } from './errors.js';

export interface TokenPolicy {
  /** Refresh when less than this much access-token life remains (DESIGN: 5 minutes). */
  skewSeconds: number;
  /** Consecutive network/5xx failures after which the connection is `inactive`. */
  maxConsecutiveFailures: number;
  /** Base pause of automatic refreshes after a failure; doubles per failure, jittered. */
  cooldownSeconds: number;
  /** How long a caller waits for another process's refresh; above the Zoom HTTP timeout, twice (one retry). */
  lockTimeoutMs: number;
}

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

const MAX_COOLDOWN_SECONDS = 3600;

/**
 * The only way code obtains a Zoom access token. Guarantees at most one
 * refresh per connection at a time: callers in this process share one
 * promise; processes serialize on the store's refresh lock and re-read under
 * it, so whoever waited uses the refresh someone else just made.
 */
export class TokenManager {
  private readonly inflight = new Map<string, InFlight>();
  private readonly abort = new AbortController();

  constructor(
    private readonly deps: {
      store: Store;
      oauth: ZoomOAuthClient;
      policy: TokenPolicy;
      clock: Clock;
      logger: Logger;
    },
  ) {}

  /**
   * A token with more than `skewSeconds` of life, refreshing first when
   * needed. DESIGN: a still-valid access token keeps serving while refresh is
   * failing, whoever started the refresh this caller joined.
   */
  async getAccessToken(userId: string): Promise<AccessGrant> {
    const row = ready(await this.deps.store.connections.getWithAccessToken(userId));
    const now = this.deps.clock();
    if (!this.isExpiring(row, now)) return toGrant(row, row.accessToken);
    const blocked = this.automaticRefreshBlocked(row, now);
    if (blocked) return this.serveWhileBlocked(row, now, blocked);
    const refresh = this.coalesced(userId, { kind: 'expiring' }, row.version, row.accessToken);
    try {
      return await refresh.run;
    } catch (err) {
      // The refresh we joined may have been started because Zoom refused this very token.
      if (refresh.rejectedToken === row.accessToken) throw err;
      if (!isPassing(err) || !isStillValid(row, this.deps.clock())) throw err;
      this.deps.logger.info({ userId, error: describe(err) }, 'refresh failed; serving the still-valid access token');
      return toGrant(row, row.accessToken);
    }
  }

  /**
   * Zoom refused `failedAccessToken`. Refreshes only if it is still the
   * stored token; otherwise someone already refreshed and the stored one is used.
   */
  async refreshAfterRejection(userId: string, failedAccessToken: string): Promise<AccessGrant> {
    const row = ready(await this.deps.store.connections.getWithAccessToken(userId));
    if (row.accessToken !== failedAccessToken) return toGrant(row, row.accessToken);
    const now = this.deps.clock();
    const blocked = this.automaticRefreshBlocked(row, now);
    if (blocked) throw blockedError(row, now, blocked);
    return this.coalesced(userId, { kind: 'rejected' }, row.version, failedAccessToken).run;
  }

  /** POST .../refresh: refresh now, whatever the token's age, even during a cooldown or when inactive. */
  async refreshNow(userId: string): Promise<Connection> {
    const row = ready(await this.deps.store.connections.getWithAccessToken(userId));
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
    const row = ready(await this.deps.store.connections.getWithAccessToken(userId));
    const lastActivity = row.lastRefreshedAt ?? row.authorizedAt;
    if (lastActivity && lastActivity >= idleBefore) return false;
    if (this.automaticRefreshBlocked(row, this.deps.clock())) return false;
    await this.coalesced(userId, { kind: 'idle' }, row.version, row.accessToken).run;
    return true;
  }

  /** Stops waiting on Zoom: in-flight refreshes end as failures and their lock transactions roll back. */
  shutdown(): void {
    this.abort.abort(new Error('shutting down'));
  }

  private isExpiring(row: Connection, now: Date): boolean {
    const expiresAt = row.accessTokenExpiresAt?.getTime() ?? 0;
    return expiresAt - now.getTime() <= this.deps.policy.skewSeconds * 1000;
  }

  /** Non-null when automatic refreshes are paused: the time they resume (or `inactive`). */
  private automaticRefreshBlocked(row: Connection, now: Date): Date | 'inactive' | null {
    if (row.status === 'inactive') return 'inactive';
    if (row.refreshBlockedUntil && row.refreshBlockedUntil > now) return row.refreshBlockedUntil;
    return null;
  }

  /** DESIGN: a still-valid access token keeps serving while refresh is failing. */
  private serveWhileBlocked(row: ReadyRow, now: Date, blocked: Date | 'inactive'): AccessGrant {
    if (isStillValid(row, now)) return toGrant(row, row.accessToken);
    throw blockedError(row, now, blocked);
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
    const outcome = await this.deps.store.connections.withRefreshLock(userId, this.deps.policy.lockTimeoutMs, async (locked) => {
      const row = usable(locked.current);
      const now = this.deps.clock();
      // Someone refreshed while we waited for the lock: use theirs.
      if (row.version !== seenVersion && row.tokens.accessToken !== seenAccessToken && !this.isExpiring(row, now)) {
        return { kind: 'done' as const, grant: toGrant(row, row.tokens.accessToken) };
      }
      if (trigger.kind !== 'manual') {
        // Another process's refresh failed while we waited: its cooldown applies to us too.
        const blocked = this.automaticRefreshBlocked(row, now);
        if (blocked) return { kind: 'failed' as const, error: blockedError(row, now, blocked) };
      }
      return this.refreshLocked(locked, row);
    });
    if (outcome.kind === 'failed') throw outcome.error;
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
      return { kind: 'failed', error: notConnected() };
    }
    this.deps.logger.info({ userId: row.userId, version: saved.version }, 'Zoom token refreshed');
    return { kind: 'done', grant: toGrant(saved, tokenSet.accessToken) };
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
        this.deps.logger.warn({ timedOut: err.timedOut }, 'Zoom gave no answer to a refresh; retrying once with the same token');
        return this.deps.oauth.refresh(refreshToken, signal);
      }
      throw err;
    }
  }

  private async recordFailure(locked: LockedConnection, row: UsableRow, err: unknown): Promise<Outcome> {
    const now = this.deps.clock();
    if (this.abort.signal.aborted) {
      // Our own shutdown cut the call: not Zoom's failure, so nothing is counted.
      return failed('zoom_unavailable', 'The service is shutting down; try again.', 1, undefined);
    }
    if (err instanceof ZoomOAuthError && err.isInvalidGrant) {
      // Under the lock nobody else can have refreshed, so the grant really is dead.
      await locked.recordFailure(row.version, {
        error: `invalid_grant: ${err.reason}`.slice(0, 200),
        status: 'needs_reauth',
        failureCount: row.refreshFailureCount + 1,
        blockedUntil: null,
        now,
      });
      this.deps.logger.warn({ userId: row.userId, trackingId: err.trackingId }, 'Zoom refused the refresh token: needs_reauth');
      return { kind: 'failed', error: needsReauth() };
    }
    // Only the connection's own trouble counts toward `inactive` (DESIGN: network
    // errors, timeouts, 5xx, and Zoom refusing this grant). A rate limit is Zoom
    // pacing the app, and invalid_client is our own configuration: counting
    // either would mark every healthy connection inactive.
    const counts = !(err instanceof ZoomRateLimitedError) && !isClientRejected(err);
    const failureCount = counts ? row.refreshFailureCount + 1 : row.refreshFailureCount;
    const inactive = row.status === 'inactive' || failureCount >= this.deps.policy.maxConsecutiveFailures;
    // Never less than a second (a 429 may say "0" or a past date), and never shorter than Zoom asked for.
    const retryAfter = Math.max(
      1,
      err instanceof ZoomRateLimitedError ? err.retryAfterSeconds : this.cooldownSeconds(Math.max(1, failureCount)),
      err instanceof ZoomUnavailableError ? (err.retryAfterSeconds ?? 0) : 0,
    );
    const blockedUntil = new Date(now.getTime() + retryAfter * 1000);
    await locked.recordFailure(row.version, {
      error: describe(err),
      status: inactive ? 'inactive' : 'active',
      failureCount,
      blockedUntil,
      now,
    });
    const trackingId = err instanceof ZoomError ? err.trackingId : undefined;
    if (isClientRejected(err)) {
      this.deps.logger.error(
        { userId: row.userId, trackingId, error: describe(err) },
        'Zoom refused this app\'s client credentials on refresh: check ZOOM_USER_MANAGED_CLIENT_ID and ZOOM_USER_MANAGED_CLIENT_SECRET',
      );
    } else {
      this.deps.logger.warn({ userId: row.userId, failureCount, inactive, trackingId, error: describe(err) }, 'Zoom token refresh failed');
    }
    if (err instanceof ZoomRateLimitedError) {
      return failed('zoom_rate_limited', 'Zoom is rate limiting token refreshes; try again later.', retryAfter, err.trackingId);
    }
    if (err instanceof ZoomOAuthError) {
      return failed('zoom_unavailable', `Zoom refused the refresh (${err.error}); try again later.`, retryAfter, err.trackingId);
    }
    if (err instanceof ZoomUnavailableError) {
      return failed('zoom_unavailable', 'Zoom could not refresh the token right now; try again later.', retryAfter, err.trackingId);
    }
    throw err;
  }

  private cooldownSeconds(failureCount: number): number {
    const base = this.deps.policy.cooldownSeconds * 2 ** Math.min(failureCount - 1, 10);
    const capped = Math.min(base, MAX_COOLDOWN_SECONDS);
    return Math.max(1, Math.round(capped * (0.75 + Math.random() * 0.5)));
  }

}

type UsableRow = ConnectionWithTokens & { tokens: NonNullable<ConnectionWithTokens['tokens']> };
type ReadyRow = ConnectionWithAccessToken & { accessToken: string };

type Outcome = { kind: 'done'; grant: AccessGrant } | { kind: 'failed'; error: ConnectError };

/** One refresh in flight, shared by its callers. */
interface InFlight {
  run: Promise<AccessGrant>;
  /** The access token Zoom refused, when a caller joined because of that: never a fallback. */
  rejectedToken: string | null;
}

function failed(code: 'zoom_unavailable' | 'zoom_rate_limited', message: string, retryAfterSeconds: number, trackingId: string | undefined): Outcome {
  return { kind: 'failed', error: new ConnectError(code, message, { retryAfterSeconds, trackingId }) };
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

function assertLive(row: Connection | null, tokens: unknown): asserts row is Connection {
  if (!row || row.status === 'revoked' || row.status === 'deauthorized' || tokens === null) throw notConnected();
  if (row.status === 'needs_reauth') throw needsReauth();
}

/** Failures a still-valid access token may outlast: Zoom or the database having trouble, or a paused refresh. */
function isPassing(err: unknown): boolean {
  if (err instanceof StoreLockTimeoutError || err instanceof StoreUnavailableError) return true;
  return err instanceof ConnectError && (err.code === 'zoom_unavailable' || err.code === 'zoom_rate_limited' || err.code === 'connection_inactive');
}

function isStillValid(row: Connection, now: Date): boolean {
  return row.accessTokenExpiresAt !== null && row.accessTokenExpiresAt > now;
}

/** Zoom refused the app itself (RFC 6749 §5.2 invalid_client), not this user's grant. */
function isClientRejected(err: unknown): boolean {
  return err instanceof ZoomOAuthError && (err.error === 'invalid_client' || err.status === 401);
}

function toGrant(row: Connection, accessToken: string): AccessGrant {
  return {
    accessToken,
    zoomUserId: row.zoomUserId,
    apiBase: row.apiUrl,
    scopes: row.grantedScopes,
    expiresAt: row.accessTokenExpiresAt ?? new Date(0),
  };
}

function blockedError(row: Connection, now: Date, blocked: Date | 'inactive'): ConnectError {
  if (blocked === 'inactive') {
    return new ConnectError(
      'connection_inactive',
      `Refreshing this connection failed ${row.refreshFailureCount} times in a row; automatic refresh stopped. POST /api/zoom/oauth/user/refresh to retry, or connect again.`,
    );
  }
  return unavailableUntil(blocked, now);
}

function unavailableUntil(until: Date, now: Date): ConnectError {
  const seconds = Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 1000));
  return new ConnectError('zoom_unavailable', 'Refreshing this connection recently failed; automatic refresh resumes shortly.', {
    retryAfterSeconds: seconds,
  });
}

function describe(err: unknown): string {
  if (err instanceof ZoomUnavailableError) return `zoom_unavailable: ${err.message}`.slice(0, 200);
  if (err instanceof ZoomRateLimitedError) return `zoom_rate_limited: retry after ${err.retryAfterSeconds}s`;
  if (err instanceof ZoomOAuthError) return `zoom_oauth: ${err.error}`.slice(0, 200);
  return err instanceof Error ? err.name : 'unknown error';
}
