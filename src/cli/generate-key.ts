import { generateKeyString } from '../crypto/index.js';
import type { CliIo } from './io.js';

/** `zoom-connect generate-key [KID]`: one entry for TOKEN_ENCRYPTION_KEYS on stdout, nothing else. */
export function generateKey(args: readonly string[], io: CliIo, today: Date = new Date()): number {
  if (args.length > 1) {
    io.err('zoom-connect generate-key: expected at most one argument, the key id\n');
    return 2;
  }
  const kid = args[0] ?? `k${today.toISOString().slice(0, 10).replace(/-/g, '')}`;
  try {
    io.out(`${generateKeyString(kid)}\n`);
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    io.err(`zoom-connect generate-key: ${err.message}\n`);
    return 2;
  }
  return 0;
}
