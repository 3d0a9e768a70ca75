import type { Logger } from '../config/logger.js';

/**
 * What this process has seen of Zoom's token endpoint: whether it is in an
 * outage, when it last proved healthy, and when a paused connection last
 * probed it. Lets connections paused by an outage resume within seconds of
 * its end instead of sitting out their cooldowns, while bounding what they
 * send Zoom meanwhile: one probe per interval for the whole process.
 *
 * It also keeps the log readable: one warning when an outage begins and one
 * with its counts when it ends, instead of a line per refused request.
 */
export class ZoomHealth {
  private backSince: Date | null = null;
  private lastProbeMs = 0;
  private outage: { since: Date; failedRefreshes: number; refusedCalls: number } | null = null;

  constructor(
    private readonly logger: Logger,
    private readonly probeIntervalMs: number,
  ) {}

  /** The last time a refresh succeeded after an outage-type failure, or null while none has. */
  get zoomBackSince(): Date | null {
    return this.backSince;
  }

  get inOutage(): boolean {
    return this.outage !== null;
  }

  refreshSucceeded(now: Date): void {
    this.backSince = now;
    if (!this.outage) return;
    const { since, failedRefreshes, refusedCalls } = this.outage;
    this.outage = null;
    this.logger.warn(
      { outageSeconds: Math.round((now.getTime() - since.getTime()) / 1000), failedRefreshes, refusedCalls },
      'Zoom token endpoint is answering again; connections paused by the outage resume',
    );
  }

  refreshFailedByOutage(now: Date, detail: string): void {
    if (this.outage) {
      this.outage.failedRefreshes++;
      return;
    }
    this.outage = { since: now, failedRefreshes: 1, refusedCalls: 0 };
    this.logger.warn({ error: detail }, 'Zoom token endpoint outage: refreshes fail; still-valid tokens keep serving, the rest answer 503 until it ends');
  }

  /** A request answered 503 because its connection is paused: counted into the outage's summary line. */
  callRefused(): void {
    if (this.outage) this.outage.refusedCalls++;
  }

  /** At most one early probe of the token endpoint per interval, for the whole process. */
  takeProbeSlot(now: Date): boolean {
    if (now.getTime() - this.lastProbeMs < this.probeIntervalMs) return false;
    this.lastProbeMs = now.getTime();
    return true;
  }
}
