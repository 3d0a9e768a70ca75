import type pg from 'pg';
import type { TokenCipher } from '../crypto/index.js';
import type { StoreLogger } from './db.js';
import { openPostgresStore } from './postgres-store.js';
import type { RotationReport, Store } from './types.js';

export interface OpenStoreOptions {
  /** PostgreSQL when set; otherwise embedded PGlite in `dataDir`. */
  databaseUrl?: string | undefined;
  /** A host app's PostgreSQL pool to share instead of `databaseUrl` (we never end it). */
  pool?: pg.Pool | undefined;
  /** The schema our tables live in, on PostgreSQL and PGlite alike (default `zoom_connect`). */
  schema?: string | undefined;
  dataDir: string;
  cipher: TokenCipher;
  logger?: StoreLogger;
  /** PostgreSQL pool size (default 10). */
  poolMax?: number;
  /**
   * How long a new connect or a disconnect waits behind a refresh that holds
   * the connection's lock; above the longest a refresh may hold it.
   */
  lockTimeoutMs?: number;
}

/** Opens the store the configuration asks for. Call `migrate()` before use. */
export async function openStore(options: OpenStoreOptions): Promise<Store> {
  if (options.databaseUrl || options.pool) {
    return openPostgresStore({
      databaseUrl: options.databaseUrl,
      pool: options.pool,
      schema: options.schema,
      cipher: options.cipher,
      logger: options.logger,
      poolMax: options.poolMax,
      lockTimeoutMs: options.lockTimeoutMs,
    });
  }
  // Loaded only when used: PGlite's WASM costs ~40 MiB a process that runs on PostgreSQL never needs.
  const { openPgliteStore } = await import('./pglite-store.js');
  return openPgliteStore({ dataDir: options.dataDir, schema: options.schema, cipher: options.cipher, logger: options.logger, lockTimeoutMs: options.lockTimeoutMs });
}

export { rotateKeys } from './rotation.js';
export { SqlStore } from './sql-store.js';
export { openPostgresStore, type PostgresStoreOptions } from './postgres-store.js';
export type { PgliteStoreOptions } from './pglite-store.js';
export { StoreUnavailableError, StoreLockTimeoutError, LockReleasedError, DataDirInUseError, UnreadableTokensError } from './errors.js';
export { redactSecrets } from './db-errors.js';
export { MIGRATIONS, type Migration } from './migrations.js';
export { insertEvent } from './repositories/outbox.js';
export type { Db, StoreLogger } from './db.js';
export type * from './types.js';
export type { ConnectionCensus } from './census.js';

/**
 * What `zoom-connect rotate-keys` runs: opens the configured store with the
 * new key ring (current key first, old keys after), migrates, re-seals every
 * token and verifier, closes. Safe while the service runs.
 */
export async function runKeyRotation(options: OpenStoreOptions & { batchSize?: number }): Promise<RotationReport> {
  const store = await openStore(options);
  try {
    await store.migrate();
    return await store.rotateKeys(options.batchSize ?? 200);
  } finally {
    await store.close();
  }
}
