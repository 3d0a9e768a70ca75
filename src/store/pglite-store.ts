import type { TokenCipher } from '../crypto/index.js';
import { silentLogger, type StoreLogger } from './db.js';
import { PgliteDriver } from './pglite-driver.js';
import { MutexRefreshLocker } from './refresh-lock.js';
import { SqlStore } from './sql-store.js';

export interface PgliteStoreOptions {
  dataDir: string;
  /** The schema our tables live in (default `zoom_connect`). */
  schema?: string | undefined;
  cipher: TokenCipher;
  logger?: StoreLogger;
  /** How long a new connect or a disconnect waits behind a refresh holding the connection's lock. */
  lockTimeoutMs?: number;
}

/** A store on embedded PGlite persisted in `dataDir`. Takes seconds: open it once per process. */
export async function openPgliteStore(options: PgliteStoreOptions): Promise<SqlStore> {
  const driver = await PgliteDriver.open(options.dataDir, options.schema);
  return new SqlStore(driver, options.cipher, new MutexRefreshLocker(driver), options.logger ?? silentLogger, {
    lockTimeoutMs: options.lockTimeoutMs,
  });
}
