import type { Logger } from '../config/logger.js';
import type { WebhookMetrics } from '../metrics/types.js';
import { urlValidationAnswer, verifyZoomWebhook } from '../zoom/index.js';
import type { Clock, RequestContext } from './context.js';
import { ConnectError } from './errors.js';
import { isZoomUserId } from './identifiers.js';
import type { Revocation } from './revocation.js';

/** What the webhook endpoint answers Zoom. */
export type ZoomEventOutcome =
  /** `endpoint.url_validation`: this exact JSON, 200. */
  | { kind: 'url_validation'; answer: { plainToken: string; encryptedToken: string } }
  /** Handled, ignored (another app's, or an event we do not act on), or already done: 204. */
  | { kind: 'accepted' };

export interface ZoomEventInput {
  rawBody: Buffer;
  signature: string | undefined;
  timestamp: string | undefined;
  /** Zoom's webhook secret token. */
  secret: string;
  /** Our Zoom client id: events for another app are ignored. */
  clientId: string;
  ctx: RequestContext;
}

interface ZoomEvent {
  event: string;
  payload: Record<string, unknown>;
}

/**
 * Zoom's signed webhook events (ZOOM.md, Webhooks): verifies the signature
 * over the raw bytes with the clock's time, answers URL validation, and
 * turns `app_deauthorized` into the one disconnect path. Fast and
 * idempotent, as Zoom's 3-second delivery and its retries require.
 */
export class ZoomEvents {
  constructor(private readonly deps: { revocation: Revocation; clock: Clock; logger: Logger; metrics?: WebhookMetrics }) {}

  async receive(input: ZoomEventInput): Promise<ZoomEventOutcome> {
    const verdict = verifyZoomWebhook({
      rawBody: input.rawBody,
      signature: input.signature,
      timestamp: input.timestamp,
      secret: input.secret,
      now: this.deps.clock(),
    });
    if (!verdict.ok) {
      this.deps.metrics?.webhookReceived('unverified', verdict.reason);
      this.deps.logger.warn({ reason: verdict.reason }, 'Zoom webhook refused');
      throw new ConnectError('webhook_signature_invalid', `Webhook refused: ${verdict.reason.replace(/_/g, ' ')}.`);
    }
    let event: ZoomEvent;
    try {
      event = parseEvent(input.rawBody);
    } catch (err) {
      this.deps.metrics?.webhookReceived('malformed', 'ok');
      throw err;
    }
    this.deps.metrics?.webhookReceived(event.event, 'ok');
    if (event.event === 'endpoint.url_validation') return { kind: 'url_validation', answer: this.validation(event, input.secret) };
    if (event.event === 'app_deauthorized') await this.deauthorized(event, input, verdict.timestamp);
    // Zoom expects a fast 2xx for events we do not act on, or it retries.
    return { kind: 'accepted' };
  }

  private validation(event: ZoomEvent, secret: string): { plainToken: string; encryptedToken: string } {
    const plainToken = event.payload.plainToken;
    if (typeof plainToken !== 'string' || plainToken.length === 0 || plainToken.length > 256) {
      throw invalid('payload.plainToken', 'endpoint.url_validation needs payload.plainToken (1-256 characters).');
    }
    return urlValidationAnswer(plainToken, secret);
  }

  private async deauthorized(event: ZoomEvent, input: ZoomEventInput, signedAt: number): Promise<void> {
    const p = event.payload;
    if (p.client_id !== undefined && p.client_id !== input.clientId) {
      this.deps.logger.info('app_deauthorized for another client id ignored');
      return;
    }
    const zoomUserId = p.user_id;
    if (typeof zoomUserId !== 'string' || !isZoomUserId(zoomUserId)) {
      throw invalid('payload.user_id', 'app_deauthorized needs payload.user_id: 1-128 characters, no control characters.');
    }
    const eventTime = parseEventTime(p.deauthorization_time) ?? new Date(signedAt * 1000);
    const changed = await this.deps.revocation.deauthorize(zoomUserId, eventTime, input.ctx, {
      // Zoom asks for the user's data to be deleted: the audit trail keeps only the opaque Zoom user id.
      zoomUserId,
      deauthorizationTime: eventTime.toISOString(),
    });
    this.deps.logger.info({ zoomUserId, disconnected: changed }, changed > 0 ? 'Zoom user removed the app: connection deauthorized' : 'app_deauthorized changed nothing (already disconnected)');
  }
}

function parseEvent(raw: Buffer): ZoomEvent {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch {
    throw invalid('(body)', 'The event is not valid JSON.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw invalid('(body)', 'The event must be a JSON object.');
  const e = parsed as Record<string, unknown>;
  if (typeof e.event !== 'string') throw invalid('event', 'The event needs a string "event" name.');
  const payload = typeof e.payload === 'object' && e.payload !== null && !Array.isArray(e.payload) ? (e.payload as Record<string, unknown>) : {};
  return { event: e.event, payload };
}

function parseEventTime(v: unknown): Date | null {
  if (typeof v !== 'string' && typeof v !== 'number') return null;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? null : d;
}

function invalid(field: string, message: string): ConnectError {
  return new ConnectError('validation_failed', message, { fieldErrors: [{ field, message }] });
}
