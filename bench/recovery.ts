/**
 * `npm run bench -- --recovery`: how fast the cluster recovers when Zoom
 * comes back (issue 16). Three instances of the compiled service on one
 * PostgreSQL, 200 connected users, 20 profile requests in flight; a 20 s
 * burst in which Zoom's token endpoint is down and every access token is
 * expired at Zoom; then Zoom is healthy again. Reports the seconds from
 * Zoom's recovery until 99% of a second's requests succeed, the Zoom calls
 * made per connection during and after the burst, and the log lines each
 * instance wrote per level. Writes bench/results/recovery.md.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { request } from 'undici';
import { createDatabase, startPostgresServer, type PostgresServer } from '../test/helpers/postgres.js';
import { freePort } from '../test/helpers/net.js';
import { appEntry, spawnEmulator, spawnNode, REPO_ROOT, type Child } from './lib/children.js';
import { agent, benchAppEnv, benchRedirectUri, BENCH_CLIENT_ID, BENCH_CLIENT_SECRET, connectFlow, signAppJwt } from './lib/connect.js';

const INSTANCES = 3;
const USERS = Number(process.env.RECOVERY_USERS ?? '200');
const IN_FLIGHT = 20;
const HEALTHY_BEFORE_S = 10;
const BURST_S = 20;
const AFTER_S = 40;
const LEVELS: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

interface Sample {
  at: number;
  ok: boolean;
}

interface ZoomCounters {
  apiCalls: number;
  tokenRequests: number;
}

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

async function emulatorPost(url: string, body: unknown): Promise<void> {
  const res = await request(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), dispatcher: agent });
  await res.body.dump();
  if (res.statusCode !== 200) throw new Error(`${url} answered ${res.statusCode}`);
}

async function zoomCounters(emulatorUrl: string): Promise<ZoomCounters> {
  const res = await request(`${emulatorUrl}/_emulator/stats`, { dispatcher: agent });
  const stats = (await res.body.json()) as { apiCalls: Record<string, number>; tokenRequests: Record<string, number> };
  return {
    apiCalls: Object.values(stats.apiCalls).reduce((a, b) => a + b, 0),
    tokenRequests: stats.tokenRequests['refresh_token'] ?? 0,
  };
}

/** Log lines per level written in [from, to) by one instance (pino's `time` is epoch ms). */
async function linesByLevel(logFile: string, from: number, to: number): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const line of (await readFile(logFile, 'utf8')).split('\n')) {
    if (!line.startsWith('{')) continue;
    let entry: { level?: number; time?: number };
    try {
      entry = JSON.parse(line) as { level?: number; time?: number };
    } catch {
      continue;
    }
    if (entry.time === undefined || entry.time < from || entry.time >= to || entry.level === undefined) continue;
    const level = LEVELS[entry.level] ?? String(entry.level);
    counts[level] = (counts[level] ?? 0) + 1;
  }
  return counts;
}

