/**
 * What the domain, the Zoom transport, the webhook route and the sweeper
 * report, as narrow interfaces: they never import prom-client, and a test
 * can hand each one its own ServiceMetrics. Every label value comes from a
 * closed set (never a user id), so a series count cannot grow with users.
 */

export type RefreshTrigger = 'expiring' | 'rejected' | 'manual' | 'idle';

/** `refreshed`: Zoom issued new tokens; `reused`: another caller or process had just refreshed; `failed`: see the reason. */
export type RefreshOutcome = 'refreshed' | 'reused' | 'failed';

export type RefreshFailureReason =
  | 'none'
  /** Zoom says the grant is dead: the connection needs re-authorization. */
  | 'invalid_grant'
  /** Zoom refused our own client credentials: every refresh will fail until they are fixed. */
  | 'invalid_client'
  | 'rate_limited'
  /** No answer, a timeout or a 5xx. */
  | 'zoom_unavailable'
  /** Any other OAuth refusal. */
  | 'zoom_refused'
  /** Zoom answered something malformed. */
  | 'invalid_response'
  /** Automatic refreshes of this connection are paused (cooldown after failures, or inactive). */
  | 'paused'
  | 'lock_timeout'
  | 'database_unavailable'
  | 'shutdown'
  /** Disconnected, or needs re-authorization, by the time the lock was held. */
  | 'not_connected'
  /** Anything else (a bug): look at the error logs. */
  | 'error';

export interface RefreshMetrics {
  /** One refresh attempt ended; `seconds` covers the whole attempt, lock wait included. */
  refreshFinished(trigger: RefreshTrigger, outcome: RefreshOutcome, reason: RefreshFailureReason, seconds: number): void;
  /** Time from asking for a connection's refresh lock to holding it. */
  refreshLockWaited(seconds: number): void;
}

/** `network`: no HTTP answer at all; `timeout`: none within the timeout. */
export type ZoomStatusClass = '2xx' | '3xx' | '4xx' | '5xx' | 'network' | 'timeout';

export interface ZoomCallMetrics {
  /** One HTTP exchange with Zoom (each retry is one more). */
  zoomCall(operation: string, statusClass: ZoomStatusClass, seconds: number): void;
  /** A 429, by Zoom's X-RateLimit-Type. */
  zoomRateLimited(operation: string, limitType: 'qps' | 'daily' | 'unknown'): void;
}

export type WebhookVerification = 'ok' | 'missing_signature' | 'malformed_signature' | 'stale_timestamp' | 'bad_signature';

export interface WebhookMetrics {
  webhookReceived(event: string, verification: WebhookVerification): void;
}

export interface SweepMetrics {
  /** The sweeper started: its "last run" counts from now until a pass ends, so a stall alert has a starting point. */
  sweeperStarted(): void;
  /** One sweep pass ended; `swept` connections were refreshed in it. */
  sweepFinished(result: 'completed' | 'failed', swept: number): void;
}

/** Appointment meetings: which provider served, and why earlier ones could not (bounded: providers × reason codes). */
export interface AppointmentMetrics {
  /** A provider of the chain could not serve a create (`reason`: not_configured, not_connected, needs_reauth, unavailable, …). */
  providerPassedOver(provider: string, reason: string): void;
  /** A meeting was made (`outcome` created) or no provider could (`outcome` no_provider, provider `none`). */
  meetingCreated(provider: string, outcome: 'created' | 'no_provider'): void;
}
