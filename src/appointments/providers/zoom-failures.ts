import { ConnectError } from '../../connections/errors.js';
import { StoreLockTimeoutError, StoreUnavailableError } from '../../store/errors.js';
import { ZoomApiError, ZoomOAuthError, ZoomRateLimitedError, ZoomUnavailableError, type ZoomObject } from '../../zoom/index.js';
import { ProviderError } from '../errors.js';
import type { ProviderMeeting } from '../provider.js';

/**
 * Zoom's failures in the chain's terms. `creating`: a create that got no
 * answer (network error, timeout) may have been processed, so its outcome
 * is unknown rather than a plain outage.
 */
export function zoomFailure(err: unknown, creating: boolean): unknown {
  if (err instanceof ProviderError) return err;
  if (err instanceof ZoomUnavailableError) {
    // Zoom answering 5xx did not make the meeting; only a create that got no answer at all may have.
    if (creating && err.status === undefined) return new ProviderError('unknown_outcome', 'no_answer');
    return new ProviderError('unavailable', 'unavailable', err.retryAfterSeconds);
  }
  if (err instanceof ZoomRateLimitedError) return new ProviderError('unavailable', 'rate_limited', err.retryAfterSeconds);
  if (err instanceof ZoomOAuthError) {
    // Our own app credentials refused, or the app deactivated: this account cannot serve anyone.
    if (err.status >= 500) return new ProviderError('unavailable', 'unavailable');
    return new ProviderError('cannot_serve', err.error === 'invalid_client' || err.status === 401 ? 'credentials_refused' : `token_refused_${err.error}`);
  }
  if (err instanceof ZoomApiError) {
    if (err.isMissingScope) return new ProviderError('cannot_serve', 'missing_scope');
    if (err.isInvalidAccessToken) return new ProviderError('cannot_serve', 'needs_reauth');
    if (err.status === 404 && err.code === 1001) return new ProviderError('cannot_serve', 'host_unknown');
    if (err.status === 404 && err.code === 3001) return new ProviderError('not_found', 'meeting_not_found');
    if (err.status === 403) return new ProviderError('cannot_serve', 'not_permitted');
    return new ConnectError('zoom_rejected_request', `Zoom rejected the meeting: ${err.zoomMessage}`, { trackingId: err.trackingId });
  }
  if (err instanceof ConnectError) {
    switch (err.code) {
      case 'not_connected':
        return new ProviderError('cannot_serve', 'not_connected');
      case 'needs_reauth':
        return new ProviderError('cannot_serve', 'needs_reauth');
      case 'connection_inactive':
        return new ProviderError('cannot_serve', 'inactive');
      case 'insufficient_scope':
        return new ProviderError('cannot_serve', 'missing_scope');
      case 'zoom_unavailable':
      case 'zoom_rate_limited':
        return new ProviderError('unavailable', err.code === 'zoom_rate_limited' ? 'rate_limited' : 'unavailable', err.extra.retryAfterSeconds);
      default:
        return err;
    }
  }
  if (err instanceof StoreLockTimeoutError || err instanceof StoreUnavailableError) return new ProviderError('unavailable', 'unavailable');
  return err;
}

/** A Zoom meeting object as the chain keeps it. */
export function zoomMeeting(body: ZoomObject): ProviderMeeting {
  const id = body.id;
  if ((typeof id !== 'number' && typeof id !== 'string') || typeof body.join_url !== 'string') {
    throw new ProviderError('unavailable', 'malformed_answer');
  }
  return { meetingId: String(id), joinUrl: body.join_url, passcode: typeof body.password === 'string' && body.password !== '' ? body.password : null };
}

/** Zoom's meeting fields for an appointment (scheduled meeting, type 2). */
export function zoomFields(request: { topic: string; startTime: Date; durationMinutes: number; timezone: string }, agenda: string): ZoomObject {
  return {
    topic: request.topic,
    type: 2,
    // Zoom reads start_time in `timezone` unless it ends in Z: UTC, without milliseconds.
    start_time: `${request.startTime.toISOString().slice(0, 19)}Z`,
    duration: request.durationMinutes,
    timezone: request.timezone,
    agenda,
  };
}
