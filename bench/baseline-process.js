/**
 * The floors the service is compared with, each in its own process run
 * exactly as the app runs (plain compiled JavaScript, the same Node flags,
 * pool size and no per-request logging), each doing the least its scenario
 * could (docs/performance.md, "Baselines"):
 *
 * - `BENCH_BASELINE=json`: a bare Fastify route answering a fixed JSON body
 *   (the status response's own bytes).
 * - `BENCH_BASELINE=pg`: a bare Fastify route doing one primary-key SELECT of
 *   exactly the columns the status answer shows.
 * - `BENCH_BASELINE=zoom`: one primary-key SELECT of the sealed access token,
 *   one AES-GCM open, one keep-alive call to the emulator's /v2/users/me,
 *   its body passed through.
 *
 * Each SELECT is a named statement run the way the app runs its own
 * (store/pg-prepared: PostgreSQL describes its columns once per session), on
 * a client checked out for it: pg's Pool.query would describe them on every
 * execution, a floor higher than the app's.
 *
 * Each applies the app's V8 heap-growth setting (HEAP_GROWTH_PERCENT), as startService does.
 * No auth, no plugins, no hooks. Run by bench/run.ts; not meant to be started by hand.
 */
import { Buffer } from 'node:buffer';
import Fastify from 'fastify';
import pg from 'pg';
import { Agent, request } from 'undici';
import { importProject } from '../bin/project.js';

const mode = process.env.BENCH_BASELINE;
// The app's V8 heap setting too (startService applies it from HEAP_GROWTH_PERCENT, default 50): same flags, same GC.
const { loadConfig } = await importProject('config/config');
const { limitHeapGrowth } = await importProject('config/heap-growth');
limitHeapGrowth(loadConfig({ HEAP_GROWTH_PERCENT: process.env.HEAP_GROWTH_PERCENT }).heapGrowthPercent);
const app = Fastify({ logger: false });
const poolOf = () =>
  new pg.Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.BENCH_POOL_MAX ?? '10'), options: '-c search_path=zoom_connect' });
let pool;
const { runPrepared } = await importProject('store/pg-prepared');
/** One named statement on a client of its own, released (destroyed after a failure) as the app's store does. */
async function selectOne(statement, id) {
  const client = await pool.connect();
  try {
    const { rows } = await runPrepared(client, statement, [id]);
    client.release();
    return rows[0];
  } catch (err) {
    client.release(err);
    throw err;
  }
}

if (mode === 'json') {
  const body = JSON.parse(process.env.BENCH_JSON_BODY ?? '{}');
  app.get('/status', () => body);
} else if (mode === 'pg') {
  pool = poolOf();
  // The status view's own columns (src/connections/status.ts), nothing more.
  const statement = {
    name: 'bench_status_columns',
    text: `SELECT status, zoom_user_id, zoom_email, zoom_account_id, granted_scopes, access_token_expires_at, authorized_at,
                  last_refreshed_at, last_used_at, refresh_failure_count, last_refresh_error, revoked_at
             FROM connections WHERE user_id = $1`,
  };
  app.get('/row/:id', async (req, reply) => (await selectOne(statement, req.params.id)) ?? reply.code(404).send({ found: false }));
} else if (mode === 'zoom') {
  const { TokenCipher } = await importProject('crypto/index');
  const { ACCESS_TOKEN_FIELD, contextOf } = await importProject('store/sealing');
  pool = poolOf();
  const cipher = new TokenCipher([{ kid: process.env.BENCH_KID ?? '', key: Buffer.from(process.env.BENCH_KEY ?? '', 'base64') }]);
  const agent = new Agent({ connections: 64, keepAliveTimeout: 10_000 });
  const zoomApi = process.env.BENCH_ZOOM_API ?? '';
  const statement = { name: 'bench_access_token', text: 'SELECT access_token_enc FROM connections WHERE user_id = $1' };
  app.get('/me/:id', async (req, reply) => {
    const row = await selectOne(statement, req.params.id);
    if (!row) return reply.code(404).send({ found: false });
    const token = cipher.open(row.access_token_enc, contextOf(ACCESS_TOKEN_FIELD, req.params.id));
    const res = await request(`${zoomApi}/users/me`, { dispatcher: agent, headers: { authorization: `Bearer ${token}` } });
    return reply.code(res.statusCode).type('application/json').send(await res.body.text());
  });
} else {
  throw new Error(`BENCH_BASELINE must be json, pg or zoom, got ${String(mode)}`);
}

const url = await app.listen({ host: '127.0.0.1', port: 0 });
const stop = async () => {
  await app.close();
  await pool?.end();
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
process.once('disconnect', () => void stop());
process.send?.({ type: 'ready', url });
