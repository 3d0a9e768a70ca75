import { createRemoteJWKSet, customFetch, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import type { AppAuthConfig } from '../config/config.js';
import { isAppUserId } from '../connections/index.js';

export class UnauthenticatedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnauthenticatedError';
  }
}

/**
 * The identity provider's keys (APP_JWKS_URL) could not be fetched: nobody's
 * token can be judged, so this is the provider's outage (503), not every
 * user suddenly signed out (401).
 */
export class IdentityProviderUnavailableError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'IdentityProviderUnavailableError';
  }
}

/**
 * Resolves the app user id from an `Authorization: Bearer <JWT>` header: the
 * id itself when the header's verification is remembered, else a promise of
 * it; a refusal is always a rejected promise (UnauthenticatedError).
 */
export type BearerAuthenticator = (authorization: string | undefined) => string | Promise<string>;

const CACHE_MAX = 10_000;
/** The longest a verification is trusted without verifying again, and the longest a fetched key set is used. */
const KEY_SET_MAX_AGE_MS = 5 * 60 * 1000;
const BEARER = /^Bearer[ ]+([A-Za-z0-9_.-]{1,8192})$/i;

export interface AuthenticatorOptions {
  /** The time `exp` and `nbf` are judged at (tests move it). */
  clock?: () => number;
  /** How long a fetched key set, and so a verification, is trusted (default 5 minutes). */
  keySetMaxAgeMs?: number;
}

interface Verified {
  sub: string;
  /** Epoch ms after which the entry is not trusted: the token's `exp`, capped. */
  until: number;
}

/**
 * Verifies the app's own JWTs with jose: HS256 with a shared secret, or
 * RS256/ES256/EdDSA against a JWKS, with issuer/audience checks when set.
 *
 * A verified token's subject is remembered under the exact Authorization
 * header, so a token already verified costs a map lookup, not a regular
 * expression and a signature check, and is answered without a promise. What
 * is remembered never outlives what verifying again would accept:
 * - `exp`: an entry ends at the token's expiry (jose's 5 s tolerance is not extended);
 * - `nbf`: only a token that verified (so whose `nbf` had passed) is remembered;
 * - key rotation: with a JWKS, every key set fetched forgets every entry, and
 *   an entry is trusted only while the key set that verified it is fresh (past
 *   its maximum age the token is verified again, which fetches the set again).
 *   A shared secret changes only with the configuration, so with the process.
 */
export function createBearerAuthenticator(auth: Exclude<AppAuthConfig, { kind: 'demo' }>, options: AuthenticatorOptions = {}): BearerAuthenticator {
  const clock = options.clock ?? Date.now;
  const maxAgeMs = options.keySetMaxAgeMs ?? KEY_SET_MAX_AGE_MS;
  const cache = new Map<string, Verified>();
  // Bumped by every key set fetched: a verification that began under an older set is not remembered.
  let keySet = 0;
  let remote: RemoteKeys | null = null;
  let key: Uint8Array | JWTVerifyGetKey;
  if (auth.kind === 'secret') {
    key = auth.secret;
  } else {
    remote = remoteKeys(auth.jwksUrl, maxAgeMs, () => {
      keySet += 1;
      cache.clear();
    });
    key = remote;
  }
  const algorithms = auth.kind === 'secret' ? ['HS256'] : ['RS256', 'PS256', 'ES256', 'EdDSA'];

  /** Verifies a header nothing trusted is remembered under, at `now`, and remembers the result. */
  const verify = async (authorization: string, now: number): Promise<string> => {
    const match = BEARER.exec(authorization.trim());
    if (!match?.[1]) throw new UnauthenticatedError('The Authorization header must be "Bearer <JWT>".');
    const verifiedUnder = keySet;
    let sub: unknown;
    let exp: number | undefined;
    try {
      const { payload } = await jwtVerify(match[1], key as Uint8Array, {
        algorithms,
        issuer: auth.issuer,
        audience: auth.audience,
        requiredClaims: ['sub', 'exp'],
        clockTolerance: 5,
        currentDate: new Date(now),
      });
      sub = payload.sub;
      exp = payload.exp;
    } catch (err) {
      if (err instanceof IdentityProviderUnavailableError) throw err;
      throw new UnauthenticatedError(`The bearer token was rejected: ${joseReason(err)}.`);
    }
    if (typeof sub !== 'string' || !isAppUserId(sub)) {
      throw new UnauthenticatedError('The bearer token\'s "sub" must be a user id of 1-256 characters with no control characters.');
    }
    if (verifiedUnder !== keySet) return sub;
    if (cache.size >= CACHE_MAX) cache.clear();
    cache.set(authorization, { sub, until: Math.min((exp ?? 0) * 1000, now + maxAgeMs) });
    return sub;
  };

  // A remembered verification answers synchronously: no promise, no await, on every request of a signed-in user.
  return (authorization) => {
    if (!authorization) return Promise.reject(new UnauthenticatedError('Send Authorization: Bearer <your app\'s JWT>.'));
    const now = clock();
    const hit = cache.get(authorization);
    if (hit !== undefined) {
      if (hit.until > now && (remote === null || remote.fresh)) return hit.sub;
      cache.delete(authorization);
    }
    return verify(authorization, now);
  };
}

