import { main } from '../../src/cli/main.js';
import type { CliIo } from '../../src/cli/io.js';

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

/** Runs `zoom-connect ARGS` in this process with exactly `env` (nothing of the test runner's environment). */
export async function cli(args: string[], env: NodeJS.ProcessEnv): Promise<CliRun> {
  let out = '';
  let err = '';
  const io: CliIo = {
    env,
    out: (text) => {
      out += text;
    },
    err: (text) => {
      err += text;
    },
  };
  const code = await main(args, io);
  return { code, out, err };
}

/** A doctor line (`ok  ` / `FAIL` / `skip`) by check name. */
export function line(output: string, check: string): string {
  const found = output.split('\n').find((l) => l.slice(6).startsWith(`${check}:`));
  if (!found) throw new Error(`no "${check}" line in:\n${output}`);
  return found;
}
