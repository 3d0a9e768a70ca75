/**
 * Shared set-up for the store suites, which run once per backend: PGlite
 * (one instance per file, started in beforeAll because it takes seconds) and
 * the run's real PostgreSQL server (a fresh database per file). Tests in a
 * file share the store and stay apart by using distinct user ids.
 */
import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, inject } from 'vitest';
import type { EncryptionKey } from '../../src/config/config.js';
import { TokenCipher } from '../../src/crypto/index.js';
import { openPostgresStore, type SqlStore, type StoreLogger } from '../../src/store/index.js';
import { openPgliteStore } from '../../src/store/pglite-store.js';
import type { NewConnection } from '../../src/store/types.js';
import { createDatabase } from './postgres.js';

export type Backend = 'pglite' | 'postgres';
export const BACKENDS: Backend[] = ['pglite', 'postgres'];

export function testKey(kid: string): EncryptionKey {
  return { kid, key: randomBytes(32) };
}

export function cipherOf(...keys: EncryptionKey[]): TokenCipher {
  return new TokenCipher(keys);
}

let sequence = 0;
/** A user id no other test in the file uses. */
export function uniqueUserId(label: string): string {
  sequence += 1;
  return `${label}-${sequence}-${randomBytes(3).toString('hex')}`;
}

/** A token that looks like Zoom's: long, random, base64url-ish. */
export function fakeToken(kind: 'access' | 'refresh'): string {
  return `eyJ${kind}.${randomBytes(48).toString('base64url')}`;
}

export function newConnection(userId: string, overrides: Partial<NewConnection> = {}): NewConnection {
  const now = overrides.now ?? new Date();
  return {
    userId,
    zoomUserId: `zoom-${userId}`,
    zoomEmail: `${userId}@example.test`,
    zoomAccountId: `acct-${userId}`,
    apiUrl: 'https://api.zoom.us',
    accessToken: fakeToken('access'),
    refreshToken: fakeToken('refresh'),
    accessTokenExpiresAt: new Date(now.getTime() + 3600_000),
    grantedScopes: ['meeting:read', 'user:read'],
    deviceUserAgent: 'Mozilla/5.0 (test)',
    deviceIp: '203.0.113.7',
    now,
    ...overrides,
  };
}

/** Collects warnings so tests can assert that something was reported. */
export class RecordingLogger implements StoreLogger {
  readonly warnings: Array<{ obj: object; msg: string }> = [];
  warn(obj: object, msg: string): void {
    this.warnings.push({ obj, msg });
  }
  info(): void {
    return undefined;
  }
}

export interface TestStoreOptions {
  cipher?: TokenCipher;
  logger?: StoreLogger;
  poolMax?: number;
}

export interface StoreFixture {
  readonly store: SqlStore;
  readonly cipher: TokenCipher;
  readonly logger: RecordingLogger;
  readonly backend: Backend;
  /** Another client of the same database, as a second instance would be; on PGlite (one process) the same store. */
  second(): SqlStore;
}

export async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), prefix));
}

/** A PGlite data directory holding an empty cluster, copied from the run's template (no migrations applied). */
export async function freshPgliteDir(): Promise<string> {
  const dir = await tempDir('zc-pglite-');
  await cp(inject('pgliteTemplateDir'), dir, { recursive: true });
  return dir;
}

export async function freshDatabaseUrl(): Promise<string> {
  return createDatabase(inject('pgAdminUrl'));
}

/** Opens one migrated store for the enclosing describe block and closes it afterwards. */
export function useStore(backend: Backend, options: TestStoreOptions = {}): StoreFixture {
  const cipher = options.cipher ?? cipherOf(testKey('k1'));
  const logger = new RecordingLogger();
  let store: SqlStore | undefined;
  let dataDir: string | undefined;
  let databaseUrl: string | undefined;
  const extra: SqlStore[] = [];

  beforeAll(async () => {
    if (backend === 'pglite') {
      dataDir = await freshPgliteDir();
      store = await openPgliteStore({ dataDir, cipher, logger });
    } else {
      databaseUrl = await freshDatabaseUrl();
      store = openPostgresStore({ databaseUrl, cipher, logger, poolMax: options.poolMax ?? 20 });
    }
    await store.migrate();
  }, 180_000);

  afterAll(async () => {
    for (const s of extra) await s.close();
    await store?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  return {
    get store(): SqlStore {
      if (!store) throw new Error('store used outside a test (beforeAll has not run)');
      return store;
    },
    cipher,
    logger,
    backend,
    second: () => {
      if (!store) throw new Error('store used outside a test');
      if (backend === 'pglite' || !databaseUrl) return store;
      const other = openPostgresStore({ databaseUrl, cipher, logger });
      extra.push(other);
      return other;
    },
  };
}

/** Every row of every table of the schema, as text: what an attacker with a database dump would see. */
export async function dumpAllTables(store: SqlStore): Promise<string> {
  const { rows: tables } = await store.db.query<{ table_name: string }>(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name",
  );
  const parts: string[] = [];
  for (const { table_name } of tables) {
    const { rows } = await store.db.query<{ row: string }>(`SELECT t::text AS row FROM "${table_name}" t`);
    parts.push(`${table_name}:`, ...rows.map((r) => r.row));
  }
  return parts.join('\n');
}
