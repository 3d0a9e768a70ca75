import type { Db } from './db.js';
import { isLockNotAvailable } from './db-errors.js';
import { StoreLockTimeoutError } from './errors.js';
import { KeyedMutex } from './keyed-mutex.js';
import { Semaphore } from './semaphore.js';
import { IDLE_IN_TRANSACTION_TIMEOUT_MS, STATEMENT_TIMEOUT_MS } from './timeouts.js';

/**
 * How a backend holds one connection's lock. Refreshes hold it across the
 * Zoom call; every other write that changes a connection's tokens or status
 * (a new connect, a disconnect) takes it too, so none of them can slip in
 * between a refresh's Zoom call and the write that saves its answer.
 */
export interface RefreshLocker {
  /**
   * Runs `fn` holding the lock of `userId`, waiting at most `lockTimeoutMs`
   * for it. `fn` reads and writes through the given Db; `rowLock` is the
   * clause its first read of the row must carry.
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
 *
 * At most `maxConcurrent` of these transactions run at once in this process
 * (the rest queue, within the same wait budget), leaving the pool's other
 * connections to the reads that never wait on Zoom.
 */
export class RowLockRefreshLocker implements RefreshLocker {
  private readonly slots: Semaphore;

  constructor(
    private readonly db: Db,
    maxConcurrent: number,
  ) {
    this.slots = new Semaphore(maxConcurrent);
  }

  async run<T>(userId: string, lockTimeoutMs: number, fn: (db: Db, rowLock: string) => Promise<T>): Promise<T> {
    const budget = Math.max(1, Math.round(lockTimeoutMs));
    const queuedAt = Date.now();
    const release = await this.slots.acquire(budget, () => new StoreLockTimeoutError(userId, budget));
    try {
      const lockTimeout = Math.max(1, budget - (Date.now() - queuedAt));
      const statementTimeout = Math.max(STATEMENT_TIMEOUT_MS, lockTimeout + 1_000);
      const idleTimeout = Math.max(IDLE_IN_TRANSACTION_TIMEOUT_MS, statementTimeout + 5_000);
      return await this.db.transaction(async (tx) => {
        // set_config(..., true) is SET LOCAL with parameters allowed.
        await tx.query(
          "SELECT set_config('lock_timeout', $1, true), set_config('statement_timeout', $2, true), set_config('idle_in_transaction_session_timeout', $3, true)",
          [`${lockTimeout}ms`, `${statementTimeout}ms`, `${idleTimeout}ms`],
        );
        return fn(tx, 'FOR UPDATE');
      });
    } catch (err) {
      if (isLockNotAvailable(err)) throw new StoreLockTimeoutError(userId, budget, { cause: err });
      throw err;
    } finally {
      release();
    }
  }
}

/**
 * How many lock transactions a pool of `poolMax` may hold at once: a quarter
 * of the pool, rounded down but at least one connection, stays free for
 * plain reads (8 of the default 10). A pool of one has no room for both.
 */
export function lockTransactionSlots(poolMax: number): number {
  return Math.max(1, poolMax - Math.max(1, Math.floor(poolMax / 4)));
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
