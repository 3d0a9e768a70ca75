import type { Db } from './db.js';
import { isLockNotAvailable } from './db-errors.js';
import { StoreLockTimeoutError } from './errors.js';
import { IDLE_IN_TRANSACTION_TIMEOUT_MS, STATEMENT_TIMEOUT_MS } from './timeouts.js';
import { KeyedMutex } from './keyed-mutex.js';

/** How a backend holds one connection's refresh lock. */
export interface RefreshLocker {
  /**
   * Runs `fn` holding the lock of `userId`. `fn` reads and writes through the
   * given Db; `rowLock` is the clause its first read of the row must carry.
   */
  run<T>(userId: string, lockTimeoutMs: number, fn: (db: Db, rowLock: string) => Promise<T>): Promise<T>;
}

/**
 * PostgreSQL: a transaction holding the row with SELECT ... FOR UPDATE, so
 * instances on other machines wait too. lock_timeout bounds the wait; the
 * transaction's statement_timeout is raised above it when the caller asks for
 * a longer wait, so the lock timeout (not the statement timeout) decides.
 * The holder sits idle in this transaction while Zoom answers (up to the
 * lock wait, which covers the Zoom calls), so idle_in_transaction is raised
 * above the statement timeout too: the server must never end a healthy
 * holder's session between Zoom's answer and the commit that saves it.
 */
export class RowLockRefreshLocker implements RefreshLocker {
  constructor(private readonly db: Db) {}

  async run<T>(userId: string, lockTimeoutMs: number, fn: (db: Db, rowLock: string) => Promise<T>): Promise<T> {
    const lockTimeout = Math.max(1, Math.round(lockTimeoutMs));
    const statementTimeout = Math.max(STATEMENT_TIMEOUT_MS, lockTimeout + 1_000);
    const idleTimeout = Math.max(IDLE_IN_TRANSACTION_TIMEOUT_MS, statementTimeout + 5_000);
    try {
      return await this.db.transaction(async (tx) => {
        // set_config(..., true) is SET LOCAL with parameters allowed.
        await tx.query(
          "SELECT set_config('lock_timeout', $1, true), set_config('statement_timeout', $2, true), set_config('idle_in_transaction_session_timeout', $3, true)",
          [`${lockTimeout}ms`, `${statementTimeout}ms`, `${idleTimeout}ms`],
        );
        return fn(tx, 'FOR UPDATE');
      });
    } catch (err) {
      if (isLockNotAvailable(err)) throw new StoreLockTimeoutError(userId, lockTimeout, { cause: err });
      throw err;
    }
  }
}

/** PGlite: an in-process mutex per user; writes stay single conditional statements. */
export class MutexRefreshLocker implements RefreshLocker {
  private readonly mutex = new KeyedMutex();

  constructor(private readonly db: Db) {}

  async run<T>(userId: string, lockTimeoutMs: number, fn: (db: Db, rowLock: string) => Promise<T>): Promise<T> {
    const release = await this.mutex.acquire(userId, lockTimeoutMs, () => new StoreLockTimeoutError(userId, lockTimeoutMs));
    try {
      return await fn(this.db, '');
    } finally {
      release();
    }
  }
}
