import { jwtLikeToken } from './ids.js';
import { tokenFailure, type AccountTokenResponse, type TokenOutcome } from './model.js';
import type { ResolvedServerToServerApp } from './options.js';
import { purgeExpired } from './purge.js';
import type { AccountTokenRecord, EmulatorState } from './state.js';

/**
 * Zoom's Server-to-Server OAuth: the app asks for a token for its own account
 * with `grant_type=account_credentials`. No user consents, nothing is
 * refreshed, and each request mints a new token while the earlier ones stay
 * valid (Zoom's current documentation; it once revoked the previous one).
 */

/** Zoom's S2S tokens live one hour, like user tokens. */
const ACCOUNT_TOKEN_TTL_SECONDS = 3599;

export function issueAccountToken(state: EmulatorState, app: ResolvedServerToServerApp, accountId: string | undefined): TokenOutcome<AccountTokenResponse> {
  if (!accountId) return tokenFailure('invalid_request', 'Missing account_id');
  if (accountId !== state.options.accountId) return tokenFailure('invalid_request', 'Invalid account_id');
  const now = state.now();
  const token = jwtLikeToken('access', app.clientId, accountId, Math.floor(now / 1000), ACCOUNT_TOKEN_TTL_SECONDS);
  state.accountTokens.set(token, {
    clientId: app.clientId,
    accountId,
    scopes: [...app.scopes],
    issuedAt: now,
    expiresAt: now + ACCOUNT_TOKEN_TTL_SECONDS * 1000,
    revoked: false,
  });
  purgeExpired(state);
  return {
    ok: true,
    body: { access_token: token, token_type: 'bearer', expires_in: ACCOUNT_TOKEN_TTL_SECONDS, scope: app.scopes.join(' '), api_url: state.baseUrl },
  };
}

export type AccountAccessCheck =
  | { ok: true; record: AccountTokenRecord }
  | { ok: false; message: 'Invalid access token.' | 'Access token is expired.' };

export function checkAccountToken(state: EmulatorState, token: string): AccountAccessCheck {
  const record = state.accountTokens.get(token);
  if (!record || record.revoked) return { ok: false, message: 'Invalid access token.' };
  if (record.expiresAt <= state.now()) return { ok: false, message: 'Access token is expired.' };
  return { ok: true, record };
}

/** `/oauth/revoke` with the S2S app's credentials ends that one token; answers whether it was the app's. */
export function revokeAccountToken(state: EmulatorState, app: ResolvedServerToServerApp, token: string): boolean {
  const record = state.accountTokens.get(token);
  if (!record || record.revoked || record.clientId !== app.clientId) return false;
  record.revoked = true;
  return true;
}

/** Lets tests age every account token at once, as `/_emulator/expire` does for user tokens. */
export function expireAccountTokens(state: EmulatorState): number {
  const past = state.now() - 1000;
  let count = 0;
  for (const record of state.accountTokens.values()) {
    if (record.expiresAt > past) {
      record.expiresAt = past;
      count += 1;
    }
  }
  return count;
}
