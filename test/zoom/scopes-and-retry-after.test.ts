import { describe, expect, it } from 'vitest';
import { hasAnyScope, isDailyRateLimit, parseRetryAfter, parseScopes, REQUIRED_SCOPES, secondsUntilUtcMidnight } from '../../src/zoom/index.js';

describe('scopes', () => {
  it('a classic scope covers the granular scopes under it', () => {
    expect(hasAnyScope(['meeting:read'], ['meeting:read:list_meetings'])).toBe(true);
    expect(hasAnyScope(['meeting:read'], REQUIRED_SCOPES.listMeetings)).toBe(true);
  });

  it('a granular scope alone satisfies its endpoint', () => {
    expect(hasAnyScope(['meeting:read:list_meetings'], REQUIRED_SCOPES.listMeetings)).toBe(true);
    expect(hasAnyScope(['cloud_recording:read:list_user_recordings'], REQUIRED_SCOPES.listRecordings)).toBe(true);
  });

  it('a scope of another resource or a sibling action does not', () => {
    expect(hasAnyScope(['user:read'], REQUIRED_SCOPES.listMeetings)).toBe(false);
    expect(hasAnyScope(['meeting:write'], REQUIRED_SCOPES.listMeetings)).toBe(false);
    expect(hasAnyScope(['meeting:read:meeting'], ['meeting:read:list_meetings'])).toBe(false);
  });

  it('an :admin scope covers the user-level one', () => {
    expect(hasAnyScope(['meeting:read:admin'], REQUIRED_SCOPES.listMeetings)).toBe(true);
    expect(hasAnyScope(['meeting:read:list_meetings:admin'], ['meeting:read:list_meetings'])).toBe(true);
  });

  it('Zoom\'s space-separated scope string parses into unique names', () => {
    expect(parseScopes('user:read  meeting:read user:read')).toEqual(['user:read', 'meeting:read']);
    expect(parseScopes(undefined)).toEqual([]);
  });
});

describe('Retry-After', () => {
  const now = Date.parse('2026-11-25T10:00:00Z');

  it('delta-seconds is taken as is', () => {
    expect(parseRetryAfter('7', now)).toBe(7);
  });

  it('an HTTP date becomes the seconds until then', () => {
    expect(parseRetryAfter('Wed, 25 Nov 2026 10:01:30 GMT', now)).toBe(90);
  });

  it('an ISO 8601 time (Zoom\'s documented daily-limit form) becomes the seconds until then', () => {
    expect(parseRetryAfter('2026-11-25T10:02:00Z', now)).toBe(120);
    expect(parseRetryAfter('2026-11-25T11:02:00+01:00', now)).toBe(120);
  });

  it('a date in the past means retry now', () => {
    expect(parseRetryAfter('Wed, 25 Nov 2026 09:00:00 GMT', now)).toBe(0);
  });

  it('a fraction, a sign or a bare year is not a Retry-After (never read as "retry now")', () => {
    expect(parseRetryAfter('1.5', now)).toBeUndefined();
    expect(parseRetryAfter('-1', now)).toBeUndefined();
    expect(parseRetryAfter('+3', now)).toBeUndefined();
    expect(parseRetryAfter('2026-11-25', now)).toBeUndefined();
  });

  it('the seconds until Zoom\'s daily reset count to the next 00:00 UTC', () => {
    expect(secondsUntilUtcMidnight(Date.parse('2026-11-25T23:59:30Z'))).toBe(30);
    expect(secondsUntilUtcMidnight(Date.parse('2026-11-25T00:00:00Z'))).toBe(86_400);
  });

  it('garbage or absence gives no value', () => {
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});

describe('daily rate limits', () => {
  it('X-RateLimit-Type Daily-limit (and the older Daily) is daily; QPS is not', () => {
    expect(isDailyRateLimit('Daily-limit', { code: 429, message: 'x' })).toBe(true);
    expect(isDailyRateLimit('Daily', undefined)).toBe(true);
    expect(isDailyRateLimit('QPS', { code: 429, message: 'daily' })).toBe(false);
  });

  it('without X-RateLimit-Type, a message naming the daily limit is daily and any other is not', () => {
    const daily = 'You have exceeded the daily rate limit (100) of Meeting Create/Update API requests permitted for this particular user.';
    expect(isDailyRateLimit(undefined, { code: 429, message: daily })).toBe(true);
    expect(isDailyRateLimit(undefined, { code: 429, message: 'You have reached the maximum per-second rate limit for this API. Try again later.' })).toBe(false);
    expect(isDailyRateLimit(undefined, 'not json')).toBe(false);
  });
});
