import type pg from 'pg';
import type { TokenCipher } from '../crypto/index.js';
import { silentLogger, type StoreLogger } from './db.js';
import { DEFAULT_POOL_MAX, PgDriver } from './pg-driver.js';
import { lockTransactionSlots, RowLockRefreshLocker } from './refresh-lock.js';
import { SqlStore } from './sql-store.js';

export interface PostgresStoreOptions {
  /** Our own pool connects here... */
  databaseUrl?: string | undefined;
  /** ...or we share the host app's pool (never ended by us). */
  pool?: pg.Pool | undefined;
  /** The schema our tables live in (default `zoom_connect`). */
  schema?: string | undefined;
  cipher: TokenCipher;
  logger?: StoreLogger | undefined;
  /** Size of our own pool (ignored with `pool`). */
  poolMax?: number | undefined;
  /** How long a new connect or a disconnect waits behind a refresh holding the connection's lock. */
  lockTimeoutMs?: number | undefined;
}

/** A store on PostgreSQL through a `pg` pool (ours or the host's); no connection is made until the first query. */
export function openPostgresStore(options: PostgresStoreOptions): SqlStore {
  const logger = options.logger ?? silentLogger;
  const driver = new PgDriver({
    databaseUrl: options.databaseUrl,
    pool: options.pool,
    poolMax: options.poolMax ?? DEFAULT_POOL_MAX,
    schema: options.schema,
    logger,
  });
  const locker = new RowLockRefreshLocker(driver, lockTransactionSlots(driver.poolSize));
  // Half the pool at most waits on appointment locks: each holder also needs a connection for its writes.
  const appointmentLockSlots = Math.max(1, Math.floor(driver.poolSize / 2));
  return new SqlStore(driver, options.cipher, locker, logger, { lockTimeoutMs: options.lockTimeoutMs, appointmentLockSlots });
}
