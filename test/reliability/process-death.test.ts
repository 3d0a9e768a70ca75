/**
 * A process that dies, or is asked to stop, while it holds a connection's
 * refresh lock must not lose the connection: its row lock goes with its
 * PostgreSQL session, Zoom never processed a refresh whose client vanished
 * during the (injected) latency, and another process completes the refresh.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { printClusterOutputOnFailure, startCluster, type Cluster } from '../helpers/cluster.js';
import { closeHttpAgents, http, type HttpResult } from '../helpers/raw-http.js';

const TOKEN_LATENCY_MS = 2_500;

describe('a server process dying during a refresh', () => {
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await startCluster({ processes: 2 });
  });
  beforeEach(async () => {
    await cluster.zoom.faults({});
    for (const app of cluster.apps) if (!app.alive()) await cluster.restart(app.index);
  });
  afterAll(async () => {
    await cluster?.close();
    await closeHttpAgents();
  });
  printClusterOutputOnFailure(() => cluster);

  /** Whether some PostgreSQL session of the cluster is inside a transaction right now (a held refresh lock). */
  async function lockHolders(): Promise<number> {
    const rows = await cluster.sql<{ n: string }>(
      "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'zoom-connect' AND state LIKE 'idle in transaction%'",
    );
    return Number(rows[0]?.n);
  }

  /** Waits (briefly) until a process holds a refresh lock; returns how many do. */
  async function awaitLockHolder(): Promise<number> {
    for (let i = 0; i < 40; i++) {
      const n = await lockHolders();
      if (n > 0) return n;
      await sleep(50);
    }
    return lockHolders();
  }

  /** Waits (briefly) until some session of the cluster waits on a row lock; returns how many do. */
  async function awaitLockWaiter(): Promise<number> {
    const waiters = async (): Promise<number> => {
      const rows = await cluster.sql<{ n: string }>(
        "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'zoom-connect' AND wait_event_type = 'Lock'",
      );
      return Number(rows[0]?.n);
    };
    for (let i = 0; i < 60; i++) {
      const n = await waiters();
      if (n > 0) return n;
      await sleep(50);
    }
    return waiters();
  }

  /** Starts POST .../refresh on process `i` without waiting; the promise never rejects. */
  function refreshInBackground(i: number, jwt: string): Promise<HttpResult | Error> {
    return http(`${cluster.url(i)}/api/zoom/oauth/user/refresh`, {
      method: 'POST',
      headers: { authorization: `Bearer ${jwt}` },
      timeoutMs: 20_000,
    }).catch((err: unknown) => (err instanceof Error ? err : new Error(String(err))));
  }

  it('SIGKILL while holding the refresh lock: another process completes the refresh and the connection survives', async () => {
    const zoomUser = 'killed-mid-refresh@example.test';
    await cluster.connect('killed-mid-refresh', zoomUser);
    const jwt = await cluster.signIn('killed-mid-refresh');
    const before = await cluster.status(1, jwt);
    const snapshot = await cluster.zoom.snapshot();
    await cluster.zoom.faults({ tokenLatencyMs: TOKEN_LATENCY_MS });

    const doomed = refreshInBackground(0, jwt);
    expect(await awaitLockHolder()).toBe(1);
    await sleep(200);
    const exit = await cluster.kill(0, 'SIGKILL');
    expect(exit.signal).toBe('SIGKILL');
    expect(await doomed).toBeInstanceOf(Error);

    const survivor = await cluster.request(1, '/api/zoom/oauth/user/refresh', { method: 'POST', jwt, timeoutMs: 20_000 });
    expect(survivor.status).toBe(200);
    const after = await cluster.status(1, jwt);
    expect(after.status).toBe('active');
    expect(after.refreshFailureCount).toBe(0);
    expect(after.lastRefreshedAt).not.toBeNull();
    expect(after.accessTokenExpiresAt).not.toBe(before.accessTokenExpiresAt);
    const profile = await cluster.request(1, '/api/zoom/oauth/user/profile', { jwt });
    expect(profile.status).toBe(200);

    const delta = await snapshot.delta();
    // The killed process's refresh never reached Zoom's processing; the survivor's did.
    expect(delta.refreshGrants).toBe(1);
    expect(delta.invalidGrant).toBe(0);
  });

  it('SIGKILL while holding the refresh lock: a request already waiting for it on another process takes over, refreshes once, and succeeds', async () => {
    const zoomUser = 'killed-with-waiter@example.test';
    await cluster.connect('killed-with-waiter', zoomUser);
    const jwt = await cluster.signIn('killed-with-waiter');
    await cluster.zoom.expire(zoomUser);
    const snapshot = await cluster.zoom.snapshot();
    await cluster.zoom.faults({ tokenLatencyMs: TOKEN_LATENCY_MS });

    const doomed = refreshInBackground(0, jwt);
    expect(await awaitLockHolder()).toBe(1);
    // Zoom refuses the expired token; process 1 must refresh, and waits for process 0's row lock.
    const waiter = http(`${cluster.url(1)}/api/zoom/oauth/user/profile`, { headers: { authorization: `Bearer ${jwt}` }, timeoutMs: 20_000 });
    expect(await awaitLockWaiter()).toBeGreaterThanOrEqual(1);
    const exit = await cluster.kill(0, 'SIGKILL');
    expect(exit.signal).toBe('SIGKILL');
    expect(await doomed).toBeInstanceOf(Error);

    const profile = await waiter;
    expect(profile.status).toBe(200);
    expect((await cluster.status(1, jwt)).status).toBe('active');
    const delta = await snapshot.delta();
    expect(delta.refreshGrants).toBe(1);
    expect(delta.invalidGrant).toBe(0);
  });

  it('SIGTERM during an in-flight refresh: the process exits 0 and another process then serves the user', async () => {
    const zoomUser = 'stopped-mid-refresh@example.test';
    await cluster.connect('stopped-mid-refresh', zoomUser);
    const jwt = await cluster.signIn('stopped-mid-refresh');
    const snapshot = await cluster.zoom.snapshot();
    await cluster.zoom.faults({ tokenLatencyMs: TOKEN_LATENCY_MS });

    const inFlight = refreshInBackground(0, jwt);
    expect(await awaitLockHolder()).toBe(1);
    await sleep(200);
    const exit = await cluster.kill(0, 'SIGTERM');
    expect(exit).toEqual({ code: 0, signal: null });

    // Either the refresh completed before the process left (its answer arrived), or it was abandoned.
    const outcome = await inFlight;
    if (!(outcome instanceof Error)) expect([200, 503]).toContain(outcome.status);

    await cluster.zoom.faults({});
    await cluster.zoom.expire(zoomUser);
    const profile = await cluster.request(1, '/api/zoom/oauth/user/profile', { jwt, timeoutMs: 20_000 });
    expect(profile.status).toBe(200);
    expect((await cluster.status(1, jwt)).status).toBe('active');
    const delta = await snapshot.delta();
    expect(delta.invalidGrant).toBe(0);
  });
});
