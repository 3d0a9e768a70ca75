/**
 * Lifecycle events under load (`npm run bench -- --events`):
 *
 * 1. Delivery: a burst of events committed to the outbox at once, delivered
 *    by 1 and then 3 real service processes on one PostgreSQL to a local
 *    webhook receiver: delivered events per second, and p50/p99 delay from
 *    the commit of the change to the receiver's receipt.
 * 2. What the outbox costs the connect flow: complete connect flows through
 *    one service process, with and without APP_WEBHOOK_URL, in the same run.
 *
 *   BENCH_EVENTS=5000      events in the burst (default 5000, over 500 users)
 *   BENCH_DURATION=10      seconds of connect flows per configuration
 *
 * Prints a table and writes it to a temp directory it names.
 */
import { randomBytes } from 'node:crypto';
import { writeFile, mkdtemp } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { connectionEvent } from '../src/events/catalog.js';
import { createDatabase, startPostgresServer, type PostgresServer } from '../test/helpers/postgres.js';
import { freePort } from '../test/helpers/net.js';
import { appEntry, spawnNode, type Child, spawnEmulator } from './lib/children.js';
import { BENCH_CLIENT_ID, BENCH_CLIENT_SECRET, agent, connectFlow, signAppJwt, benchAppEnv, benchRedirectUri } from './lib/connect.js';
import { runFlows, type Measurement } from './lib/load.js';
import { markdownTable } from './lib/report.js';

const USERS = 500;
const POLL_MS = 250;
const DELIVERY_TIMEOUT_MS = 300_000;
const APP_WEBHOOK_SECRET = `whsec_${randomBytes(32).toString('base64')}`;

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** The app's endpoint: acknowledges at once and notes when each event arrived. */
class Receiver {
  readonly receivedAt = new Map<string, number>();
  private onReceipt: (() => void) | undefined;
  private readonly server: Server = createServer((req, res) => {
    const id = String(req.headers['webhook-id']);
    req.resume();
    req.on('end', () => {
      if (!this.receivedAt.has(id)) this.receivedAt.set(id, Date.now());
      res.writeHead(204).end();
      this.onReceipt?.();
    });
  });

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks`;
  }

  async until(count: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.receivedAt.size < count) {
      if (Date.now() > deadline) throw new Error(`only ${this.receivedAt.size} of ${count} events arrived within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        this.onReceipt = resolve;
        setTimeout(resolve, 200);
      });
    }
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

