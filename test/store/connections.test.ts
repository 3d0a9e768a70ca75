import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, test } from 'vitest';
import { TokenDecryptError, UnknownKeyError } from '../../src/crypto/index.js';
import { LockReleasedError, StoreLockTimeoutError, UnreadableTokensError } from '../../src/store/index.js';
import type { ConnectionWithTokens, RefreshedTokens } from '../../src/store/types.js';
import {
  BACKENDS,
  cipherOf,
  dumpAllTables,
  fakeToken,
  newConnection,
  testKey,
  uniqueUserId,
  useStore,
} from '../helpers/store-fixtures.js';

function refreshed(now = new Date()): RefreshedTokens {
  return {
    accessToken: fakeToken('access'),
    refreshToken: fakeToken('refresh'),
    accessTokenExpiresAt: new Date(now.getTime() + 3600_000),
    grantedScopes: ['meeting:read', 'meeting:write'],
    apiUrl: null,
    now,
  };
}

const deferred = () => {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
};

describe.each(BACKENDS)('connections on %s', (backend) => {
  const fx = useStore(backend);

  test('a stored connection reads back with its tokens, status active, version 1', async () => {
    const input = newConnection(uniqueUserId('read'));
    const saved = await fx.store.connections.saveConnected(input);
    expect(saved).toMatchObject({ userId: input.userId, status: 'active', version: 1, refreshFailureCount: 0, grantedScopes: input.grantedScopes });
    const read = await fx.store.connections.getWithTokens(input.userId);
    expect(read?.tokens).toEqual({ accessToken: input.accessToken, refreshToken: input.refreshToken });
    expect(read?.accessTokenExpiresAt?.getTime()).toBe(input.accessTokenExpiresAt.getTime());
    expect(await fx.store.connections.get(input.userId)).not.toHaveProperty('tokens');
    expect(await fx.store.connections.get(uniqueUserId('nobody'))).toBeNull();
  });

  test('the status summary reads exactly the shown fields of the full row, times as Date#toISOString writes them, and null for no row', async () => {
    const input = newConnection(uniqueUserId('summary'));
    await fx.store.connections.saveConnected(input);
    // Every shown field set, times with microseconds, so a column read into the wrong field or a time
    // formatted any other way (zone, precision, rounding) would show.
    await fx.store.db.query(
      `UPDATE connections SET refresh_failure_count = 2, last_refresh_error = 'network',
              last_used_at = '2026-03-04 05:06:07.891999+00', last_refreshed_at = '2026-03-04 23:59:59.999999+00',
              revoked_at = '1999-12-31 23:00:00.0005+00', authorized_at = now()
        WHERE user_id = $1`,
      [input.userId],
    );
    const full = await fx.store.connections.get(input.userId);
    const summary = await fx.store.connections.getSummary(input.userId);
    if (!full) throw new Error('the row is missing');
    const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);
    expect(summary).toEqual({
      status: full.status,
      zoomUserId: full.zoomUserId,
      zoomEmail: full.zoomEmail,
      zoomAccountId: full.zoomAccountId,
      grantedScopes: full.grantedScopes,
      accessTokenExpiresAt: iso(full.accessTokenExpiresAt),
      authorizedAt: iso(full.authorizedAt),
      lastRefreshedAt: iso(full.lastRefreshedAt),
      lastUsedAt: iso(full.lastUsedAt),
      refreshFailureCount: full.refreshFailureCount,
      lastRefreshError: full.lastRefreshError,
      revokedAt: iso(full.revokedAt),
    });
    expect(summary?.lastRefreshedAt).toBe('2026-03-04T23:59:59.999Z');
    expect(summary?.revokedAt).toBe('1999-12-31T23:00:00.000Z');
    expect(typeof summary?.refreshFailureCount).toBe('number');
    expect(await fx.store.connections.getSummary(uniqueUserId('nobody'))).toBeNull();
  });

  test('the access read gives the access token and the fields using it needs, as the token-state read gives them', async () => {
    const input = newConnection(uniqueUserId('access'));
    await fx.store.connections.saveConnected(input);
    const state = await fx.store.connections.getWithAccessToken(input.userId);
    const access = await fx.store.connections.getAccess(input.userId);
    expect(access).toEqual({
      status: state?.status,
      zoomUserId: state?.zoomUserId,
      apiUrl: state?.apiUrl,
      accessTokenExpiresAt: state?.accessTokenExpiresAt,
      grantedScopes: input.grantedScopes,
      version: state?.version,
      accessToken: input.accessToken,
    });
    expect(await fx.store.connections.getAccess(uniqueUserId('nobody'))).toBeNull();
  });

  test('the access read gives the expiry to the millisecond as the token-state read does, microseconds cut, and none as null', async () => {
    const input = newConnection(uniqueUserId('access-expiry'));
    await fx.store.connections.saveConnected(input);
    for (const stored of ['2026-03-04 23:59:59.999999+00', '1999-12-31 23:00:00+00', '2026-06-01 12:00:00.0015+02']) {
      await fx.store.db.query('UPDATE connections SET access_token_expires_at = $2 WHERE user_id = $1', [input.userId, stored]);
      const state = await fx.store.connections.getWithAccessToken(input.userId);
      expect((await fx.store.connections.getAccess(input.userId))?.accessTokenExpiresAt).toEqual(state?.accessTokenExpiresAt);
    }
    expect((await fx.store.connections.getAccess(input.userId))?.accessTokenExpiresAt?.toISOString()).toBe('2026-06-01T10:00:00.001Z');
    await fx.store.db.query('UPDATE connections SET access_token_expires_at = NULL WHERE user_id = $1', [input.userId]);
    expect((await fx.store.connections.getAccess(input.userId))?.accessTokenExpiresAt).toBeNull();
  });

  test('scopes read back as stored, none as an empty list, in the access and status reads alike', async () => {
    const input = newConnection(uniqueUserId('scopes'));
    await fx.store.connections.saveConnected({ ...input, grantedScopes: ['meeting:read:list_meetings', 'user:read:user', 'cloud_recording:read'] });
    expect((await fx.store.connections.getAccess(input.userId))?.grantedScopes).toEqual(['meeting:read:list_meetings', 'user:read:user', 'cloud_recording:read']);
    expect((await fx.store.connections.getSummary(input.userId))?.grantedScopes).toEqual(['meeting:read:list_meetings', 'user:read:user', 'cloud_recording:read']);
    await fx.store.db.query("UPDATE connections SET granted_scopes = '{}' WHERE user_id = $1", [input.userId]);
    expect((await fx.store.connections.getAccess(input.userId))?.grantedScopes).toEqual([]);
    expect((await fx.store.connections.getSummary(input.userId))?.grantedScopes).toEqual([]);
  });

  test('an access token that no longer decrypts fails the access read with the row\'s user and version', async () => {
    const victim = newConnection(uniqueUserId('access-victim'));
    const other = newConnection(uniqueUserId('access-other'));
    await fx.store.connections.saveConnected(victim);
    await fx.store.connections.saveConnected(other);
    await fx.store.db.query(
      'UPDATE connections SET access_token_enc = v.access_token_enc FROM connections v WHERE v.user_id = $1 AND connections.user_id = $2',
      [victim.userId, other.userId],
    );
    const err = await fx.store.connections.getAccess(other.userId).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnreadableTokensError);
    expect(err).toMatchObject({ userId: other.userId, version: (await fx.store.connections.get(other.userId))?.version });
  });

  test('after storing a connection, a raw dump of every table contains neither token nor its base64 or base64url', async () => {
    const input = newConnection(uniqueUserId('dump'));
    await fx.store.connections.saveConnected(input);
    await fx.store.states.create({
      stateHash: uniqueUserId('state'),
      userId: input.userId,
      bindingHash: 'binding',
      codeVerifier: 'verifier-' + fakeToken('access'),
      returnTo: null,
      expiresAt: new Date(Date.now() + 600_000),
      createdAt: new Date(),
    });
    const dump = await dumpAllTables(fx.store);
    expect(dump).toContain(input.userId);
    for (const secret of [input.accessToken, input.refreshToken]) {
      const bytes = Buffer.from(secret, 'utf8');
      for (const form of [secret, bytes.toString('base64'), bytes.toString('base64url'), bytes.toString('hex')]) {
        expect(dump).not.toContain(form);
      }
      // Also no long fragment: a token is never stored even partially in clear.
      expect(dump).not.toContain(secret.slice(10, 40));
    }
  });

  test('a ciphertext copied into another user\'s row fails to decrypt with an error naming that row and its version', async () => {
    const victim = newConnection(uniqueUserId('victim'));
    const attacker = newConnection(uniqueUserId('attacker'));
    await fx.store.connections.saveConnected(victim);
    await fx.store.connections.saveConnected(attacker);
    await fx.store.db.query(
      `UPDATE connections SET access_token_enc = v.access_token_enc, refresh_token_enc = v.refresh_token_enc, token_kid = v.token_kid
       FROM connections v WHERE v.user_id = $1 AND connections.user_id = $2`,
      [victim.userId, attacker.userId],
    );
    const read = fx.store.connections.getWithTokens(attacker.userId);
    await expect(read).rejects.toThrow(UnreadableTokensError);
    const err = await fx.store.connections.getWithTokens(attacker.userId).catch((e: unknown) => e);
    expect(err).toMatchObject({ userId: attacker.userId, version: (await fx.store.connections.get(attacker.userId))?.version });
    expect((err as UnreadableTokensError).cause).toBeInstanceOf(TokenDecryptError);
    expect(String((err as UnreadableTokensError).cause)).toMatch(
      new RegExp(`connections\\.access_token_enc of user "${attacker.userId}" \\(key id "k1"\\): authentication failed`),
    );
    // The victim's own row is untouched and still readable.
    expect((await fx.store.connections.getWithTokens(victim.userId))?.tokens?.accessToken).toBe(victim.accessToken);
  });

  test('a tampered ciphertext fails to decrypt as unreadable tokens', async () => {
    const input = newConnection(uniqueUserId('tamper'));
    await fx.store.connections.saveConnected(input);
    // Flip one base64url character in the middle of the ciphertext body.
    await fx.store.db.query(
      `UPDATE connections SET refresh_token_enc = overlay(refresh_token_enc placing
         CASE WHEN substr(refresh_token_enc, 30, 1) = 'A' THEN 'B' ELSE 'A' END from 30 for 1)
       WHERE user_id = $1`,
      [input.userId],
    );
    await expect(fx.store.connections.getWithTokens(input.userId)).rejects.toThrow(UnreadableTokensError);
    // The token-free read still works: a status page never needs to decrypt.
    expect((await fx.store.connections.get(input.userId))?.status).toBe('active');
  });

  test('the read path of a Zoom call opens the access token alone: the refresh token stays sealed', async () => {
    const input = newConnection(uniqueUserId('access-only'));
    await fx.store.connections.saveConnected(input);
    // A refresh token that cannot be opened proves it was never opened.
    await fx.store.db.query("UPDATE connections SET refresh_token_enc = 'not a sealed value' WHERE user_id = $1", [input.userId]);
    const read = await fx.store.connections.getWithAccessToken(input.userId);
    expect(read?.accessToken).toBe(input.accessToken);
    expect(read).not.toHaveProperty('tokens');
    expect(JSON.stringify(read)).not.toContain(input.refreshToken);
    await expect(fx.store.connections.getWithTokens(input.userId)).rejects.toThrow();
  });

  test('a row under an unknown key id is reported as UnknownKeyError naming the kid, not a crash', async () => {
    const input = newConnection(uniqueUserId('unknown-kid'));
    await fx.store.connections.saveConnected(input);
    const foreign = cipherOf(testKey('lost-key'));
    const ctx = (column: string) => ({ table: 'connections', column, userId: input.userId });
    await fx.store.db.query('UPDATE connections SET access_token_enc = $2, refresh_token_enc = $3, token_kid = $4 WHERE user_id = $1', [
      input.userId,
      foreign.seal('a', ctx('access_token_enc')),
      foreign.seal('r', ctx('refresh_token_enc')),
      'lost-key',
    ]);
    await expect(fx.store.connections.getWithTokens(input.userId)).rejects.toThrow(UnknownKeyError);
    await expect(fx.store.connections.getWithTokens(input.userId)).rejects.toThrow(/key id "lost-key" is not in the key ring/);
  });

  test('reconnecting replaces the connection: new tokens, active, counters reset, version bumped', async () => {
    const userId = uniqueUserId('reconnect');
    const first = await fx.store.connections.saveConnected(newConnection(userId));
    await fx.store.connections.disconnect(userId, 'revoked', { wipePersonalData: false, now: new Date() });
    const again = newConnection(userId);
    const second = await fx.store.connections.saveConnected(again);
    expect(second).toMatchObject({ status: 'active', revokedAt: null, refreshFailureCount: 0 });
    expect(second.version).toBeGreaterThan(first.version + 1);
    expect(second.createdAt.getTime()).toBe(first.createdAt.getTime());
    expect((await fx.store.connections.getWithTokens(userId))?.tokens?.refreshToken).toBe(again.refreshToken);
  });

  test('a token write with the current version succeeds and resets failure state', async () => {
    const userId = uniqueUserId('refresh-ok');
    const saved = await fx.store.connections.saveConnected(newConnection(userId));
    const tokens = refreshed();
    const written = await fx.store.connections.withRefreshLock(userId, 2_000, async (locked) => {
      const failed = await locked.recordFailure(saved.version, {
        error: 'zoom_unavailable: HTTP 503',
        status: 'active',
        failureCount: 1,
        blockedUntil: new Date(Date.now() + 60_000),
        now: new Date(),
      });
      expect(failed).toMatchObject({ refreshFailureCount: 1, lastRefreshError: 'zoom_unavailable: HTTP 503', version: saved.version + 1 });
      return locked.saveTokens(saved.version + 1, tokens);
    });
    expect(written).toMatchObject({ status: 'active', refreshFailureCount: 0, lastRefreshError: null, refreshBlockedUntil: null });
    expect(written?.version).toBe(saved.version + 2);
    expect(written?.apiUrl).toBe('https://api.zoom.us'); // kept: the refresh response carried none
    expect(written?.grantedScopes).toEqual(tokens.grantedScopes);
    const read = await fx.store.connections.getWithTokens(userId);
    expect(read?.tokens).toEqual({ accessToken: tokens.accessToken, refreshToken: tokens.refreshToken });
  });

  test('a stale-version token write is refused (null) and leaves the tokens unchanged', async () => {
    const input = newConnection(uniqueUserId('stale'));
    const saved = await fx.store.connections.saveConnected(input);
    const result = await fx.store.connections.withRefreshLock(input.userId, 2_000, (locked) =>
      locked.saveTokens(saved.version - 1, refreshed()),
    );
    expect(result).toBeNull();
    const read = await fx.store.connections.getWithTokens(input.userId);
    expect(read?.tokens).toEqual({ accessToken: input.accessToken, refreshToken: input.refreshToken });
    expect(read?.version).toBe(saved.version);
  });

  test('a disconnect during a refresh waits for its write, hands back the refreshed tokens to revoke, and later token writes are refused', async () => {
    const userId = uniqueUserId('resurrect');
    await fx.store.connections.saveConnected(newConnection(userId));
    const newer = refreshed();
    let revoke: Promise<ConnectionWithTokens | null> = Promise.resolve(null);
    let revokeSettled = false;
    let revokeSettledInsideLock: boolean | undefined;
    const write = await fx.store.connections.withRefreshLock(userId, 5_000, async (locked) => {
      // The revoke lands while the refresh's HTTP call is in flight.
      revoke = fx.store.connections.disconnect(userId, 'revoked', { wipePersonalData: false, now: new Date() });
      void revoke.then(
        () => (revokeSettled = true),
        () => (revokeSettled = true),
      );
      await sleep(100);
      // Read while this transaction still holds the row: once it commits, the revoke may finish
      // before this caller hears of the commit, so the check belongs here, not after.
      revokeSettledInsideLock = revokeSettled;
      return locked.saveTokens(locked.current?.version as number, newer);
    });
    expect(revokeSettledInsideLock).toBe(false);
    expect(write).not.toBeNull();
    expect((await revoke)?.tokens).toEqual({ accessToken: newer.accessToken, refreshToken: newer.refreshToken });
    const after = await fx.store.connections.getWithTokens(userId);
    expect(after?.status).toBe('revoked');
    expect(after?.tokens).toBeNull();
    // Either order, the last word is the disconnect; and a write with any version now fails.
    const late = await fx.store.connections.withRefreshLock(userId, 2_000, (locked) =>
      locked.saveTokens(locked.current?.version as number, refreshed()),
    );
    expect(late).toBeNull();
    const failure = await fx.store.connections.withRefreshLock(userId, 2_000, (locked) =>
      locked.recordFailure(locked.current?.version as number, { error: 'x', status: 'inactive', failureCount: 5, blockedUntil: null, now: new Date() }),
    );
    expect(failure).toBeNull();
    expect((await fx.store.connections.get(userId))?.status).toBe('revoked');
  });

  test('a new connect during a refresh waits for the refresh to save, then replaces its tokens', async () => {
    const userId = uniqueUserId('reconnect');
    await fx.store.connections.saveConnected(newConnection(userId));
    const reconnect = newConnection(userId, { zoomEmail: 'again@example.test' });
    let connect: Promise<unknown> = Promise.resolve();
    let connectSettledInsideLock = false;
    const write = await fx.store.connections.withRefreshLock(userId, 5_000, async (locked) => {
      connect = fx.store.connections.saveConnected(reconnect);
      void connect.finally(() => {
        connectSettledInsideLock = true;
      });
      await sleep(100);
      return locked.saveTokens(locked.current?.version as number, refreshed());
    });
    expect(connectSettledInsideLock).toBe(false);
    // The refresh saved (it was not made stale, so nothing needs revoking), and the connect came after.
    expect(write).not.toBeNull();
    await connect;
    const after = await fx.store.connections.getWithTokens(userId);
    expect(after?.tokens).toEqual({ accessToken: reconnect.accessToken, refreshToken: reconnect.refreshToken });
    expect(after?.zoomEmail).toBe('again@example.test');
  });

  test('a deauthorization for an event older than the connection leaves it alone (checked under the lock)', async () => {
    const userId = uniqueUserId('late-event');
    const authorizedAt = new Date();
    await fx.store.connections.saveConnected(newConnection(userId, { now: authorizedAt }));
    const eventTime = new Date(authorizedAt.getTime() - 1_000);
    const result = await fx.store.connections.disconnect(userId, 'deauthorized', { wipePersonalData: true, now: new Date(), authorizedNotAfter: eventTime });
    expect(result).toBeNull();
    const after = await fx.store.connections.getWithTokens(userId);
    expect(after?.status).toBe('active');
    expect(after?.tokens).not.toBeNull();
    expect(after?.zoomEmail).not.toBeNull();
  });

  test('a token write to a connection that needs re-authorization is refused', async () => {
    const userId = uniqueUserId('reauth');
    const saved = await fx.store.connections.saveConnected(newConnection(userId));
    const failed = await fx.store.connections.withRefreshLock(userId, 2_000, (locked) =>
      locked.recordFailure(saved.version, { error: 'invalid_grant', status: 'needs_reauth', failureCount: 1, blockedUntil: null, now: new Date() }),
    );
    expect(failed?.status).toBe('needs_reauth');
    const write = await fx.store.connections.withRefreshLock(userId, 2_000, (locked) => locked.saveTokens(failed?.version as number, refreshed()));
    expect(write).toBeNull();
  });

  test('withRefreshLock serializes two holders: the second sees the first\'s committed write', async () => {
    const userId = uniqueUserId('serialize');
    await fx.store.connections.saveConnected(newConnection(userId));
    const other = fx.second();
    const firstHasLock = deferred();
    const letFirstFinish = deferred();
    const tokens = refreshed();
    const order: string[] = [];

    const first = fx.store.connections.withRefreshLock(userId, 5_000, async (locked) => {
      firstHasLock.resolve();
      await letFirstFinish.promise;
      order.push('first writes');
      return locked.saveTokens(locked.current?.version as number, tokens);
    });
    await firstHasLock.promise;
    const second = other.connections.withRefreshLock(userId, 5_000, (locked) => {
      order.push('second holds');
      return Promise.resolve(locked.current);
    });
    // Give the second holder time to (wrongly) get in.
    await new Promise((r) => setTimeout(r, 300));
    order.push('released');
    letFirstFinish.resolve();
    const written = await first;
    const seen = await second;
    expect(order).toEqual(['released', 'first writes', 'second holds']);
    expect(seen?.version).toBe(written?.version);
    expect(seen?.tokens?.refreshToken).toBe(tokens.refreshToken);
  });

  test('waiting for the refresh lock beyond its timeout throws StoreLockTimeoutError', async () => {
    const userId = uniqueUserId('lock-timeout');
    await fx.store.connections.saveConnected(newConnection(userId));
    const other = fx.second();
    const held = deferred();
    const release = deferred();
    const holder = fx.store.connections.withRefreshLock(userId, 5_000, async () => {
      held.resolve();
      await release.promise;
    });
    await held.promise;
    const started = Date.now();
    await expect(other.connections.withRefreshLock(userId, 300, () => Promise.resolve('got it'))).rejects.toThrow(StoreLockTimeoutError);
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(250);
    expect(waited).toBeLessThan(3_000);
    release.resolve();
    await holder;
    // The lock is free again afterwards.
    await expect(other.connections.withRefreshLock(userId, 1_000, () => Promise.resolve('got it'))).resolves.toBe('got it');
  });

  test('a holder that throws releases the lock and the error reaches the caller', async () => {
    const userId = uniqueUserId('throws');
    await fx.store.connections.saveConnected(newConnection(userId));
    await expect(
      fx.store.connections.withRefreshLock(userId, 1_000, () => Promise.reject(new Error('zoom exploded'))),
    ).rejects.toThrow('zoom exploded');
    await expect(fx.store.connections.withRefreshLock(userId, 1_000, () => Promise.resolve(1))).resolves.toBe(1);
  });

  test('an error thrown by the holder (a Zoom network failure) reaches the caller unchanged, not as a database outage', async () => {
    const userId = uniqueUserId('zoom-down');
    await fx.store.connections.saveConnected(newConnection(userId));
    const zoomDown = Object.assign(new Error('connect ECONNREFUSED zoom.us:443'), { code: 'ECONNREFUSED' });
    await expect(fx.store.connections.withRefreshLock(userId, 1_000, () => Promise.reject(zoomDown))).rejects.toBe(zoomDown);
  });

  test('a LockedConnection used after its lock was released refuses to write', async () => {
    const userId = uniqueUserId('escaped');
    await fx.store.connections.saveConnected(newConnection(userId));
    const escaped = await fx.store.connections.withRefreshLock(userId, 1_000, (locked) => Promise.resolve(locked));
    await expect(escaped.saveTokens(escaped.current?.version as number, refreshed())).rejects.toThrow(LockReleasedError);
  });

  test('withRefreshLock on a user without a connection hands over current = null', async () => {
    const seen = await fx.store.connections.withRefreshLock(uniqueUserId('none'), 1_000, (locked) => Promise.resolve(locked.current));
    expect(seen).toBeNull();
  });

  test('disconnect is idempotent, returns the row before with its tokens, and wipes both tokens', async () => {
    const input = newConnection(uniqueUserId('disconnect'));
    const saved = await fx.store.connections.saveConnected(input);
    const now = new Date();
    const before = await fx.store.connections.disconnect(input.userId, 'revoked', { wipePersonalData: false, now });
    expect(before).toMatchObject({ status: 'active', version: saved.version });
    expect(before?.tokens).toEqual({ accessToken: input.accessToken, refreshToken: input.refreshToken });
    const after = await fx.store.connections.getWithTokens(input.userId);
    expect(after).toMatchObject({ status: 'revoked', tokens: null, version: saved.version + 1, zoomEmail: input.zoomEmail });
    expect(after?.revokedAt?.getTime()).toBe(now.getTime());
    const raw = await fx.store.db.query<{ a: string | null; r: string | null; k: string | null }>(
      'SELECT access_token_enc AS a, refresh_token_enc AS r, token_kid AS k FROM connections WHERE user_id = $1',
      [input.userId],
    );
    expect(raw.rows[0]).toEqual({ a: null, r: null, k: null });
    expect(await fx.store.connections.disconnect(input.userId, 'revoked', { wipePersonalData: false, now: new Date() })).toBeNull();
    expect((await fx.store.connections.get(input.userId))?.version).toBe(saved.version + 1);
    expect(await fx.store.connections.disconnect(uniqueUserId('never'), 'revoked', { wipePersonalData: false, now })).toBeNull();
  });

  test('concurrent disconnects: exactly one gets the row back', async () => {
    const userId = uniqueUserId('disconnect-race');
    await fx.store.connections.saveConnected(newConnection(userId));
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        fx.store.connections.disconnect(userId, i % 2 ? 'revoked' : 'deauthorized', { wipePersonalData: i % 2 === 0, now: new Date() }),
      ),
    );
    expect(results.filter((r) => r !== null)).toHaveLength(1);
  });

  test('deauthorization wipes tokens and personal data; a later revoke finds nothing to do', async () => {
    const input = newConnection(uniqueUserId('deauth'));
    await fx.store.connections.saveConnected(input);
    const before = await fx.store.connections.disconnect(input.userId, 'deauthorized', { wipePersonalData: true, now: new Date() });
    expect(before?.zoomEmail).toBe(input.zoomEmail);
    const after = await fx.store.connections.getWithTokens(input.userId);
    expect(after).toMatchObject({
      status: 'deauthorized',
      tokens: null,
      zoomEmail: null,
      zoomAccountId: null,
      deviceUserAgent: null,
      deviceIp: null,
      apiUrl: null,
      // Kept so a repeated app_deauthorized webhook still finds the row and is a no-op.
      zoomUserId: input.zoomUserId,
    });
    const dump = await dumpAllTables(fx.store);
    expect(dump).not.toContain(input.zoomEmail as string);
    expect(await fx.store.connections.disconnect(input.userId, 'revoked', { wipePersonalData: false, now: new Date() })).toBeNull();
    expect((await fx.store.connections.get(input.userId))?.status).toBe('deauthorized');
  });

  test('a deauthorization after a revoke keeps status revoked but still wipes personal data', async () => {
    const input = newConnection(uniqueUserId('revoke-then-deauth'));
    await fx.store.connections.saveConnected(input);
    await fx.store.connections.disconnect(input.userId, 'revoked', { wipePersonalData: false, now: new Date() });
    const second = await fx.store.connections.disconnect(input.userId, 'deauthorized', { wipePersonalData: true, now: new Date() });
    expect(second).toBeNull();
    expect(await fx.store.connections.get(input.userId)).toMatchObject({ status: 'revoked', zoomEmail: null, deviceIp: null, zoomAccountId: null });
  });

  test('disconnect still wipes a row whose tokens no longer decrypt, handing back tokens: null', async () => {
    const input = newConnection(uniqueUserId('undecryptable'));
    await fx.store.connections.saveConnected(input);
    await fx.store.db.query("UPDATE connections SET access_token_enc = 'v1.k1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' WHERE user_id = $1", [input.userId]);
    const before = await fx.store.connections.disconnect(input.userId, 'revoked', { wipePersonalData: false, now: new Date() });
    expect(before).toMatchObject({ status: 'active', tokens: null });
    expect((await fx.store.connections.getWithTokens(input.userId))?.tokens).toBeNull();
    expect(fx.logger.warnings.some((w) => w.msg.includes(input.userId))).toBe(true);
  });

  test('findByZoomUserId finds every app user connected to one Zoom user', async () => {
    const zoomUserId = uniqueUserId('zoom');
    const a = uniqueUserId('a');
    const b = uniqueUserId('b');
    await fx.store.connections.saveConnected(newConnection(a, { zoomUserId }));
    await fx.store.connections.saveConnected(newConnection(b, { zoomUserId }));
    const found = await fx.store.connections.findByZoomUserId(zoomUserId);
    expect(found.map((c) => c.userId).sort()).toEqual([a, b].sort());
    expect(await fx.store.connections.findByZoomUserId(uniqueUserId('nobody'))).toEqual([]);
  });

  test('touchLastUsed records use without bumping the version (so it never makes a refresh write stale)', async () => {
    const userId = uniqueUserId('touch');
    const saved = await fx.store.connections.saveConnected(newConnection(userId));
    const at = new Date(Date.now() + 1_000);
    await fx.store.connections.touchLastUsed(userId, at);
    await fx.store.connections.touchLastUsed(userId, new Date(at.getTime() - 5_000)); // older: ignored
    const read = await fx.store.connections.get(userId);
    expect(read?.lastUsedAt?.getTime()).toBe(at.getTime());
    expect(read?.version).toBe(saved.version);
  });
});
