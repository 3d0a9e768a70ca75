/**
 * Zoom webhook deliveries built by hand: the exact bytes, a timestamp and
 * Zoom's signature (`v0=` hex HMAC-SHA256 of `v0:{ts}:{raw body}`).
 */
import { createHmac } from 'node:crypto';
import { http, type HttpResult } from './raw-http.js';

export function zoomSignature(secret: string, timestamp: string, rawBody: string | Buffer): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:`).update(rawBody).digest('hex')}`;
}

export function nowSeconds(offsetSeconds = 0): string {
  return String(Math.floor(Date.now() / 1000) + offsetSeconds);
}

export interface Delivery {
  body: string | Buffer;
  headers: Record<string, string>;
}

/** A delivery signed with `secret` (or with `signWith`, to forge one) at `timestamp`. */
export function signedDelivery(body: string | Buffer, secret: string, options: { timestamp?: string; signWith?: string } = {}): Delivery {
  const timestamp = options.timestamp ?? nowSeconds();
  return {
    body,
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'user-agent': 'Zoom Marketplace/1.0a',
      'x-zm-request-timestamp': timestamp,
      'x-zm-signature': zoomSignature(options.signWith ?? secret, timestamp, body),
    },
  };
}

export function deliver(baseUrl: string, delivery: Delivery): Promise<HttpResult> {
  return http(`${baseUrl}/api/zoom/webhooks`, { method: 'POST', headers: delivery.headers, body: delivery.body, timeoutMs: 10_000 });
}

/** An app_deauthorized event as Zoom sends it. */
export function deauthorizationEvent(input: { zoomUserId: string; accountId?: string; clientId: string; at?: Date }): string {
  const at = input.at ?? new Date();
  return JSON.stringify({
    event: 'app_deauthorized',
    event_ts: at.getTime(),
    payload: {
      account_id: input.accountId ?? 'acct-unknown',
      user_id: input.zoomUserId,
      signature: 'not-checked-by-the-receiver',
      deauthorization_time: at.toISOString(),
      client_id: input.clientId,
      user_data_retention: 'false',
    },
  });
}
