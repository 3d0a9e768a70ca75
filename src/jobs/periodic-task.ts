/**
 * A background task run every interval on one instance: never two runs at
 * once (concurrent callers of `runNow` share the run in progress), the next
 * run scheduled only after the previous one ends (a slow run never piles up),
 * timers unref'd (they never hold the process), and `stop` waits for the run
 * in progress.
 */
export class PeriodicTask<T> {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<T> | undefined;
  private stopped = false;

  constructor(
    private readonly run: () => Promise<T>,
    private readonly intervalMs: number,
    /** Run once at start (a count the metrics need now), or only after the first interval (a sweep). */
    private readonly runAtStart: boolean,
  ) {}

  get isStopped(): boolean {
    return this.stopped;
  }

  /** Nothing happens with an interval of 0 or less: the task is off. */
  start(): void {
    if (this.intervalMs <= 0) return;
    const next = (): void => {
      this.timer = setTimeout(tick, this.intervalMs);
      this.timer.unref();
    };
    const tick = (): void => {
      void this.runNow().finally(() => {
        if (!this.stopped) next();
      });
    };
    if (this.runAtStart) tick();
    else next();
  }

  runNow(): Promise<T> {
    this.running ??= this.run().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }
}
