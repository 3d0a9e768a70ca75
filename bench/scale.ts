/**
 * The data at a million users: fills PostgreSQL with 1,000,000 connections
 * sealed exactly as the service seals them, reports the insert rate and what
 * the table and its indexes weigh, compares the status read's latency at 1M
 * rows with 1k rows (the real service pointed at each database), and shows
 * the plans of the queries that must stay indexed as the table grows.
 *
 *   node --import tsx bench/scale.ts        (or: npm run bench -- --scale)
 *   BENCH_SCALE_ROWS=100000 ...             a smaller "large" database
 *   BENCH_DURATION=5 ...                    shorter latency runs
 *
 * Writes bench/results/scale.{json,md}; a run with BENCH_SCALE_ROWS or
 * BENCH_DURATION set writes to a temp directory it prints instead, so the
 * committed results are always the full-size run.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { TokenCipher } from '../src/crypto/index.js';
import { jwtLikeToken } from '../src/emulator/ids.js';
import type { Driver, QueryResult, SqlStatement } from '../src/store/db.js';
import { openPostgresStore } from '../src/store/index.js';
import { RowLockRefreshLocker } from '../src/store/refresh-lock.js';
import { SqlConnectionRepository } from '../src/store/repositories/connections.js';
import { sealTokens } from '../src/store/sealing.js';
import { createDatabase, startPostgresServer, type PostgresServer } from '../test/helpers/postgres.js';
import { freePort } from '../test/helpers/net.js';
import { appEntry, spawnNode, REPO_ROOT, type Child } from './lib/children.js';
import { agent, signAppJwt, benchAppEnv } from './lib/connect.js';
import { runLoad, type Measurement } from './lib/load.js';
import { machineInfo, markdownTable, type MachineInfo } from './lib/report.js';

const DAY_MS = 24 * 3600 * 1000;
const BATCH_ROWS = 2_000;
const IN_FLIGHT_BATCHES = 2;
/** Users the status load rotates over: random across the table, under the service's JWT cache size (10,000). */
const LOAD_USERS = 5_000;
const SCOPES = 'user:read meeting:read meeting:write recording:read';

interface FillResult {
  rows: number;
  seconds: number;
  rowsPerSecond: number;
  /** Random user ids and Zoom user ids of active rows, for the load and the plans. */
  sampleUserIds: string[];
  sampleZoomUserId: string;
}

interface SizeReport {
  tableBytes: number;
  toastBytes: number;
  indexesBytes: number;
  totalBytes: number;
  indexes: Array<{ name: string; bytes: number }>;
  rows: number;
}

interface PlanReport {
  query: string;
  sql: string;
  plan: string;
  /** Indexes the plan reads through; empty means it scans the table. */
  indexesUsed: string[];
  seqScan: boolean;
}

interface ScaleReport {
  machine: MachineInfo;
  settings: Record<string, number | string>;
  fill: Record<string, Omit<FillResult, 'sampleUserIds' | 'sampleZoomUserId'>>;
  sizes: Record<string, SizeReport>;
  status: Array<{ database: string; rows: number; m: Measurement }>;
  plans: PlanReport[];
}

const log = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

/** The columns SAVE_CONNECTED writes (src/store/repositories/connections.ts), as parallel arrays for one unnest(). */
interface Columns {
  user_id: string[];
  status: string[];
  zoom_user_id: string[];
  zoom_email: string[];
  zoom_account_id: string[];
  access_token_enc: (string | null)[];
  refresh_token_enc: (string | null)[];
  token_kid: (string | null)[];
  access_token_expires_at: Date[];
  last_refreshed_at: (Date | null)[];
  last_used_at: (Date | null)[];
  authorized_at: Date[];
  revoked_at: (Date | null)[];
  version: number[];
  updated_at: Date[];
}

