import { TokenDecryptError, UnknownKeyError } from '../crypto/errors.js';
import { StoreLockTimeoutError, StoreUnavailableError, UnreadableTokensError } from '../store/errors.js';
import { ZoomApiError, ZoomError, ZoomOAuthError, ZoomProtocolError, ZoomRateLimitedError, ZoomUnavailableError } from '../zoom/index.js';
import { ConnectError, needsReauth } from './errors.js';
import { OUTAGE_ERROR_PREFIX, type RefreshFailureKind } from './refresh-policy.js';

/**
 * The one place where a failure of a port (Zoom, the database, the cipher)
 * becomes a domain error. Everything above the domain (HTTP, Express, code
 * that embeds us) sees only `ConnectError`s.
 */

/** When nobody said how long to wait (DESIGN: a 503 always carries Retry-After). */
export const DEFAULT_RETRY_AFTER_SECONDS = 5;

/** The one Retry-After rule: what Zoom (or a cooldown) said, whole seconds, never below one. */
export function retryAfter(seconds: number | undefined): number {
  return seconds === undefined || !Number.isFinite(seconds) ? DEFAULT_RETRY_AFTER_SECONDS : Math.max(1, Math.ceil(seconds));
}

/** The one wording of `zoom_unavailable`, whatever made Zoom unusable for this call. */
export function zoomUnavailable(retryAfterSeconds: number | undefined, trackingId?: string): ConnectError {
  const seconds = retryAfter(retryAfterSeconds);
  return new ConnectError('zoom_unavailable', `Zoom cannot serve this connection right now; try again in ${seconds} s.`, {
    retryAfterSeconds: seconds,
    trackingId,
  });
}

export function zoomRateLimited(err: ZoomRateLimitedError): ConnectError {
  const detail = err.daily ? 'Zoom\'s daily rate limit for this call is reached' : 'Zoom is rate limiting this app';
  const seconds = retryAfter(err.retryAfterSeconds);
  return new ConnectError('zoom_rate_limited', `${detail}; try again in ${seconds} s.`, { retryAfterSeconds: seconds, trackingId: err.trackingId });
}

function zoomInvalidResponse(err: ZoomProtocolError): ConnectError {
  return new ConnectError('zoom_invalid_response', err.message, { retryAfterSeconds: 30, trackingId: err.trackingId, alert: true });
}

/** A Zoom API call made for a user failed (after the token manager's one refresh and retry). */
export function apiCallFailure(err: unknown): unknown {
  if (err instanceof ZoomRateLimitedError) return zoomRateLimited(err);
  if (err instanceof ZoomUnavailableError) return zoomUnavailable(err.retryAfterSeconds, err.trackingId);
  if (err instanceof ZoomProtocolError) return zoomInvalidResponse(err);
  if (err instanceof ZoomApiError) {
    // Zoom refused a token it had just issued: Zoom's own hiccup (its token
    // cache not yet in step), not a dead grant. The stored connection decides
    // whether the user must reconnect, and it is still active.
    if (err.isInvalidAccessToken) return zoomUnavailable(undefined, err.trackingId);
    if (err.isMissingScope) return new ConnectError('insufficient_scope', err.zoomMessage, { trackingId: err.trackingId });
    if (err.status === 404) return new ConnectError('zoom_not_found', err.zoomMessage, { trackingId: err.trackingId });
    return new ConnectError('zoom_rejected_request', `Zoom rejected the request: ${err.zoomMessage}`, {
      trackingId: err.trackingId,
      fieldErrors: err.fieldErrors,
    });
  }
  return err;
}

/** The code exchange (or the profile read right after it) failed during the callback. */
export function exchangeFailure(err: unknown): ConnectError {
  if (err instanceof ZoomOAuthError) {
    return new ConnectError('zoom_code_rejected', `Zoom refused the authorization code (${err.error}); start connecting again.`, { trackingId: err.trackingId });
  }
  if (err instanceof ZoomApiError && err.isMissingScope) {
    // The code was good but Zoom will not show us who the user is: an answer, not an outage.
    return new ConnectError('insufficient_scope', 'The Zoom app lacks the scope to read the user\'s profile (user:read); add it to the app, then connect again.', {
      trackingId: err.trackingId,
    });
  }
  if (err instanceof ZoomApiError) {
    return new ConnectError('zoom_rejected_request', `Zoom refused to share the user's profile (${err.zoomMessage}); connect again.`, { trackingId: err.trackingId });
  }
  const mapped = apiCallFailure(err);
  if (mapped instanceof ConnectError) return mapped;
  throw err;
}

