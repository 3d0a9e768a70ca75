import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { ConfigError, type Config } from '../config/config.js';
import { TokenCipher } from '../crypto/index.js';
import { openPostgresStore, type SqlStore, type StoreLogger } from '../store/index.js';

/**
 * The store a CLI command works on, as SqlStore: tooling reads raw SQL
 * (migration versions, key ids) that the domain's port does not offer.
 * The embedded database takes DATA_DIR's lock like `serve` does.
 */
export async function openCliStore(config: Config, logger?: StoreLogger): Promise<SqlStore> {
  // doctor and connections never seal or open a token: without a configured
  // ring they still get a cipher, one that nothing is ever encrypted with.
  const ring = config.encryptionKeys.length > 0 ? config.encryptionKeys : [{ kid: 'unused', key: randomBytes(32) }];
  const cipher = new TokenCipher(ring);
  if (config.databaseUrl) return openPostgresStore({ databaseUrl: config.databaseUrl, schema: config.databaseSchema, cipher, logger });
  const { openPgliteStore } = await import('../store/pglite-store.js');
  return openPgliteStore({ dataDir: join(config.dataDir, 'pglite'), schema: config.databaseSchema, cipher, logger });
}

/** Commands that read or write sealed tokens need the same key ring as the service. */
export function requireKeys(config: Config, command: string): Config {
  if (config.encryptionKeys.length === 0) {
    throw new ConfigError([`TOKEN_ENCRYPTION_KEYS: required for ${command} (the same keys the service uses, current first)`]);
  }
  return config;
}
