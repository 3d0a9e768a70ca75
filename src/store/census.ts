import type { Db } from './db.js';
import type { ConnectionStatus } from './types.js';

/** How many connections are in each status, and how long the stalest active one has gone without fresh tokens. */
export interface ConnectionCensus {
  byStatus: Record<ConnectionStatus, number>;
  /** When the active connection refreshed longest ago last got tokens (refresh or connect); null when none is active. */
  oldestActiveTokensAt: Date | null;
}

const STATUSES: readonly ConnectionStatus[] = ['active', 'needs_reauth', 'inactive', 'revoked', 'deauthorized'];

/**
 * Two cheap statements for the metrics' periodic count (never one per
 * scrape): a grouped count, and a min() the sweeper's partial index
 * (connections_sweep_idx) answers from its first entry.
 */
export async function takeCensus(db: Db): Promise<ConnectionCensus> {
  const counts = await db.query<{ status: string; n: number }>({
    name: 'zc_census_counts',
    text: 'SELECT status, count(*)::int AS n FROM connections GROUP BY status',
  });
  const oldest = await db.query<{ at: Date | null }>({
    name: 'zc_census_oldest',
    text: "SELECT min(coalesce(last_refreshed_at, authorized_at)) AS at FROM connections WHERE status = 'active'",
  });
  const byStatus = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<ConnectionStatus, number>;
  for (const row of counts.rows) {
    if ((STATUSES as readonly string[]).includes(row.status)) byStatus[row.status as ConnectionStatus] = Number(row.n);
  }
  const at = oldest.rows[0]?.at ?? null;
  return { byStatus, oldestActiveTokensAt: at === null ? null : new Date(at) };
}
