import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedCore } from '../helpers/embedded.js';
import { startExpressHost, type ExpressHost } from '../helpers/express-host.js';
import { Browser, consent } from '../helpers/flow.js';
import {
  expectProblem,
  MEETINGS,
  ServiceClient,
  STATUS,
} from '../helpers/http-client.js';
import { EmulatorControl } from '../helpers/emulator-control.js';

/**
 * Through the Express adapter a request gets the answer the standalone
 * service gives it (test/http): unknown fields refused rather than silently
 * dropped, problem+json for unknown paths and for URLs the router cannot parse.
 */

let host: ExpressHost;
let env: EmbeddedCore;
let client: ServiceClient;
let zoom: EmulatorControl;
/** A connected user's browser (the host session cookie `session=parity`). */
const browser = new Browser();

beforeAll(async () => {
  host = await startExpressHost();
  env = host.env;
  client = new ServiceClient(env.baseUrl);
  zoom = new EmulatorControl(env.emulator.url);

  browser.cookies.set('session', 'parity');
  const begin = await browser.fetch(`${env.baseUrl}/api/zoom/oauth/user/authorize`);
  const { authorizationUrl } = (await begin.json()) as { authorizationUrl: string };
  const callback = await browser.fetch(await consent(authorizationUrl, 'parity@example.test'));
  expect(callback.headers.get('location')).toContain('zoom=connected');
});

afterAll(async () => {
  await host?.close();
});

async function meetingCalls(method: 'GET' | 'POST'): Promise<number> {
  return (await zoom.stats()).apiCalls[`${method} /v2/users/{userId}/meetings`] ?? 0;
}

describe('the Express adapter answers like the standalone service', () => {
  it('an unknown query parameter is refused 400 validation_failed naming it, and Zoom is not called', async () => {
    const before = await meetingCalls('GET');
    const p = expectProblem(await client.get(MEETINGS, { browser, query: { foo: '1' } }), 400, 'validation_failed');
    expect(p.errors?.map((e) => e.field)).toEqual(['foo']);
    expect(await meetingCalls('GET')).toBe(before);
  });

  it('a meeting with a field Zoom Connect does not know is refused 400 validation_failed, not created without it', async () => {
    const before = await meetingCalls('POST');
    const reply = await client.post(MEETINGS, {
      browser,
      json: { topic: 'Checkup', start_time: '2031-01-01T10:00:00Z', duration: 30, host_email: 'someone@else.test' },
    });
    expect(expectProblem(reply, 400, 'validation_failed').errors?.map((e) => e.field)).toEqual(['host_email']);
    expect(await meetingCalls('POST')).toBe(before);
  });

  it('an unknown path under /api/zoom/oauth/ is 404 problem+json not_found', async () => {
    expectProblem(await client.get('/api/zoom/oauth/user/tokens', { browser }), 404, 'not_found');
    expectProblem(await client.post('/api/zoom/oauth/user/delete-everything', { browser }), 404, 'not_found');
  });

  it('a malformed URL (bad percent-encoding) is 400 problem+json validation_failed', async () => {
    const reply = await client.get(`${STATUS}%zz`, { browser });
    expectProblem(reply, 400, 'validation_failed');
  });
});
