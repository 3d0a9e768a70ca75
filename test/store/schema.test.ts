/**
 * Our tables live in a schema of their own (default `zoom_connect`), so a
 * host app's tables (a Rails-style schema_migrations, its own connections)
 * never clash; an older build's tables in `public` move in.
 */
import { rm } from 'node:fs/promises';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { MIGRATIONS, openPostgresStore, type SqlStore } from '../../src/store/index.js';
import { openPgliteStore } from '../../src/store/pglite-store.js';
import { BACKENDS, cipherOf, freshDatabaseUrl, freshPgliteDir, newConnection, testKey, type Backend } from '../helpers/store-fixtures.js';

const cipher = cipherOf(testKey('k1'));

/** A host's own statements, on the same database, before we arrive. */
const HOST_TABLES = `
CREATE TABLE public.schema_migrations (version varchar PRIMARY KEY);
INSERT INTO public.schema_migrations VALUES ('20240101000000');
CREATE TABLE public.connections (id serial PRIMARY KEY, name text);
`;

/** What a build before the schema of our own left in `public`: migration 1 and its record. */
const OLDER_BUILD = `
SET search_path TO public;
CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now());
${MIGRATIONS[0]?.sql ?? ''};
INSERT INTO schema_migrations (version, name) VALUES (1, 'connections, oauth_states, audit_events');
`;

interface Opened {
  store: SqlStore;
  /** Runs raw SQL on the database as the host would (its own session, default search_path). */
  hostSql(sql: string): Promise<Array<Record<string, unknown>>>;
  close(): Promise<void>;
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** A database prepared by `before` (host SQL), then our store opened on it with `schema`. */
async function open(backend: Backend, before: string, schema?: string): Promise<Opened> {
  if (backend === 'postgres') {
    const url = await freshDatabaseUrl();
    const host = new pg.Client({ connectionString: url });
    await host.connect();
    if (before) await host.query(before);
    const store = openPostgresStore({ databaseUrl: url, cipher, schema });
    const opened: Opened = {
      store,
      hostSql: async (sql) => (await host.query(sql)).rows as Array<Record<string, unknown>>,
      close: async () => {
        await store.close();
        await host.end();
      },
    };
    cleanups.push(() => opened.close());
    return opened;
  }
  const dir = await freshPgliteDir();
  if (before) {
    const prep = await openPgliteStore({ dataDir: dir, cipher, schema: 'public' });
    await prep.db.exec(before);
    await prep.close();
  }
  const store = await openPgliteStore({ dataDir: dir, cipher, schema });
  // PGlite has one session: the host's view is ours with the schema named.
  const opened: Opened = {
    store,
    hostSql: async (sql) => (await store.db.query<Record<string, unknown>>(sql)).rows,
    close: async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
  cleanups.push(() => opened.close());
  return opened;
}

async function tablesIn(o: Opened, schema: string): Promise<string[]> {
  const rows = await o.hostSql(`SELECT table_name FROM information_schema.tables WHERE table_schema = '${schema}' ORDER BY table_name`);
  return rows.map((r) => String(r.table_name));
}

describe.each(BACKENDS)('a schema of our own (%s)', (backend) => {
  it("migrating beside a host's Rails-style schema_migrations and its own connections table leaves both alone", async () => {
    const o = await open(backend, HOST_TABLES);
    await o.store.migrate();
    await o.store.connections.saveConnected(newConnection('alice'));

    expect(await tablesIn(o, 'zoom_connect')).toEqual(expect.arrayContaining(['audit_events', 'connections', 'oauth_states', 'schema_migrations']));
    expect(await o.hostSql('SELECT version FROM public.schema_migrations')).toEqual([{ version: '20240101000000' }]);
    expect(await o.hostSql('SELECT count(*)::int AS n FROM public.connections')).toEqual([{ n: 0 }]);
    expect((await o.store.connections.get('alice'))?.status).toBe('active');
  });

  it('the schema is configurable', async () => {
    const o = await open(backend, '', 'tenant_zoom');
    await o.store.migrate();
    expect(await tablesIn(o, 'tenant_zoom')).toEqual(expect.arrayContaining(['connections', 'schema_migrations']));
    expect(await tablesIn(o, 'zoom_connect')).toEqual([]);
  });

  it("an older build's tables in public move into the schema with their rows", async () => {
    const o = await open(backend, OLDER_BUILD);
    await o.hostSql("INSERT INTO public.connections (user_id, status) VALUES ('legacy-user', 'needs_reauth')");
    await o.store.migrate();

    expect((await o.store.connections.get('legacy-user'))?.status).toBe('needs_reauth');
    expect(await tablesIn(o, 'public')).toEqual([]);
    expect(await tablesIn(o, 'zoom_connect')).toEqual(expect.arrayContaining(['audit_events', 'connections', 'oauth_states', 'schema_migrations']));
  });
});

describe("sharing a host's pg.Pool", () => {
  it("our tables are found through the host's pool while its sessions keep their own search_path, and closing leaves the pool open", async () => {
    const url = await freshDatabaseUrl();
    const pool = new pg.Pool({ connectionString: url, max: 2 });
    try {
      const store = openPostgresStore({ pool, cipher });
      await store.migrate();
      await store.connections.saveConnected(newConnection('bob'));
      expect((await store.connections.get('bob'))?.status).toBe('active');
      await store.close();

      // Both of the pool's sessions went through our transactions; neither kept our schema.
      const clients = await Promise.all([pool.connect(), pool.connect()]);
      const paths = await Promise.all(clients.map(async (c) => (await c.query<{ search_path: string }>('SHOW search_path')).rows[0]?.search_path));
      for (const c of clients) c.release();
      expect(paths).toEqual(['"$user", public', '"$user", public']);
      expect((await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM zoom_connect.connections')).rows).toEqual([{ n: 1 }]);
    } finally {
      await pool.end();
    }
  });
});
