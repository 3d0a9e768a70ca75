import type { TokenCipher } from '../crypto/index.js';
import { silentLogger, type StoreLogger } from './db.js';
import { DEFAULT_POOL_MAX, PgDriver } from './pg-driver.js';
import { lockTransactionSlots, RowLockRefreshLocker } from './refresh-lock.js';
import { SqlStore } from './sql-store.js';

export interface PostgresStoreOptions {
  databaseUrl: string;
  cipher: TokenCipher;
  logger?: StoreLogger;
  poolMax?: number;
  /** How long a new connect or a disconnect waits behind a refresh holding the connection's lock. */
  lockTimeoutMs?: number;
}

/** A store on PostgreSQL through a `pg` pool; no connection is made until the first query. */
export function openPostgresStore(options: PostgresStoreOptions): SqlStore {
  const logger = options.logger ?? silentLogger;
  const poolMax = options.poolMax ?? DEFAULT_POOL_MAX;
  const driver = new PgDriver({ databaseUrl: options.databaseUrl, poolMax, logger });
  const locker = new RowLockRefreshLocker(driver, lockTransactionSlots(poolMax));
  // Half the pool at most waits on appointment locks: each holder also needs a connection for its writes.
  const appointmentLockSlots = Math.max(1, Math.floor(poolMax / 2));
  return new SqlStore(driver, options.cipher, locker, logger, { lockTimeoutMs: options.lockTimeoutMs, appointmentLockSlots });
}
