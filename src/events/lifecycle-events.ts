import type { Registry } from 'prom-client';
import type { EventsConfig } from '../config/config.js';
import type { ClaimedEvent, OutboxRepository } from '../store/types.js';
import { DeliveryError } from './delivery-error.js';
import { EventHandlers, type EventHandler, type EventSelector } from './handlers.js';
import { EventMetrics } from './metrics.js';
import { DEFAULT_WORKER_OPTIONS, OutboxWorker, type EventLogger, type OutboxWorkerOptions } from './outbox-worker.js';
import { StandardWebhookSigner } from './standard-webhooks.js';
import { WEBHOOK_TIMEOUT_MS, WebhookSender } from './webhook-sender.js';

export interface LifecycleEventsOptions {
  outbox: OutboxRepository;
  config: EventsConfig;
  logger: EventLogger;
  /** Overrides of the worker's defaults (tests and benchmarks). */
  worker?: Partial<OutboxWorkerOptions>;
  /** Where the delivery metrics are registered (the service's /metrics registry); a registry of their own otherwise. */
  metricsRegistry?: Registry;
}

/**
 * What `zc.events` is: register in-process handlers with `on`, then
 * `start()` the delivery worker (every instance runs one). With
 * APP_WEBHOOK_URL set, every event is also POSTed there, signed per
 * Standard Webhooks. An event counts as delivered once every receiver took
 * it; if one fails, all are tried again (receivers must be idempotent: the
 * event id is stable).
 */
export class LifecycleEvents {
  readonly handlers = new EventHandlers();
  readonly metrics: EventMetrics;
  private readonly worker: OutboxWorker;
  private readonly webhook: WebhookSender | undefined;

  constructor(options: LifecycleEventsOptions) {
    const { config } = options;
    this.webhook =
      config.webhookUrl && config.webhookSecret
        ? new WebhookSender(config.webhookUrl, StandardWebhookSigner.fromSecret(config.webhookSecret))
        : undefined;
    this.metrics = new EventMetrics(options.outbox, options.metricsRegistry);
    this.worker = new OutboxWorker(
      { outbox: options.outbox, deliver: (event, signal) => this.deliver(event, signal), metrics: this.metrics, logger: options.logger },
      {
        ...DEFAULT_WORKER_OPTIONS,
        retryPeriodMs: config.retryPeriodMs,
        initialRetryMs: config.initialRetryMs,
        pollIntervalMs: config.pollIntervalMs,
        ...options.worker,
      },
    );
  }

  /** Calls `handler` for every event of `type` ('*' for all); returns a function that removes it. */
  on(type: EventSelector, handler: EventHandler): () => void {
    return this.handlers.on(type, handler);
  }

  /** Starts delivering (pending events from before a restart included). Register handlers first. */
  start(): void {
    this.worker.start();
  }

  async stop(): Promise<void> {
    await this.worker.stop();
    await this.webhook?.close();
  }

  private async deliver(event: ClaimedEvent, signal: AbortSignal): Promise<void> {
    await withTimeout(this.handlers.deliver(event), WEBHOOK_TIMEOUT_MS, `in-process ${event.type} handlers did not finish within ${WEBHOOK_TIMEOUT_MS} ms`);
    await this.webhook?.send(event, signal);
  }
}

/** A handler that hangs must not hold its user's events forever: it fails like a webhook that never answers. */
async function withTimeout<T>(work: Promise<T>, ms: number, messageOnTimeout: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeliveryError(messageOnTimeout)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
