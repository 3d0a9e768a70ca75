import type { TokenCipher } from '../../crypto/index.js';
import type { Db } from '../db.js';
import { CODE_VERIFIER_FIELD, contextOf } from '../sealing.js';
import type { ConsumeStateResult, NewOAuthState, OAuthStateRepository } from '../types.js';

interface ConsumedRow {
  user_id: string;
  binding_hash: string;
  code_verifier_enc: string;
  return_to: string | null;
  expires_at: Date;
}

// One statement decides the winner: of any number of concurrent consumers,
// only the first to update the row sees consumed_at IS NULL.
const CONSUME = {
  name: 'zc_state_consume',
  text: `
UPDATE oauth_states SET consumed_at = $2
WHERE state_hash = $1 AND consumed_at IS NULL
RETURNING user_id, binding_hash, code_verifier_enc, return_to, expires_at`,
};

export class SqlOAuthStateRepository implements OAuthStateRepository {
  constructor(
    private readonly db: Db,
    private readonly cipher: TokenCipher,
  ) {}

  async create(state: NewOAuthState): Promise<void> {
    const sealed = this.cipher.seal(state.codeVerifier, contextOf(CODE_VERIFIER_FIELD, state.userId));
    await this.db.query(
      `INSERT INTO oauth_states (state_hash, user_id, binding_hash, code_verifier_enc, code_verifier_kid, return_to, expires_at, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [state.stateHash, state.userId, state.bindingHash, sealed, this.cipher.currentKeyId, state.returnTo, state.expiresAt, state.createdAt],
    );
  }

  async consume(stateHash: string, now: Date): Promise<ConsumeStateResult> {
    const { rows } = await this.db.query<ConsumedRow>(CONSUME, [stateHash, now]);
    const row = rows[0];
    if (!row) {
      // Lost the race or never existed: which one only matters for the error shown.
      const seen = await this.db.query<{ consumed_at: Date | null }>('SELECT consumed_at FROM oauth_states WHERE state_hash = $1', [
        stateHash,
      ]);
      return { ok: false, reason: seen.rows.length > 0 ? 'replayed' : 'unknown' };
    }
    if (row.expires_at.getTime() <= now.getTime()) return { ok: false, reason: 'expired' };
    return {
      ok: true,
      state: {
        userId: row.user_id,
        bindingHash: row.binding_hash,
        codeVerifier: this.cipher.open(row.code_verifier_enc, contextOf(CODE_VERIFIER_FIELD, row.user_id)),
        returnTo: row.return_to,
        expiresAt: row.expires_at,
      },
    };
  }

  async deleteExpired(before: Date): Promise<number> {
    const { rowCount } = await this.db.query('DELETE FROM oauth_states WHERE expires_at < $1', [before]);
    return rowCount;
  }
}
