import { loadConfig } from '../config/config.js';
import { MIGRATIONS } from '../store/index.js';
import { applyMigrations } from '../store/migrate.js';
import type { CliIo } from './io.js';
import { openCliStore, requireKeys } from './open-store.js';

/** `zoom-connect migrate`: applies what is pending and says what that was. */
export async function migrate(io: CliIo): Promise<number> {
  const config = requireKeys(loadConfig(io.env), 'migrate');
  const store = await openCliStore(config);
  try {
    const applied = await applyMigrations(store.db, { info: () => undefined, warn: () => undefined });
    if (applied.length === 0) {
      io.out(`nothing pending: the database is at migration ${Math.max(0, ...MIGRATIONS.map((m) => m.version))}\n`);
    }
    for (const version of applied) {
      const name = MIGRATIONS.find((m) => m.version === version)?.name ?? '';
      io.out(`applied migration ${version} (${name})\n`);
    }
  } finally {
    await store.close();
  }
  return 0;
}
