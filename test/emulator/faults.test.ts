import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { api, basicAuth, CLIENT, connect, control, refresh, sleep, type Tokens } from './helpers.js';

describe('fault injection', () => {
  let emulator: RunningEmulator;
  let tokens: Tokens;

  beforeAll(async () => {
    emulator = await startEmulator({ clients: [CLIENT] });
  });
  afterAll(async () => {
    await emulator.close();
  });
  beforeEach(async () => {
    await control(emulator.url, 'reset');
    tokens = await connect(emulator.url);
  });

  it('latencyMs delays API responses', async () => {
    await control(emulator.url, 'faults', { latencyMs: 300 });
    const started = performance.now();
    const response = await api(emulator.url, '/v2/users/me', tokens.access_token);
    expect(response.status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(280);
  });

  it('tokenLatencyMs delays the token endpoint but not the API', async () => {
    await control(emulator.url, 'faults', { tokenLatencyMs: 300 });
    let started = performance.now();
    await api(emulator.url, '/v2/users/me', tokens.access_token);
    expect(performance.now() - started).toBeLessThan(250);
    started = performance.now();
    expect((await refresh(emulator.url, tokens.refresh_token)).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(280);
  });

  it('errorRate 1 with errorStatus answers every API call with that status', async () => {
    await control(emulator.url, 'faults', { errorRate: 1, errorStatus: 502 });
    for (let i = 0; i < 3; i += 1) {
      const response = await api(emulator.url, '/v2/users/me', tokens.access_token);
      expect(response.status).toBe(502);
      expect(response.body['code']).toBe(502);
      expect(response.headers.get('x-zm-trackingid')).toBeTruthy();
    }
    // Without a path filter the OAuth server is untouched.
    expect((await refresh(emulator.url, tokens.refresh_token)).status).toBe(200);
  });

  it('errorRate hits roughly that share of calls', async () => {
    await control(emulator.url, 'faults', { errorRate: 0.5, errorStatus: 500 });
    const statuses = await Promise.all(Array.from({ length: 60 }, () => api(emulator.url, '/v2/users/me', tokens.access_token).then((r) => r.status)));
    const failures = statuses.filter((status) => status === 500).length;
    expect(failures).toBeGreaterThan(5);
    expect(failures).toBeLessThan(55);
  });

  it('a paths filter aims errors at the token endpoint', async () => {
    await control(emulator.url, 'faults', { errorRate: 1, errorStatus: 500, paths: ['/oauth/token'] });
    expect((await refresh(emulator.url, tokens.refresh_token)).status).toBe(500);
    expect((await api(emulator.url, '/v2/users/me', tokens.access_token)).status).toBe(200);
  });

  it('a 429 burst rate-limits exactly the next count calls with Zoom\'s headers', async () => {
    await control(emulator.url, 'faults', { rateLimit: { count: 2, retryAfter: 3 } });
    for (let i = 0; i < 2; i += 1) {
      const limited = await api(emulator.url, '/v2/users/me/meetings', tokens.access_token);
      expect(limited.status).toBe(429);
      expect(limited.body).toEqual({ code: 429, message: 'You have reached the maximum per-second rate limit for this API. Try again later.' });
      expect(limited.headers.get('retry-after')).toBe('3');
      expect(limited.headers.get('x-ratelimit-type')).toBe('QPS');
      expect(limited.headers.get('x-ratelimit-category')).toBe('Light');
      expect(limited.headers.get('x-ratelimit-limit')).toBeTruthy();
      expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
    }
    expect((await api(emulator.url, '/v2/users/me/meetings', tokens.access_token)).status).toBe(200);
  });

  it('a daily 429 carries an HTTP-date Retry-After as given', async () => {
    const reset = new Date(Date.now() + 3_600_000).toUTCString();
    await control(emulator.url, 'faults', { rateLimit: { count: 1, retryAfter: reset, type: 'Daily' } });
    const limited = await api(emulator.url, '/v2/users/me', tokens.access_token);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe(reset);
    expect(limited.headers.get('x-ratelimit-type')).toBe('Daily');
  });

  it('a Daily-limit 429 without retryAfter sends Zoom\'s documented type and the next 00:00 UTC in ISO 8601', async () => {
    await control(emulator.url, 'faults', { rateLimit: { count: 1, type: 'Daily-limit' } });
    const limited = await api(emulator.url, '/v2/users/me', tokens.access_token);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('x-ratelimit-type')).toBe('Daily-limit');
    const midnight = new Date();
    midnight.setUTCHours(24, 0, 0, 0);
    expect(limited.headers.get('retry-after')).toBe(midnight.toISOString().replace('.000Z', 'Z'));
  });

  it('a message-only daily 429 has neither Retry-After nor X-RateLimit-Type, only Zoom\'s message naming the daily limit', async () => {
    await control(emulator.url, 'faults', { rateLimit: { count: 1, shape: 'message-only' } });
    const limited = await api(emulator.url, '/v2/users/me/meetings', tokens.access_token, { method: 'POST', body: '{}' });
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual({
      code: 429,
      message:
        'You have exceeded the daily rate limit (100) of Meeting Create/Update API requests permitted for this particular user. You may resume these requests at GMT 00:00:00.',
    });
    expect(limited.headers.get('retry-after')).toBeNull();
    expect(limited.headers.get('x-ratelimit-type')).toBeNull();
  });

  it('tokenEndpointDown makes the token endpoint answer 503 while the API keeps working', async () => {
    await control(emulator.url, 'faults', { tokenEndpointDown: true });
    const down = await refresh(emulator.url, tokens.refresh_token);
    expect(down.status).toBe(503);
    expect(down.headers.get('x-zm-trackingid')).toBeTruthy();
    expect((await api(emulator.url, '/v2/users/me', tokens.access_token)).status).toBe(200);
    await control(emulator.url, 'faults', {});
    // The outage processed nothing: the same refresh token still works.
    expect((await refresh(emulator.url, tokens.refresh_token)).status).toBe(200);
  });

  it('tokenEndpointDown also takes /oauth/revoke down, and the outage revokes nothing', async () => {
    await control(emulator.url, 'faults', { tokenEndpointDown: true });
    const down = await fetch(`${emulator.url}/oauth/revoke?token=${encodeURIComponent(tokens.access_token)}`, {
      method: 'POST',
      headers: { authorization: basicAuth(CLIENT.clientId, CLIENT.clientSecret) },
    });
    expect(down.status).toBe(503);
    expect(await down.json()).toEqual({ reason: 'Service Unavailable', error: 'temporarily_unavailable' });
    await control(emulator.url, 'faults', {});
    expect((await api(emulator.url, '/v2/users/me', tokens.access_token)).status).toBe(200);
    expect((await control(emulator.url, 'stats')).body['revocations']).toBe(0);
  });

  it('injected errors on the OAuth server answer in its {reason, error} shape, not the API\'s', async () => {
    const expected: Array<[number, Record<string, string>]> = [
      [503, { reason: 'Service Unavailable', error: 'temporarily_unavailable' }],
      [500, { reason: 'Internal Server Error', error: 'server_error' }],
      [400, { reason: 'Bad Request', error: 'invalid_request' }],
    ];
    for (const [status, body] of expected) {
      await control(emulator.url, 'faults', { errorRate: 1, errorStatus: status, paths: ['/oauth/'] });
      const response = await refresh(emulator.url, tokens.refresh_token);
      expect(response.status).toBe(status);
      expect(response.body).toEqual(body);
      expect(response.headers.get('x-zm-trackingid')).toBeTruthy();
    }
  });

  it('a 429 burst on the OAuth server answers in its {reason, error} shape and keeps the rate-limit headers', async () => {
    await control(emulator.url, 'faults', { rateLimit: { count: 1, retryAfter: 7 }, paths: ['/oauth/token'] });
    const limited = await refresh(emulator.url, tokens.refresh_token);
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual({ reason: 'You have reached the maximum per-second rate limit for this API. Try again later.', error: 'temporarily_unavailable' });
    expect(limited.headers.get('retry-after')).toBe('7');
    expect(limited.headers.get('x-ratelimit-type')).toBe('QPS');
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
    // The limited call processed nothing: the refresh token has not rotated.
    expect((await refresh(emulator.url, tokens.refresh_token)).status).toBe(200);
  });

  it('an injected error on the consent page is an HTML page, as a browser expects', async () => {
    await control(emulator.url, 'faults', { errorRate: 1, errorStatus: 502, paths: ['/oauth/authorize'] });
    const response = await fetch(`${emulator.url}/oauth/authorize?response_type=code&client_id=${CLIENT.clientId}`);
    expect(response.status).toBe(502);
    expect(response.headers.get('content-type')).toContain('text/html');
    expect(await response.text()).toContain('<h1 class="error">Bad Gateway</h1>');
  });

  it('a refresh whose client disconnects during the latency is not processed, so the old refresh token stays valid', async () => {
    await control(emulator.url, 'faults', { tokenLatencyMs: 400 });
    const aborted = fetch(`${emulator.url}/oauth/token`, {
      method: 'POST',
      headers: { authorization: basicAuth(CLIENT.clientId, CLIENT.clientSecret) },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token }),
      signal: AbortSignal.timeout(100),
    });
    await expect(aborted).rejects.toThrow();
    await sleep(500);
    await control(emulator.url, 'faults', {});
    const stats = await control(emulator.url, 'stats');
    expect((stats.body['tokenRequests'] as Record<string, number>)['refresh_token']).toBe(0);
    const retry = await refresh(emulator.url, tokens.refresh_token);
    expect(retry.status).toBe(200);
  });

  it('a refresh whose client waits out the latency is processed and rotates the token', async () => {
    await control(emulator.url, 'faults', { tokenLatencyMs: 150 });
    expect((await refresh(emulator.url, tokens.refresh_token)).status).toBe(200);
    expect((await refresh(emulator.url, tokens.refresh_token)).body['error']).toBe('invalid_grant');
  });

  it('loseTokenResponses processes the refresh and cuts the connection: the client gets no answer, and the old refresh token is dead', async () => {
    await control(emulator.url, 'faults', { loseTokenResponses: 1 });
    await expect(refresh(emulator.url, tokens.refresh_token)).rejects.toThrow();
    const stats = (await control(emulator.url, 'stats')).body as { tokenRequests: Record<string, number> };
    expect(stats.tokenRequests['refresh_token']).toBe(1);
    // Only the next one is lost; this one is answered, and Zoom already rotated the token.
    const retry = await refresh(emulator.url, tokens.refresh_token);
    expect(retry.status).toBe(400);
    expect(retry.body['error']).toBe('invalid_grant');
  });

  it('faults replace each other and {} clears them', async () => {
    await control(emulator.url, 'faults', { errorRate: 1, errorStatus: 500 });
    const replaced = await control(emulator.url, 'faults', { latencyMs: 1 });
    expect(replaced.body['faults']).toEqual({ latencyMs: 1 });
    expect((await api(emulator.url, '/v2/users/me', tokens.access_token)).status).toBe(200);
    const cleared = await control(emulator.url, 'faults', {});
    expect(cleared.body['faults']).toEqual({});
  });

  it('a retryAfter that is neither delay-seconds, an HTTP-date nor an ISO 8601 UTC time is refused, so no limited call can crash', async () => {
    const refused: unknown[] = ['a\nb', 'soon', '', ' 5', '-1', 'Sun, 31 Feb 2030 10:00:00 GMT', 'Mon, 06 Nov 1994 08:49:37 GMT', 'Sun, 06 Nov 1994 08:49:37 UTC', '2030-02-31T00:00:00Z', '2030-01-01T00:00:00+01:00', '2030-01-01T00:00:00.000Z', -1, 1.5];
    for (const retryAfter of refused) {
      const response = await control(emulator.url, 'faults', { rateLimit: { count: 1, retryAfter } });
      expect(response.status, JSON.stringify(retryAfter)).toBe(400);
      expect(response.body['code']).toBe(300);
      // Nothing was installed: the next call is served, not limited.
      expect((await api(emulator.url, '/v2/users/me', tokens.access_token)).status).toBe(200);
    }
    for (const retryAfter of [0, 120, '120', 'Sun, 06 Nov 1994 08:49:37 GMT', '2020-05-31T00:00:00Z']) {
      expect((await control(emulator.url, 'faults', { rateLimit: { count: 1, retryAfter } })).status).toBe(200);
      const limited = await api(emulator.url, '/v2/users/me', tokens.access_token);
      expect(limited.status).toBe(429);
      expect(limited.headers.get('retry-after')).toBe(String(retryAfter));
    }
  });

  it('an invalid fault description is rejected with 400', async () => {
    for (const body of [{ errorRate: 2 }, { errorStatus: 200 }, { rateLimit: { count: 0 } }, { unknown: true }]) {
      const response = await control(emulator.url, 'faults', body);
      expect(response.status).toBe(400);
      expect(response.body['code']).toBe(300);
    }
  });

  it('reset clears faults', async () => {
    await control(emulator.url, 'faults', { errorRate: 1 });
    await control(emulator.url, 'reset');
    const fresh = await connect(emulator.url);
    expect((await api(emulator.url, '/v2/users/me', fresh.access_token)).status).toBe(200);
  });

  it('the control API itself is never faulted', async () => {
    await control(emulator.url, 'faults', { errorRate: 1, latencyMs: 2000, paths: ['/'] });
    const started = performance.now();
    expect((await control(emulator.url, 'stats')).status).toBe(200);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
