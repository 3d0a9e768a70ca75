/**
 * The physical limits the service is compared with, each in its own process
 * like the service: `BENCH_BASELINE=json` is a bare Fastify route answering
 * a fixed JSON body (the status response's own bytes); `BENCH_BASELINE=pg`
 * is a bare Fastify route doing one primary-key SELECT of a connections row
 * (the status read's columns, a named prepared statement, a pg Pool of the
 * service's size). No auth, no plugins, no hooks: what Fastify and
 * PostgreSQL cost on this machine and nothing else.
 */
import Fastify from 'fastify';
import pg from 'pg';
import { Agent, request } from 'undici';
import { TokenCipher } from '../src/crypto/index.js';
import { CONNECTION_COLUMNS } from '../src/store/rows.js';
import { ACCESS_TOKEN_FIELD, contextOf } from '../src/store/sealing.js';

const mode = process.env.BENCH_BASELINE;
const app = Fastify({ logger: false });
let pool: pg.Pool | undefined;

if (mode === 'json') {
  const body = JSON.parse(process.env.BENCH_JSON_BODY ?? '{}') as Record<string, unknown>;
  app.get('/status', () => body);
} else if (mode === 'pg') {
  pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.BENCH_POOL_MAX ?? '10'), options: '-c search_path=zoom_connect' });
  const statement = { name: 'bench_pk', text: `SELECT ${CONNECTION_COLUMNS} FROM connections WHERE user_id = $1` };
  const db = pool;
  app.get<{ Params: { id: string } }>('/row/:id', async (request, reply) => {
    const { rows } = await db.query({ ...statement, values: [request.params.id] });
    return rows[0] ?? reply.code(404).send({ found: false });
  });
} else if (mode === 'zoom') {
  pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.BENCH_POOL_MAX ?? '10'), options: '-c search_path=zoom_connect' });
  const cipher = new TokenCipher([{ kid: process.env.BENCH_KID ?? '', key: Buffer.from(process.env.BENCH_KEY ?? '', 'base64') }]);
  const agent = new Agent({ connections: 64, keepAliveTimeout: 10_000 });
  const zoomApi = process.env.BENCH_ZOOM_API ?? '';
  const statement = { name: 'bench_pk_token', text: `SELECT ${CONNECTION_COLUMNS}, access_token_enc FROM connections WHERE user_id = $1` };
  const db = pool;
  app.get<{ Params: { id: string } }>('/me/:id', async (request_, reply) => {
    const { rows } = await db.query<{ access_token_enc: string }>({ ...statement, values: [request_.params.id] });
    const row = rows[0];
    if (!row) return reply.code(404).send({ found: false });
    const token = cipher.open(row.access_token_enc, contextOf(ACCESS_TOKEN_FIELD, request_.params.id));
    const res = await request(`${zoomApi}/users/me`, { dispatcher: agent, headers: { authorization: `Bearer ${token}` } });
    return reply.code(res.statusCode).send(await res.body.json());
  });
} else {
  throw new Error(`BENCH_BASELINE must be json, pg or zoom, got ${String(mode)}`);
}

const url = await app.listen({ host: '127.0.0.1', port: 0 });
const stop = async (): Promise<void> => {
  await app.close();
  await pool?.end();
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
process.once('disconnect', () => void stop());
process.send?.({ type: 'ready', url });
