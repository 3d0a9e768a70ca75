import { createHmac } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { ZoomUser } from './model.js';
import type { ResolvedClient } from './options.js';
import type { EmulatorState } from './state.js';

/** Zoom waits three seconds for a webhook answer before counting it as failed. */
const DELIVERY_TIMEOUT_MS = 3000;

export interface DeliveryResult {
  delivered: boolean;
  status: number | null;
  error?: string;
  event: unknown;
}

export function signWebhook(secret: string, timestamp: string, rawBody: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${rawBody}`).digest('hex')}`;
}

/**
 * Sends `app_deauthorized` the way Zoom does: JSON body, `x-zm-request-timestamp`
 * in seconds and `x-zm-signature` over the exact bytes sent. No retries (Zoom's
 * come minutes later, too slow for tests).
 */
export async function sendDeauthorization(
  state: EmulatorState,
  client: ResolvedClient,
  user: ZoomUser,
  log: FastifyBaseLogger,
): Promise<DeliveryResult> {
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
  if (!client.webhookUrl || !client.webhookSecret) {
    return { delivered: false, status: null, error: 'client has no webhookUrl and webhookSecret', event };
  }
  const rawBody = JSON.stringify(event);
  const timestamp = String(Math.floor(nowMs / 1000));
  try {
    const response = await fetch(client.webhookUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'user-agent': 'Zoom Marketplace/1.0a',
        'x-zm-request-timestamp': timestamp,
        'x-zm-signature': signWebhook(client.webhookSecret, timestamp, rawBody),
      },
      body: rawBody,
      signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
    });
    // Drain so the connection can be reused; the content is irrelevant to Zoom.
    await response.arrayBuffer();
    const delivered = response.status >= 200 && response.status < 300;
    if (delivered) state.stats.webhooks.delivered += 1;
    else state.stats.webhooks.failed += 1;
    log.info({ url: client.webhookUrl, status: response.status, userId: user.id }, 'app_deauthorized webhook sent');
    return { delivered, status: response.status, event };
  } catch (error) {
    state.stats.webhooks.failed += 1;
    const message = error instanceof Error ? error.message : String(error);
    log.warn({ url: client.webhookUrl, err: message }, 'app_deauthorized webhook delivery failed');
    return { delivered: false, status: null, error: message, event };
  }
}