/**
 * Failures of our own ports, as the domain's vocabulary. Only faults an
 * operator must act on are marked `alert` (logged at error level by the edge).
 */
export function asConnectError(err: unknown): ConnectError | null {
  if (err instanceof ConnectError) return err;
  if (err instanceof StoreUnavailableError) {
    return new ConnectError('service_unavailable', 'The database is unavailable; try again shortly.', { retryAfterSeconds: DEFAULT_RETRY_AFTER_SECONDS, alert: true });
  }
  if (err instanceof StoreLockTimeoutError) {
    return new ConnectError('service_unavailable', 'Another refresh or change of this connection is taking too long; try again shortly.', { retryAfterSeconds: 2 });
  }
  if (err instanceof UnknownKeyError) {
    return new ConnectError('service_unavailable', 'This connection\'s tokens cannot be read with the configured keys.', { retryAfterSeconds: 60, alert: true });
  }
  if (err instanceof UnreadableTokensError || err instanceof TokenDecryptError) {
    return new ConnectError('needs_reauth', 'This connection\'s stored tokens are unreadable; the user must connect Zoom again.', { alert: true });
  }
  return null;
}

/** What a failed refresh means for the connection (src/connections/refresh-policy.ts decides what follows). */
export function classifyRefreshFailure(err: unknown): RefreshFailureKind {
  if (err instanceof ZoomOAuthError && err.isInvalidGrant) return { kind: 'grant_dead' };
  if (err instanceof ZoomRateLimitedError) return { kind: 'rate_limited', retryAfterSeconds: err.retryAfterSeconds };
  // RFC 6749 §5.2 invalid_client (Zoom has answered it with 400 and with 401).
  if (err instanceof ZoomOAuthError && (err.error === 'invalid_client' || err.status === 401)) return { kind: 'client_rejected' };
  if (err instanceof ZoomProtocolError) return { kind: 'protocol' };
  if (err instanceof ZoomUnavailableError) return { kind: 'outage', retryAfterSeconds: err.retryAfterSeconds };
  if (err instanceof ZoomOAuthError) return { kind: 'outage', retryAfterSeconds: undefined };
  throw err;
}

/** `last_refresh_error`: a short, secret-free description; outages start with OUTAGE_ERROR_PREFIX. */
export function describeRefreshFailure(err: unknown): string {
  if (err instanceof ZoomUnavailableError) return `${OUTAGE_ERROR_PREFIX} ${err.message}`.slice(0, 200);
  if (err instanceof ZoomRateLimitedError) return `zoom_rate_limited: retry after ${err.retryAfterSeconds}s`;
  if (err instanceof ZoomOAuthError) return `${err.isInvalidGrant ? 'invalid_grant' : 'zoom_oauth'}: ${err.error}${err.reason ? ` (${err.reason})` : ''}`.slice(0, 200);
  if (err instanceof ZoomProtocolError) return `zoom_invalid_response: ${err.field}`.slice(0, 200);
  return err instanceof Error ? err.name : 'unknown error';
}

/** What the caller of a failed refresh hears. */
export function refreshFailureError(failure: RefreshFailureKind, err: unknown, retryAfterSeconds: number): ConnectError {
  const trackingId = err instanceof ZoomError ? err.trackingId : undefined;
  switch (failure.kind) {
    case 'grant_dead':
      return needsReauth();
    case 'rate_limited':
      return err instanceof ZoomRateLimitedError ? zoomRateLimited(err) : zoomUnavailable(retryAfterSeconds, trackingId);
    case 'protocol':
      return err instanceof ZoomProtocolError ? zoomInvalidResponse(err) : zoomUnavailable(retryAfterSeconds, trackingId);
    default:
      return zoomUnavailable(retryAfterSeconds, trackingId);
  }
}
