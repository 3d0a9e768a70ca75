import type { Db, StoreLogger } from './db.js';
import { MIGRATION_LOCK_KEY, MIGRATIONS, type Migration } from './migrations.js';

/**
 * Applies pending migrations in one transaction under an advisory lock: a
 * second instance starting at the same moment waits for the lock, then sees
 * the versions the first one recorded and applies nothing.
 */
export async function applyMigrations(db: Db, logger: StoreLogger, migrations: readonly Migration[] = MIGRATIONS): Promise<number[]> {
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1::bigint)', [String(MIGRATION_LOCK_KEY)]);
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
