import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { jwtLikeToken } from './ids.js';
import { tokenFailure as fail, type TokenOutcome, type TokenResponse, type ZoomUser } from './model.js';
import type { ResolvedClient } from './options.js';
import { purgeExpired } from './purge.js';
import type { AccessTokenRecord, EmulatorState, Grant } from './state.js';

/** The authorization server's rules, kept apart from HTTP so each rule reads on its own. */

const INVALID_TOKEN = 'Invalid Token!';
// RFC 7636 §4.1: the verifier's alphabet and length.
const VERIFIER_PATTERN = /^[A-Za-z0-9._~-]{43,128}$/;

function sameString(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

export function issueCode(
  state: EmulatorState,
  input: { clientId: string; userId: string; redirectUri: string; codeChallenge: string | undefined; codeChallengeMethod: 'S256' | 'plain' },
): string {
  purgeExpired(state);
  const code = randomBytes(24).toString('base64url');
  state.codes.set(code, {
    code,
    ...input,
    expiresAt: state.now() + state.options.codeTtlSeconds * 1000,
    used: false,
    grantId: undefined,
  });
  return code;
}

function issueTokens(state: EmulatorState, grant: Grant, user: ZoomUser): TokenResponse {
  const now = state.now();
  const nowSeconds = Math.floor(now / 1000);
  const { accessTokenTtlSeconds, refreshTokenTtlSeconds, maxAccessTokensPerUser } = state.options;
  const accessToken = jwtLikeToken('access', user.id, user.account_id, nowSeconds, accessTokenTtlSeconds);
  const refreshToken = jwtLikeToken('refresh', user.id, user.account_id, nowSeconds, refreshTokenTtlSeconds);
  state.accessTokens.set(accessToken, {
    grantId: grant.id,
    clientId: grant.clientId,
    userId: grant.userId,
    issuedAt: now,
    expiresAt: now + accessTokenTtlSeconds * 1000,
    revoked: false,
  });
  state.refreshTokens.set(refreshToken, { grantId: grant.id, expiresAt: now + refreshTokenTtlSeconds * 1000, superseded: false });
  if (maxAccessTokensPerUser !== undefined) capAccessTokens(state, grant, maxAccessTokensPerUser);
  // Only after the new tokens are stored: a grant being issued its first tokens would otherwise look unused.
  purgeExpired(state);
  return {
    access_token: accessToken,
    token_type: 'bearer',
    refresh_token: refreshToken,
    expires_in: accessTokenTtlSeconds,
    scope: grant.scopes.join(' '),
    api_url: state.baseUrl,
  };
}

/** Zoom keeps a limited number of live access tokens per user and app; the oldest fall away. */
function capAccessTokens(state: EmulatorState, grant: Grant, max: number): void {
  const now = state.now();
  const live = [...state.accessTokens.values()]
    .filter((t) => t.userId === grant.userId && t.clientId === grant.clientId && !t.revoked && t.expiresAt > now)
    .sort((a, b) => a.issuedAt - b.issuedAt);
  for (const record of live.slice(0, Math.max(0, live.length - max))) record.revoked = true;
}

function verifierMatches(challenge: string, method: 'S256' | 'plain', verifier: string): boolean {
  if (!VERIFIER_PATTERN.test(verifier)) return false;
  const computed = method === 'S256' ? createHash('sha256').update(verifier).digest('base64url') : verifier;
  return sameString(computed, challenge);
}

export function exchangeCode(
  state: EmulatorState,
  client: ResolvedClient,
  params: { code: string | undefined; redirectUri: string | undefined; codeVerifier: string | undefined },
): TokenOutcome {
  if (!params.code) return fail('invalid_request', 'Missing code');
  if (!params.redirectUri) return fail('invalid_request', 'Missing redirect_uri');
  const invalidCode = client.invalidCodeError;
  const record = state.codes.get(params.code);
  if (!record || record.clientId !== client.clientId) return fail(invalidCode, 'Invalid authorization code');
  if (record.used) {
    // RFC 6749 §4.1.2: a replayed code should revoke what it produced, since one of the two callers is an attacker.
    if (record.grantId) revokeGrant(state, record.grantId);
    return fail(invalidCode, 'Invalid authorization code');
  }
  if (record.expiresAt <= state.now()) {
    record.used = true;
    return fail(invalidCode, 'Invalid authorization code');
  }
  if (record.codeChallenge !== undefined && !params.codeVerifier) return fail('invalid_request', 'Missing code_verifier');
  // One attempt per code: a failed exchange burns it, so verifiers cannot be guessed.
  record.used = true;
  if (record.redirectUri !== params.redirectUri) return fail('invalid_grant', 'Redirect URI mismatch.');
  if (record.codeChallenge !== undefined && !verifierMatches(record.codeChallenge, record.codeChallengeMethod, params.codeVerifier ?? '')) {
    return fail('invalid_grant', 'Invalid code_verifier');
  }
  const user = state.users.get(record.userId);
  if (!user) return fail(invalidCode, 'Invalid authorization code');
  const grant: Grant = { id: randomBytes(12).toString('hex'), clientId: client.clientId, userId: user.id, scopes: [...client.scopes], revoked: false };
  state.grants.set(grant.id, grant);
  record.grantId = grant.id;
  return { ok: true, body: issueTokens(state, grant, user) };
}

export function refreshGrant(state: EmulatorState, client: ResolvedClient, refreshToken: string | undefined): TokenOutcome {
  if (!refreshToken) return fail('invalid_request', 'Missing refresh_token');
  const record = state.refreshTokens.get(refreshToken);
  const grant = record ? state.grants.get(record.grantId) : undefined;
  if (!record || !grant || grant.revoked || grant.clientId !== client.clientId || record.superseded || record.expiresAt <= state.now()) {
    return fail('invalid_grant', INVALID_TOKEN);
  }
  const user = state.users.get(grant.userId);
  if (!user) return fail('invalid_grant', INVALID_TOKEN);
  record.superseded = true;
  return { ok: true, body: issueTokens(state, grant, user) };
}

function revokeGrant(state: EmulatorState, grantId: string): void {
  const grant = state.grants.get(grantId);
  if (!grant) return;
  grant.revoked = true;
  for (const record of state.accessTokens.values()) if (record.grantId === grantId) record.revoked = true;
  for (const record of state.refreshTokens.values()) if (record.grantId === grantId) record.superseded = true;
}

/** Revoking at Zoom uninstalls the app for that user, so every grant of the pair ends. */
export function revokeUserGrants(state: EmulatorState, clientId: string, userId: string): number {
  let count = 0;
  for (const grant of state.grants.values()) {
    if (grant.clientId === clientId && grant.userId === userId && !grant.revoked) {
      revokeGrant(state, grant.id);
      count += 1;
    }
  }
  return count;
}

/** Finds the live grant a token (access or current refresh token) belongs to. */
export function grantForToken(state: EmulatorState, client: ResolvedClient, token: string): Grant | undefined {
  const access = state.accessTokens.get(token);
  const refresh = state.refreshTokens.get(token);
  const grantId = access && !access.revoked ? access.grantId : refresh && !refresh.superseded ? refresh.grantId : undefined;
  const grant = grantId ? state.grants.get(grantId) : undefined;
  if (!grant || grant.revoked || grant.clientId !== client.clientId) return undefined;
  return grant;
}

export type AccessCheck =
  | { ok: true; record: AccessTokenRecord; grant: Grant; user: ZoomUser }
  | { ok: false; message: 'Invalid access token.' | 'Access token is expired.' };

export function checkAccessToken(state: EmulatorState, token: string): AccessCheck {
  const record = state.accessTokens.get(token);
  const grant = record ? state.grants.get(record.grantId) : undefined;
  const user = record ? state.users.get(record.userId) : undefined;
  if (!record || !grant || !user || record.revoked || grant.revoked) return { ok: false, message: 'Invalid access token.' };
  if (record.expiresAt <= state.now()) return { ok: false, message: 'Access token is expired.' };
  return { ok: true, record, grant, user };
}

export function expireAccessTokens(state: EmulatorState, userId: string | undefined): number {
  const past = state.now() - 1000;
  let count = 0;
  for (const record of state.accessTokens.values()) {
    if ((userId === undefined || record.userId === userId) && record.expiresAt > past) {
      record.expiresAt = past;
      count += 1;
    }
  }
  return count;
}