interface DeliveryRow {
  instances: number;
  events: number;
  eventsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

export async function runEventsBench(): Promise<void> {
  const eventCount = Number(process.env.BENCH_EVENTS ?? '5000');
  const durationS = Number(process.env.BENCH_DURATION ?? '10');
  const workDir = await mkdtemp(path.join(os.tmpdir(), 'zc-bench-events-'));
  const children: Child[] = [];
  const receiver = new Receiver();
  let pgServer: PostgresServer | undefined;
  let pool: pg.Pool | undefined;
  try {
    pgServer = await startPostgresServer();
    const databaseUrl = await createDatabase(pgServer.adminUrl, 'zc_bench_events');
    pool = new pg.Pool({ connectionString: databaseUrl, max: 2, options: '-c search_path=zoom_connect' });
    const webhookUrl = await receiver.listen();
    const ports = [await freePort(), await freePort(), await freePort()];
    const emulator = await spawnEmulator(workDir, BENCH_CLIENT_ID, BENCH_CLIENT_SECRET, ports.map(benchRedirectUri));
    children.push(emulator);
    const key = randomBytes(32).toString('base64');
    const appEnv = (i: number, withWebhook: boolean): Record<string, string> =>
      benchAppEnv({
        port: ports[i] as number,
        zoomUrl: emulator.url,
        keyBase64: key,
        dataDir: path.join(workDir, `data-${i}`),
        databaseUrl,
        logLevel: 'warn',
        extra: { EVENT_POLL_INTERVAL_MS: String(POLL_MS), ...(withWebhook ? { APP_WEBHOOK_URL: webhookUrl, APP_WEBHOOK_SECRET } : {}) },
      });
    const startApps = async (count: number, withWebhook: boolean): Promise<Child[]> => {
      const apps = await Promise.all(
        Array.from({ length: count }, (_, i) => spawnNode({ name: `app-${i}`, args: appEntry(), env: appEnv(i, withWebhook), logDir: workDir, ready: 'ipc' })),
      );
      children.push(...apps);
      return apps;
    };
    const stopApps = async (apps: Child[]): Promise<void> => {
      for (const app of apps) await app.stop();
      children.splice(0, children.length, ...children.filter((c) => !apps.includes(c)));
    };

    // 1. Delivery throughput and delay at 1 and 3 instances.
    const deliveries: DeliveryRow[] = [];
    for (const instances of [1, 3]) {
      const apps = await startApps(instances, true);
      const before = receiver.receivedAt.size;
      const ids: string[] = [];
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        for (let i = 0; i < eventCount; i++) {
          const event = connectionEvent({ type: 'connection.connected', reason: 'authorized', reconnect: false, appUserId: `bench-events-${instances}-${i % USERS}`, zoomUserId: null, zoomAccountId: null, occurredAt: new Date() });
          ids.push(event.id);
          await client.query('INSERT INTO event_outbox (id, type, app_user_id, occurred_at, data) VALUES ($1, $2, $3, $4, ($5::text)::jsonb)', [event.id, event.type, event.appUserId, event.occurredAt, JSON.stringify(event.data)]);
        }
        await client.query('COMMIT');
      } finally {
        client.release();
      }
      const committedAt = Date.now();
      await receiver.until(before + eventCount, DELIVERY_TIMEOUT_MS);
      const { rows } = await pool.query<{ id: string; created_ms: string }>(
        'SELECT id, (extract(epoch FROM created_at) * 1000)::bigint AS created_ms FROM event_outbox WHERE id = ANY($1)',
        [ids],
      );
      const delays = rows.map((r) => (receiver.receivedAt.get(r.id) ?? Number.NaN) - Number(r.created_ms)).sort((a, b) => a - b);
      const last = Math.max(...ids.map((id) => receiver.receivedAt.get(id) ?? 0));
      deliveries.push({ instances, events: eventCount, eventsPerSecond: eventCount / ((last - committedAt) / 1000), p50Ms: percentile(delays, 50), p99Ms: percentile(delays, 99) });
      log(`delivery @${instances}: ${Math.round(deliveries.at(-1)?.eventsPerSecond ?? 0)} events/s, delay p50 ${deliveries.at(-1)?.p50Ms} ms p99 ${deliveries.at(-1)?.p99Ms} ms`);
      await stopApps(apps);
    }

    // 2. The connect flow with and without a webhook URL (the outbox row is written either way; the difference is delivery).
    const flows: Array<{ label: string; m: Measurement }> = [];
    let userSeq = 0;
    for (const withWebhook of [false, true]) {
      const [app] = await startApps(1, withWebhook);
      if (!app) throw new Error('no app process');
      const m = await runFlows({
        concurrency: 8,
        durationS,
        warmupS: 2,
        flow: async () => {
          userSeq += 1;
          const userId = `bench-flow-${userSeq}`;
          await connectFlow(app.url, await signAppJwt(userId), `${userId}@bench.example`);
        },
      });
      flows.push({ label: withWebhook ? 'connect flow, APP_WEBHOOK_URL set' : 'connect flow, no webhook URL', m });
      log(`${flows.at(-1)?.label}: ${m.rps.toFixed(1)} flows/s p50 ${m.p50.toFixed(1)} p99 ${m.p99.toFixed(1)} ms${m.failed ? ` FAILED ${m.failed}: ${m.failures.join('; ')}` : ''}`);
      await stopApps([app]);
    }

    const report = [
      `# Events benchmark (${new Date().toISOString()})`,
      '',
      `Burst of ${eventCount} events over ${USERS} users committed in one transaction by the benchmark; instances poll every ${POLL_MS} ms (their own commits wake them at once, so this delay includes up to one poll). Delay: outbox commit (database clock) to the receiver's receipt.`,
      '',
      markdownTable([
        ['instances', 'events', 'delivered/s', 'delay p50 ms', 'delay p99 ms'],
        ...deliveries.map((d) => [String(d.instances), String(d.events), d.eventsPerSecond.toFixed(0), d.p50Ms.toFixed(0), d.p99Ms.toFixed(0)]),
      ]),
      '',
      markdownTable([
        ['connect flow', 'flows/s', 'p50 ms', 'p99 ms', 'failed'],
        ...flows.map((f) => [f.label, f.m.rps.toFixed(1), f.m.p50.toFixed(1), f.m.p99.toFixed(1), String(f.m.failed)]),
      ]),
      '',
    ].join('\n');
    const out = path.join(workDir, 'events.md');
    await writeFile(out, report);
    log(`\n${report}\nresults: ${out}`);
  } finally {
    for (const child of children.reverse()) await child.stop();
    await receiver.close();
    await pool?.end();
    await agent.close();
    await pgServer?.destroy();
  }
}
