import { describe, expect, it } from 'vitest';
import { connect, expectProblem, PROFILE, uniqueUser } from '../helpers/http-client.js';

import { useStack } from '../helpers/stack.js';

/**
 * Zoom comes back: connections whose refresh failed during the outage
 * recover within seconds, not after their cooldown; a token Zoom refused is
 * never sent again; and the outage is logged once, at warning level.
 * The refresh cooldown here is the production default (60 s); the service's
 * clock is moved instead of waiting.
 */

const fx = useStack({ rateLimit: false, env: { REFRESH_COOLDOWN_SECONDS: '60' } });

const apiCalls = async (): Promise<number> => Object.values((await fx.zoom.stats()).apiCalls).reduce((a, b) => a + b, 0);
const tokenRequests = async (): Promise<number> => (await fx.zoom.stats()).tokenRequests['refresh_token'] ?? 0;

describe('recovering from a Zoom outage', () => {
  it('a connection whose token Zoom refused during an outage recovers on its first request after the probe interval, and its refused token is never resent', async () => {
    const { userId, zoomEmail } = uniqueUser('recover');
    const { jwt } = await connect(fx.client, fx.stack, userId, zoomEmail);
    const logsBefore = fx.stack.logs.length;

    // The outage: Zoom drops every access token and its token endpoint is down.
    await fx.zoom.expire(zoomEmail);
    await fx.zoom.faults({ tokenEndpointDown: true });
    expectProblem(await fx.client.get(PROFILE, { jwt }), 503, 'zoom_unavailable');

    // Zoom is back. Within the probe interval the connection still pauses, and sends Zoom nothing.
    await fx.zoom.faults({});
    const [callsBefore, refreshesBefore] = [await apiCalls(), await tokenRequests()];
    const paused = await fx.client.get(PROFILE, { jwt });
    expectProblem(paused, 503, 'zoom_unavailable');
    expect(Number(paused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect([await apiCalls(), await tokenRequests()]).toEqual([callsBefore, refreshesBefore]);

    // Two seconds later (the probe interval), far inside the 45-75 s cooldown: it recovers.
    fx.stack.clock.advance(2_000);
    const recovered = await fx.client.get(PROFILE, { jwt });
    expect(recovered.status).toBe(200);
    expect(await tokenRequests()).toBe(refreshesBefore + 1);

    const lines = fx.stack.logs.slice(logsBefore).join('');
    expect(lines).not.toContain('"level":50');
    expect(lines.match(/Zoom token endpoint outage/g)).toHaveLength(1);
    expect(lines).toContain('Zoom token endpoint is answering again');
  });
});
