import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { openPostgresStore } from '../../src/store/index.js';
import { freePort } from '../helpers/net.js';
import { cipherOf, freshDatabaseUrl, newConnection, testKey, uniqueUserId } from '../helpers/store-fixtures.js';
import { cli, line } from './cli-helpers.js';

const CLIENT_ID = 'doctor-client';
const CLIENT_SECRET = 'doctor-client-secret';
const REDIRECT_URI = 'http://localhost:4000/api/zoom/oauth/user-callback';
const KEY = `k1:${randomBytes(32).toString('base64')}`;

let emulator: RunningEmulator;
let migratedUrl: string;

beforeAll(async () => {
  emulator = await startEmulator({ clients: [{ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, redirectUris: [REDIRECT_URI] }] });
  migratedUrl = await freshDatabaseUrl();
  const migrated = await cli(['migrate'], environment({ DATABASE_URL: migratedUrl }));
  expect(migrated.code).toBe(0);
}, 60_000);

afterAll(async () => {
  await emulator.close();
});

function environment(overrides: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    NODE_ENV: 'test',
    ZOOM_USER_MANAGED_CLIENT_ID: CLIENT_ID,
    ZOOM_USER_MANAGED_CLIENT_SECRET: CLIENT_SECRET,
    ZOOM_REDIRECT_URI: REDIRECT_URI,
    ZOOM_OAUTH_BASE_URL: emulator.url,
    ZOOM_API_BASE_URL: `${emulator.url}/v2`,
    TOKEN_ENCRYPTION_KEYS: KEY,
    POST_CONNECT_REDIRECT_URL: 'http://localhost:4000/',
    DATABASE_URL: migratedUrl,
    ...overrides,
  };
}

describe('zoom-connect doctor', () => {
  it('a good setup passes every check, one line each, and exits 0', async () => {
    const run = await cli(['doctor'], environment());
    expect(run.out.trim().split('\n').map((l) => l.slice(0, 4))).toEqual(['ok  ', 'ok  ', 'ok  ', 'ok  ', 'ok  ', 'ok  ']);
    expect(line(run.out, 'zoom oauth')).toContain('accepts the client credentials');
    expect(run.code).toBe(0);
  });

  it('an invalid configuration fails the config check and skips what needs it', async () => {
    const run = await cli(['doctor'], environment({ PORT: 'abc' }));
    expect(line(run.out, 'config')).toBe('FAIL  config: PORT: expected a whole number, got "abc"');
    expect(line(run.out, 'database')).toMatch(/^skip/);
    expect(run.code).toBe(1);
  });

  it('a redirect URI off the callback route fails its check', async () => {
    const run = await cli(['doctor'], environment({ ZOOM_REDIRECT_URI: 'http://localhost:4000/oauth/done' }));
    expect(line(run.out, 'redirect URI')).toBe('FAIL  redirect URI: path is "/oauth/done", expected /api/zoom/oauth/user-callback (the callback route)');
    expect(run.code).toBe(1);
  });

  it('an unreachable database fails the database check', async () => {
    const run = await cli(['doctor'], environment({ DATABASE_URL: `postgres://zc@127.0.0.1:${await freePort()}/zc` }));
    expect(line(run.out, 'database')).toMatch(/^FAIL {2}database: Database unavailable/);
    expect(line(run.out, 'migrations')).toMatch(/^skip/);
    expect(run.code).toBe(1);
  });

  it('a database without migrations fails the migrations check', async () => {
    const run = await cli(['doctor'], environment({ DATABASE_URL: await freshDatabaseUrl() }));
    expect(line(run.out, 'database')).toMatch(/^ok/);
    expect(line(run.out, 'migrations')).toBe('FAIL  migrations: none applied: run zoom-connect migrate');
    expect(run.code).toBe(1);
  });

  it('a stored key id missing from the key ring fails the encryption keys check', async () => {
    const databaseUrl = await freshDatabaseUrl();
    const store = openPostgresStore({ databaseUrl, cipher: cipherOf(testKey('retired')) });
    try {
      await store.migrate();
      await store.connections.saveConnected(newConnection(uniqueUserId('doctor')));
    } finally {
      await store.close();
    }
    const run = await cli(['doctor'], environment({ DATABASE_URL: databaseUrl }));
    expect(line(run.out, 'encryption keys')).toBe('FAIL  encryption keys: stored data uses key ids missing from TOKEN_ENCRYPTION_KEYS: "retired" (1 rows)');
    expect(run.code).toBe(1);
  });

  it('a client secret Zoom refuses fails the zoom oauth check with invalid_client', async () => {
    const run = await cli(['doctor'], environment({ ZOOM_USER_MANAGED_CLIENT_SECRET: 'rotated-at-zoom' }));
    expect(line(run.out, 'zoom oauth')).toMatch(/^FAIL {2}zoom oauth: .* refused the client credentials \(invalid_client\)/);
    expect(run.out).not.toContain('rotated-at-zoom');
    expect(run.code).toBe(1);
  });

  it('an unreachable Zoom OAuth host fails the zoom oauth check', async () => {
    const run = await cli(['doctor'], environment({ ZOOM_OAUTH_BASE_URL: `http://127.0.0.1:${await freePort()}` }));
    expect(line(run.out, 'zoom oauth')).toMatch(/^FAIL {2}zoom oauth: .* unreachable: Could not reach Zoom/);
    expect(run.code).toBe(1);
  });
});
