import { join } from 'node:path';
import { loadConfig } from '../config/config.js';
import { TokenCipher } from '../crypto/index.js';
import { runKeyRotation } from '../store/index.js';
import type { CliIo } from './io.js';
import { requireKeys } from './open-store.js';

/** `zoom-connect rotate-keys [--batch-size=N]`: prints the rotation report as JSON. */
export async function rotateKeys(args: readonly string[], io: CliIo): Promise<number> {
  const batchArg = args.find((a) => a.startsWith('--batch-size='));
  const batchSize = batchArg ? Number(batchArg.split('=')[1]) : 200;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) {
    io.err('zoom-connect rotate-keys: --batch-size must be an integer from 1 to 10000\n');
    return 2;
  }
  const config = requireKeys(loadConfig(io.env), 'rotate-keys');
  const report = await runKeyRotation({
    databaseUrl: config.databaseUrl,
    schema: config.databaseSchema,
    dataDir: join(config.dataDir, 'pglite'),
    cipher: new TokenCipher(config.encryptionKeys),
    batchSize,
  });
  io.out(`${JSON.stringify(report)}\n`);
  return 0;
}
