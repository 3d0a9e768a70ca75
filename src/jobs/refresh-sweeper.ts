import type { Logger } from '../config/logger.js';
import type { TokenManager } from '../connections/token-manager.js';
import type { SweepMetrics } from '../metrics/index.js';
import type { Store } from '../store/types.js';
import { PeriodicTask } from './periodic-task.js';

export interface SweeperOptions {
  /** Connections not refreshed for this long get refreshed, so the 90-day refresh token never ages out. */
  idleDays: number;
  intervalMs: number;
  batchSize: number;
  concurrency: number;
}

/**
 * Keeps idle users connected. Each instance claims a batch (FOR UPDATE SKIP
 * LOCKED plus a lease, so instances never take the same rows) and refreshes
 * it with bounded concurrency through the TokenManager, which serializes with
 * any request-driven refresh of the same connection.
 */
export class RefreshSweeper {
  private readonly task: PeriodicTask<number>;

  constructor(
    private readonly deps: { store: Store; tokens: TokenManager; logger: Logger; clock: () => Date; metrics?: SweepMetrics },
    private readonly options: SweeperOptions,
  ) {
    this.task = new PeriodicTask(() => this.sweep(), options.intervalMs, false);
  }

  start(): void {
    if (this.options.intervalMs <= 0) return;
    this.deps.metrics?.sweeperStarted();
    this.task.start();
  }

  /** One pass: claims and refreshes batches until none is left. Returns how many were refreshed. */
  sweepOnce(): Promise<number> {
    return this.task.runNow();
  }

  stop(): Promise<void> {
    return this.task.stop();
  }

  private async sweep(): Promise<number> {
    let refreshed = 0;
    let result: 'completed' | 'failed' = 'completed';
    try {
      while (!this.task.isStopped) {
        const now = this.deps.clock();
        const before = new Date(now.getTime() - this.options.idleDays * 86_400_000);
        const userIds = await this.deps.store.connections.claimIdleForSweep(before, this.options.batchSize, 10 * 60_000, now);
        if (userIds.length === 0) break;
        refreshed += await this.refreshAll(userIds, before);
        if (userIds.length < this.options.batchSize) break;
      }
    } catch (err) {
      result = 'failed';
      this.deps.logger.warn({ error: err instanceof Error ? err.message : 'unknown' }, 'refresh sweep stopped early');
    }
    this.deps.metrics?.sweepFinished(result, refreshed);
    if (refreshed > 0) this.deps.logger.info({ refreshed }, 'refresh sweep done');
    return refreshed;
  }

  private async refreshAll(userIds: string[], idleBefore: Date): Promise<number> {
    let next = 0;
    let ok = 0;
    const worker = async (): Promise<void> => {
      while (next < userIds.length && !this.task.isStopped) {
        const userId = userIds[next++] as string;
        try {
          if (await this.deps.tokens.refreshIdle(userId, idleBefore)) ok++;
        } catch (err) {
          // The failure is already recorded on the connection (count, error, cooldown).
          this.deps.logger.debug({ userId, error: err instanceof Error ? err.message : 'unknown' }, 'sweep refresh failed');
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.options.concurrency, userIds.length) }, worker));
    return ok;
  }
}
