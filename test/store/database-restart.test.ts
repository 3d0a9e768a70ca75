import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openPostgresStore, StoreUnavailableError, type SqlStore } from '../../src/store/index.js';
import { createDatabase, startPostgresServer, type PostgresServer } from '../helpers/postgres.js';
import { cipherOf, newConnection, RecordingLogger, testKey, uniqueUserId } from '../helpers/store-fixtures.js';

// Its own server: stopping the run's shared one would break other files.
describe('a PostgreSQL restart under the store', () => {
  let server: PostgresServer;
  let store: SqlStore;
  const logger = new RecordingLogger();

  beforeAll(async () => {
    // Durable: one test crashes the server and then checks what was committed.
    server = await startPostgresServer({ durable: true });
    store = openPostgresStore({ databaseUrl: await createDatabase(server.adminUrl), cipher: cipherOf(testKey('k1')), logger });
    await store.migrate();
  });

  afterAll(async () => {
    await store.close();
    await server.destroy();
  });

  test('while the server is down calls fail with StoreUnavailableError; after it is back they succeed on the same store', async () => {
    const input = newConnection(uniqueUserId('restart'));
    await store.connections.saveConnected(input);
    await store.connections.get(input.userId); // leaves idle pooled connections behind

    await server.stop('fast');
    await expect(store.ping()).rejects.toThrow(StoreUnavailableError);
    await expect(store.connections.get(input.userId)).rejects.toThrow(StoreUnavailableError);
    await expect(store.connections.withRefreshLock(input.userId, 1_000, () => Promise.resolve(1))).rejects.toThrow(StoreUnavailableError);

    await server.start();
    await expect(store.ping()).resolves.toBeUndefined();
    expect((await store.connections.getWithTokens(input.userId))?.tokens?.refreshToken).toBe(input.refreshToken);
  });

  test('a server crash while a refresh holds the row lock fails that refresh cleanly and loses nothing committed', async () => {
    const input = newConnection(uniqueUserId('crash'));
    await store.connections.saveConnected(input);
    const refresh = store.connections.withRefreshLock(input.userId, 2_000, async (locked) => {
      await server.stop('immediate'); // the database dies during the Zoom call
      return locked.saveTokens(locked.current?.version as number, {
        accessToken: 'never-stored',
        refreshToken: 'never-stored',
        accessTokenExpiresAt: new Date(),
        grantedScopes: [],
        apiUrl: null,
        now: new Date(),
      });
    });
    await expect(refresh).rejects.toThrow(StoreUnavailableError);
    await server.start();
    const read = await store.connections.getWithTokens(input.userId);
    expect(read?.tokens?.refreshToken).toBe(input.refreshToken);
  });
});
