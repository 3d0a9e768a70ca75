import { Semaphore } from './semaphore.js';

/**
 * FIFO mutexes by key, with a bounded wait: a one-slot Semaphore per key,
 * dropped once nobody holds or waits for it. PGlite's refresh lock: one
 * process, so serializing in memory is exact, and no database transaction
 * stays open across the Zoom HTTP call (PGlite has a single connection, and an
 * open transaction would stall every other query meanwhile).
 */
export class KeyedMutex {
  private readonly locks = new Map<string, Semaphore>();

  /** Resolves with a release function, or rejects with `onTimeout()` after `timeoutMs`. */
  async acquire(key: string, timeoutMs: number, onTimeout: () => Error): Promise<() => void> {
    let lock = this.locks.get(key);
    if (!lock) {
      lock = new Semaphore(1);
      this.locks.set(key, lock);
    }
    const held = lock;
    try {
      const release = await held.acquire(timeoutMs, onTimeout);
      return () => {
        release();
        this.dropIfIdle(key, held);
      };
    } catch (err) {
      this.dropIfIdle(key, held);
      throw err;
    }
  }

  private dropIfIdle(key: string, lock: Semaphore): void {
    if (lock.idle && this.locks.get(key) === lock) this.locks.delete(key);
  }
}
