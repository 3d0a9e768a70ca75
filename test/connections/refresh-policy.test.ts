import { describe, expect, test } from 'vitest';
import {
  cooldownSeconds,
  countsTowardInactive,
  failureVerdict,
  isExpiring,
  refreshPause,
  type TokenPolicy,
} from '../../src/connections/refresh-policy.js';

const POLICY: TokenPolicy = { skewSeconds: 300, maxConsecutiveFailures: 5, cooldownSeconds: 60, lockTimeoutMs: 5_000, probeIntervalSeconds: 2 };
const NOW = new Date('2026-12-01T12:00:00Z');
const at = (seconds: number) => new Date(NOW.getTime() + seconds * 1000);
const noEvidence = { zoomBackSince: null, takeProbeSlot: () => false };

function pausedRow(overrides: Partial<Parameters<typeof refreshPause>[0]> = {}): Parameters<typeof refreshPause>[0] {
  return {
    status: 'active',
    refreshBlockedUntil: at(60),
    lastRefreshAttemptAt: at(-10),
    lastRefreshError: 'zoom_unavailable: Zoom answered HTTP 503',
    refreshFailureCount: 1,
    ...overrides,
  };
}

describe('when a token needs refreshing', () => {
  test('a token with more than the skew left is not expiring', () => {
    expect(isExpiring({ accessTokenExpiresAt: at(301) }, NOW, POLICY)).toBe(false);
  });

  test('a token with the skew or less left is expiring', () => {
    expect(isExpiring({ accessTokenExpiresAt: at(300) }, NOW, POLICY)).toBe(true);
  });

  test('a token without a known expiry is expiring', () => {
    expect(isExpiring({ accessTokenExpiresAt: null }, NOW, POLICY)).toBe(true);
  });
});

describe('when automatic refreshes pause', () => {
  test('an inactive connection is paused whatever its cooldown', () => {
    expect(refreshPause(pausedRow({ status: 'inactive', refreshBlockedUntil: null }), NOW, POLICY, noEvidence)).toEqual({ kind: 'inactive' });
  });

  test('a connection inside its cooldown is paused until the cooldown ends', () => {
    expect(refreshPause(pausedRow(), NOW, POLICY, noEvidence)).toEqual({ kind: 'cooldown', until: at(60) });
  });

  test('a connection whose cooldown has passed is not paused', () => {
    expect(refreshPause(pausedRow({ refreshBlockedUntil: at(-1) }), NOW, POLICY, noEvidence)).toBeNull();
  });

  test('a pause an outage caused ends once a refresh succeeded after this connection failed', () => {
    expect(refreshPause(pausedRow(), NOW, POLICY, { zoomBackSince: at(-5), takeProbeSlot: () => false })).toBeNull();
  });

  test('success seen before this connection failed does not end its pause', () => {
    expect(refreshPause(pausedRow(), NOW, POLICY, { zoomBackSince: at(-20), takeProbeSlot: () => false })).not.toBeNull();
  });

  test('without evidence, the connection that gets the probe slot tries early', () => {
    expect(refreshPause(pausedRow(), NOW, POLICY, { zoomBackSince: null, takeProbeSlot: () => true })).toBeNull();
  });

  test('no connection tries early more often than the probe interval, evidence or not', () => {
    const row = pausedRow({ lastRefreshAttemptAt: at(-1) });
    expect(refreshPause(row, NOW, POLICY, { zoomBackSince: NOW, takeProbeSlot: () => true })).not.toBeNull();
  });

  test('a pause caused by something other than an outage (a 429) waits its full length', () => {
    const row = pausedRow({ lastRefreshError: 'zoom_rate_limited: retry after 60s' });
    expect(refreshPause(row, NOW, POLICY, { zoomBackSince: at(-1), takeProbeSlot: () => true })).not.toBeNull();
  });

  test('the attempt that would make the connection inactive never comes early', () => {
    const row = pausedRow({ refreshFailureCount: 4 });
    expect(refreshPause(row, NOW, POLICY, { zoomBackSince: at(-1), takeProbeSlot: () => true })).not.toBeNull();
  });
});

describe('what a failed refresh does to the connection', () => {
  const active = { status: 'active' as const, refreshFailureCount: 0 };

  test('invalid_grant makes the connection needs_reauth with no cooldown', () => {
    expect(failureVerdict({ kind: 'grant_dead' }, active, NOW, POLICY, 0.5)).toMatchObject({ status: 'needs_reauth', blockedUntil: null });
  });

  test('an outage counts and pauses for the base cooldown', () => {
    const v = failureVerdict({ kind: 'outage', retryAfterSeconds: undefined }, active, NOW, POLICY, 0.5);
    expect(v).toMatchObject({ status: 'active', failureCount: 1, retryAfterSeconds: 60 });
    expect(v.blockedUntil).toEqual(at(60));
  });

  test('the failure that reaches the limit makes the connection inactive', () => {
    const v = failureVerdict({ kind: 'outage', retryAfterSeconds: undefined }, { status: 'active', refreshFailureCount: 4 }, NOW, POLICY, 0.5);
    expect(v).toMatchObject({ status: 'inactive', failureCount: 5 });
  });

  test('a 429 pauses for its Retry-After and does not count', () => {
    const v = failureVerdict({ kind: 'rate_limited', retryAfterSeconds: 120 }, active, NOW, POLICY, 0.5);
    expect(v).toMatchObject({ status: 'active', failureCount: 0, retryAfterSeconds: 120 });
  });

  test('a 429 that says "0" still pauses a second', () => {
    expect(failureVerdict({ kind: 'rate_limited', retryAfterSeconds: 0 }, active, NOW, POLICY, 0.5).retryAfterSeconds).toBe(1);
  });

  test('an outage whose Retry-After is longer than the cooldown waits the Retry-After', () => {
    expect(failureVerdict({ kind: 'outage', retryAfterSeconds: 600 }, active, NOW, POLICY, 0.5).retryAfterSeconds).toBe(600);
  });

  test('our own rejected client credentials and malformed answers pause without counting', () => {
    expect(countsTowardInactive({ kind: 'client_rejected' })).toBe(false);
    expect(countsTowardInactive({ kind: 'protocol' })).toBe(false);
    expect(failureVerdict({ kind: 'protocol' }, active, NOW, POLICY, 0.5)).toMatchObject({ failureCount: 0, status: 'active' });
  });
});

describe('cooldown length', () => {
  test('doubles per consecutive failure', () => {
    expect([1, 2, 3].map((n) => cooldownSeconds(n, POLICY, 0.5))).toEqual([60, 120, 240]);
  });

  test('never exceeds an hour', () => {
    expect(cooldownSeconds(20, POLICY, 0.5)).toBe(3600);
  });

  test('jitter spreads it by a quarter either way', () => {
    expect(cooldownSeconds(1, POLICY, 0)).toBe(45);
    expect(cooldownSeconds(1, POLICY, 0.999999)).toBe(75);
  });
});
