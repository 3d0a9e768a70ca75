import { PeriodicTask } from '../jobs/periodic-task.js';
import type { ConnectionCensus } from '../store/census.js';
import type { ServiceMetrics } from './service-metrics.js';

export interface CensusJobDeps {
  census(): Promise<ConnectionCensus>;
  metrics: ServiceMetrics;
  logger: { warn(obj: object, msg: string): void };
  clock: () => Date;
}

/** Counting at 100k connections takes tens of milliseconds: once a period, not once a scrape. */
export const DEFAULT_CENSUS_INTERVAL_MS = 30_000;

/**
 * Counts connections by status every `intervalMs` into the metrics. A
 * failed count sets `database_up` to 0 and keeps the last counts.
 */
export class CensusJob {
  private readonly task: PeriodicTask<void>;

  constructor(
    private readonly deps: CensusJobDeps,
    intervalMs: number = DEFAULT_CENSUS_INTERVAL_MS,
  ) {
    this.task = new PeriodicTask(() => this.count(), intervalMs, true);
  }

  /** Counts once now, then every interval. */
  start(): void {
    this.task.start();
  }

  /** One count; concurrent callers share it. */
  countNow(): Promise<void> {
    return this.task.runNow();
  }

  stop(): Promise<void> {
    return this.task.stop();
  }

  private async count(): Promise<void> {
    try {
      const census = await this.deps.census();
      this.deps.metrics.recordCensus(census, this.deps.clock());
    } catch (err) {
      this.deps.metrics.recordDatabaseDown();
      this.deps.logger.warn({ error: err instanceof Error ? err.message : String(err) }, 'counting connections for the metrics failed');
    }
  }
}
