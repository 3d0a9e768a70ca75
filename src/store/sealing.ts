import type { SealContext, TokenCipher } from '../crypto/index.js';
import type { ConnectionTokens } from './types.js';

/**
 * The associated data of every sealed column: the physical table and column,
 * so a value copied anywhere else fails to authenticate.
 */
export const ACCESS_TOKEN_FIELD = { table: 'connections', column: 'access_token_enc' } as const;
export const REFRESH_TOKEN_FIELD = { table: 'connections', column: 'refresh_token_enc' } as const;
export const CODE_VERIFIER_FIELD = { table: 'oauth_states', column: 'code_verifier_enc' } as const;

type Field = Omit<SealContext, 'userId'>;

export function contextOf(field: Field, userId: string): SealContext {
  return { ...field, userId };
}

export interface SealedTokens {
  accessTokenEnc: string;
  refreshTokenEnc: string;
  kid: string;
}

export function sealTokens(cipher: TokenCipher, userId: string, tokens: ConnectionTokens): SealedTokens {
  return {
    accessTokenEnc: cipher.seal(tokens.accessToken, contextOf(ACCESS_TOKEN_FIELD, userId)),
    refreshTokenEnc: cipher.seal(tokens.refreshToken, contextOf(REFRESH_TOKEN_FIELD, userId)),
    kid: cipher.currentKeyId,
  };
}

/** Only the access token: a refresh token is opened only under the refresh lock, where it is used. */
export function openAccessToken(cipher: TokenCipher, userId: string, row: { access_token_enc: string | null }): string | null {
  return row.access_token_enc === null ? null : cipher.open(row.access_token_enc, contextOf(ACCESS_TOKEN_FIELD, userId));
}

/** Throws the cipher's typed errors (TokenDecryptError, UnknownKeyError) for a row that does not decrypt. */
export function openTokens(
  cipher: TokenCipher,
  userId: string,
  row: { access_token_enc: string | null; refresh_token_enc: string | null },
): ConnectionTokens | null {
  if (row.access_token_enc === null || row.refresh_token_enc === null) return null;
  return {
    accessToken: cipher.open(row.access_token_enc, contextOf(ACCESS_TOKEN_FIELD, userId)),
    refreshToken: cipher.open(row.refresh_token_enc, contextOf(REFRESH_TOKEN_FIELD, userId)),
  };
}
