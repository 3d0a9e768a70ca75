import { readFileSync } from 'node:fs';
import { ConfigError } from '../config/config.js';
import { connectionsCommand } from './connections.js';
import { doctor } from './doctor.js';
import { generateKey } from './generate-key.js';
import { COMMAND_HELP, USAGE, wantsHelp } from './help.js';
import { processIo, type CliIo } from './io.js';
import { migrate } from './migrate.js';
import { rotateKeys } from './rotate-keys.js';
import { serve } from './serve.js';

/** Entry point of `zoom-connect`; returns the process exit code. */
export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  const [command, ...rest] = argv;
  // A command's --help is answered here, before anything of the command runs.
  const help = command === undefined ? undefined : COMMAND_HELP[command];
  if (help !== undefined && wantsHelp(rest)) {
    io.out(help);
    return 0;
  }
  try {
    switch (command) {
      case 'serve':
        return await serve(io);
      case 'emulator': {
        const { runEmulatorCli } = await import('../emulator/index.js');
        return await runEmulatorCli(rest);
      }
      case 'google-emulator': {
        const { runGoogleEmulatorCli } = await import('../google-emulator/index.js');
        return await runGoogleEmulatorCli(rest);
      }
      case 'migrate':
        return await migrate(io);
      case 'rotate-keys':
        return await rotateKeys(rest, io);
      case 'events': {
        const { runEventsCommand } = await import('./events-command.js');
        return await runEventsCommand(rest, io.env, io);
      }
      case 'doctor':
        return await doctor(io);
      case 'generate-key':
        return generateKey(rest, io);
      case 'connections':
        return await connectionsCommand(rest, io);
      case '--version':
      case '-v':
      case 'version':
        io.out(`zoom-connect ${version()}\n`);
        return 0;
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.out(USAGE);
        return command === undefined ? 2 : 0;
      default:
        io.err(`zoom-connect: unknown command "${command}"\n\n${USAGE}`);
        return 2;
    }
  } catch (err) {
    if (err instanceof ConfigError) {
      io.err(`zoom-connect: ${err.message}\n`);
      return 78; // EX_CONFIG
    }
    io.err(`zoom-connect: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

/** package.json sits two levels above both src/cli/ and the compiled dist/cli/. */
function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : 'unknown';
}
