import { randomBytes } from 'node:crypto';

const KID_PATTERN = /^[A-Za-z0-9._-]{1,32}$/;

/**
 * A fresh `kid:base64-of-32-bytes` entry for TOKEN_ENCRYPTION_KEYS, the format
 * `parseEncryptionKeys` reads. Demo mode uses it to create a key on first start.
 */
export function generateKeyString(kid: string): string {
  if (!KID_PATTERN.test(kid)) {
    throw new RangeError(`key id must be 1-32 characters of A-Z a-z 0-9 . _ -, got ${JSON.stringify(kid.slice(0, 40))}`);
  }
  return `${kid}:${randomBytes(32).toString('base64')}`;
}
