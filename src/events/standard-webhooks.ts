import { createHmac } from 'node:crypto';

/**
 * Signing per the Standard Webhooks specification
 * (https://www.standardwebhooks.com, "Signature scheme"): the signed content
 * is `${id}.${timestamp}.${body}`, HMAC-SHA256 keyed by the base64-decoded
 * part of a `whsec_` secret, sent as `v1,<base64>` in `webhook-signature`.
 * Any of the specification's libraries verifies what this produces.
 */
const SECRET_PREFIX = 'whsec_';
/** The specification recommends keys of 24 to 64 bytes. */
const MIN_KEY_BYTES = 24;
const MAX_KEY_BYTES = 64;

export class WebhookSecretError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookSecretError';
  }
}

/** Decodes `whsec_<base64>`; messages say what was expected, never echo the secret. */
export function parseWebhookSecret(secret: string): Buffer {
  if (!secret.startsWith(SECRET_PREFIX)) throw new WebhookSecretError(`must start with "${SECRET_PREFIX}" followed by base64`);
  const material = secret.slice(SECRET_PREFIX.length);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(material)) throw new WebhookSecretError(`the part after "${SECRET_PREFIX}" must be standard base64`);
  const key = Buffer.from(material, 'base64');
  if (key.length < MIN_KEY_BYTES || key.length > MAX_KEY_BYTES) {
    throw new WebhookSecretError(`the key must be ${MIN_KEY_BYTES} to ${MAX_KEY_BYTES} bytes, got ${key.length}`);
  }
  return key;
}

export interface SignedHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

export class StandardWebhookSigner {
  constructor(private readonly key: Buffer) {}

  static fromSecret(secret: string): StandardWebhookSigner {
    return new StandardWebhookSigner(parseWebhookSecret(secret));
  }

  /** Headers for one attempt; `timestampSeconds` is the attempt's send time, so a receiver's replay window applies to it. */
  sign(id: string, timestampSeconds: number, body: string): SignedHeaders {
    const timestamp = String(Math.floor(timestampSeconds));
    const signature = createHmac('sha256', this.key).update(`${id}.${timestamp}.${body}`).digest('base64');
    return { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': `v1,${signature}` };
  }
}
