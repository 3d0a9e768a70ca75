/**
 * One refresh per connection at a time across all processes (DESIGN, token
 * lifecycle rules): Zoom rotates refresh tokens, so two racing refreshes
 * would lose the connection. Three real server processes share one
 * PostgreSQL database; Zoom (the emulator) counts every refresh grant.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { printClusterOutputOnFailure, startCluster, type Cluster } from '../helpers/cluster.js';
import { closeHttpAgents, type HttpResult } from '../helpers/raw-http.js';

const PROCESSES = 3;

describe('concurrent refresh across three server processes', () => {
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await startCluster({ processes: PROCESSES });
  });
  afterAll(async () => {
    await cluster?.close();
    await closeHttpAgents();
  });
  printClusterOutputOnFailure(() => cluster);

  /** `perUser` profile reads for each jwt at once, spread round-robin over the processes. */
  async function burst(jwts: string[], perUser: number): Promise<HttpResult[]> {
    const calls: Array<Promise<HttpResult>> = [];
    let n = 0;
    for (let r = 0; r < perUser; r++) {
      for (const jwt of jwts) {
        calls.push(cluster.request(n++ % PROCESSES, '/api/zoom/oauth/user/profile', { jwt, timeoutMs: 30_000 }));
      }
    }
    return Promise.all(calls);
  }

  function statusCounts(results: HttpResult[]): Record<number, number> {
    const counts: Record<number, number> = {};
    for (const r of results) counts[r.status] = (counts[r.status] ?? 0) + 1;
    return counts;
  }

  it('300 concurrent requests right after Zoom expired the access token make exactly one refresh, and all succeed', async () => {
    const zoomUser = 'burst-expired@example.test';
    await cluster.connect('burst-expired', zoomUser);
    const jwt = await cluster.signIn('burst-expired');
    const snapshot = await cluster.zoom.snapshot();
    expect(await cluster.zoom.expire(zoomUser)).toBeGreaterThan(0);

    const results = await burst([jwt], 300);

    expect(statusCounts(results)).toEqual({ 200: 300 });
    const delta = await snapshot.delta();
    expect(delta.refreshGrants).toBe(1);
    expect(delta.invalidGrant).toBe(0);
    expect((await cluster.status(1, jwt)).status).toBe('active');
  });

  it('300 concurrent requests when the stored expiry is already past make exactly one proactive refresh, and all succeed', async () => {
    const zoomUser = 'burst-stale@example.test';
    await cluster.connect('burst-stale', zoomUser);
    const jwt = await cluster.signIn('burst-stale');
    // An hour has passed: our record says the token is expired, and Zoom agrees.
    await cluster.sql("UPDATE connections SET access_token_expires_at = now() - interval '1 minute' WHERE user_id = $1", ['burst-stale']);
    await cluster.zoom.expire(zoomUser);
    const snapshot = await cluster.zoom.snapshot();

    const results = await burst([jwt], 300);

    expect(statusCounts(results)).toEqual({ 200: 300 });
    const delta = await snapshot.delta();
    expect(delta.refreshGrants).toBe(1);
    expect(delta.invalidGrant).toBe(0);
    // Nobody presented the expired token to Zoom: the refresh happened before the calls.
    expect(delta.apiCall('GET /v2/users/me')).toBe(300);
    const status = await cluster.status(2, jwt);
    expect(new Date(status.accessTokenExpiresAt ?? 0).getTime()).toBeGreaterThan(Date.now() + 50 * 60_000);
  });

  it('50 users expiring at once, six requests each over three processes, get exactly one refresh each and all succeed', async () => {
    const users = Array.from({ length: 50 }, (_, i) => ({ userId: `many-${i}`, zoomUser: `many-${i}@example.test` }));
    await Promise.all(users.map((u) => cluster.connect(u.userId, u.zoomUser)));
    const jwts = await Promise.all(users.map((u) => cluster.signIn(u.userId)));
    const snapshot = await cluster.zoom.snapshot();
    await Promise.all(users.map((u) => cluster.zoom.expire(u.zoomUser)));

    const results = await burst(jwts, 6);

    expect(statusCounts(results)).toEqual({ 200: 300 });
    const delta = await snapshot.delta();
    expect(delta.refreshGrants).toBe(50);
    expect(delta.invalidGrant).toBe(0);
    // 50 refreshes in total and every user refreshed at least once: exactly one each.
    const refreshed = await cluster.sql<{ n: string }>(
      "SELECT count(*) AS n FROM connections WHERE user_id LIKE 'many-%' AND status = 'active' AND last_refreshed_at IS NOT NULL",
    );
    expect(Number(refreshed[0]?.n)).toBe(50);
  });
});
