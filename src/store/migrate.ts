import type { Db, StoreLogger } from './db.js';
import { MIGRATION_LOCK_KEY, MIGRATIONS, type Migration } from './migrations.js';
import { DEFAULT_SCHEMA, quoteIdent } from './schema.js';

/** The tables builds before the schema of our own created in `public` (migration 1's). */
const LEGACY_TABLES = ['connections', 'oauth_states', 'audit_events', 'schema_migrations'] as const;

/**
 * Applies pending migrations in one transaction under an advisory lock: a
 * second instance starting at the same moment waits for the lock, then sees
 * the versions the first one recorded and applies nothing. Everything lands
 * in `schema`, the only schema on the driver's search_path.
 */
export async function applyMigrations(
  db: Db,
  logger: StoreLogger,
  schema: string = DEFAULT_SCHEMA,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<number[]> {
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1::bigint)', [String(MIGRATION_LOCK_KEY)]);
    await tx.exec(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
    await adoptLegacyTables(tx, logger, schema);
    await tx.exec(`
      CREATE TABLE IF NOT EXISTS schema_migrations (
        version     integer PRIMARY KEY,
        name        text NOT NULL,
        applied_at  timestamptz NOT NULL DEFAULT now()
      )`);
    const { rows } = await tx.query<{ version: number }>('SELECT version FROM schema_migrations');
    const applied = new Set(rows.map((r) => Number(r.version)));
    const newest = Math.max(0, ...applied);
    const known = Math.max(0, ...migrations.map((m) => m.version));
    if (newest > known) {
      // A newer release migrated this database; running our older code on it could corrupt data.
      throw new Error(`database schema is at version ${newest}, this build knows up to ${known}: upgrade zoom-connect`);
    }
    const done: number[] = [];
    for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
      if (applied.has(migration.version)) continue;
      await tx.exec(migration.sql);
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [migration.version, migration.name]);
      logger.info({ version: migration.version, name: migration.name }, 'applied database migration');
      done.push(migration.version);
    }
    return done;
  });
}

/**
 * Builds before the schema of our own kept their tables in `public`. When
 * `public` holds ours (our schema_migrations has a `name` column, unlike a
 * Rails-style one, and our connections table is beside it) and `schema` has
 * none yet, they move in whole: rows, indexes, constraints.
 */
async function adoptLegacyTables(tx: Db, logger: StoreLogger, schema: string): Promise<void> {
  if (schema === 'public') return;
  const { rows } = await tx.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name = ANY($1::text[])`,
    [LEGACY_TABLES],
  );
  const present = new Set(rows.map((r) => r.table_name));
  if (!present.has('schema_migrations') || !present.has('connections')) return;
  const ours = await tx.query(
    `SELECT 1 FROM information_schema.columns WHERE table_schema = 'public' AND table_name = 'schema_migrations' AND column_name = 'name'`,
  );
  if (ours.rowCount === 0) return;
  const migrated = await tx.query(
    `SELECT 1 FROM information_schema.tables WHERE table_schema = $1 AND table_name = 'schema_migrations'`,
    [schema],
  );
  if (migrated.rowCount > 0) return;
  for (const table of LEGACY_TABLES) {
    if (present.has(table)) await tx.exec(`ALTER TABLE public.${quoteIdent(table)} SET SCHEMA ${quoteIdent(schema)}`);
  }
  logger.info({ schema, tables: [...present] }, 'moved Zoom Connect tables from an older build out of public into their own schema');
}