const INSERT = `
INSERT INTO connections (
  user_id, status, zoom_user_id, zoom_email, zoom_account_id, api_url,
  access_token_enc, refresh_token_enc, token_kid, access_token_expires_at, granted_scopes,
  refresh_failure_count, last_refreshed_at, last_refresh_attempt_at, last_used_at, authorized_at, revoked_at,
  device_user_agent, device_ip, version, created_at, updated_at)
SELECT u, s, zu, ze, za, 'https://api.zoom.us',
  a, r, k, x, string_to_array('${SCOPES}', ' '),
  0, lr, lr, lu, au, rv,
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36', '203.0.113.7', v, au, up
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
            $9::timestamptz[], $10::timestamptz[], $11::timestamptz[], $12::timestamptz[], $13::timestamptz[], $14::bigint[], $15::timestamptz[])
  AS t(u, s, zu, ze, za, a, r, k, x, lr, lu, au, rv, v, up)`;

function emptyColumns(): Columns {
  return {
    user_id: [], status: [], zoom_user_id: [], zoom_email: [], zoom_account_id: [],
    access_token_enc: [], refresh_token_enc: [], token_kid: [], access_token_expires_at: [],
    last_refreshed_at: [], last_used_at: [], authorized_at: [], revoked_at: [], version: [], updated_at: [],
  };
}

/**
 * One plausible connection: mostly active, a few inactive, needing
 * re-authorization or revoked (tokens wiped); authorized over the last year,
 * refreshed over the last 90 days (so some are idle enough for the sweeper).
 * Tokens are shaped like Zoom's (the emulator's generator) and sealed with
 * the store's own sealTokens: same cipher, nonce, associated data and format.
 */
function addRow(cols: Columns, cipher: TokenCipher, now: number, index: number): void {
  const userId = randomUUID();
  const zoomUserId = randomBytes(16).toString('base64url').slice(0, 22);
  const accountId = randomBytes(16).toString('base64url').slice(0, 22);
  const r = Math.random();
  const status = r < 0.94 ? 'active' : r < 0.95 ? 'inactive' : r < 0.98 ? 'needs_reauth' : 'revoked';
  const authorized = now - Math.random() * 365 * DAY_MS;
  const refreshed = Math.random() < 0.03 ? null : Math.max(authorized, now - Math.random() * 90 * DAY_MS);
  const tokenTime = refreshed ?? authorized;
  cols.user_id.push(userId);
  cols.status.push(status);
  cols.zoom_user_id.push(zoomUserId);
  cols.zoom_email.push(`user${index}@example.com`);
  cols.zoom_account_id.push(accountId);
  if (status === 'revoked') {
    cols.access_token_enc.push(null);
    cols.refresh_token_enc.push(null);
    cols.token_kid.push(null);
    cols.revoked_at.push(new Date(tokenTime + DAY_MS));
  } else {
    const iat = Math.floor(tokenTime / 1000);
    const sealed = sealTokens(cipher, userId, {
      accessToken: jwtLikeToken('access', zoomUserId, accountId, iat, 3599),
      refreshToken: jwtLikeToken('refresh', zoomUserId, accountId, iat, 90 * 24 * 3600),
    });
    cols.access_token_enc.push(sealed.accessTokenEnc);
    cols.refresh_token_enc.push(sealed.refreshTokenEnc);
    cols.token_kid.push(sealed.kid);
    cols.revoked_at.push(null);
  }
  cols.access_token_expires_at.push(new Date(tokenTime + 3599_000));
  cols.last_refreshed_at.push(refreshed === null ? null : new Date(refreshed));
  cols.last_used_at.push(Math.random() < 0.2 ? null : new Date(now - Math.random() * 30 * DAY_MS));
  cols.authorized_at.push(new Date(authorized));
  cols.version.push(1 + Math.floor(Math.random() * 50));
  cols.updated_at.push(new Date(refreshed ?? authorized));
}

