/**
 * What can go wrong talking to Zoom, as types the domain can branch on.
 * Messages carry Zoom's own reason and tracking id, never a token.
 */

export abstract class ZoomError extends Error {
  /** Zoom's `x-zm-trackingid`, which Zoom support asks for. */
  readonly trackingId: string | undefined;
  constructor(message: string, trackingId: string | undefined) {
    super(message);
    this.name = new.target.name;
    this.trackingId = trackingId;
  }
}

/** The OAuth endpoints refused (`{"error": ..., "reason": ...}`). */
export class ZoomOAuthError extends ZoomError {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly reason: string,
    trackingId: string | undefined,
  ) {
    super(`Zoom OAuth refused: HTTP ${status} ${error}${reason ? ` (${reason})` : ''}`, trackingId);
  }

  /** The grant is dead: the user must consent again. */
  get isInvalidGrant(): boolean {
    return this.error === 'invalid_grant';
  }
}

/** The REST API answered with an error body (`{"code": ..., "message": ...}`). */
export class ZoomApiError extends ZoomError {
  constructor(
    readonly status: number,
    readonly code: number | undefined,
    readonly zoomMessage: string,
    trackingId: string | undefined,
    readonly fieldErrors: Array<{ field: string; message: string }> = [],
  ) {
    super(`Zoom API error: HTTP ${status}${code === undefined ? '' : ` code ${code}`}: ${zoomMessage}`, trackingId);
  }

  /** 401 with code 124: the access token is invalid or expired. */
  get isInvalidAccessToken(): boolean {
    return this.status === 401 && (this.code === 124 || this.code === undefined);
  }

  /** Code 4711: the token lacks a scope this endpoint needs. */
  get isMissingScope(): boolean {
    return this.code === 4711;
  }
}

/** Network failure, timeout, or a 5xx: Zoom could not be reached or failed. */
export class ZoomUnavailableError extends ZoomError {
  constructor(
    message: string,
    readonly timedOut: boolean,
    readonly status: number | undefined,
    trackingId: string | undefined,
    readonly retryAfterSeconds: number | undefined = undefined,
  ) {
    super(message, trackingId);
  }
}

/** 429 after any retries we were willing to wait for. */
export class ZoomRateLimitedError extends ZoomError {
  constructor(
    readonly retryAfterSeconds: number,
    readonly daily: boolean,
    trackingId: string | undefined,
  ) {
    super(`Zoom rate limit reached (${daily ? 'daily' : 'per-second'}); retry after ${retryAfterSeconds}s`, trackingId);
  }
}

/**
 * Whether a 429 is a daily limit (wait for Zoom's 00:00 UTC reset) rather than
 * a per-second one (retry shortly). Zoom documents `X-RateLimit-Type:
 * Daily-limit`; real daily 429s have also come with no type at all, only a
 * message ("You have exceeded the daily rate limit (100) of Meeting
 * Create/Update API requests…"), so the message decides when the header is absent.
 */
export function isDailyRateLimit(rateLimitType: string | undefined, body: unknown): boolean {
  if (rateLimitType !== undefined) return rateLimitType.trim().toLowerCase() !== 'qps';
  const message = typeof body === 'object' && body !== null ? (body as { message?: unknown }).message : undefined;
  return typeof message === 'string' && /\bdaily\b/i.test(message);
}
