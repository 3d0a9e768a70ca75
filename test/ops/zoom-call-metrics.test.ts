import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/config/logger.js';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { ServiceMetrics, zoomOperation } from '../../src/metrics/index.js';
import { ZoomApi, ZoomTransport } from '../../src/zoom/index.js';
import { freePort } from '../helpers/net.js';
import { metricValue } from './metric-values.js';

let emulator: RunningEmulator;
const transports: ZoomTransport[] = [];

beforeAll(async () => {
  emulator = await startEmulator({ clients: [{ clientId: 'm-client', clientSecret: 'm-secret', redirectUris: ['http://localhost/api/zoom/oauth/user-callback'] }] });
});

afterEach(async () => {
  for (const t of transports.splice(0)) await t.close();
  await fetch(`${emulator.url}/_emulator/reset`, { method: 'POST' });
});

afterAll(async () => {
  await emulator.close();
});

function transportWith(metrics: ServiceMetrics): ZoomTransport {
  const transport = new ZoomTransport({ timeoutMs: 5_000, logger: createLogger('silent'), metrics, baseBackoffMs: 1, maxRateLimitWaitMs: 0 });
  transports.push(transport);
  return transport;
}

async function injectFaults(faults: object): Promise<void> {
  const res = await fetch(`${emulator.url}/_emulator/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(faults) });
  expect(res.status).toBe(200);
}

function getMe(transport: ZoomTransport, base = emulator.url): Promise<unknown> {
  return transport.send({ method: 'GET', url: `${base}/v2/users/me`, headers: { authorization: 'Bearer not-a-token' }, idempotent: true });
}

describe('Zoom call metrics', () => {
  it('a call counts by operation and status class, with its latency', async () => {
    const metrics = new ServiceMetrics({ processMetrics: false });
    await getMe(transportWith(metrics));
    expect(await metricValue(metrics, 'zoom_connect_zoom_requests_total', { operation: 'users.me', status_class: '4xx' })).toBe(1);
    expect(await metricValue(metrics, 'zoom_connect_zoom_request_duration_seconds_count', { operation: 'users.me' })).toBe(1);
  });

  it('the API client labels each call with the operation the URL rule gives it (the labels cannot drift apart)', async () => {
    const metrics = new ServiceMetrics({ processMetrics: false });
    const api = new ZoomApi(transportWith(metrics), `${emulator.url}/v2`);
    const auth = { accessToken: 'not-a-token', apiBase: null };
    const calls: [string, string, string, () => Promise<unknown>][] = [
      ['GET', '/users/me', '', () => api.getMe(auth)],
      ['GET', '/users/me/meetings', '', () => api.listMeetings(auth, {})],
      ['POST', '/users/me/meetings', '{}', () => api.createMeeting(auth, { topic: 't' })],
      ['GET', '/users/me/recordings', '', () => api.listRecordings(auth, {})],
    ];
    for (const [method, path, body, call] of calls) {
      await call().catch(() => undefined);
      const operation = zoomOperation(method, `${emulator.url}/v2${path}`, body);
      expect(await metricValue(metrics, 'zoom_connect_zoom_requests_total', { operation, status_class: '4xx' }), `${method} ${path}`).toBe(1);
    }
  });

  it('a token request counts under its grant type, never a user or token', async () => {
    const metrics = new ServiceMetrics({ processMetrics: false });
    await transportWith(metrics).send({
      method: 'POST',
      url: `${emulator.url}/oauth/token`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=refresh_token&refresh_token=secret-refresh-token-value',
      idempotent: false,
    });
    expect(await metricValue(metrics, 'zoom_connect_zoom_requests_total', { operation: 'oauth.token.refresh_token' })).toBe(1);
    expect((await metrics.exposition()).body).not.toContain('secret-refresh-token-value');
  });

  it('each attempt at a failing Zoom counts as a 5xx', async () => {
    const metrics = new ServiceMetrics({ processMetrics: false });
    await injectFaults({ errorRate: 1, errorStatus: 503 });
    await expect(getMe(transportWith(metrics))).rejects.toThrow(/503/);
    expect(await metricValue(metrics, 'zoom_connect_zoom_requests_total', { operation: 'users.me', status_class: '5xx' })).toBe(3);
  });

  it('a daily-limit 429 counts by its limit type', async () => {
    const metrics = new ServiceMetrics({ processMetrics: false });
    await injectFaults({ rateLimit: { count: 1, type: 'Daily', retryAfter: 60 } });
    await expect(getMe(transportWith(metrics))).rejects.toThrow(/daily/);
    expect(await metricValue(metrics, 'zoom_connect_zoom_rate_limited_total', { operation: 'users.me', limit_type: 'daily' })).toBe(1);
    expect(await metricValue(metrics, 'zoom_connect_zoom_rate_limited_total', { limit_type: 'qps' })).toBe(0);
  });

  it('an unreachable Zoom counts as network', async () => {
    const metrics = new ServiceMetrics({ processMetrics: false });
    await expect(getMe(transportWith(metrics), `http://127.0.0.1:${await freePort()}`)).rejects.toThrow(/Could not reach Zoom/);
    expect(await metricValue(metrics, 'zoom_connect_zoom_requests_total', { operation: 'users.me', status_class: 'network' })).toBe(3);
  });
});
