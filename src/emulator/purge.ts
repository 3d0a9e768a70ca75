import type { EmulatorState } from './state.js';

/**
 * A long-running demo issues codes, tokens and page cursors for days; without
 * a purge each one stays in memory until a reset. What is dropped here is only
 * what can no longer change an answer: the emulator replies the same whether
 * a dead entry is stored or forgotten.
 */

/** Purging walks every map, so it runs at most this often (emulator clock), however busy the emulator is. */
export const PURGE_INTERVAL_MS = 60 * 1000;

/**
 * Zoom's tokens are JWTs, so Zoom can tell "expired" from "unknown" forever; the
 * emulator remembers an expired access token for a day so a late caller still
 * hears "Access token is expired." (either way it is a 401 code 124).
 */
export const EXPIRED_ACCESS_TOKEN_MEMORY_MS = 24 * 60 * 60 * 1000;

/** Called whenever something new is stored, so memory follows live entries rather than history. */
export function purgeExpired(state: EmulatorState): void {
  const now = state.now();
  if (now < state.nextPurgeAt) return;
  state.nextPurgeAt = now + PURGE_INTERVAL_MS;
  // An expired code is refused whether used or not; replay detection only matters while it could still be redeemed.
  for (const [code, record] of state.codes) if (record.expiresAt <= now) state.codes.delete(code);
  for (const [token, cursor] of state.cursors) if (cursor.expiresAt <= now) state.cursors.delete(token);
  // A rotated-out refresh token and an unknown one both get invalid_grant "Invalid Token!".
  for (const [token, record] of state.refreshTokens) if (record.superseded || record.expiresAt <= now) state.refreshTokens.delete(token);
  // A revoked access token and an unknown one both get "Invalid access token.".
  for (const [token, record] of state.accessTokens) {
    if (record.revoked || record.expiresAt + EXPIRED_ACCESS_TOKEN_MEMORY_MS <= now) state.accessTokens.delete(token);
  }
  for (const [token, record] of state.accountTokens) {
    if (record.revoked || record.expiresAt + EXPIRED_ACCESS_TOKEN_MEMORY_MS <= now) state.accountTokens.delete(token);
  }
  // A grant with no token left can never be used again; a revoked one answers like a missing one.
  const inUse = new Set<string>();
  for (const record of state.accessTokens.values()) inUse.add(record.grantId);
  for (const record of state.refreshTokens.values()) inUse.add(record.grantId);
  for (const [id, grant] of state.grants) if (grant.revoked || !inUse.has(id)) state.grants.delete(id);
}