async function fill(databaseUrl: string, cipher: TokenCipher, rows: number): Promise<FillResult> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: IN_FLIGHT_BATCHES, options: '-c search_path=zoom_connect' });
  const sampleEvery = Math.max(1, Math.floor(rows / LOAD_USERS));
  const sampleUserIds: string[] = [];
  let sampleZoomUserId = '';
  const now = Date.now();
  const started = performance.now();
  const inFlight = new Set<Promise<void>>();
  let lastReport = started;
  try {
    for (let done = 0; done < rows; ) {
      const n = Math.min(BATCH_ROWS, rows - done);
      const cols = emptyColumns();
      for (let i = 0; i < n; i++) addRow(cols, cipher, now, done + i);
      for (let i = 0; i < n; i += 1) {
        if ((done + i) % sampleEvery === 0 && cols.status[i] === 'active' && sampleUserIds.length < LOAD_USERS) {
          sampleUserIds.push(cols.user_id[i] as string);
          sampleZoomUserId = cols.zoom_user_id[i] as string;
        }
      }
      const insert = pool
        .query(INSERT, [
          cols.user_id, cols.status, cols.zoom_user_id, cols.zoom_email, cols.zoom_account_id,
          cols.access_token_enc, cols.refresh_token_enc, cols.token_kid, cols.access_token_expires_at,
          cols.last_refreshed_at, cols.last_used_at, cols.authorized_at, cols.revoked_at, cols.version, cols.updated_at,
        ])
        .then(() => {
          inFlight.delete(insert);
        });
      inFlight.add(insert);
      if (inFlight.size >= IN_FLIGHT_BATCHES) await Promise.race(inFlight);
      done += n;
      if (performance.now() - lastReport > 15_000) {
        lastReport = performance.now();
        log(`  ${done.toLocaleString('en-US')} rows, ${Math.round(done / ((lastReport - started) / 1000)).toLocaleString('en-US')} rows/s`);
      }
    }
    await Promise.all(inFlight);
    const seconds = (performance.now() - started) / 1000;
    await pool.query('ANALYZE connections');
    return { rows, seconds, rowsPerSecond: rows / seconds, sampleUserIds, sampleZoomUserId };
  } finally {
    await pool.end();
  }
}

async function sizes(databaseUrl: string): Promise<SizeReport> {
  const client = new pg.Client({ connectionString: databaseUrl, options: '-c search_path=zoom_connect' });
  await client.connect();
  try {
    const { rows } = await client.query<{ heap: string; toast: string; idx: string; total: string; n: string }>(`
      SELECT pg_relation_size('connections') AS heap,
             pg_table_size('connections') - pg_relation_size('connections') AS toast,
             pg_indexes_size('connections') AS idx,
             pg_total_relation_size('connections') AS total,
             (SELECT count(*) FROM connections) AS n`);
    const { rows: indexes } = await client.query<{ name: string; bytes: string }>(`
      SELECT c.relname AS name, pg_relation_size(i.indexrelid) AS bytes
      FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
      WHERE i.indrelid = 'connections'::regclass ORDER BY c.relname`);
    const r = rows[0];
    if (!r) throw new Error('no size row');
    return {
      tableBytes: Number(r.heap),
      toastBytes: Number(r.toast),
      indexesBytes: Number(r.idx),
      totalBytes: Number(r.total),
      rows: Number(r.n),
      indexes: indexes.map((i) => ({ name: i.name, bytes: Number(i.bytes) })),
    };
  } finally {
    await client.end();
  }
}