export async function runRecovery(): Promise<void> {
  const workDir = await mkdtemp(path.join(os.tmpdir(), 'zc-recovery-'));
  const children: Child[] = [];
  let pgServer: PostgresServer | undefined;
  try {
    pgServer = await startPostgresServer();
    const databaseUrl = await createDatabase(pgServer.adminUrl, 'zc_recovery');
    const ports = await Promise.all(Array.from({ length: INSTANCES }, () => freePort()));
    const emulator = await spawnEmulator(workDir, BENCH_CLIENT_ID, BENCH_CLIENT_SECRET, ports.map(benchRedirectUri));
    children.push(emulator);
    const key = randomBytes(32).toString('base64');
    const apps: Child[] = [];
    for (const [i, port] of ports.entries()) {
      const app = await spawnNode({
        name: `app-${i}`,
        args: appEntry(),
        env: benchAppEnv({ port, zoomUrl: emulator.url, keyBase64: key, dataDir: path.join(workDir, `data-${i}`), databaseUrl }),
        logDir: workDir,
        ready: 'ipc',
      });
      apps.push(app);
      children.push(app);
    }
    log(`3 instances on PostgreSQL, emulator ${emulator.url}; connecting ${USERS} users`);

    const jwts: string[] = [];
    for (let u = 0; u < USERS; u++) {
      const jwt = await signAppJwt(`recovery-user-${u}`);
      jwts.push(jwt);
      await connectFlow((apps[u % INSTANCES] as Child).url, jwt, `recovery-user-${u}@bench.example`);
    }

    const samples: Sample[] = [];
    let running = true;
    const worker = async (w: number): Promise<void> => {
      let n = w;
      while (running) {
        n += IN_FLIGHT;
        const user = n % USERS;
        const app = apps[(n * 7) % INSTANCES] as Child;
        try {
          const res = await request(`${app.url}/api/zoom/oauth/user/profile`, { dispatcher: agent, headers: { authorization: `Bearer ${jwts[user] as string}` } });
          await res.body.dump();
          samples.push({ at: Date.now(), ok: res.statusCode === 200 });
        } catch {
          samples.push({ at: Date.now(), ok: false });
        }
      }
    };
    const load = Promise.all(Array.from({ length: IN_FLIGHT }, (_, w) => worker(w)));
    const sleep = (s: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, s * 1000));

    await sleep(HEALTHY_BEFORE_S);
    const burstStart = Date.now();
    const beforeBurst = await zoomCounters(emulator.url);
    await emulatorPost(`${emulator.url}/_emulator/faults`, { tokenEndpointDown: true });
    await emulatorPost(`${emulator.url}/_emulator/expire`, {});
    log('burst: token endpoint down, every access token expired');
    await sleep(BURST_S);
    await emulatorPost(`${emulator.url}/_emulator/faults`, {});
    const recoveredAt = Date.now();
    const duringBurst = await zoomCounters(emulator.url);
    log('Zoom healthy again');
    await sleep(AFTER_S);
    running = false;
    await load;
    const end = Date.now();
    const afterBurst = await zoomCounters(emulator.url);

    // Per-second success after recovery; the first second at or above 99%.
    const seconds: Array<{ second: number; total: number; ok: number }> = [];
    for (let s = 0; s < AFTER_S; s++) {
      const inSecond = samples.filter((x) => x.at >= recoveredAt + s * 1000 && x.at < recoveredAt + (s + 1) * 1000);
      seconds.push({ second: s, total: inSecond.length, ok: inSecond.filter((x) => x.ok).length });
    }
    const firstHealthy = seconds.find((s) => s.total > 0 && s.ok / s.total >= 0.99);
    const recoverySeconds = firstHealthy ? firstHealthy.second + 1 : null;
    const perConnection = (a: ZoomCounters, b: ZoomCounters): string =>
      `${((b.apiCalls - a.apiCalls) / USERS).toFixed(2)} API calls, ${((b.tokenRequests - a.tokenRequests) / USERS).toFixed(2)} refreshes`;
    const burstLogs = await Promise.all(apps.map((a) => linesByLevel(a.logFile, burstStart, recoveredAt)));
    const afterLogs = await Promise.all(apps.map((a) => linesByLevel(a.logFile, recoveredAt, end)));

    const report = [
      `# Recovery after a Zoom outage (${new Date().toISOString()})`,
      '',
      `${INSTANCES} instances (compiled, NODE_ENV=production, LOG_LEVEL=info) on PostgreSQL, ${USERS} connected users, ${IN_FLIGHT} profile requests in flight; ` +
        `${BURST_S} s burst: token endpoint down and every access token expired at Zoom; then healthy for ${AFTER_S} s.`,
      '',
      `- seconds from Zoom's recovery until a second with >= 99% success: **${recoverySeconds ?? `not within ${AFTER_S}`}** (target <= 5)`,
      `- success per second after recovery: ${seconds.slice(0, 10).map((s) => `${s.total ? Math.round((100 * s.ok) / s.total) : 0}%`).join(' ')}`,
      `- Zoom calls per connection during the burst: ${perConnection(beforeBurst, duringBurst)}`,
      `- Zoom calls per connection after the burst: ${perConnection(duringBurst, afterBurst)}`,
      `- log lines per instance during the burst: ${burstLogs.map((c) => JSON.stringify(c)).join(' · ')} (target: error <= 1 per instance)`,
      `- log lines per instance after the burst: ${afterLogs.map((c) => JSON.stringify(c)).join(' · ')}`,
      `- requests: ${samples.length}, failed ${samples.filter((s) => !s.ok).length}`,
      '',
    ].join('\n');
    log(`\n${report}`);
    const resultsDir = path.join(REPO_ROOT, 'bench', 'results');
    await mkdir(resultsDir, { recursive: true });
    await writeFile(path.join(resultsDir, 'recovery.md'), report);
  } finally {
    for (const child of children.reverse()) await child.stop();
    await pgServer?.destroy();
  }
}
