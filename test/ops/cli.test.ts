import { randomBytes } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMAND_HELP } from '../../src/cli/help.js';
import { parseEncryptionKeys } from '../../src/config/config.js';
import { MIGRATIONS, openPostgresStore, type SqlStore } from '../../src/store/index.js';
import { freePort } from '../helpers/net.js';
import { cipherOf, freshDatabaseUrl, newConnection, tempDir, uniqueUserId } from '../helpers/store-fixtures.js';
import { cli } from './cli-helpers.js';
import { holdInAnotherProcess, killHard } from './data-dir-helpers.js';

const KEY_MATERIAL = randomBytes(32);
const KEY = `k1:${KEY_MATERIAL.toString('base64')}`;

function environment(overrides: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    NODE_ENV: 'test',
    ZOOM_USER_MANAGED_CLIENT_ID: 'cli-client',
    ZOOM_USER_MANAGED_CLIENT_SECRET: 'cli-secret',
    ZOOM_REDIRECT_URI: 'http://localhost:4000/api/zoom/oauth/user-callback',
    TOKEN_ENCRYPTION_KEYS: KEY,
    POST_CONNECT_REDIRECT_URL: 'http://localhost:4000/',
    ...overrides,
  };
}

describe('zoom-connect --version and --help', () => {
  it('--version prints the package version', async () => {
    const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(await cli(['--version'], {})).toEqual({ code: 0, out: `zoom-connect ${pkg.version}\n`, err: '' });
  });

  it.each(Object.keys(COMMAND_HELP))('"%s --help" prints its usage and runs nothing', async (command) => {
    // A database nothing listens on: had the command run, it would have failed.
    const unreachable = environment({ DATABASE_URL: `postgres://zc@127.0.0.1:${await freePort()}/zc`, PORT: 'not-a-port' });
    const run = await cli(command === 'connections' ? [command, 'list', '--help'] : [command, '--help'], unreachable);
    expect(run).toEqual({ code: 0, out: COMMAND_HELP[command], err: '' });
    expect(run.out).toMatch(new RegExp(`^Usage: zoom-connect ${command}`));
  });

  it('--help lists every command', async () => {
    const run = await cli(['--help'], {});
    for (const command of Object.keys(COMMAND_HELP)) expect(run.out).toMatch(new RegExp(`^ {2}${command} `, 'm'));
    expect(run.code).toBe(0);
  });
});

describe('zoom-connect generate-key', () => {
  it('prints one kid:base64 entry of 32 bytes that TOKEN_ENCRYPTION_KEYS accepts', async () => {
    const run = await cli(['generate-key', 'spring'], {});
    const parsed = parseEncryptionKeys(run.out.trim());
    expect(parsed.problems).toEqual([]);
    expect(parsed.keys.map((k) => [k.kid, k.key.length])).toEqual([['spring', 32]]);
    expect(run.out.trim().split('\n')).toHaveLength(1);
  });

  it('two keys generated are different', async () => {
    expect((await cli(['generate-key'], {})).out).not.toBe((await cli(['generate-key'], {})).out);
  });

  it('a malformed key id is refused', async () => {
    const run = await cli(['generate-key', 'has space'], {});
    expect(run.code).toBe(2);
    expect(run.err).toMatch(/key id must be 1-32 characters/);
  });
});

