/**
 * A counting semaphore with FIFO waiters and a bounded wait. Caps how many
 * pool connections refresh-lock transactions may hold at once: each holds
 * its connection while Zoom answers, and without a cap a burst of slow
 * refreshes would take the whole pool and stall every plain read.
 */
export class Semaphore {
  private available: number;
  private readonly waiters: Array<() => void> = [];

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`a semaphore needs at least one slot, got ${size}`);
    this.available = size;
  }

  /** Resolves with a release function, or rejects with `onTimeout()` after `timeoutMs`. */
  acquire(timeoutMs: number, onTimeout: () => Error): Promise<() => void> {
    if (this.available > 0) {
      this.available -= 1;
      return Promise.resolve(this.releaser());
    }
    return new Promise((resolve, reject) => {
      const grant = (): void => {
        clearTimeout(timer);
        resolve(this.releaser());
      };
      const timer = setTimeout(() => {
        const index = this.waiters.indexOf(grant);
        if (index >= 0) this.waiters.splice(index, 1);
        reject(onTimeout());
      }, timeoutMs);
      this.waiters.push(grant);
    });
  }

  /** No holder and no waiter: the semaphore can be dropped and made anew later. */
  get idle(): boolean {
    return this.available === this.size && this.waiters.length === 0;
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      // The slot passes straight to the next waiter, so a newcomer cannot overtake it.
      const next = this.waiters.shift();
      if (next) next();
      else this.available += 1;
    };
  }
}
