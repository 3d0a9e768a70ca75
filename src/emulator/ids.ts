import { randomBytes, randomInt } from 'node:crypto';

const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export function base64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

/** Zoom user ids are 22 characters of base64url (a 16-byte id). */
export function randomUserId(): string {
  return randomBytes(16).toString('base64url').slice(0, 22);
}

export function randomAlphanumeric(length: number): string {
  let out = '';
  for (let i = 0; i < length; i += 1) out += BASE62[randomInt(BASE62.length)];
  return out;
}

/** Meeting UUIDs are base64 of 16 bytes, padding included ("4444AAAiAAAAAiAiAiiAii=="). */
export function randomMeetingUuid(): string {
  return randomBytes(16).toString('base64');
}

export function trackingId(): string {
  return `v=2.0;clid=us05;rid=WEB_${randomBytes(16).toString('hex')}`;
}

/**
 * Zoom's tokens are JWTs the client must treat as opaque; these look the same
 * (three base64url segments) but nothing here ever verifies the signature.
 */
export function jwtLikeToken(kind: 'access' | 'refresh', userId: string, accountId: string, issuedAtSeconds: number, ttlSeconds: number): string {
  const header = { alg: 'HS512', v: '2.0', kid: randomBytes(16).toString('hex') };
  const payload = {
    ver: 10,
    auid: randomBytes(32).toString('hex'),
    uid: userId,
    aid: accountId,
    tid: kind === 'access' ? 0 : 1,
    nbf: issuedAtSeconds,
    iat: issuedAtSeconds,
    exp: issuedAtSeconds + ttlSeconds,
    jti: randomBytes(16).toString('hex'),
  };
  return `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}.${randomBytes(64).toString('base64url')}`;
}
