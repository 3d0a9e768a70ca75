/**
 * The text form of a sealed value: `v1.<kid>.<base64url(nonce || ciphertext || tag)>`.
 *
 * The version and key id sit in clear text so rotation can find rows under an
 * old key without decrypting, and so the format can change later. A key id
 * may itself contain dots; base64url never does, so the payload starts after
 * the last dot.
 */

export const SEALED_FORMAT_VERSION = 'v1';
export const NONCE_BYTES = 12;
export const TAG_BYTES = 16;

export interface SealedParts {
  version: typeof SEALED_FORMAT_VERSION;
  kid: string;
  payload: Buffer;
}

export function formatSealed(kid: string, payload: Buffer): string {
  return `${SEALED_FORMAT_VERSION}.${kid}.${payload.toString('base64url')}`;
}

/** Parses a sealed value, or returns a secret-free description of what is wrong with it. */
export function parseSealed(sealed: string): SealedParts | { problem: string } {
  const prefix = `${SEALED_FORMAT_VERSION}.`;
  if (!sealed.startsWith(prefix)) {
    const dot = sealed.indexOf('.');
    const seen = dot > 0 && dot <= 8 ? `"${sealed.slice(0, dot)}"` : 'no version prefix';
    return { problem: `expected format version "${SEALED_FORMAT_VERSION}", found ${seen}` };
  }
  const last = sealed.lastIndexOf('.');
  const kid = sealed.slice(prefix.length, last);
  if (last < prefix.length || kid === '') {
    return { problem: 'expected "v1.<key id>.<payload>", found no key id' };
  }
  const encoded = sealed.slice(last + 1);
  if (!/^[A-Za-z0-9_-]*$/.test(encoded)) {
    return { problem: 'payload is not base64url' };
  }
  const payload = Buffer.from(encoded, 'base64url');
  if (payload.length < NONCE_BYTES + TAG_BYTES) {
    return { problem: `payload is ${payload.length} bytes, shorter than nonce and tag (${NONCE_BYTES + TAG_BYTES})` };
  }
  return { version: SEALED_FORMAT_VERSION, kid, payload };
}

/** The key id a sealed value was encrypted under, read without decrypting; null if it is not a sealed value. */
export function keyIdOf(sealed: string): string | null {
  const parts = parseSealed(sealed);
  return 'problem' in parts ? null : parts.kid;
}
