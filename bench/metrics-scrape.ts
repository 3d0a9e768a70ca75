/**
 * What the metrics cost at 100k connections:
 *   node --import tsx bench/metrics-scrape.ts [connections]
 * A scrape of /metrics only serializes the registry (the connection counts
 * come from the periodic census, never from a query per scrape); the census
 * itself runs once per interval (30 s) on each instance. Both are timed here
 * on a real PostgreSQL server holding that many connections.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { TokenCipher } from '../src/crypto/index.js';
import { ServiceMetrics } from '../src/metrics/index.js';
import { openPostgresStore } from '../src/store/index.js';
import { createDatabase, startPostgresServer } from '../test/helpers/postgres.js';

const count = Number(process.argv[2] ?? 100_000);

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

async function timed(times: number, fn: () => Promise<unknown>): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < times; i++) {
    const start = performance.now();
    await fn();
    samples.push(performance.now() - start);
  }
  return median(samples);
}

const server = await startPostgresServer();
try {
  const databaseUrl = await createDatabase(server.adminUrl, 'zc_metrics_bench');
  const store = openPostgresStore({ databaseUrl, cipher: new TokenCipher([{ kid: 'b1', key: randomBytes(32) }]) });
  await store.migrate();
  // Sealed-looking placeholders: the census never decrypts.
  await store.db.query(
    `INSERT INTO connections (user_id, status, zoom_user_id, access_token_enc, refresh_token_enc, token_kid,
                              access_token_expires_at, last_refreshed_at, authorized_at)
     SELECT 'bench-' || i,
            (ARRAY['active','active','active','active','active','active','active','needs_reauth','inactive','revoked'])[1 + i % 10],
            'zoom-' || i,
            CASE WHEN i % 10 = 9 THEN NULL ELSE 'v1.b1.x' END,
            CASE WHEN i % 10 = 9 THEN NULL ELSE 'v1.b1.y' END,
            CASE WHEN i % 10 = 9 THEN NULL ELSE 'b1' END,
            now() + interval '1 hour', now() - (i % 80) * interval '1 day', now() - interval '100 days'
       FROM generate_series(1, $1::int) AS i`,
    [count],
  );
  await store.db.query('ANALYZE connections');

  const metrics = new ServiceMetrics();
  // A registry with the series a busy instance has: every operation and status class seen.
  for (const op of ['oauth.token.refresh_token', 'oauth.token.authorization_code', 'oauth.revoke', 'users.me', 'meetings.list', 'meetings.create', 'recordings.list']) {
    for (const cls of ['2xx', '4xx', '5xx', 'network', 'timeout'] as const) metrics.zoomCall(op, cls, 0.1);
  }
  for (const trigger of ['expiring', 'rejected', 'manual', 'idle'] as const) metrics.refreshFinished(trigger, 'refreshed', 'none', 0.2);
  const censusMs = await timed(20, async () => metrics.recordCensus(await store.census(), new Date()));
  const scrapeMs = await timed(200, () => metrics.exposition());
  const bytes = (await metrics.exposition()).body.length;
  process.stdout.write(
    `${count} connections on PostgreSQL:\n` +
      `  census (2 queries, once per 30 s per instance): median ${censusMs.toFixed(1)} ms\n` +
      `  /metrics serialization per scrape: median ${scrapeMs.toFixed(2)} ms, ${bytes} bytes (independent of the connection count)\n`,
  );
  await store.close();
} finally {
  await server.destroy();
}
