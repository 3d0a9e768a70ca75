/**
 * What can go wrong talking to Google, as types a caller can branch on: the
 * host cannot be served (fall through to another provider), Google is down or
 * rate limiting (maybe later), or the request itself was refused. Messages
 * carry Google's own reason, never a token, assertion or key.
 */
export abstract class GoogleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Why Google will not act for this host, in Google's own words where it has them. */
export type GoogleHostRefusal =
  /** Unknown `sub` (not a user of the Workspace), or an assertion Google would not accept. */
  | 'invalid_grant'
  /** Domain-wide delegation does not cover the requested scope (or was removed). */
  | 'unauthorized_client'
  /** The scope requested is unknown or not one the Calendar API needs. */
  | 'invalid_scope'
  /** The token works but the host's calendar refuses the call (403). */
  | 'forbidden'
  /** Google still refuses a freshly minted token (401 twice). */
  | 'unauthorized';

/** The host cannot be served with these credentials; retrying will not help. */
export class GoogleHostNotServableError extends GoogleError {
  constructor(
    readonly reason: GoogleHostRefusal,
    readonly detail: string,
  ) {
    super(`Google refused to act for this host: ${reason}${detail ? ` (${detail})` : ''}`);
  }
}

/** Network failure, timeout or a 5xx after the retries we were willing to make. */
export class GoogleUnavailableError extends GoogleError {
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly timedOut: boolean,
  ) {
    super(message);
  }
}

/** 429 or 403 `rateLimitExceeded`/`userRateLimitExceeded` after our backoff gave up. */
export class GoogleRateLimitedError extends GoogleError {
  constructor(
    readonly status: number,
    readonly reason: string,
    /** Google's Retry-After, when it sent one. */
    readonly retryAfterSeconds: number | undefined,
  ) {
    super(`Google rate limit reached (HTTP ${status} ${reason})${retryAfterSeconds === undefined ? '' : `; retry after ${retryAfterSeconds}s`}`);
  }
}

/** A request Google refused for a reason retrying will not fix (400, an unexpected 4xx). */
export class GoogleApiError extends GoogleError {
  constructor(
    readonly status: number,
    /** `errors[0].reason`, e.g. `invalid`, `timeRangeEmpty`. */
    readonly reason: string,
    readonly googleMessage: string,
  ) {
    super(`Google Calendar refused: HTTP ${status} ${reason}: ${googleMessage}`);
  }
}

/** The event is not there (404), or was deleted (410 or `status: cancelled`). */
export class GoogleEventNotFoundError extends GoogleError {
  constructor(readonly eventId: string) {
    super(`Google Calendar event ${eventId} does not exist or was deleted`);
  }
}

/**
 * An insert met a deleted event with the same id: Google keeps deleted ids, so
 * the same id can never be created again. Derive another id (a new generation).
 */
export class GoogleEventIdTakenError extends GoogleError {
  constructor(readonly eventId: string) {
    super(`Google Calendar event id ${eventId} belongs to a deleted event and cannot be reused`);
  }
}

/** The event exists but its Meet conference failed, or was still pending after our polls. */
export class GoogleConferenceError extends GoogleError {
  constructor(
    readonly eventId: string,
    readonly statusCode: 'failure' | 'pending' | 'missing',
  ) {
    super(
      statusCode === 'pending'
        ? `The Meet conference of event ${eventId} was still pending after polling`
        : `The Meet conference of event ${eventId} ${statusCode === 'failure' ? 'failed' : 'was not created'}`,
    );
  }
}

/** The service account key file cannot be used. */
export class GoogleKeyFileError extends GoogleError {}
