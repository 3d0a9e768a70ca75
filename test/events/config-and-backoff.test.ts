import { randomBytes } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { retryDelayMs } from '../../src/events/backoff.js';
import { configProblems } from '../helpers/config-fixtures.js';

const SECRET = `whsec_${randomBytes(32).toString('base64')}`;

describe('events configuration', () => {
  test('defaults: no webhook, retried for 3 days, first retry after 5 s, polled every second', () => {
    expect(loadConfig({}).events).toEqual({ webhookUrl: undefined, webhookSecret: undefined, retryPeriodMs: 3 * 86_400_000, initialRetryMs: 5_000, pollIntervalMs: 1_000 });
  });

  test('a webhook URL with its whsec_ secret and a retry period in hours are taken', () => {
    const events = loadConfig({ APP_WEBHOOK_URL: 'https://app.example.com/hooks', APP_WEBHOOK_SECRET: SECRET, EVENT_RETRY_PERIOD: '12h' }).events;
    expect(events).toMatchObject({ webhookUrl: 'https://app.example.com/hooks', webhookSecret: SECRET, retryPeriodMs: 12 * 3_600_000 });
  });

  test('a webhook URL without a secret is refused, naming APP_WEBHOOK_SECRET', () => {
    expect(configProblems({ APP_WEBHOOK_URL: 'https://app.example.com/hooks' })).toEqual([expect.stringMatching(/^APP_WEBHOOK_SECRET: required with APP_WEBHOOK_URL/)]);
  });

  test.each([
    ['no whsec_ prefix', randomBytes(32).toString('base64'), 'must start with "whsec_"'],
    ['not base64', 'whsec_not base64!', 'must be standard base64'],
    ['too short a key', `whsec_${randomBytes(8).toString('base64')}`, 'got 8'],
  ])('a secret with %s is refused without echoing it', (_case, secret, message) => {
    const problems = configProblems({ APP_WEBHOOK_URL: 'https://app.example.com/hooks', APP_WEBHOOK_SECRET: secret });
    expect(problems).toEqual([expect.stringContaining(message)]);
    expect(problems.join()).not.toContain(secret);
  });

  test.each(['3 days', '0s', '31d', 'ftp://x'])('EVENT_RETRY_PERIOD %s is refused, naming the variable', (value) => {
    expect(configProblems({ EVENT_RETRY_PERIOD: value })).toEqual([expect.stringMatching(/^EVENT_RETRY_PERIOD: a duration like 3d/)]);
  });

  test('an APP_WEBHOOK_URL that is not http(s) is refused, naming the variable', () => {
    expect(configProblems({ APP_WEBHOOK_URL: 'ftp://app.example.com/hooks', APP_WEBHOOK_SECRET: SECRET })).toEqual([
      'APP_WEBHOOK_URL: must be an absolute http(s) URL',
    ]);
  });
});

describe('retry delays', () => {
  test('double per attempt from the initial delay, jittered within the upper half, capped', () => {
    const low = (attempts: number): number => retryDelayMs(attempts, 1_000, 60_000, () => 0);
    const high = (attempts: number): number => retryDelayMs(attempts, 1_000, 60_000, () => 1);
    expect([1, 2, 3, 4].map(low)).toEqual([500, 1_000, 2_000, 4_000]);
    expect([1, 2, 3, 4].map(high)).toEqual([1_000, 2_000, 4_000, 8_000]);
    expect([low(40), high(40)]).toEqual([30_000, 60_000]);
  });
});
