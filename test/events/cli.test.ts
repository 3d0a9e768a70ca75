import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runEventsCommand } from '../../src/cli/events-command.js';
import { openPostgresStore, type SqlStore } from '../../src/store/index.js';
import { openPgliteStore } from '../../src/store/pglite-store.js';
import { BACKENDS, cipherOf, freshDatabaseUrl, freshPgliteDir, tempDir, testKey, uniqueUserId } from '../helpers/store-fixtures.js';
import { commitEvents, outboxRow } from './event-fixtures.js';

async function run(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runEventsCommand(args, env, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

describe.each(BACKENDS)('zoom-connect events on %s', (backend) => {
  let env: NodeJS.ProcessEnv;
  let dataDir: string;
  /** The database as the CLI will open it; closed before each command on PGlite (one opener per directory). */
  let openSeeding: () => Promise<SqlStore>;

  beforeAll(async () => {
    dataDir = await tempDir('zc-events-cli-');
    if (backend === 'postgres') {
      const databaseUrl = await freshDatabaseUrl();
      env = { NODE_ENV: 'test', DATA_DIR: dataDir, DATABASE_URL: databaseUrl };
      openSeeding = () => Promise.resolve(openPostgresStore({ databaseUrl, cipher: cipherOf(testKey('k1')) }));
    } else {
      // The CLI opens DATA_DIR/pglite, as the service does.
      await rm(dataDir, { recursive: true, force: true });
      const template = await freshPgliteDir();
      await mkdir(dataDir, { recursive: true });
      await rename(template, join(dataDir, 'pglite'));
      env = { NODE_ENV: 'test', DATA_DIR: dataDir };
      openSeeding = () => openPgliteStore({ dataDir: join(dataDir, 'pglite'), cipher: cipherOf(testKey('k1')) });
    }
  }, 120_000);

  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  async function seed(fn: (store: SqlStore) => Promise<void>): Promise<void> {
    const store = await openSeeding();
    try {
      await store.migrate();
      await fn(store);
    } finally {
      await store.close();
    }
  }

  test('list shows a dead event with its error, and replay puts it back to pending', async () => {
    const userId = uniqueUserId('cli');
    let ids: string[] = [];
    await seed(async (store) => {
      ids = await commitEvents(store, userId, 2);
      await store.outbox.claimDue(100, 60_000, 'cli-test');
      await store.outbox.markFailed(ids[0] ?? '', 'webhook answered HTTP 500', 0, 0);
    });

    const dead = await run(['list', '--status', 'dead', '--user', userId], env);
    expect(dead.code).toBe(0);
    expect(dead.out).toContain('dead: 1');
    expect(dead.out).toContain(`${ids[0]}  connection.connected  user=${userId}  dead  attempts=1`);
    expect(dead.out).toContain('last error: webhook answered HTTP 500');
    expect(dead.out).not.toContain(String(ids[1]));

    const replay = await run(['replay', ids[0] ?? ''], env);
    expect(replay).toMatchObject({ code: 0, out: 'replayed 1 event; running instances deliver it at their next poll\n' });
    await seed(async (store) => {
      expect(await outboxRow(store, ids[0] ?? '')).toEqual({ status: 'pending', attempts: 0 });
    });
  });

  test('list --json gives counts and events for scripts', async () => {
    const userId = uniqueUserId('json');
    await seed(async (store) => {
      await commitEvents(store, userId, 1);
    });
    const listed = await run(['list', '--user', userId, '--json'], env);
    const body = JSON.parse(listed.out) as { counts: { pending: number }; events: Array<{ appUserId: string; status: string }> };
    expect(body.events).toMatchObject([{ appUserId: userId, status: 'pending' }]);
    expect(body.counts.pending).toBeGreaterThanOrEqual(1);
  });

  test('replaying an event that is not dead says so and exits 1', async () => {
    const result = await run(['replay', 'evt_nonexistent'], env);
    expect(result).toMatchObject({ code: 1, out: '' });
    expect(result.err).toContain('no dead event with id "evt_nonexistent"');
  });

  test('a bad option is a usage error naming it (exit 2)', async () => {
    const result = await run(['list', '--status', 'lost'], env);
    expect(result.code).toBe(2);
    expect(result.err).toContain('--status must be one of pending, delivered, dead, got "lost"');
  });
});

describe('zoom-connect events schemas', () => {
  test('prints a JSON Schema per event type, connection and appointment events alike', async () => {
    const result = await run(['schemas'], {});
    const schemas = JSON.parse(result.out) as Record<string, { properties: Record<string, unknown>; required: string[] }>;
    expect(Object.keys(schemas)).toEqual([
      'connection.connected',
      'connection.disconnected',
      'connection.deauthorized',
      'connection.needs_reauth',
      'connection.inactive',
      'connection.reactivated',
      'appointment.meeting.created',
      'appointment.meeting.updated',
      'appointment.meeting.moved',
      'appointment.meeting.cancelled',
      'appointment.meeting.failed',
    ]);
    expect(schemas['connection.connected']?.required).toContain('reconnect');
    expect(schemas['appointment.meeting.failed']?.required).toEqual(expect.arrayContaining(['appointmentId', 'reasons']));
    expect(Object.keys(schemas['connection.inactive']?.properties ?? {})).not.toContain('reconnect');
  });
});
