import { rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, test } from 'vitest';
import { DataDirInUseError, MIGRATIONS, openPostgresStore, openStore, StoreUnavailableError } from '../../src/store/index.js';
import { openPgliteStore } from '../../src/store/pglite-store.js';
import { RowLockRefreshLocker } from '../../src/store/refresh-lock.js';
import { STATEMENT_TIMEOUT_MS } from '../../src/store/timeouts.js';
import { cipherOf, freshDatabaseUrl, newConnection, tempDir, testKey, uniqueUserId, useStore } from '../helpers/store-fixtures.js';

const key = testKey('k1');

async function migrationRows(db: { query: <R extends object>(sql: string) => Promise<{ rows: R[] }> }): Promise<number[]> {
  const { rows } = await db.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
  return rows.map((r) => Number(r.version));
}

describe('store lifecycle on pglite', () => {
  test('restarting on the same PGlite directory keeps every connection (close, reopen)', async () => {
    const dataDir = await tempDir('zc-pglite-restart-');
    try {
      const inputs = Array.from({ length: 3 }, () => newConnection(uniqueUserId('persist')));
      const first = await openPgliteStore({ dataDir, cipher: cipherOf(key) });
      await first.migrate();
      for (const input of inputs) await first.connections.saveConnected(input);
      // Two PGlite instances on one directory would corrupt it.
      await expect(openPgliteStore({ dataDir, cipher: cipherOf(key) })).rejects.toThrow(DataDirInUseError);
      await first.close();

      const reopened = await openPgliteStore({ dataDir, cipher: cipherOf(key) });
      try {
        await reopened.migrate(); // idempotent across restarts too
        for (const input of inputs) {
          const read = await reopened.connections.getWithTokens(input.userId);
          expect(read?.tokens).toEqual({ accessToken: input.accessToken, refreshToken: input.refreshToken });
        }
        expect(await migrationRows(reopened.db)).toEqual(MIGRATIONS.map((m) => m.version));
      } finally {
        await reopened.close();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
    // Two PGlite start-ups in one test: seconds each, far more on a loaded machine.
  }, 180_000);
});

describe.each(['pglite', 'postgres'] as const)('store lifecycle on %s', (backend) => {
  const fx = useStore(backend);

  test('migrations are idempotent: migrating again changes nothing', async () => {
    await fx.store.migrate();
    await fx.store.migrate();
    expect(await migrationRows(fx.store.db)).toEqual(MIGRATIONS.map((m) => m.version));
  });

  test('ping answers while the database is up', async () => {
    await expect(fx.store.ping()).resolves.toBeUndefined();
  });
});

describe('store lifecycle on postgres', () => {
  test('two instances migrating a fresh database at the same moment both succeed', async () => {
    const databaseUrl = await freshDatabaseUrl();
    const stores = Array.from({ length: 4 }, () => openPostgresStore({ databaseUrl, cipher: cipherOf(key) }));
    try {
      await Promise.all(stores.map((s) => s.migrate()));
      expect(await migrationRows((stores[0] as (typeof stores)[number]).db)).toEqual(MIGRATIONS.map((m) => m.version));
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  test('pool connections carry the nested timeouts: statement 15 s < idle-in-transaction 30 s', async () => {
    const store = openPostgresStore({ databaseUrl: await freshDatabaseUrl(), cipher: cipherOf(key) });
    try {
      const { rows } = await store.db.query<{ statement: string; idle: string; lock: string }>(
        "SELECT current_setting('statement_timeout') AS statement, current_setting('idle_in_transaction_session_timeout') AS idle, current_setting('lock_timeout') AS lock",
      );
      expect(rows[0]).toEqual({ statement: '15s', idle: '30s', lock: '0' });
    } finally {
      await store.close();
    }
  });

  test('a refresh lock allowed a long wait keeps its session alive longer than that wait (idle-in-transaction above lock and statement timeouts)', async () => {
    const store = openPostgresStore({ databaseUrl: await freshDatabaseUrl(), cipher: cipherOf(key) });
    try {
      const locker = new RowLockRefreshLocker(store.db, 1);
      // 2 x a 60 s Zoom timeout + margin: far above the pool's 30 s idle-in-transaction default.
      const settings = await locker.run('anyone', 125_000, async (db) => {
        const { rows } = await db.query<{ lock: string; statement: string; idle: string }>(
          "SELECT current_setting('lock_timeout') AS lock, current_setting('statement_timeout') AS statement, current_setting('idle_in_transaction_session_timeout') AS idle",
        );
        return rows[0];
      });
      // The lock wait is what is left of the caller's 125 s when the transaction starts (a millisecond may have passed).
      const ms = (v: string | undefined): number => (v?.endsWith('ms') ? Number(v.slice(0, -2)) : Number(v?.slice(0, -1)) * 1000);
      const [lock, statement, idle] = [ms(settings?.lock), ms(settings?.statement), ms(settings?.idle)];
      expect(lock).toBeGreaterThan(120_000);
      expect(lock).toBeLessThanOrEqual(125_000);
      expect([statement - lock, idle - statement]).toEqual([1_000, 5_000]);
      // SET LOCAL: the pool's own defaults come back after the transaction.
      const { rows } = await store.db.query<{ idle: string }>("SELECT current_setting('idle_in_transaction_session_timeout') AS idle");
      expect(rows[0]?.idle).toBe('30s');
    } finally {
      await store.close();
    }
  });

  test('a disconnect behind a refresh that holds the row longer than the statement timeout waits it out and succeeds', async () => {
    const store = openPostgresStore({ databaseUrl: await freshDatabaseUrl(), cipher: cipherOf(key), lockTimeoutMs: 25_000 });
    try {
      await store.migrate();
      const userId = uniqueUserId('slow-refresh');
      await store.connections.saveConnected(newConnection(userId));
      let disconnect: Promise<unknown> = Promise.resolve();
      await store.connections.withRefreshLock(userId, 25_000, async () => {
        disconnect = store.connections.disconnect(userId, 'revoked', { wipePersonalData: false, now: new Date() });
        // A refresh whose first Zoom call timed out and was retried holds the row this long.
        await sleep(STATEMENT_TIMEOUT_MS + 1_000);
      });
      await expect(disconnect).resolves.not.toBeNull();
      expect((await store.connections.get(userId))?.status).toBe('revoked');
    } finally {
      await store.close();
    }
  }, 40_000);

  test('refreshes stuck on Zoom cannot take the whole pool: a plain read still answers while every lock slot is held', async () => {
    const poolMax = 4;
    const store = openPostgresStore({ databaseUrl: await freshDatabaseUrl(), cipher: cipherOf(key), poolMax });
    try {
      await store.migrate();
      const users = Array.from({ length: poolMax + 2 }, () => uniqueUserId('pool'));
      for (const userId of users) await store.connections.saveConnected(newConnection(userId));
      let release = (): void => undefined;
      const released = new Promise<void>((resolve) => (release = resolve));
      const holders = users.map((userId) => store.connections.withRefreshLock(userId, 20_000, () => released));
      await sleep(200);
      // Before the cap, every pool connection sat in a refresh and this read timed out waiting for one.
      const read = await store.connections.get(users[0] as string);
      expect(read?.userId).toBe(users[0]);
      release();
      await Promise.all(holders);
    } finally {
      await store.close();
    }
  });

  test('restarting (a new pool on the same database) keeps every connection', async () => {
    const databaseUrl = await freshDatabaseUrl();
    const input = newConnection(uniqueUserId('pg-persist'));
    const first = await openStore({ databaseUrl, dataDir: '/nonexistent', cipher: cipherOf(key) });
    await first.migrate();
    await first.connections.saveConnected(input);
    await first.close();
    const second = await openStore({ databaseUrl, dataDir: '/nonexistent', cipher: cipherOf(key) });
    try {
      expect(second.kind).toBe('postgres');
      expect((await second.connections.getWithTokens(input.userId))?.tokens?.refreshToken).toBe(input.refreshToken);
    } finally {
      await second.close();
    }
  });

  test('an unreachable database is StoreUnavailableError, and the message never shows the password', async () => {
    const store = openPostgresStore({ databaseUrl: 'postgres://app:s3cret-pw@127.0.0.1:1/zoom', cipher: cipherOf(key) });
    try {
      const failure = await store.ping().then(
        () => null,
        (err: unknown) => err,
      );
      expect(failure).toBeInstanceOf(StoreUnavailableError);
      expect((failure as Error).message).toMatch(/Database unavailable/);
      expect((failure as Error).message).not.toContain('s3cret-pw');
      await expect(store.connections.get('anyone')).rejects.toThrow(StoreUnavailableError);
    } finally {
      await store.close();
    }
  });
});
