/**
 * FIFO mutexes by key, with a bounded wait. PGlite's refresh lock: one
 * process, so serializing in memory is exact, and no database transaction
 * stays open across the Zoom HTTP call (PGlite has a single connection, and an
 * open transaction would stall every other query meanwhile).
 */
export class KeyedMutex {
  private readonly queues = new Map<string, Array<() => void>>();

  /** Resolves with a release function, or rejects with `onTimeout()` after `timeoutMs`. */
  acquire(key: string, timeoutMs: number, onTimeout: () => Error): Promise<() => void> {
    const queue = this.queues.get(key);
    if (!queue) {
      this.queues.set(key, []);
      return Promise.resolve(this.releaser(key));
    }
    return new Promise((resolve, reject) => {
      const grant = (): void => {
        clearTimeout(timer);
        resolve(this.releaser(key));
      };
      const timer = setTimeout(() => {
        const index = queue.indexOf(grant);
        if (index >= 0) queue.splice(index, 1);
        reject(onTimeout());
      }, timeoutMs);
      queue.push(grant);
    });
  }

  private releaser(key: string): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const queue = this.queues.get(key);
      const next = queue?.shift();
      if (next) next();
      else this.queues.delete(key);
    };
  }
}
