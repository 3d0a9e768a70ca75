import { verify, type KeyObject } from 'node:crypto';

/** What the token endpoint expects of a JWT-bearer assertion. */
export interface AssertionExpectations {
  publicKey: KeyObject;
  keyId: string;
  issuer: string;
  audience: string;
  nowSeconds: number;
}

export interface AssertionClaims {
  sub: string | undefined;
  scope: string;
}

/** A refusal in the token endpoint's words. */
export class AssertionRejected extends Error {
  constructor(
    readonly error: 'invalid_grant' | 'invalid_request',
    message: string,
  ) {
    super(message);
  }
}

/** Google tolerates a little clock skew in `iat`. */
const SKEW_SECONDS = 60;
const MAX_LIFETIME_SECONDS = 3600;
const TIMEFRAME = 'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.';

function decodeJsonPart(part: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    throw new AssertionRejected('invalid_grant', 'Invalid JWT: malformed segment.');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new AssertionRejected('invalid_grant', 'Invalid JWT: malformed segment.');
  return value as Record<string, unknown>;
}

/** Checks signature, key id, issuer, audience and lifetime; answers the claims the grant needs. */
export function verifyAssertion(assertion: string, expected: AssertionExpectations): AssertionClaims {
  const parts = assertion.split('.');
  const [headerPart, payloadPart, signaturePart] = parts;
  if (parts.length !== 3 || headerPart === undefined || payloadPart === undefined || signaturePart === undefined) {
    throw new AssertionRejected('invalid_grant', 'Invalid JWT: not three dot-separated segments.');
  }
  const header = decodeJsonPart(headerPart);
  if (header['alg'] !== 'RS256') throw new AssertionRejected('invalid_grant', 'Invalid JWT: only RS256 is accepted.');
  if (header['kid'] !== undefined && header['kid'] !== expected.keyId) throw new AssertionRejected('invalid_grant', 'Invalid JWT Signature.');
  const signed = verify('sha256', Buffer.from(`${headerPart}.${payloadPart}`), expected.publicKey, Buffer.from(signaturePart, 'base64url'));
  if (!signed) throw new AssertionRejected('invalid_grant', 'Invalid JWT Signature.');
  const claims = decodeJsonPart(payloadPart);
  if (claims['iss'] !== expected.issuer) throw new AssertionRejected('invalid_grant', 'Invalid grant: account not found');
  if (claims['aud'] !== expected.audience) throw new AssertionRejected('invalid_grant', 'Invalid JWT: Failed audience check.');
  const iat = claims['iat'];
  const exp = claims['exp'];
  if (typeof iat !== 'number' || typeof exp !== 'number') throw new AssertionRejected('invalid_grant', TIMEFRAME);
  const now = expected.nowSeconds;
  if (exp <= now || iat > now + SKEW_SECONDS || exp <= iat || exp - iat > MAX_LIFETIME_SECONDS) throw new AssertionRejected('invalid_grant', TIMEFRAME);
  const scope = claims['scope'];
  const sub = claims['sub'];
  if (sub !== undefined && typeof sub !== 'string') throw new AssertionRejected('invalid_grant', 'Invalid email or User ID');
  return { sub, scope: typeof scope === 'string' ? scope : '' };
}