/** A Driver that answers nothing and remembers what it was asked: the repository's exact SQL and parameters. */
class RecordingDriver implements Driver {
  readonly kind = 'postgres' as const;
  readonly schema = 'zoom_connect';
  readonly statements: Array<{ text: string; params: readonly unknown[] }> = [];
  query<R extends object>(statement: string | SqlStatement, params: readonly unknown[] = []): Promise<QueryResult<R>> {
    this.statements.push({ text: typeof statement === 'string' ? statement : statement.text, params });
    return Promise.resolve({ rows: [], rowCount: 0 });
  }
  exec(): Promise<void> {
    return Promise.resolve();
  }
  transaction<T>(fn: (tx: Driver) => Promise<T>): Promise<T> {
    return fn(this);
  }
  ping(): Promise<void> {
    return Promise.resolve();
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

async function capture(cipher: TokenCipher, call: (repo: SqlConnectionRepository) => Promise<unknown>): Promise<{ text: string; params: readonly unknown[] }> {
  const driver = new RecordingDriver();
  const repo = new SqlConnectionRepository(driver, cipher, new RowLockRefreshLocker(driver, 1), { warn: () => undefined, info: () => undefined }, 1_000, { notifyCommitted: () => undefined });
  await call(repo);
  const first = driver.statements[0];
  if (!first) throw new Error('the repository sent no statement');
  return first;
}

function indexesIn(plan: string): string[] {
  return [...new Set([...plan.matchAll(/(?:Index Scan|Index Only Scan|Bitmap Index Scan)(?: Backward)? (?:using|on) (\w+)/g)].map((m) => m[1] as string))];
}

async function explainAll(databaseUrl: string, cipher: TokenCipher, userId: string, zoomUserId: string): Promise<PlanReport[]> {
  const now = new Date();
  const queries: Array<{ query: string; statement: { text: string; params: readonly unknown[] }; generic?: boolean }> = [
    {
      query: 'status read: connections.get(userId) — a named statement, so after 5 runs PostgreSQL may use its generic plan (shown forced)',
      statement: await capture(cipher, (repo) => repo.get(userId)),
      generic: true,
    },
    {
      query: "webhook app_deauthorized: connections.findByZoomUserId(zoomUserId)",
      statement: await capture(cipher, (repo) => repo.findByZoomUserId(zoomUserId)),
    },
    {
      query: "refresh sweeper's claim: claimIdleForSweep(now − 80 days, 100, 10 min lease) — an UPDATE, run inside a rolled-back transaction",
      statement: await capture(cipher, (repo) => repo.claimIdleForSweep(new Date(now.getTime() - 80 * DAY_MS), 100, 10 * 60_000, now)),
    },
  ];
  const client = new pg.Client({ connectionString: databaseUrl, options: '-c search_path=zoom_connect' });
  await client.connect();
  const plans: PlanReport[] = [];
  try {
    for (const q of queries) {
      await client.query('BEGIN');
      try {
        let rows: Array<Record<string, string>>;
        if (q.generic) {
          await client.query("SET LOCAL plan_cache_mode = 'force_generic_plan'");
          await client.query(`PREPARE zc_scale_explain AS ${q.statement.text}`);
          const args = q.statement.params.map((p) => client.escapeLiteral(String(p))).join(', ');
          ({ rows } = await client.query<Record<string, string>>(`EXPLAIN (ANALYZE, BUFFERS) EXECUTE zc_scale_explain(${args})`));
          await client.query('DEALLOCATE zc_scale_explain');
        } else {
          ({ rows } = await client.query<Record<string, string>>(`EXPLAIN (ANALYZE, BUFFERS) ${q.statement.text}`, [...q.statement.params]));
        }
        const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
        plans.push({
          query: q.query,
          sql: q.statement.text.trim().replace(/\s+/g, ' '),
          plan,
          indexesUsed: indexesIn(plan),
          seqScan: /Seq Scan on connections/.test(plan),
        });
      } finally {
        await client.query('ROLLBACK');
      }
    }
  } finally {
    await client.end();
  }
  return plans;
}

async function statusLoad(
  label: string,
  databaseUrl: string,
  userIds: string[],
  key: Buffer,
  workDir: string,
  settings: { durationS: number; warmupS: number },
): Promise<Array<{ connections: number; m: Measurement }>> {
  const port = await freePort();
  const app: Child = await spawnNode({
    name: `app-${label}`,
    args: appEntry(),
    env: benchAppEnv({
      port,
      // The status read never calls Zoom; nothing listens here.
      zoomUrl: 'http://127.0.0.1:9',
      keyBase64: key.toString('base64'),
      kid: 'scale1',
      dataDir: path.join(workDir, `data-${label}`),
      databaseUrl,
      // No sweeper: at 1M rows it would start refreshing idle connections against a Zoom that is not there.
      extra: { SWEEP_INTERVAL_SECONDS: '0', BENCH_POOL_MAX: '10' },
    }),
    logDir: workDir,
    ready: 'ipc',
  });
  try {
    const bearers = await Promise.all(userIds.map(async (id) => `Bearer ${await signAppJwt(id)}`));
    const out: Array<{ connections: number; m: Measurement }> = [];
    for (const connections of [50, 10]) {
      const m = await runLoad({
        url: app.url,
        method: 'GET',
        path: '/api/zoom/oauth/user/status',
        connections,
        durationS: settings.durationS,
        warmupS: settings.warmupS,
        rotate: { header: bearers },
      });
      log(`  status @${connections} on ${label}: ${Math.round(m.rps)} req/s, p50 ${m.p50.toFixed(2)} p95 ${m.p95.toFixed(2)} p99 ${m.p99.toFixed(2)} ms, failed ${m.failed}`);
      out.push({ connections, m });
    }
    return out;
  } finally {
    await app.stop();
  }
}

const mib = (bytes: number): string => `${(bytes / 1024 ** 2).toFixed(1)} MiB`;

function renderMarkdown(r: ScaleReport): string {
  const m = r.machine;
  const sizeRows = Object.entries(r.sizes).map(([db, s]) => [
    db,
    s.rows.toLocaleString('en-US'),
    mib(s.tableBytes),
    mib(s.toastBytes),
    mib(s.indexesBytes),
    mib(s.totalBytes),
    `${Math.round(s.totalBytes / Math.max(1, s.rows))} B`,
  ]);
  const indexRows = Object.entries(r.sizes).flatMap(([db, s]) => s.indexes.map((i) => [db, i.name, mib(i.bytes)]));
  const statusRows = r.status.map((s) => [s.database, s.rows.toLocaleString('en-US'), String(s.m.connections), Math.round(s.m.rps).toLocaleString('en-US'), s.m.p50.toFixed(2), s.m.p95.toFixed(2), s.m.p99.toFixed(2), String(s.m.failed)]);
  const fillRows = Object.entries(r.fill).map(([db, f]) => [db, f.rows.toLocaleString('en-US'), f.seconds.toFixed(1), Math.round(f.rowsPerSecond).toLocaleString('en-US')]);
  return [
    '# Scale results: the data at a million users',
    '',
    `Written by \`node --import tsx bench/scale.ts\` on ${m.date}. See docs/performance.md.`,
    '',
    `**Machine:** ${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB RAM; ${m.os}; Node ${m.node}; PostgreSQL ${m.postgres} (test-harness cluster: default shared_buffers, fsync off).`,
    '',
    `**Settings:** ${Object.entries(r.settings).map(([k, v]) => `${k}=${v}`).join(', ')}.`,
    '',
    '## Insert rate (sealed as the service seals, batched unnest() INSERTs, indexes in place)',
    '',
    markdownTable([['database', 'rows', 'seconds', 'rows/s'], ...fillRows]),
    '',
    '## Size',
    '',
    markdownTable([['database', 'rows', 'table (heap)', 'TOAST', 'indexes', 'total', 'per row'], ...sizeRows]),
    '',
    markdownTable([['database', 'index', 'size'], ...indexRows], [0, 1]),
    '',
    '## Status read latency (the service pointed at each database)',
    '',
    markdownTable([['database', 'rows', 'conns', 'req/s', 'p50 ms', 'p95 ms', 'p99 ms', 'failed'], ...statusRows]),
    '',
    '## Plans on the large database',
    '',
    ...r.plans.flatMap((p) => [
      `### ${p.query}`,
      '',
      `${p.seqScan || p.indexesUsed.length === 0 ? '**NOT INDEXED**' : `**Index use:** ${p.indexesUsed.join(', ')}`}`,
      '',
      '```sql',
      p.sql,
      '```',
      '',
      '```',
      p.plan,
      '```',
      '',
    ]),
  ].join('\n');
}

export async function runScale(): Promise<void> {
  const rows = Math.round(Number(process.env.BENCH_SCALE_ROWS ?? '1000000'));
  const small = 1_000;
  const durationS = Number(process.env.BENCH_DURATION ?? '10');
  const warmupS = Number(process.env.BENCH_WARMUP ?? String(Math.min(3, Math.max(1, Math.round(durationS / 3)))));
  const started = Date.now();
  const workDir = await mkdtemp(path.join(os.tmpdir(), 'zc-scale-'));
  const resultsDir = path.join(REPO_ROOT, 'bench', 'results');
  await mkdir(resultsDir, { recursive: true });
  const key = randomBytes(32);
  const cipher = new TokenCipher([{ kid: 'scale1', key }]);
  let pgServer: PostgresServer | undefined;
  let ok = false;
  log(`zoom-connect scale bench: ${rows.toLocaleString('en-US')} vs ${small.toLocaleString('en-US')} rows; logs in ${workDir}`);
  try {
    pgServer = await startPostgresServer();
    const admin = new pg.Client({ connectionString: pgServer.adminUrl });
    await admin.connect();
    const version = (await admin.query<{ server_version: string }>('SHOW server_version')).rows[0]?.server_version ?? 'unknown';
    await admin.end();

    const report: ScaleReport = {
      machine: machineInfo(version),
      settings: { rows, small, durationS, warmupS, batchRows: BATCH_ROWS, loadUsers: LOAD_USERS },
      fill: {},
      sizes: {},
      status: [],
      plans: [],
    };
    const databases: Array<{ label: string; rows: number }> = [
      { label: `${small / 1000}k`, rows: small },
      { label: rows >= 1_000_000 ? `${rows / 1_000_000}M` : `${rows / 1000}k`, rows },
    ];
    const filled = new Map<string, { url: string; fill: FillResult }>();
    for (const db of databases) {
      const url = await createDatabase(pgServer.adminUrl, `zc_scale_${db.rows}`);
      const store = openPostgresStore({ databaseUrl: url, cipher });
      await store.migrate();
      await store.close();
      log(`filling ${db.label} (${db.rows.toLocaleString('en-US')} rows)...`);
      const f = await fill(url, cipher, db.rows);
      log(`  ${db.label}: ${f.seconds.toFixed(1)} s, ${Math.round(f.rowsPerSecond).toLocaleString('en-US')} rows/s`);
      report.fill[db.label] = { rows: f.rows, seconds: f.seconds, rowsPerSecond: f.rowsPerSecond };
      report.sizes[db.label] = await sizes(url);
      filled.set(db.label, { url, fill: f });
    }

    const large = databases[1] as { label: string; rows: number };
    const largeDb = filled.get(large.label) as { url: string; fill: FillResult };
    report.plans = await explainAll(largeDb.url, cipher, largeDb.fill.sampleUserIds[0] as string, largeDb.fill.sampleZoomUserId);
    for (const p of report.plans) log(`  plan: ${p.seqScan || p.indexesUsed.length === 0 ? 'NOT INDEXED' : p.indexesUsed.join(', ')} — ${p.query}`);

    for (const db of databases) {
      const { url, fill: f } = filled.get(db.label) as { url: string; fill: FillResult };
      for (const s of await statusLoad(db.label, url, f.sampleUserIds, key, workDir, { durationS, warmupS })) {
        report.status.push({ database: db.label, rows: db.rows, m: s.m });
      }
    }
    report.settings.totalRunS = Math.round((Date.now() - started) / 1000);
    const outDir = process.env.BENCH_SCALE_ROWS || process.env.BENCH_DURATION ? workDir : resultsDir;
    await writeFile(path.join(outDir, 'scale.json'), `${JSON.stringify(report, null, 2)}\n`);
    const md = renderMarkdown(report);
    await writeFile(path.join(outDir, 'scale.md'), md);
    log(`\n${md}\nresults: ${path.join(outDir, 'scale.md')} (total ${report.settings.totalRunS} s)`);
    ok = outDir === resultsDir;
  } finally {
    await agent.close();
    await pgServer?.destroy();
    if (ok) await rm(workDir, { recursive: true, force: true });
    else log(`kept ${workDir} (logs)`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await runScale();