describe('zoom-connect migrate', () => {
  it('says which migrations it applied, then that nothing was pending', async () => {
    const env = environment({ DATABASE_URL: await freshDatabaseUrl() });
    const first = await cli(['migrate'], env);
    const applied = MIGRATIONS.map((m) => `applied migration ${m.version} (${m.name})\n`).join('');
    expect(applied).toMatch(/^applied migration 1 \(connections, oauth_states, audit_events\)\n/);
    expect(first).toMatchObject({ code: 0, out: applied });
    const second = await cli(['migrate'], env);
    expect(second).toMatchObject({ code: 0, out: `nothing pending: the database is at migration ${MIGRATIONS.length}\n` });
  });

  it('is refused while another process holds the embedded data directory, naming it', async () => {
    const dataDir = await tempDir('zc-cli-lock-');
    const holder = await holdInAnotherProcess(path.join(dataDir, 'pglite'));
    try {
      const run = await cli(['migrate'], environment({ DATA_DIR: dataDir }));
      expect(run.code).toBe(1);
      expect(run.err).toContain(`in use: held by process ${String(holder.pid)} ("zoom-connect serve"`);
    } finally {
      await killHard(holder);
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('zoom-connect connections', () => {
  let databaseUrl: string;
  let store: SqlStore;
  const active = newConnection(uniqueUserId('cli-active'));
  const broken = newConnection(uniqueUserId('cli-broken'));

  beforeAll(async () => {
    databaseUrl = await freshDatabaseUrl();
    store = openPostgresStore({ databaseUrl, cipher: cipherOf({ kid: 'k1', key: KEY_MATERIAL }) });
    await store.migrate();
    await store.connections.saveConnected(active);
    await store.connections.saveConnected(broken);
    await store.connections.withRefreshLock(broken.userId, 5_000, async (locked) => {
      await locked.recordFailure(locked.current?.version ?? 0, {
        error: 'invalid_grant: token revoked',
        status: 'needs_reauth',
        failureCount: 1,
        blockedUntil: null,
        now: new Date(),
      });
    });
  }, 60_000);

  afterAll(async () => {
    await store.close();
  });

  it('list shows each connection\'s status, Zoom user id and failure count, never a token', async () => {
    const run = await cli(['connections', 'list'], environment({ DATABASE_URL: databaseUrl }));
    expect(run.code).toBe(0);
    expect(run.out).toContain(`${active.userId}\tactive\t${active.zoomUserId}\t0\t`);
    expect(run.out).toContain(`${broken.userId}\tneeds_reauth\t${broken.zoomUserId}\t1\t`);
    for (const secret of [active.accessToken, active.refreshToken, broken.accessToken, broken.refreshToken]) expect(run.out).not.toContain(secret);
  });

  it('list --status filters by status', async () => {
    const run = await cli(['connections', 'list', '--status=needs_reauth'], environment({ DATABASE_URL: databaseUrl }));
    expect(run.out).toContain(broken.userId);
    expect(run.out).not.toContain(active.userId);
  });

  it('list refuses an unknown status naming the ones expected', async () => {
    const run = await cli(['connections', 'list', '--status=sleeping'], environment({ DATABASE_URL: databaseUrl }));
    expect(run.code).toBe(2);
    expect(run.err).toContain('--status: expected one of active, needs_reauth, inactive, revoked, deauthorized, got "sleeping"');
  });

  it('show prints one connection\'s status, Zoom ids and last error, never a token', async () => {
    const run = await cli(['connections', 'show', broken.userId], environment({ DATABASE_URL: databaseUrl }));
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/^status {18}needs_reauth$/m);
    expect(run.out).toMatch(new RegExp(`^zoom_user_id {12}${broken.zoomUserId}$`, 'm'));
    expect(run.out).toMatch(new RegExp(`^zoom_account_id {9}${broken.zoomAccountId ?? ''}$`, 'm'));
    expect(run.out).toMatch(/^refresh_failure_count {3}1$/m);
    expect(run.out).toMatch(/^last_refresh_error {6}invalid_grant: token revoked$/m);
    expect(run.out).not.toContain(broken.accessToken);
    expect(run.out).not.toContain(broken.refreshToken);
  });

  it('show of an unknown user exits 1 saying so', async () => {
    const run = await cli(['connections', 'show', 'nobody'], environment({ DATABASE_URL: databaseUrl }));
    expect(run).toEqual({ code: 1, out: '', err: 'zoom-connect connections show: no connection for user "nobody"\n' });
  });
});
