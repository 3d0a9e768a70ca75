import { describe, expect, test } from 'vitest';
import { keyIdOf } from '../../src/crypto/index.js';
import { rotateKeys, type Connection, type SqlStore } from '../../src/store/index.js';
import { BACKENDS, cipherOf, newConnection, RecordingLogger, testKey, uniqueUserId, useStore } from '../helpers/store-fixtures.js';

const k1 = testKey('k1');
const k2 = testKey('k2');

interface SealedRow {
  id: string;
  kid: string;
  sealed: string;
}

interface HeldRefresh {
  /** Settles once the refresh holds the row's lock. */
  holding: Promise<void>;
  /** Lets the refresh go on to write its tokens. */
  release(): void;
  refresh: Promise<Connection | null>;
}

/**
 * A token refresh through `store` that takes the row's lock and waits, as
 * one does while its Zoom call is in flight, so a rotation can run under it.
 */
function refreshHeldOpen(store: SqlStore, userId: string, tokens: { accessToken: string; refreshToken: string }): HeldRefresh {
  let held!: () => void;
  const holding = new Promise<void>((r) => (held = r));
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  const refresh = store.connections.withRefreshLock(userId, 10_000, async (locked) => {
    held();
    await released;
    return locked.saveTokens(locked.current?.version as number, {
      ...tokens,
      accessTokenExpiresAt: new Date(Date.now() + 3600_000),
      grantedScopes: [],
      apiUrl: null,
      now: new Date(),
    });
  });
  return { holding, release, refresh };
}

describe.each(BACKENDS)('key rotation on %s', (backend) => {
  // The store starts on k1 alone; rotation runs through a view with k2 current.
  const fx = useStore(backend, { cipher: cipherOf(k1) });
  const rotated = () => fx.store.withCipher(cipherOf(k2, k1));

  async function sealedRows(): Promise<SealedRow[]> {
    const { rows } = await fx.store.db.query<SealedRow>(
      `SELECT user_id AS id, token_kid AS kid, access_token_enc AS sealed FROM connections WHERE token_kid IS NOT NULL
       UNION ALL SELECT user_id, token_kid, refresh_token_enc FROM connections WHERE token_kid IS NOT NULL
       UNION ALL SELECT state_hash, code_verifier_kid, code_verifier_enc FROM oauth_states`,
    );
    return rows;
  }

  async function kidOf(userId: string): Promise<string | undefined> {
    const { rows } = await fx.store.db.query<{ token_kid: string }>('SELECT token_kid FROM connections WHERE user_id = $1', [userId]);
    return rows[0]?.token_kid;
  }

  test('rotation leaves every token and verifier readable and all under the new key id', async () => {
    const inputs = Array.from({ length: 7 }, () => newConnection(uniqueUserId('rotate')));
    for (const input of inputs) await fx.store.connections.saveConnected(input);
    const stateHash = uniqueUserId('state');
    await fx.store.states.create({
      stateHash,
      userId: inputs[0]?.userId as string,
      bindingHash: 'b',
      codeVerifier: 'verifier-123',
      returnTo: null,
      expiresAt: new Date(Date.now() + 600_000),
      createdAt: new Date(),
    });
    const versions = new Map((await Promise.all(inputs.map((i) => fx.store.connections.get(i.userId)))).map((c) => [c?.userId, c?.version]));

    const view = rotated();
    const report = await view.rotateKeys(3);
    expect(report).toMatchObject({ rowsUnreadable: 0, unknownKeyIds: [], remaining: 0 });
    expect(report.rowsScanned).toBeGreaterThanOrEqual(8);
    expect(report.fieldsReencrypted).toBeGreaterThanOrEqual(15);

    for (const row of await sealedRows()) {
      expect(row.kid).toBe('k2');
      expect(keyIdOf(row.sealed)).toBe('k2');
    }
    for (const input of inputs) {
      const read = await view.connections.getWithTokens(input.userId);
      expect(read?.tokens).toEqual({ accessToken: input.accessToken, refreshToken: input.refreshToken });
      // Re-sealing is not a state change: an in-flight refresh's conditional write still lands.
      expect(read?.version).toBe(versions.get(input.userId));
    }
    const consumed = await view.states.consume(stateHash, new Date());
    expect(consumed.ok && consumed.state.codeVerifier).toBe('verifier-123');
    // Nothing left to do: a second run re-encrypts nothing.
    expect(await view.rotateKeys(3)).toMatchObject({ fieldsReencrypted: 0, remaining: 0 });
  });

  test('a row under an unknown key id is reported and logged, not crashed on; other rows still rotate', async () => {
    const logger = new RecordingLogger();
    const lost = newConnection(uniqueUserId('lost'));
    const fine = newConnection(uniqueUserId('fine'));
    await fx.store.connections.saveConnected(lost);
    await fx.store.connections.saveConnected(fine);
    const foreign = cipherOf(testKey('gone-key'));
    const ctx = (column: string) => ({ table: 'connections', column, userId: lost.userId });
    await fx.store.db.query('UPDATE connections SET access_token_enc = $2, refresh_token_enc = $3, token_kid = $4 WHERE user_id = $1', [
      lost.userId,
      foreign.seal(lost.accessToken, ctx('access_token_enc')),
      foreign.seal(lost.refreshToken, ctx('refresh_token_enc')),
      'gone-key',
    ]);
    const view = rotated();
    // The exported function, as the CLI calls it, with a logger we can read.
    const report = await rotateKeys(view.db, cipherOf(k2, k1), logger, 2);
    expect(report.rowsUnreadable).toBe(1);
    expect(report.unknownKeyIds).toEqual(['gone-key']);
    expect(report.remaining).toBe(1);
    expect(logger.warnings.some((w) => w.msg.includes('"gone-key"') && w.msg.includes(lost.userId))).toBe(true);
    expect((await view.connections.getWithTokens(fine.userId))?.tokens?.accessToken).toBe(fine.accessToken);
    expect(await kidOf(fine.userId)).toBe('k2');
  });

  test('rotation while a refresh holds the row never loses the refresh\'s write', async () => {
    const input = newConnection(uniqueUserId('race'));
    await fx.store.connections.saveConnected(input);
    const view = rotated();
    const newTokens = { accessToken: 'new-access', refreshToken: 'new-refresh' };
    const held = refreshHeldOpen(view, input.userId, newTokens);
    await held.holding;
    // PostgreSQL: the row is locked and skipped. PGlite: re-sealed without a version bump.
    await view.rotateKeys(10);
    held.release();
    expect(await held.refresh).not.toBeNull();
    expect((await view.connections.getWithTokens(input.userId))?.tokens).toEqual(newTokens);
    expect(await kidOf(input.userId)).toBe('k2');
  });
  test('a row an instance still on the old key rewrites during rotation is re-encrypted by the next run', async () => {
    const input = newConnection(uniqueUserId('old-ring-writer'));
    await fx.store.connections.saveConnected(input);
    const view = rotated();
    const newTokens = { accessToken: 'new-access-old-ring', refreshToken: 'new-refresh-old-ring' };
    // fx.store still has k1 as its current key: an instance not yet restarted with the new ring.
    const held = refreshHeldOpen(fx.store, input.userId, newTokens);
    await held.holding;
    await view.rotateKeys(10);
    held.release();
    expect(await held.refresh).not.toBeNull();
    expect(await kidOf(input.userId)).toBe('k1');

    await view.rotateKeys(10);

    expect(await kidOf(input.userId)).toBe('k2');
    expect((await view.connections.getWithTokens(input.userId))?.tokens).toEqual(newTokens);
  });
});
