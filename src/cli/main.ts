import { ConfigError, loadConfig, type Config } from '../config/config.js';
import { createLogger } from '../config/logger.js';
import { TokenCipher } from '../crypto/index.js';
import { startService } from '../service.js';
import { openStore, runKeyRotation } from '../store/index.js';
import { join } from 'node:path';

const USAGE = `Usage: zoom-connect <command>

Commands:
  serve         Start the service (demo mode with no Zoom credentials: emulator + embedded database)
  emulator      Run the Zoom emulator alone (--port N --client-id ID --client-secret S --redirect-uri URI ...)
  google-emulator  Run the Google emulator (--port N --service-account-out FILE [--domain D])
  migrate       Apply database migrations and exit
  rotate-keys   Re-encrypt every stored token under the current key (first of TOKEN_ENCRYPTION_KEYS)
  events        List lifecycle events (pending, delivered, dead), replay dead ones (zoom-connect events --help)

Configuration is read from the environment; see README.md.`;

/** Entry point of `zoom-connect`; returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'serve':
        return await serve();
      case 'emulator': {
        const { runEmulatorCli } = await import('../emulator/index.js');
        return await runEmulatorCli(rest);
      }
      case 'google-emulator': {
        const { runGoogleEmulatorCli } = await import('../google-emulator/index.js');
        return await runGoogleEmulatorCli(rest);
      }
      case 'migrate':
        return await migrate();
      case 'rotate-keys':
        return await rotate(rest);
      case 'events': {
        const { runEventsCommand } = await import('./events-command.js');
        return await runEventsCommand(rest, process.env, { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) });
      }
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(`${USAGE}\n`);
        return command === undefined ? 2 : 0;
      default:
        process.stderr.write(`zoom-connect: unknown command "${command}"\n\n${USAGE}\n`);
        return 2;
    }
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`zoom-connect: ${err.message}\n`);
      return 78; // EX_CONFIG
    }
    process.stderr.write(`zoom-connect: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

async function serve(): Promise<number> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const service = await startService(config, { logger });
  const page = config.demo ? ` — open ${new URL(config.zoom.redirectUri).origin}/ for the demo page` : '';
  logger.info({ url: service.url, demo: config.demo }, `Zoom Connect listening${page}`);
  if (config.demo) process.stdout.write(`\n  Zoom Connect demo: ${new URL(config.zoom.redirectUri).origin}/\n  API docs: ${new URL(config.zoom.redirectUri).origin}/docs\n\n`);

  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      logger.info({ signal }, 'shutting down');
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await service.close();
  return 0;
}

async function migrate(): Promise<number> {
  const config = requireKeys(loadConfig(), 'migrate');
  const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: join(config.dataDir, 'pglite'), cipher: new TokenCipher(config.encryptionKeys) });
  try {
    await store.migrate();
  } finally {
    await store.close();
  }
  process.stdout.write('migrations applied\n');
  return 0;
}

async function rotate(args: string[]): Promise<number> {
  const batchArg = args.find((a) => a.startsWith('--batch-size='));
  const batchSize = batchArg ? Number(batchArg.split('=')[1]) : 200;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) {
    process.stderr.write('zoom-connect rotate-keys: --batch-size must be an integer from 1 to 10000\n');
    return 2;
  }
  const config = requireKeys(loadConfig(), 'rotate-keys');
  const report = await runKeyRotation({
    databaseUrl: config.databaseUrl,
    dataDir: join(config.dataDir, 'pglite'),
    cipher: new TokenCipher(config.encryptionKeys),
    batchSize,
  });
  process.stdout.write(`${JSON.stringify(report)}\n`);
  return 0;
}

function requireKeys(config: Config, command: string): Config {
  if (config.encryptionKeys.length === 0) {
    throw new ConfigError([`TOKEN_ENCRYPTION_KEYS: required for ${command} (the same keys the service uses, current first)`]);
  }
  return config;
}
