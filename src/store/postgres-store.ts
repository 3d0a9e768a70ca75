import type { TokenCipher } from '../crypto/index.js';
import { silentLogger, type StoreLogger } from './db.js';
import { PgDriver } from './pg-driver.js';
import { RowLockRefreshLocker } from './refresh-lock.js';
import { SqlStore } from './sql-store.js';

export interface PostgresStoreOptions {
  databaseUrl: string;
  cipher: TokenCipher;
  logger?: StoreLogger;
  poolMax?: number;
}

/** A store on PostgreSQL through a `pg` pool; no connection is made until the first query. */
export function openPostgresStore(options: PostgresStoreOptions): SqlStore {
  const logger = options.logger ?? silentLogger;
  const driver = new PgDriver({ databaseUrl: options.databaseUrl, poolMax: options.poolMax, logger });
  return new SqlStore(driver, options.cipher, new RowLockRefreshLocker(driver), logger);
}
