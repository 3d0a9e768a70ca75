import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connect,
  expectProblem,
  PROFILE,
  ServiceClient,
  uniqueUser,
} from '../helpers/http-client.js';
import { EmulatorControl } from '../helpers/emulator-control.js';
import { startStack, type TestStack } from '../helpers/stack.js';

/**
 * Zoom comes back: connections whose refresh failed during the outage
 * recover within seconds, not after their cooldown; a token Zoom refused is
 * never sent again; and the outage is logged once, at warning level.
 * The refresh cooldown here is the production default (60 s); the service's
 * clock is moved instead of waiting.
 */

let stack: TestStack;
let client: ServiceClient;
let zoom: EmulatorControl;

beforeAll(async () => {
  stack = await startStack({ rateLimit: false, env: { REFRESH_COOLDOWN_SECONDS: '60' } });
  client = new ServiceClient(stack.baseUrl);
  zoom = new EmulatorControl(stack.emulator.url);
});

afterAll(async () => {
  await stack?.close();
});

const apiCalls = async (): Promise<number> => Object.values((await zoom.stats()).apiCalls).reduce((a, b) => a + b, 0);
const tokenRequests = async (): Promise<number> => (await zoom.stats()).tokenRequests['refresh_token'] ?? 0;

describe('recovering from a Zoom outage', () => {
  it('a connection whose token Zoom refused during an outage recovers on its first request after the probe interval, and its refused token is never resent', async () => {
    const { userId, zoomEmail } = uniqueUser('recover');
    const { jwt } = await connect(client, stack, userId, zoomEmail);
    const logsBefore = stack.logs.length;

    // The outage: Zoom drops every access token and its token endpoint is down.
    await zoom.expire(zoomEmail);
    await zoom.faults({ tokenEndpointDown: true });
    expectProblem(await client.get(PROFILE, { jwt }), 503, 'zoom_unavailable');

    // Zoom is back. Within the probe interval the connection still pauses, and sends Zoom nothing.
    await zoom.faults({});
    const [callsBefore, refreshesBefore] = [await apiCalls(), await tokenRequests()];
    const paused = await client.get(PROFILE, { jwt });
    expectProblem(paused, 503, 'zoom_unavailable');
    expect(Number(paused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect([await apiCalls(), await tokenRequests()]).toEqual([callsBefore, refreshesBefore]);

    // Two seconds later (the probe interval), far inside the 45-75 s cooldown: it recovers.
    stack.clock.advance(2_000);
    const recovered = await client.get(PROFILE, { jwt });
    expect(recovered.status).toBe(200);
    expect(await tokenRequests()).toBe(refreshesBefore + 1);

    const lines = stack.logs.slice(logsBefore).join('');
    expect(lines).not.toContain('"level":50');
    expect(lines.match(/Zoom token endpoint outage/g)).toHaveLength(1);
    expect(lines).toContain('Zoom token endpoint is answering again');
  });
});
