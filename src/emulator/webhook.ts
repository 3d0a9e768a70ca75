import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { ZoomUser } from './model.js';
import type { ResolvedClient } from './options.js';
import type { EmulatorState, WebhookEndpoint } from './state.js';

/** Zoom waits three seconds for a webhook answer before counting it as failed. */
const DELIVERY_TIMEOUT_MS = 3000;

export interface DeliveryResult {
  delivered: boolean;
  status: number | null;
  error?: string;
  event: unknown;
}

export interface ValidationResult {
  validated: boolean;
  status: number | null;
  error?: string;
}

const REFUSED = 'The endpoint failed endpoint.url_validation; Zoom sends it no events until it passes.';

export function signWebhook(secret: string, timestamp: string, rawBody: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${rawBody}`).digest('hex')}`;
}

type Posted = { ok: true; status: number; text: string } | { ok: false; error: string };

/**
 * POSTs an event the way Zoom does: JSON body, `x-zm-request-timestamp` in
 * seconds and `x-zm-signature` over the exact bytes sent. No retries (Zoom's
 * come minutes later, too slow for tests).
 */
async function postEvent(endpoint: WebhookEndpoint, event: { event: string; event_ts: number; payload: unknown }): Promise<Posted> {
  const rawBody = JSON.stringify(event);
  const timestamp = String(Math.floor(event.event_ts / 1000));
  try {
    const response = await fetch(endpoint.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'user-agent': 'Zoom Marketplace/1.0a',
        'x-zm-request-timestamp': timestamp,
        'x-zm-signature': signWebhook(endpoint.secret, timestamp, rawBody),
      },
      body: rawBody,
      signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
    });
    return { ok: true, status: response.status, text: await response.text() };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}

function sameHex(expected: string, actual: unknown): boolean {
  if (typeof actual !== 'string') return false;
  const left = Buffer.from(expected);
  const right = Buffer.from(actual);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Zoom's check: 200 with `{plainToken, encryptedToken: hex HMAC-SHA256(secret, plainToken)}`, within 3 s. */
function answersChallenge(text: string, plainToken: string, secret: string): boolean {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    if (error instanceof SyntaxError) return false;
    throw error;
  }
  if (typeof body !== 'object' || body === null) return false;
  const answer = body as Record<string, unknown>;
  return answer['plainToken'] === plainToken && sameHex(createHmac('sha256', secret).update(plainToken).digest('hex'), answer['encryptedToken']);
}

/**
 * Sends `endpoint.url_validation`, as Zoom does when a webhook URL is saved and
 * every 72 hours after, and records the verdict: an endpoint that fails gets
 * no events until it passes again.
 */
export async function validateEndpoint(state: EmulatorState, clientId: string, log: FastifyBaseLogger): Promise<ValidationResult> {
  const endpoint = state.webhookEndpoints.get(clientId);
  if (!endpoint) return { validated: false, status: null, error: 'client has no webhookUrl and webhookSecret' };
  const plainToken = randomBytes(16).toString('base64url');
  const posted = await postEvent(endpoint, { event: 'endpoint.url_validation', event_ts: Date.now(), payload: { plainToken } });
  const validated = posted.ok && posted.status === 200 && answersChallenge(posted.text, plainToken, endpoint.secret);
  endpoint.validation = validated ? 'passed' : 'failed';
  if (validated) state.stats.webhooks.validated += 1;
  else state.stats.webhooks.validationFailed += 1;
  log.info({ url: endpoint.url, validated }, 'endpoint.url_validation sent');
  if (!posted.ok) return { validated: false, status: null, error: posted.error };
  return validated ? { validated, status: posted.status } : { validated, status: posted.status, error: 'The answer did not carry the right encryptedToken.' };
}

/** Sends `app_deauthorized` for a user, unless the endpoint failed its last validation. */
export async function sendDeauthorization(state: EmulatorState, client: ResolvedClient, user: ZoomUser, log: FastifyBaseLogger): Promise<DeliveryResult> {
  const nowMs = Date.now();
  const deauthorizationTime = new Date(nowMs).toISOString();
  const event = {
    event: 'app_deauthorized',
    event_ts: nowMs,
    payload: {
      account_id: user.account_id,
      user_id: user.id,
      signature: createHmac('sha256', client.clientSecret).update(`${user.id}:${deauthorizationTime}`).digest('hex'),
      deauthorization_time: deauthorizationTime,
      client_id: client.clientId,
      user_data_retention: 'false',
    },
  };
  const endpoint = state.webhookEndpoints.get(client.clientId);
  if (!endpoint) return { delivered: false, status: null, error: 'client has no webhookUrl and webhookSecret', event };
  if (endpoint.validation === 'failed') {
    state.stats.webhooks.refused += 1;
    return { delivered: false, status: null, error: REFUSED, event };
  }
  const posted = await postEvent(endpoint, event);
  if (!posted.ok) {
    state.stats.webhooks.failed += 1;
    log.warn({ url: endpoint.url, err: posted.error }, 'app_deauthorized webhook delivery failed');
    return { delivered: false, status: null, error: posted.error, event };
  }
  const delivered = posted.status >= 200 && posted.status < 300;
  if (delivered) state.stats.webhooks.delivered += 1;
  else state.stats.webhooks.failed += 1;
  log.info({ url: endpoint.url, status: posted.status, userId: user.id }, 'app_deauthorized webhook sent');
  return { delivered, status: posted.status, event };
}
