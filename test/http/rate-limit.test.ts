import { describe, expect, it } from 'vitest';
import { Browser } from '../helpers/flow.js';
import { AUTHORIZE, CALLBACK, expectProblem, STATUS, uniqueUser } from '../helpers/http-client.js';
import { useStack } from '../helpers/stack.js';

/**
 * The service's default per-IP limits on the connect routes (30 a minute
 * each). Every request here comes from 127.0.0.1, so this file has its own
 * stack; PostgreSQL because it starts in a second and the store plays no part.
 */

const LIMIT = 30;

const fx = useStack({ db: 'postgres' });

describe('the default rate limits', () => {
  it(`allow ${LIMIT} authorize requests a minute from one IP, then answer 429 rate_limited with Retry-After and no new flow`, async () => {
    const jwt = await fx.stack.signIn(uniqueUser('limited').userId);
    const browser = new Browser();
    for (let i = 0; i < LIMIT; i++) {
      const reply = await fx.client.get(AUTHORIZE, { jwt, browser });
      expect(reply.status, `request ${i + 1}`).toBe(200);
    }
    const over = await fx.client.get(AUTHORIZE, { jwt, browser });
    const p = expectProblem(over, 429, 'rate_limited');
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(over.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    expect(p.retryAfter).toBe(Number(over.headers.get('retry-after')));
    expect(over.headers.getSetCookie()).toEqual([]);
  });

  it(`allow ${LIMIT} callback requests a minute from one IP, then answer 429 rate_limited`, async () => {
    for (let i = 0; i < LIMIT; i++) {
      const reply = await fx.client.get(CALLBACK, { headers: { accept: 'application/json' }, query: { state: 'x', code: 'y' } });
      expect(reply.status, `request ${i + 1}`).toBe(400);
    }
    const over = await fx.client.get(CALLBACK, { headers: { accept: 'application/json' }, query: { state: 'x', code: 'y' } });
    expectProblem(over, 429, 'rate_limited');
  });

  it('a browser whose callback is rate limited lands back in the app with reason=rate_limited, not on a JSON page', async () => {
    for (let i = 0; i <= LIMIT; i++) {
      await fx.client.get(CALLBACK, { headers: { accept: 'application/json' }, query: { state: 'x', code: 'y' } });
    }
    const res = await fetch(`${fx.stack.baseUrl}${CALLBACK}?state=x&code=y`, { redirect: 'manual', headers: { accept: 'text/html' } });
    expect(res.status).toBe(303);
    const location = new URL(res.headers.get('location') ?? '');
    expect(location.searchParams.get('zoom')).toBe('error');
    expect(location.searchParams.get('reason')).toBe('rate_limited');
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('do not apply to the user endpoints', async () => {
    const jwt = await fx.stack.signIn(uniqueUser('unlimited').userId);
    for (let i = 0; i < LIMIT + 5; i++) {
      expect((await fx.client.get(STATUS, { jwt })).status).toBe(200);
    }
  });
});
