import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedCore } from '../helpers/embedded.js';
import { startExpressHost, type ExpressHost } from '../helpers/express-host.js';
import { Browser, consent } from '../helpers/flow.js';
import { captureLog, secretsIn, type CapturedLog } from '../helpers/log-capture.js';

/**
 * The Express adapter handed the host's logger at info: Fastify's own
 * per-request lines would log the callback URL, which carries Zoom's code
 * and our state.
 */

let host: ExpressHost;
let env: EmbeddedCore;
let log: CapturedLog;

beforeAll(async () => {
  log = captureLog('info');
  host = await startExpressHost({ logger: log.logger });
  env = host.env;
});

afterAll(async () => {
  await host?.close();
});

describe('the Express adapter with the host\'s logger at info', () => {
  it('writes no per-request lines, and no code, state, binding cookie or token, while a user connects and uses Zoom', async () => {
    const browser = new Browser();
    browser.cookies.set('session', 'logan');
    const begin = await browser.fetch(`${env.baseUrl}/api/zoom/oauth/user/authorize`);
    expect(begin.status).toBe(200);
    const { authorizationUrl } = (await begin.json()) as { authorizationUrl: string };
    const callbackUrl = await consent(authorizationUrl, 'logan@example.test');
    const callback = await browser.fetch(callbackUrl);
    expect(callback.headers.get('location')).toContain('zoom=connected');
    expect((await browser.fetch(`${env.baseUrl}/api/zoom/oauth/user/profile`)).status).toBe(200);
    // A failure too: the replayed callback is refused and that refusal is logged.
    expect((await browser.fetch(callbackUrl)).headers.get('location')).toContain('reason=invalid_state');

    const query = new URL(callbackUrl).searchParams;
    const row = await env.core.store.connections.getWithTokens('logan');
    const secrets = new Map([
      ['code', query.get('code') ?? ''],
      ['state', query.get('state') ?? ''],
      ['binding cookie', browser.cookies.get('zoom_connect_binding') ?? ''],
      ['access token', row?.tokens?.accessToken ?? ''],
      ['refresh token', row?.tokens?.refreshToken ?? ''],
    ]);
    expect([...secrets.values()].every((value) => value.length > 0)).toBe(true);
    // The scan means something only if the logger was live at info.
    expect(log.lines.some((line) => line.includes('connect callback refused'))).toBe(true);
    expect(secretsIn(log.lines.join('\n'), secrets)).toEqual([]);
    // Like the standalone service: Fastify's own request lines (which carry URLs) are off altogether.
    expect(log.lines.filter((line) => /"msg":"(incoming request|request completed)"/.test(line))).toEqual([]);
  });
});
