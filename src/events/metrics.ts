import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { OutboxRepository } from '../store/types.js';

/**
 * Delivery metrics. Pending and dead are read from the outbox when scraped
 * (every instance reports the same shared numbers; aggregate with max, not
 * sum); the counters and the delay are this instance's own deliveries.
 */
export class EventMetrics {
  readonly registry: Registry;
  private readonly delivered: Counter;
  private readonly retried: Counter;
  private readonly dead: Counter;
  private readonly delay: Histogram;

  constructor(outbox: Pick<OutboxRepository, 'counts'>, registry: Registry = new Registry()) {
    this.registry = registry;
    const registers = [registry];
    this.delivered = new Counter({ name: 'zoom_connect_events_delivered_total', help: 'Events delivered by this instance', labelNames: ['type'], registers });
    this.retried = new Counter({ name: 'zoom_connect_events_retried_total', help: 'Failed delivery attempts scheduled for a retry', labelNames: ['type'], registers });
    this.dead = new Counter({ name: 'zoom_connect_events_dead_lettered_total', help: 'Events dead-lettered by this instance after the retry period', labelNames: ['type'], registers });
    this.delay = new Histogram({
      name: 'zoom_connect_events_delivery_delay_seconds',
      help: 'From the commit of the state change to the acknowledged delivery',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600, 86_400],
      registers,
    });
    new Gauge({
      name: 'zoom_connect_events_outbox',
      help: 'Events in the outbox by status (pending: not yet delivered; dead: retry period over, replay with `zoom-connect events replay`)',
      labelNames: ['status'],
      registers,
      async collect() {
        const counts = await outbox.counts();
        this.set({ status: 'pending' }, counts.pending);
        this.set({ status: 'dead' }, counts.dead);
      },
    });
  }

  recordDelivered(type: string, delayMs: number): void {
    this.delivered.inc({ type });
    this.delay.observe(Math.max(0, delayMs) / 1000);
  }

  recordRetry(type: string): void {
    this.retried.inc({ type });
  }

  recordDead(type: string): void {
    this.dead.inc({ type });
  }
}
