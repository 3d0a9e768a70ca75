import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ConnectionCensus } from '../store/census.js';
import { HotCounter, HotHistogram } from './hot-metrics.js';
import type {
  AppointmentMetrics,
  RefreshFailureReason,
  RefreshMetrics,
  RefreshOutcome,
  RefreshTrigger,
  SweepMetrics,
  WebhookMetrics,
  WebhookVerification,
  ZoomCallMetrics,
  ZoomStatusClass,
} from './types.js';

const PREFIX = 'zoom_connect_';
/** Zoom answers in tens to hundreds of milliseconds; its timeout is 10 s. */
const ZOOM_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const HTTP_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** `malformed`: signed, but not a JSON object with an event name. */
const KNOWN_WEBHOOK_EVENTS = new Set(['endpoint.url_validation', 'app_deauthorized', 'malformed']);

/**
 * Every metric of one service instance, in a registry of its own (not
 * prom-client's global one: two services in one process, as tests run them,
 * must not share counters). Names and meanings: docs/operations.md.
 */
export class ServiceMetrics implements RefreshMetrics, ZoomCallMetrics, WebhookMetrics, SweepMetrics, AppointmentMetrics {
  readonly registry = new Registry();

  private readonly connections = this.gauge('connections', 'Connections by status, from the periodic count', ['status']);
  private readonly censusAt = this.gauge('connections_counted_timestamp_seconds', 'When connections were last counted (Unix time)');
  private readonly oldestAge = this.gauge(
    'oldest_unrefreshed_connection_age_seconds',
    'Seconds since the active connection refreshed longest ago last got tokens (0 when none is active)',
  );
  private readonly databaseUp = this.gauge('database_up', '1 when the last periodic count reached the database, else 0');
  private readonly refreshes = this.counter('token_refreshes_total', 'Token refresh attempts by trigger, outcome and failure reason', [
    'trigger',
    'outcome',
    'reason',
  ]);
  private readonly refreshSeconds = this.histogram('token_refresh_duration_seconds', 'Token refresh attempts, lock wait included', ['outcome'], ZOOM_BUCKETS);
  private readonly lockWait = this.histogram('refresh_lock_wait_seconds', 'Time from asking for a connection\'s refresh lock to holding it', [], ZOOM_BUCKETS);
  // Observed on every Zoom exchange and every HTTP answer: kept as plain numbers until a scrape (hot-metrics.ts).
  private readonly zoomRequests = new HotCounter(PREFIX + 'zoom_requests_total', 'HTTP exchanges with Zoom by operation and status class', ['operation', 'status_class'], this.registry);
  private readonly zoomSeconds = new HotHistogram(PREFIX + 'zoom_request_duration_seconds', 'HTTP exchanges with Zoom by operation', ['operation'], ZOOM_BUCKETS, this.registry);
  private readonly zoomRateLimits = this.counter('zoom_rate_limited_total', 'Zoom 429 answers by operation and X-RateLimit-Type', ['operation', 'limit_type']);
  private readonly webhooks = this.counter('webhooks_received_total', 'Zoom webhook requests by event and signature verification', ['event', 'verification']);
  private readonly sweeps = this.counter('sweeper_runs_total', 'Refresh sweeper passes by result', ['result']);
  private readonly swept = this.counter('sweeper_connections_swept_total', 'Idle connections the sweeper refreshed');
  private readonly sweptAt = this.gauge('sweeper_last_run_timestamp_seconds', 'When the last sweeper pass ended (Unix time)');
  private readonly appointmentCreates = this.counter('appointment_meetings_created_total', 'Appointment meeting creates by the provider that served (none: no provider could)', ['provider', 'outcome']);
  private readonly appointmentFallbacks = this.counter('appointment_provider_fallbacks_total', 'Providers passed over for an appointment meeting, by provider and reason', ['provider', 'reason']);
  /** Standalone HTTP requests; the routes report through observeHttpRequest. */
  private readonly httpSeconds = new HotHistogram(
    PREFIX + 'http_request_duration_seconds',
    'HTTP request duration by route and status',
    ['method', 'route', 'status'],
    HTTP_BUCKETS,
    this.registry,
  );

  constructor(options: { processMetrics?: boolean } = {}) {
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: PREFIX });
    // Every status is a series from the start, so a rate() or an alert never sees a gap.
    for (const status of ['active', 'needs_reauth', 'inactive', 'revoked', 'deauthorized']) this.connections.set({ status }, 0);
  }

  providerPassedOver(provider: string, reason: string): void {
    this.appointmentFallbacks.inc({ provider, reason });
  }

  meetingCreated(provider: string, outcome: 'created' | 'no_provider'): void {
    this.appointmentCreates.inc({ provider, outcome });
  }

  refreshFinished(trigger: RefreshTrigger, outcome: RefreshOutcome, reason: RefreshFailureReason, seconds: number): void {
    this.refreshes.inc({ trigger, outcome, reason });
    this.refreshSeconds.observe({ outcome }, seconds);
  }

  refreshLockWaited(seconds: number): void {
    this.lockWait.observe(seconds);
  }

  zoomCall(operation: string, statusClass: ZoomStatusClass, seconds: number): void {
    this.zoomRequests.inc(operation, statusClass);
    this.zoomSeconds.observe(seconds, operation);
  }

  zoomRateLimited(operation: string, limitType: 'qps' | 'daily' | 'unknown'): void {
    this.zoomRateLimits.inc({ operation, limit_type: limitType });
  }

  webhookReceived(event: string, verification: WebhookVerification): void {
    const label = verification !== 'ok' ? 'unverified' : KNOWN_WEBHOOK_EVENTS.has(event) ? event : 'other';
    this.webhooks.inc({ event: label, verification });
  }

  sweeperStarted(at: Date = new Date()): void {
    this.sweptAt.set(at.getTime() / 1000);
  }

  sweepFinished(result: 'completed' | 'failed', swept: number, at: Date = new Date()): void {
    this.sweeps.inc({ result });
    this.swept.inc(swept);
    this.sweptAt.set(at.getTime() / 1000);
  }

  recordCensus(census: ConnectionCensus, at: Date): void {
    for (const [status, count] of Object.entries(census.byStatus)) this.connections.set({ status }, count);
    const oldest = census.oldestActiveTokensAt;
    this.oldestAge.set(oldest === null ? 0 : Math.max(0, (at.getTime() - oldest.getTime()) / 1000));
    this.censusAt.set(at.getTime() / 1000);
    this.databaseUp.set(1);
  }

  recordDatabaseDown(): void {
    this.databaseUp.set(0);
  }

  observeHttpRequest(method: string, route: string, status: number, seconds: number): void {
    this.httpSeconds.observe(seconds, method, route, statusText(status));
  }

  /** The text exposition format, as GET /metrics serves it. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  private gauge<L extends string>(name: string, help: string, labelNames: readonly L[] = []): Gauge<L> {
    return new Gauge({ name: PREFIX + name, help, labelNames, registers: [this.registry] });
  }

  private counter<L extends string>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
    return new Counter({ name: PREFIX + name, help, labelNames, registers: [this.registry] });
  }

  private histogram<L extends string>(name: string, help: string, labelNames: readonly L[], buckets: number[]): Histogram<L> {
    return new Histogram({ name: PREFIX + name, help, labelNames, buckets, registers: [this.registry] });
  }
}

/** The status as a label: the common ones without a new string each time. */
const STATUS_TEXT: readonly string[] = Array.from({ length: 600 }, (_, i) => String(i));

function statusText(status: number): string {
  return STATUS_TEXT[status] ?? String(status);
}
