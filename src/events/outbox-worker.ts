import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { ClaimedEvent, OutboxRepository } from '../store/types.js';
import { retryDelayMs } from './backoff.js';
import { DeliveryError } from './delivery-error.js';
import type { EventMetrics } from './metrics.js';

export interface EventLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** Where a claimed event goes; rejects with DeliveryError when the receiver did not take it. */
export type DeliverEvent = (event: ClaimedEvent, signal: AbortSignal) => Promise<void>;

export interface OutboxWorkerOptions {
  /** After this long (from the commit) a failing event is dead-lettered. */
  retryPeriodMs: number;
  /** First retry delay; doubles per attempt up to `maxRetryMs`, jittered. */
  initialRetryMs: number;
  maxRetryMs: number;
  /** How often to look for events other instances committed (this process's own commits wake it at once). */
  pollIntervalMs: number;
  /** Events in flight at once (each is a different app user: a user's next event waits for the one before). */
  concurrency: number;
  /**
   * How long a claim lasts: above the longest delivery (the 10 s timeout),
   * so only a killed or hung instance's events are taken over.
   */
  leaseMs: number;
  /** Delivered events are kept this long for `zoom-connect events list`, then purged. */
  retentionMs: number;
}

export const DEFAULT_WORKER_OPTIONS: Omit<OutboxWorkerOptions, 'retryPeriodMs' | 'initialRetryMs' | 'pollIntervalMs'> = {
  maxRetryMs: 3_600_000,
  concurrency: 32,
  leaseMs: 60_000,
  retentionMs: 7 * 86_400_000,
};

const PURGE_EVERY_MS = 3_600_000;
const PURGE_BATCH = 1_000;

/**
 * Delivers the outbox, in every instance. It claims each app user's oldest
 * due event (FOR UPDATE SKIP LOCKED plus a lease), delivers up to
 * `concurrency` at once, and settles each: delivered, or retried later with
 * backoff, or dead after the retry period. It runs beside the request path,
 * never on it: a slow receiver holds a worker slot, not a user's request.
 */
export class OutboxWorker {
  /** Shown in `lease_owner`: which instance holds a claim. */
  readonly owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;
  private unsubscribe: (() => void) | undefined;
  private stopped = false;
  private woken = false;
  private wake: (() => void) | undefined;
  private lastPurge = 0;

  constructor(
    private readonly deps: { outbox: OutboxRepository; deliver: DeliverEvent; metrics: EventMetrics; logger: EventLogger },
    private readonly options: OutboxWorkerOptions,
  ) {}

  start(): void {
    if (this.loop || this.stopped) return;
    this.unsubscribe = this.deps.outbox.onCommitted(() => this.poke());
    this.loop = this.run();
  }

  /** Stops claiming, cuts deliveries in flight (their events are retried), waits for them to settle. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    this.abort.abort();
    this.poke();
    await this.loop;
    await Promise.all(this.inFlight);
  }

  private poke(): void {
    this.woken = true;
    this.wake?.();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      this.woken = false;
      const free = this.options.concurrency - this.inFlight.size;
      let claimed: ClaimedEvent[] = [];
      if (free > 0) {
        try {
          claimed = await this.deps.outbox.claimDue(free, this.options.leaseMs, this.owner);
          await this.purgeNowAndThen();
        } catch (err) {
          this.deps.logger.warn({ error: message(err) }, 'event outbox unavailable; retrying at the next poll');
        }
      }
      for (const event of claimed) this.track(this.deliverOne(event));
      // A full batch may have more behind it; otherwise (or with no free slot) wait for a
      // commit here, a finished delivery, or the poll.
      const mayHaveMore = free > 0 && claimed.length === free;
      if (!mayHaveMore && !this.woken && !this.stopped) await this.sleep(this.options.pollIntervalMs);
    }
  }

  private track(delivery: Promise<void>): void {
    const tracked = delivery.finally(() => {
      this.inFlight.delete(tracked);
      // The user's next event is eligible now; a slot is free.
      this.poke();
    });
    this.inFlight.add(tracked);
  }

  private async sleep(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.wake = undefined;
  }

  private async deliverOne(event: ClaimedEvent): Promise<void> {
    try {
      await this.deps.deliver(event, this.abort.signal);
    } catch (err) {
      await this.settleFailure(event, err);
      return;
    }
    try {
      const settled = await this.deps.outbox.markDelivered(event.id);
      if (settled) this.deps.metrics.recordDelivered(event.type, settled.delayMs);
    } catch (err) {
      // Delivered but not recorded: the lease runs out and it is delivered again (at least once).
      this.deps.logger.warn({ eventId: event.id, error: message(err) }, 'event delivered but not marked; it will be delivered again');
    }
  }

  private async settleFailure(event: ClaimedEvent, err: unknown): Promise<void> {
    if (!(err instanceof DeliveryError)) {
      this.deps.logger.error({ eventId: event.id, type: event.type, error: message(err) }, 'event delivery failed unexpectedly');
    }
    const reason = message(err);
    // A delivery our own shutdown cut is tried again as soon as an instance is up.
    const retryIn = this.stopped ? 0 : retryDelayMs(event.attempts, this.options.initialRetryMs, this.options.maxRetryMs);
    try {
      const status = await this.deps.outbox.markFailed(event.id, reason, retryIn, this.options.retryPeriodMs);
      if (status === 'dead') {
        this.deps.metrics.recordDead(event.type);
        this.deps.logger.error({ eventId: event.id, type: event.type, attempts: event.attempts, error: reason }, 'event dead-lettered after its retry period');
      } else if (status === 'pending') {
        this.deps.metrics.recordRetry(event.type);
        this.deps.logger.warn({ eventId: event.id, type: event.type, attempts: event.attempts, retryInMs: retryIn, error: reason }, 'event delivery failed; will retry');
      }
    } catch (markErr) {
      this.deps.logger.warn({ eventId: event.id, error: message(markErr) }, 'event delivery failed and could not be rescheduled; its lease will expire');
    }
  }

  private async purgeNowAndThen(): Promise<void> {
    const now = Date.now();
    if (now - this.lastPurge < PURGE_EVERY_MS) return;
    this.lastPurge = now;
    const purged = await this.deps.outbox.purgeDelivered(this.options.retentionMs, PURGE_BATCH);
    if (purged > 0) this.deps.logger.info({ purged }, 'purged delivered events past their retention');
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
