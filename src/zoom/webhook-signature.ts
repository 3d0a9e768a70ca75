import { createHmac, timingSafeEqual } from 'node:crypto';

/** Zoom signs `v0:{timestamp}:{raw body}`; we accept events at most this old (or this far ahead). */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

export type WebhookVerdict =
  | { ok: true; timestamp: number }
  | { ok: false; reason: 'missing_signature' | 'malformed_signature' | 'stale_timestamp' | 'bad_signature' };

/**
 * Verifies Zoom's `x-zm-signature` over the raw bytes (never re-serialized
 * JSON), in constant time, and rejects stale timestamps, unlike Zoom's own
 * sample (ZOOM.md, Webhooks).
 */
export function verifyZoomWebhook(input: {
  rawBody: Buffer;
  signature: string | undefined;
  timestamp: string | undefined;
  secret: string;
  now: Date;
}): WebhookVerdict {
  if (!input.signature || !input.timestamp) return { ok: false, reason: 'missing_signature' };
  if (!/^\d{1,12}$/.test(input.timestamp) || !/^v0=[0-9a-f]{64}$/i.test(input.signature)) {
    return { ok: false, reason: 'malformed_signature' };
  }
  const ts = Number(input.timestamp);
  const ageSeconds = input.now.getTime() / 1000 - ts;
  if (Math.abs(ageSeconds) > WEBHOOK_TOLERANCE_SECONDS) return { ok: false, reason: 'stale_timestamp' };
  const expected = createHmac('sha256', input.secret)
    .update(`v0:${input.timestamp}:`)
    .update(input.rawBody)
    .digest();
  const given = Buffer.from(input.signature.slice(3), 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'bad_signature' };
  return { ok: true, timestamp: ts };
}

/** Zoom's endpoint.url_validation answer: HMAC-SHA256 of the plain token, hex. */
export function urlValidationAnswer(plainToken: string, secret: string): { plainToken: string; encryptedToken: string } {
  return { plainToken, encryptedToken: createHmac('sha256', secret).update(plainToken).digest('hex') };
}
