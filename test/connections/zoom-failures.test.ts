import { describe, expect, test } from 'vitest';
import { ConnectError } from '../../src/connections/index.js';
import { apiCallFailure, asConnectError, retryAfter, zoomUnavailable } from '../../src/connections/zoom-failures.js';
import { StoreLockTimeoutError, StoreUnavailableError, UnreadableTokensError } from '../../src/store/index.js';
import { ZoomApiError, ZoomProtocolError, ZoomRateLimitedError, ZoomUnavailableError } from '../../src/zoom/index.js';

/** The one module where port failures become the domain's codes. */
describe('Zoom API failures as domain errors', () => {
  test('Zoom refusing a token it had just issued answers zoom_unavailable, never needs_reauth', () => {
    const mapped = apiCallFailure(new ZoomApiError(401, 124, 'Invalid access token.', 'track-1'));
    expect(mapped).toBeInstanceOf(ConnectError);
    expect(mapped).toMatchObject({ code: 'zoom_unavailable', extra: { retryAfterSeconds: 5, trackingId: 'track-1' } });
  });

  test('a missing scope (4711) is insufficient_scope', () => {
    expect(apiCallFailure(new ZoomApiError(400, 4711, 'Invalid access token, does not contain scopes', undefined))).toMatchObject({ code: 'insufficient_scope' });
  });

  test('a daily limit keeps Zoom\'s reset as Retry-After', () => {
    expect(apiCallFailure(new ZoomRateLimitedError(3600, true, undefined))).toMatchObject({ code: 'zoom_rate_limited', extra: { retryAfterSeconds: 3600 } });
  });

  test('a malformed answer is zoom_invalid_response, an alert for the operator', () => {
    const err = new ZoomProtocolError('GET /users/me answer', 'id', 'a non-empty string', 'rule', 200, undefined);
    expect(apiCallFailure(err)).toMatchObject({ code: 'zoom_invalid_response', extra: { alert: true } });
  });

  test('an outage without Retry-After gets the default one; with one, Zoom\'s', () => {
    expect(apiCallFailure(new ZoomUnavailableError('down', false, 503, undefined))).toMatchObject({ extra: { retryAfterSeconds: 5 } });
    expect(apiCallFailure(new ZoomUnavailableError('down', false, 503, undefined, 42))).toMatchObject({ extra: { retryAfterSeconds: 42 } });
  });
});

describe('the one zoom_unavailable', () => {
  test('has one wording, saying when to try again', () => {
    expect(zoomUnavailable(7.2).message).toBe('Zoom cannot serve this connection right now; try again in 8 s.');
  });

  test('never asks for less than a second', () => {
    expect([retryAfter(0), retryAfter(-3), retryAfter(0.2), retryAfter(undefined)]).toEqual([1, 1, 1, 5]);
  });
});

describe('store failures as domain errors', () => {
  test('the database down is service_unavailable and an alert', () => {
    expect(asConnectError(new StoreUnavailableError('refused', 'ECONNREFUSED'))).toMatchObject({ code: 'service_unavailable', extra: { alert: true } });
  });

  test('a lock held too long is service_unavailable, not an alert', () => {
    const mapped = asConnectError(new StoreLockTimeoutError('u', 1000));
    expect(mapped).toMatchObject({ code: 'service_unavailable' });
    expect(mapped?.extra.alert).toBeUndefined();
  });

  test('unreadable tokens are needs_reauth', () => {
    expect(asConnectError(new UnreadableTokensError('u', 3, { cause: new Error('auth') }))).toMatchObject({ code: 'needs_reauth' });
  });

  test('an error of nobody\'s vocabulary stays unmapped', () => {
    expect(asConnectError(new TypeError('bug'))).toBeNull();
  });
});