interface RemoteKeys extends JWTVerifyGetKey {
  /** Whether the key set in use was fetched within the maximum age. */
  readonly fresh: boolean;
}

/**
 * The JWKS key resolver, telling a failed fetch of the key set (network
 * error, timeout, non-200, a body that is no JWKS) apart from a token whose
 * key is not in a key set that did arrive (no or several matching keys, an
 * unsupported algorithm): only the latter is the token's fault.
 * `onFetched` is told of every key set that arrived.
 */
function remoteKeys(jwksUrl: string, maxAgeMs: number, onFetched: () => void): RemoteKeys {
  const jwks = createRemoteJWKSet(new URL(jwksUrl), {
    cacheMaxAge: maxAgeMs,
    [customFetch]: async (url, init) => {
      const res = await fetch(url, init);
      if (res.ok) onFetched();
      return res;
    },
  });
  const resolve = async (protectedHeader: Parameters<JWTVerifyGetKey>[0], token: Parameters<JWTVerifyGetKey>[1]) => {
    try {
      return await jwks(protectedHeader, token);
    } catch (err) {
      if (isKeySetFetchFailure(err)) {
        throw new IdentityProviderUnavailableError('The identity provider\'s signing keys (APP_JWKS_URL) could not be fetched; try again shortly.', { cause: err });
      }
      throw err;
    }
  };
  return Object.defineProperty(resolve, 'fresh', { get: () => jwks.fresh }) as RemoteKeys;
}

function isKeySetFetchFailure(err: unknown): boolean {
  // fetch's own TypeError ("fetch failed") for a network failure; jose's timeout; a bare JOSEError for a
  // non-200 or non-JSON answer; JWKSInvalid for a body that is no key set. Anything else (a key the
  // runtime cannot import, say) is about the token's choice of key: the token's fault, a 401.
  if (err instanceof TypeError) return err.message === 'fetch failed';
  if (!(err instanceof errors.JOSEError)) return false;
  return err instanceof errors.JWKSTimeout || err instanceof errors.JWKSInvalid || err.code === errors.JOSEError.code;
}

function joseReason(err: unknown): string {
  const code = err instanceof Error ? (err as Error & { code?: unknown }).code : undefined;
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return 'it has expired';
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return 'its signature does not verify';
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      return err instanceof Error ? `claim check failed (${err.message})` : 'claim check failed';
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return 'its algorithm is not accepted';
    case 'ERR_JWKS_NO_MATCHING_KEY':
      return 'no key in the JWKS matches it';
    default:
      return 'it is not a valid JWT';
  }
}
