import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** 32 random bytes, base64url: the state, the PKCE verifier, the browser binding. */
export function randomToken(): string {
  return randomBytes(32).toString('base64url');
}

/** What we store instead of a bearer secret: a lookup hash (the secrets are 256-bit random, so no salt is needed). */
export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}

/** RFC 7636 §4.2: code_challenge = BASE64URL(SHA256(ASCII(code_verifier))). */
export function pkceChallenge(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

export function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

/** A token we issued is exactly 43 base64url characters; anything else is refused before any lookup. */
export function isOurToken(value: unknown): value is string {
  return typeof value === 'string' && /^[A-Za-z0-9_-]{43}$/.test(value);
}
