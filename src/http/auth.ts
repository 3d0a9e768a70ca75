import { createRemoteJWKSet, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
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

/** Resolves the app user id from an `Authorization: Bearer <JWT>` header, or throws UnauthenticatedError. */
export type BearerAuthenticator = (authorization: string | undefined) => Promise<string>;

const CACHE_MAX = 10_000;

/**
 * Verifies the app's own JWTs with jose: HS256 with a shared secret, or
 * RS256/ES256/EdDSA against a JWKS, with issuer/audience checks when set.
 * A verified token's subject is cached until its `exp` (capped), so the
 * access-token check does not pay for signature verification per request.
 */
export function createBearerAuthenticator(auth: Exclude<AppAuthConfig, { kind: 'demo' }>, clock: () => number = Date.now): BearerAuthenticator {
  const key: Uint8Array | JWTVerifyGetKey = auth.kind === 'secret' ? auth.secret : remoteKeys(auth.jwksUrl);
  const algorithms = auth.kind === 'secret' ? ['HS256'] : ['RS256', 'PS256', 'ES256', 'EdDSA'];
  const cache = new Map<string, { sub: string; exp: number }>();

  return async (authorization) => {
    if (!authorization) throw new UnauthenticatedError('Send Authorization: Bearer <your app\'s JWT>.');
    const match = /^Bearer[ ]+([A-Za-z0-9_.-]{1,8192})$/i.exec(authorization.trim());
    if (!match?.[1]) throw new UnauthenticatedError('The Authorization header must be "Bearer <JWT>".');
    const jwt = match[1];
    const now = clock();
    const hit = cache.get(jwt);
    if (hit && hit.exp > now) return hit.sub;
    let sub: unknown;
    let exp: number | undefined;
    try {
      const { payload } = await jwtVerify(jwt, key as Uint8Array, {
        algorithms,
        issuer: auth.issuer,
        audience: auth.audience,
        requiredClaims: ['sub', 'exp'],
        clockTolerance: 5,
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
    if (cache.size >= CACHE_MAX) cache.clear();
    cache.set(jwt, { sub, exp: Math.min((exp ?? 0) * 1000, now + 5 * 60 * 1000) });
    return sub;
  };
}

/**
 * The JWKS key resolver, telling a failed fetch of the key set (network
 * error, timeout, non-200, a body that is no JWKS) apart from a token whose
 * key is not in a key set that did arrive (no or several matching keys, an
 * unsupported algorithm): only the latter is the token's fault.
 */
function remoteKeys(jwksUrl: string): JWTVerifyGetKey {
  const jwks = createRemoteJWKSet(new URL(jwksUrl));
  return async (protectedHeader, token) => {
    try {
      return await jwks(protectedHeader, token);
    } catch (err) {
      if (isKeySetFetchFailure(err)) {
        throw new IdentityProviderUnavailableError('The identity provider\'s signing keys (APP_JWKS_URL) could not be fetched; try again shortly.', { cause: err });
      }
      throw err;
    }
  };
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
