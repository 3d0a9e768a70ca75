/**
 * PostgreSQL going away under steady traffic: requests fail as 503 with
 * Retry-After (a dependency's real fault), never 500 and never a crash, and
 * everything works again once the server is back. A dedicated server, so
 * stopping it pulls nothing from under other test files.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { printClusterOutputOnFailure, startCluster, type Cluster } from '../helpers/cluster.js';
import { createDatabase, startPostgresServer, type PostgresServer } from '../helpers/postgres.js';
import { closeHttpAgents, problemOf, type HttpResult } from '../helpers/raw-http.js';

interface Observation {
  /** The phase when the request was sent, and when its answer came. */
  phase: 'up' | 'down' | 'back';
  answeredIn?: 'up' | 'down' | 'back';
  path: string;
  process: number;
  res?: HttpResult;
  error?: string;
}

describe('PostgreSQL stopped and restarted under traffic', () => {
  let server: PostgresServer;
  let cluster: Cluster;
  beforeAll(async () => {
    server = await startPostgresServer();
    cluster = await startCluster({ processes: 2, databaseUrl: await createDatabase(server.adminUrl) });
  });
  afterAll(async () => {
    await cluster?.close();
    await server?.destroy();
    await closeHttpAgents();
  });
  printClusterOutputOnFailure(() => cluster);

  const stops = [
    { mode: 'fast', how: 'a clean shutdown' },
    { mode: 'immediate', how: 'a crash' },
  ] as const;
  for (const { mode, how } of stops) it(`after ${how} of PostgreSQL: 503 with Retry-After while it is down, never 500 or a crash, and recovery with the connection intact`, async () => {
    const zoomUser = `pg-restart-${mode}@example.test`;
    await cluster.connect(`pg-restart-${mode}`, zoomUser);
    const jwt = await cluster.signIn(`pg-restart-${mode}`);

    const observations: Observation[] = [];
    let phase: Observation['phase'] = 'up';
    let running = true;
    const paths = ['/api/zoom/oauth/user/status', '/api/zoom/oauth/user/profile'];
    const driver = async (worker: number): Promise<void> => {
      for (let n = 0; running; n++) {
        const path = paths[(n + worker) % paths.length] as string;
        const process = (n + worker) % 2;
        const seen: Observation = { phase, path, process };
        try {
          seen.res = await cluster.request(process, path, { jwt, timeoutMs: 15_000 });
        } catch (err) {
          seen.error = err instanceof Error ? err.message : String(err);
        }
        seen.answeredIn = phase;
        observations.push(seen);
        await sleep(20);
      }
    };
    const workers = [0, 1, 2, 3].map(driver);

    await sleep(500);
    phase = 'down';
    await server.stop(mode);
    await sleep(2_000);
    await server.start();
    phase = 'back';
    // Until every process answers again (the pools reconnect on their own).
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      const recent = observations.filter((o) => o.phase === 'back').slice(-8);
      if (recent.length === 8 && recent.every((o) => o.res?.status === 200)) break;
      await sleep(100);
    }
    running = false;
    await Promise.all(workers);

    const explain = (o: Observation): string => `${o.phase} ${o.path} on ${o.process}: ${o.error ?? `${o.res?.status} ${o.res?.text.slice(0, 200)}`}`;
    // No request ever failed at the socket (a crashed or hung process) or with anything but 200/503.
    expect(observations.filter((o) => o.error !== undefined).map(explain)).toEqual([]);
    expect(observations.filter((o) => o.res && o.res.status !== 200 && o.res.status !== 503).map(explain)).toEqual([]);
    // Traffic while the database was down did fail, each time as a proper 503.
    const failures = observations.filter((o) => o.res?.status === 503);
    expect(observations.filter((o) => o.phase === 'down' && o.res?.status === 503).length).toBeGreaterThan(0);
    for (const o of failures) {
      expect(problemOf(o.res as HttpResult).code).toBe('service_unavailable');
      expect(Number(o.res?.headers['retry-after'])).toBeGreaterThan(0);
    }
    const beforeStop = observations.filter((o) => o.answeredIn === 'up');
    expect(beforeStop.length).toBeGreaterThan(0);
    expect(beforeStop.filter((o) => o.res?.status !== 200).map(explain)).toEqual([]);

    for (const app of cluster.apps) expect(app.alive()).toBe(true);
    for (const i of [0, 1]) {
      const status = await cluster.status(i, jwt);
      expect(status.status).toBe('active');
      expect(status.zoomEmail).toBe(zoomUser);
      expect((await cluster.request(i, '/api/zoom/oauth/user/profile', { jwt })).status).toBe(200);
      expect((await cluster.request(i, '/readyz')).status).toBe(200);
    }
  });
});
