import type { Logger } from '../config/logger.js';
import type { Store } from '../store/types.js';
import {
  hasAnyScope,
  REQUIRED_SCOPES,
  ZoomApiError,
  ZoomRateLimitedError,
  type CreateMeetingInput,
  type ListMeetingsQuery,
  type ListRecordingsQuery,
  type ZoomApi,
  type ZoomApiRequest,
  type ZoomAuth,
  type ZoomObject,
} from '../zoom/index.js';
import type { Clock } from './context.js';
import { ConnectError } from './errors.js';
import { checkRecordingRange } from './recordings-range.js';
import type { AccessGrant, TokenManager } from './token-manager.js';
import { apiCallFailure, zoomRateLimited } from './zoom-failures.js';

/** What a meeting is created from: Zoom's own field names (ZOOM.md, POST /users/{userId}/meetings). */
export type MeetingInput = CreateMeetingInput;

const TOUCH_INTERVAL_MS = 5 * 60 * 1000;

/**
 * Calls Zoom as one app user: gets a fresh token from the TokenManager,
 * checks the grant has the scope before spending a call, retries once after
 * Zoom's 401 code 124 (with a refresh only if that token is still stored),
 * and maps Zoom's failures to the domain's error codes.
 */
export class ZoomAccount {
  /** Last `last_used_at` write per user: throttled so reads stay reads. */
  private readonly touched = new Map<string, number>();
  private readonly dailyLimits: DailyLimits;

  constructor(
    private readonly deps: { store: Store; api: ZoomApi; tokens: TokenManager; clock: Clock; logger: Logger },
  ) {
    this.dailyLimits = new DailyLimits(deps.clock);
  }

  profile(userId: string): Promise<ZoomObject> {
    return this.call(userId, 'profile', (auth) => this.deps.api.getMe(auth));
  }

  listMeetings(userId: string, query: ListMeetingsQuery): Promise<ZoomObject> {
    return this.call(userId, 'listMeetings', (auth) => this.deps.api.listMeetings(auth, query));
  }

  createMeeting(userId: string, input: MeetingInput): Promise<ZoomObject> {
    return this.call(userId, 'createMeeting', (auth) => this.deps.api.createMeeting(auth, input));
  }

  /** Zoom lists recordings over at most one month: a wider or impossible range is refused before Zoom is asked. */
  async listRecordings(userId: string, query: ListRecordingsQuery): Promise<ZoomObject> {
    checkRecordingRange(query.from, query.to);
    return this.call(userId, 'listRecordings', (auth) => this.deps.api.listRecordings(auth, query));
  }

  /**
   * Any Zoom endpoint, with the same token handling as the calls above; no
   * scope check ahead (we do not know what an arbitrary endpoint needs: Zoom
   * says, as `insufficient_scope`). Daily limits are remembered per method and path.
   */
  request(userId: string, req: ZoomApiRequest): Promise<ZoomObject | null> {
    return this.call(userId, `${req.method} ${req.path}`, (auth) => this.deps.api.request(auth, req));
  }

  private async call<T>(userId: string, operation: string, fn: (auth: ZoomAuth) => Promise<T>): Promise<T> {
    const scopes = isKnownOperation(operation) ? REQUIRED_SCOPES[operation] : [];
    let grant = await this.deps.tokens.getAccessToken(userId);
    this.dailyLimits.check(grant.zoomUserId, operation);
    // An empty scope list means Zoom did not tell us: let Zoom decide.
    if (grant.scopes.length > 0 && scopes.length > 0 && !hasAnyScope(grant.scopes, scopes)) {
      throw new ConnectError('insufficient_scope', `This Zoom connection lacks the scope this needs (one of: ${scopes.join(', ')}); add it to the Zoom app and connect again.`);
    }
    try {
      const result = await fn(grant);
      this.touch(userId);
      return result;
    } catch (err) {
      if (!(err instanceof ZoomApiError && err.isInvalidAccessToken)) throw this.failure(grant, operation, err);
    }
    grant = await this.deps.tokens.refreshAfterRejection(userId, grant.accessToken);
    try {
      return await fn(grant);
    } catch (err) {
      throw this.failure(grant, operation, err);
    }
  }

  private failure(grant: AccessGrant, operation: string, err: unknown): unknown {
    if (err instanceof ZoomRateLimitedError && err.daily) this.dailyLimits.remember(grant.zoomUserId, operation, err.retryAfterSeconds);
    return apiCallFailure(err);
  }

  private touch(userId: string): void {
    const now = this.deps.clock().getTime();
    const last = this.touched.get(userId) ?? 0;
    if (now - last < TOUCH_INTERVAL_MS) return;
    this.touched.set(userId, now);
    if (this.touched.size > 100_000) this.touched.clear();
    this.deps.store.connections.touchLastUsed(userId, new Date(now)).catch((err: unknown) => {
      this.deps.logger.warn({ userId, error: err instanceof Error ? err.message : 'unknown' }, 'Could not record last use');
    });
  }
}

type Operation = keyof typeof REQUIRED_SCOPES;

function isKnownOperation(operation: string): operation is Operation {
  return Object.hasOwn(REQUIRED_SCOPES, operation);
}

const MAX_REMEMBERED_LIMITS = 100_000;

/**
 * DESIGN: a daily limit's 429 is not retried until its reset. Once Zoom says
 * a call is spent for the day for a Zoom user, that call is answered here,
 * without asking Zoom again, until the reset. Keyed by the Zoom user, not
 * the app user: reconnected to another Zoom account, an app user starts
 * afresh. Per process: another instance learns it from Zoom once.
 */
class DailyLimits {
  private readonly until = new Map<string, number>();

  constructor(private readonly clock: Clock) {}

  check(zoomUserId: string | null, operation: string): void {
    if (zoomUserId === null || this.until.size === 0) return;
    const key = `${operation} ${zoomUserId}`;
    const until = this.until.get(key);
    if (until === undefined) return;
    const left = Math.ceil((until - this.clock().getTime()) / 1000);
    if (left <= 0) {
      this.until.delete(key);
      return;
    }
    throw zoomRateLimited(new ZoomRateLimitedError(left, true, undefined));
  }

  remember(zoomUserId: string | null, operation: string, retryAfterSeconds: number): void {
    if (zoomUserId === null || retryAfterSeconds <= 0) return;
    if (this.until.size >= MAX_REMEMBERED_LIMITS) this.until.clear();
    this.until.set(`${operation} ${zoomUserId}`, this.clock().getTime() + retryAfterSeconds * 1000);
  }
}
