import { describe, expect, it } from 'vitest';
import { checkAccessToken, exchangeCode, issueCode, refreshGrant, revokeUserGrants } from '../../src/emulator/grants.js';
import type { TokenResponse } from '../../src/emulator/model.js';
import { resolveOptions, type ResolvedClient } from '../../src/emulator/options.js';
import { MAX_PAGE_CURSORS, paginate } from '../../src/emulator/paging.js';
import { EXPIRED_ACCESS_TOKEN_MEMORY_MS, PURGE_INTERVAL_MS } from '../../src/emulator/purge.js';
import { EmulatorState } from '../../src/emulator/state.js';
import { AVA, CLIENT, REDIRECT_URI } from './helpers.js';

/**
 * Memory follows live entries, not history: a long-running demo must not keep
 * every code, token and cursor it ever issued. These read the emulator's state
 * directly, since a purged entry and a dead one answer the same over HTTP.
 */
describe('purging dead codes, tokens and cursors', () => {
  const CODE_TTL_MS = 600 * 1000;
  const CURSOR_TTL_MS = 15 * 60 * 1000;
  const ACCESS_TTL_MS = 3599 * 1000;

  function newState(): EmulatorState {
    const state = new EmulatorState(resolveOptions({ clients: [CLIENT] }));
    state.reset();
    return state;
  }

  function clientOf(state: EmulatorState): ResolvedClient {
    const client = state.client(CLIENT.clientId);
    if (!client) throw new Error('test client not registered');
    return client;
  }

  function advance(state: EmulatorState, ms: number): void {
    state.clockOffsetMs += ms;
  }

  function newCode(state: EmulatorState): string {
    return issueCode(state, { clientId: CLIENT.clientId, userId: AVA.id, redirectUri: REDIRECT_URI, codeChallenge: undefined, codeChallengeMethod: 'plain' });
  }

  function connect(state: EmulatorState): TokenResponse {
    const outcome = exchangeCode(state, clientOf(state), { code: newCode(state), redirectUri: REDIRECT_URI, codeVerifier: undefined });
    if (!outcome.ok) throw new Error(`exchange failed: ${outcome.reason}`);
    return outcome.body;
  }

  function rotate(state: EmulatorState, refreshToken: string): TokenResponse {
    const outcome = refreshGrant(state, clientOf(state), refreshToken);
    if (!outcome.ok) throw new Error(`refresh failed: ${outcome.reason}`);
    return outcome.body;
  }

  function firstPage(state: EmulatorState): string {
    const page = paginate(state, 'ids', ['a', 'b', 'c'], (id) => id, 1, undefined);
    if (!page.ok || page.nextPageToken === '') throw new Error('expected a next page');
    return page.nextPageToken;
  }

  it('an expired authorization code is gone from the state after a later code is issued', () => {
    const state = newState();
    const expired = newCode(state);
    advance(state, CODE_TTL_MS + 1);
    const fresh = newCode(state);
    expect(state.codes.has(expired)).toBe(false);
    expect(state.codes.has(fresh)).toBe(true);
  });

  it('a code still within its ten minutes survives a purge', () => {
    const state = newState();
    const live = newCode(state);
    advance(state, PURGE_INTERVAL_MS);
    newCode(state);
    expect(state.codes.has(live)).toBe(true);
  });

  it('an expired page cursor is gone from the state after a later cursor is made', () => {
    const state = newState();
    const expired = firstPage(state);
    advance(state, CURSOR_TTL_MS + 1);
    const fresh = firstPage(state);
    expect(state.cursors.has(expired)).toBe(false);
    expect(state.cursors.has(fresh)).toBe(true);
  });

  it('page cursors are capped, the oldest evicted first', () => {
    const state = newState();
    const tokens = Array.from({ length: MAX_PAGE_CURSORS + 1 }, () => firstPage(state));
    expect(state.cursors.size).toBe(MAX_PAGE_CURSORS);
    expect(state.cursors.has(tokens[0] ?? '')).toBe(false);
    expect(state.cursors.has(tokens[1] ?? '')).toBe(true);
    expect(state.cursors.has(tokens[MAX_PAGE_CURSORS] ?? '')).toBe(true);
  });

  it('a rotated-out refresh token is gone after a later issuance; the access token issued with it lives on', () => {
    const state = newState();
    const first = connect(state);
    const second = rotate(state, first.refresh_token);
    advance(state, PURGE_INTERVAL_MS);
    rotate(state, second.refresh_token);
    expect(state.refreshTokens.has(first.refresh_token)).toBe(false);
    expect(state.refreshTokens.has(second.refresh_token)).toBe(false);
    expect(checkAccessToken(state, first.access_token).ok).toBe(true);
  });

  it('an expired access token is kept for a day, so it still reads as expired, then it is gone', () => {
    const state = newState();
    const first = connect(state);
    advance(state, ACCESS_TTL_MS + PURGE_INTERVAL_MS);
    const second = connect(state);
    expect(checkAccessToken(state, first.access_token)).toMatchObject({ ok: false, message: 'Access token is expired.' });
    advance(state, EXPIRED_ACCESS_TOKEN_MEMORY_MS);
    rotate(state, second.refresh_token);
    expect(state.accessTokens.has(first.access_token)).toBe(false);
  });

  it('a revoked grant and its tokens are gone after a later issuance', () => {
    const state = newState();
    const revoked = connect(state);
    const [grantId] = state.grants.keys();
    revokeUserGrants(state, CLIENT.clientId, AVA.id);
    advance(state, PURGE_INTERVAL_MS);
    const fresh = connect(state);
    expect(state.grants.has(grantId ?? '')).toBe(false);
    expect(state.accessTokens.has(revoked.access_token)).toBe(false);
    expect(state.refreshTokens.has(revoked.refresh_token)).toBe(false);
    expect(state.grants.size).toBe(1);
    expect(checkAccessToken(state, fresh.access_token).ok).toBe(true);
  });

  it('a grant receiving its first tokens survives the purge that runs as they are issued', () => {
    const state = newState();
    connect(state);
    advance(state, PURGE_INTERVAL_MS);
    const fresh = connect(state);
    expect(checkAccessToken(state, fresh.access_token).ok).toBe(true);
    expect(rotate(state, fresh.refresh_token).access_token).toBeTruthy();
  });
});
