/**
 * Zoom misbehaving (the emulator's injected faults), seen through real
 * server processes: each fault yields the documented error and connection
 * state, and everything recovers once the fault clears.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseEncryptionKeys } from '../../src/config/config.js';
import { TokenCipher } from '../../src/crypto/index.js';
import { openPostgresStore } from '../../src/store/index.js';
import { CLUSTER_CLIENT_ID, CLUSTER_CLIENT_SECRET, printClusterOutputOnFailure, startCluster, type Cluster } from '../helpers/cluster.js';
import { closeHttpAgents, http, problemOf } from '../helpers/raw-http.js';

const HTTP_TIMEOUT_MS = 1_000;
const PROFILE = '/api/zoom/oauth/user/profile';
const REFRESH = '/api/zoom/oauth/user/refresh';
const ME = 'GET /v2/users/me';

describe('Zoom faults through two server processes', () => {
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await startCluster({
      processes: 2,
      env: { ZOOM_HTTP_TIMEOUT_MS: String(HTTP_TIMEOUT_MS), REFRESH_COOLDOWN_SECONDS: '1', REFRESH_MAX_FAILURES: '5' },
    });
  });
  afterEach(async () => {
    await cluster.zoom.faults({});
  });
  afterAll(async () => {
    await cluster?.close();
    await closeHttpAgents();
  });
  printClusterOutputOnFailure(() => cluster);

  let users = 0;
  async function connected(label: string): Promise<{ userId: string; zoomUser: string; jwt: string }> {
    users += 1;
    const userId = `${label}-${users}`;
    const zoomUser = `${userId}@example.test`;
    await cluster.connect(userId, zoomUser);
    return { userId, zoomUser, jwt: await cluster.signIn(userId) };
  }

  describe('refresh failures', () => {
    it('the token endpoint down during a needed refresh: 503 zoom_unavailable with Retry-After; the connection stays active with the failure recorded', async () => {
      const u = await connected('outage');
      await cluster.zoom.faults({ tokenEndpointDown: true });
      await cluster.zoom.expire(u.zoomUser);

      const res = await cluster.request(0, PROFILE, { jwt: u.jwt });

      expect(res.status).toBe(503);
      expect(problemOf(res).code).toBe('zoom_unavailable');
      expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      const status = await cluster.status(1, u.jwt);
      expect(status.status).toBe('active');
      expect(status.connected).toBe(true);
      expect(status.refreshFailureCount).toBe(1);
      expect(status.lastRefreshError).toMatch(/zoom_unavailable/);
    });

    it('after the outage, the cooldown holds off refreshes; once it passes the refresh succeeds and the failure count resets', async () => {
      const u = await connected('recovery');
      await cluster.zoom.faults({ tokenEndpointDown: true });
      await cluster.zoom.expire(u.zoomUser);
      expect((await cluster.request(0, PROFILE, { jwt: u.jwt })).status).toBe(503);
      await cluster.zoom.faults({});

      // Inside the cooldown: no new refresh reaches Zoom, on any process.
      const during = await cluster.zoom.snapshot();
      const blocked = await cluster.request(1, PROFILE, { jwt: u.jwt });
      expect(blocked.status).toBe(503);
      expect(blocked.headers['retry-after']).toBeDefined();
      expect((await during.delta()).refreshGrants).toBe(0);

      await sleep(1_300);
      const after = await cluster.zoom.snapshot();
      const ok = await cluster.request(1, PROFILE, { jwt: u.jwt });
      expect(ok.status).toBe(200);
      expect((await after.delta()).refreshGrants).toBe(1);
      const status = await cluster.status(0, u.jwt);
      expect(status.status).toBe('active');
      expect(status.refreshFailureCount).toBe(0);
      expect(status.lastRefreshError).toBeNull();
    });

    it('a still-valid access token keeps serving while the token endpoint is down', async () => {
      const u = await connected('serve-while-failing');
      // Two minutes of life left: inside the five-minute refresh window, still usable.
      await cluster.sql("UPDATE connections SET access_token_expires_at = now() + interval '2 minutes' WHERE user_id = $1", [u.userId]);
      await cluster.zoom.faults({ tokenEndpointDown: true });

      const res = await cluster.request(0, PROFILE, { jwt: u.jwt });

      expect(res.status).toBe(200);
      const status = await cluster.status(1, u.jwt);
      expect(status.status).toBe('active');
      expect(status.refreshFailureCount).toBe(1);
    });

    it('five consecutive refresh failures make the connection inactive, while its valid access token still serves', async () => {
      const u = await connected('five-failures');
      await cluster.zoom.faults({ tokenEndpointDown: true });

      for (let i = 0; i < 5; i++) {
        const res = await cluster.request(i % 2, REFRESH, { method: 'POST', jwt: u.jwt });
        expect(res.status).toBe(503);
        expect(problemOf(res).code).toBe('zoom_unavailable');
      }

      const status = await cluster.status(0, u.jwt);
      expect(status.status).toBe('inactive');
      expect(status.refreshFailureCount).toBe(5);
      expect((await cluster.request(1, PROFILE, { jwt: u.jwt })).status).toBe(200);
    });

    it('an inactive connection becomes active again with a manual refresh once Zoom answers', async () => {
      const u = await connected('revived');
      await cluster.zoom.faults({ tokenEndpointDown: true });
      for (let i = 0; i < 5; i++) await cluster.request(0, REFRESH, { method: 'POST', jwt: u.jwt });
      expect((await cluster.status(0, u.jwt)).status).toBe('inactive');
      await cluster.zoom.faults({});

      const res = await cluster.request(1, REFRESH, { method: 'POST', jwt: u.jwt });

      expect(res.status).toBe(200);
      const status = await cluster.status(0, u.jwt);
      expect(status.status).toBe('active');
      expect(status.refreshFailureCount).toBe(0);
    });

    it('invalid_grant makes the connection needs_reauth at once, after exactly one refresh attempt', async () => {
      const u = await connected('invalid-grant');
      // Someone else used the stored refresh token (as when a refresh's response is lost): Zoom rotated it.
      const store = openPostgresStore({
        databaseUrl: cluster.databaseUrl,
        cipher: new TokenCipher(parseEncryptionKeys(cluster.encryptionKeys).keys),
      });
      const stored = await store.connections.getWithTokens(u.userId);
      await store.close();
      const rogue = await http(`${cluster.emulator.url}/oauth/token`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${CLUSTER_CLIENT_ID}:${CLUSTER_CLIENT_SECRET}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: stored?.tokens?.refreshToken ?? '' }).toString(),
      });
      expect(rogue.status).toBe(200);
      await cluster.zoom.expire(u.zoomUser);
      const snapshot = await cluster.zoom.snapshot();

      const res = await cluster.request(0, PROFILE, { jwt: u.jwt });

      expect(res.status).toBe(409);
      expect(problemOf(res).code).toBe('needs_reauth');
      const again = await cluster.request(1, PROFILE, { jwt: u.jwt });
      expect(problemOf(again).code).toBe('needs_reauth');
      const delta = await snapshot.delta();
      expect(delta.refreshGrants).toBe(1);
      expect(delta.invalidGrant).toBe(1);
      const status = await cluster.status(1, u.jwt);
      expect(status.status).toBe('needs_reauth');
      expect(status.connected).toBe(false);
    });
  });

  describe('API errors', () => {
    it('a brief burst of 5xx on a GET is retried and the caller sees 200', async () => {
      const u = await connected('burst-5xx');
      const snapshot = await cluster.zoom.snapshot();
      await cluster.zoom.faults({ errorRate: 1, errorStatus: 502 });

      const pending = cluster.request(0, PROFILE, { jwt: u.jwt });
      // Clear the fault as soon as Zoom has failed the first attempt; the retry's backoff leaves time.
      for (let i = 0; i < 400 && (await snapshot.delta()).apiCall(ME) < 1; i++) await sleep(5);
      await cluster.zoom.faults({});
      const res = await pending;

      expect(res.status).toBe(200);
      expect((await snapshot.delta()).apiCall(ME)).toBeGreaterThanOrEqual(2);
    });

    it('5xx that persists on a GET: 503 zoom_unavailable with Retry-After after three attempts', async () => {
      const u = await connected('steady-5xx');
      const snapshot = await cluster.zoom.snapshot();
      await cluster.zoom.faults({ errorRate: 1, errorStatus: 500 });

      const res = await cluster.request(1, PROFILE, { jwt: u.jwt });

      expect(res.status).toBe(503);
      expect(problemOf(res).code).toBe('zoom_unavailable');
      expect(res.headers['retry-after']).toBeDefined();
      expect((await snapshot.delta()).apiCall(ME)).toBe(3);
      await cluster.zoom.faults({});
      expect((await cluster.request(1, PROFILE, { jwt: u.jwt })).status).toBe(200);
    });

    it('a 5xx on creating a meeting is not retried, so no meeting is created twice', async () => {
      const u = await connected('post-5xx');
      const snapshot = await cluster.zoom.snapshot();
      await cluster.zoom.faults({ errorRate: 1, errorStatus: 500 });

      const res = await cluster.request(0, '/api/zoom/oauth/user/meetings', {
        method: 'POST',
        jwt: u.jwt,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ topic: 'Appointment', start_time: '2030-01-01T10:00:00Z', duration: 30 }),
      });

      expect(res.status).toBe(503);
      expect(problemOf(res).code).toBe('zoom_unavailable');
      expect((await snapshot.delta()).apiCall('POST /v2/users/{userId}/meetings')).toBe(1);
    });

    it('a 429 with Retry-After 1 is waited out and the call succeeds', async () => {
      const u = await connected('qps-429');
      const snapshot = await cluster.zoom.snapshot();
      await cluster.zoom.faults({ rateLimit: { count: 1, retryAfter: 1 } });

      const res = await cluster.request(0, PROFILE, { jwt: u.jwt });

      expect(res.status).toBe(200);
      expect(res.elapsedMs).toBeGreaterThanOrEqual(1_000);
      expect((await snapshot.delta()).apiCall(ME)).toBe(2);
    });

    it('a 429 with Retry-After 30 answers 429 zoom_rate_limited with Retry-After 30, without waiting', async () => {
      const u = await connected('long-429');
      const snapshot = await cluster.zoom.snapshot();
      await cluster.zoom.faults({ rateLimit: { count: 1, retryAfter: 30 } });

      const res = await cluster.request(1, PROFILE, { jwt: u.jwt });

      expect(res.status).toBe(429);
      expect(problemOf(res).code).toBe('zoom_rate_limited');
      expect(res.headers['retry-after']).toBe('30');
      expect(res.elapsedMs).toBeLessThan(5_000);
      expect((await snapshot.delta()).apiCall(ME)).toBe(1);
    });

    it('a 429 whose Retry-After is an HTTP date is honoured as seconds from now', async () => {
      const u = await connected('date-429');
      const retryAt = new Date(Date.now() + 40_000).toUTCString();
      await cluster.zoom.faults({ rateLimit: { count: 1, retryAfter: retryAt } });

      const res = await cluster.request(0, PROFILE, { jwt: u.jwt });

      expect(res.status).toBe(429);
      expect(problemOf(res).code).toBe('zoom_rate_limited');
      const seconds = Number(res.headers['retry-after']);
      expect(seconds).toBeGreaterThanOrEqual(35);
      expect(seconds).toBeLessThanOrEqual(41);
    });

    it('a daily-limit 429 is not retried, even with a short Retry-After', async () => {
      const u = await connected('daily-429');
      const snapshot = await cluster.zoom.snapshot();
      await cluster.zoom.faults({ rateLimit: { count: 1, retryAfter: 1, type: 'Daily' } });

      const res = await cluster.request(1, PROFILE, { jwt: u.jwt });

      expect(res.status).toBe(429);
      expect(problemOf(res).code).toBe('zoom_rate_limited');
      expect((await snapshot.delta()).apiCall(ME)).toBe(1);
    });

    it('Zoom slower than ZOOM_HTTP_TIMEOUT_MS: 503 zoom_unavailable, and calls succeed again once Zoom is fast', async () => {
      const u = await connected('slow');
      await cluster.zoom.faults({ latencyMs: HTTP_TIMEOUT_MS + 500 });

      const res = await cluster.request(0, PROFILE, { jwt: u.jwt, timeoutMs: 15_000 });

      expect(res.status).toBe(503);
      expect(problemOf(res).code).toBe('zoom_unavailable');
      expect(res.headers['retry-after']).toBeDefined();
      await cluster.zoom.faults({});
      expect((await cluster.request(0, PROFILE, { jwt: u.jwt })).status).toBe(200);
      expect((await cluster.status(1, u.jwt)).status).toBe('active');
    });
  });
});
