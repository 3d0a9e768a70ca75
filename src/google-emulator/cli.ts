import { parseArgs } from 'node:util';
import pino from 'pino';
import { startGoogleEmulator } from './start.js';

const USAGE = `Usage: zoom-connect google-emulator --service-account-out FILE [options]

  --port N                     port to listen on (default 4020; 0 picks a free port)
  --host HOST                  interface to bind (default 127.0.0.1)
  --service-account-out FILE   where to write the service account key file (required; mode 0600)
  --domain D                   the Workspace domain whose users may be impersonated (default example.com)
  --help                       show this text
`;

class UsageError extends Error {}

interface CliConfig {
  port: number;
  host: string;
  out: string;
  domain: string;
}

function readArgs(argv: string[]): CliConfig | 'help' {
  const args = argv[0] === 'google-emulator' ? argv.slice(1) : argv;
  let values;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        'service-account-out': { type: 'string' },
        domain: { type: 'string' },
        help: { type: 'boolean' },
      },
    }));
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  if (values.help) return 'help';
  const port = values.port ?? '4020';
  if (!/^\d+$/.test(port) || Number(port) > 65_535) throw new UsageError(`--port must be an integer from 0 to 65535, got "${port}"`);
  const out = values['service-account-out'];
  if (out === undefined || out === '') throw new UsageError('--service-account-out is required');
  const domain = values.domain ?? 'example.com';
  if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/i.test(domain)) throw new UsageError(`--domain must be a domain name, got "${domain}"`);
  return { port: Number(port), host: values.host ?? '127.0.0.1', out, domain };
}

/** `zoom-connect google-emulator`: serves until SIGINT/SIGTERM; returns the exit code. */
export async function runGoogleEmulatorCli(argv: string[]): Promise<number> {
  let config: CliConfig | 'help';
  try {
    config = readArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`zoom-connect google-emulator: ${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (config === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  const emulator = await startGoogleEmulator({
    port: config.port,
    host: config.host,
    domain: config.domain,
    serviceAccountOut: config.out,
    logger: pino({ level: 'info' }),
  });
  process.stdout.write(
    `Google emulator listening on ${emulator.url}\n` +
      `  service account key file: ${config.out}\n` +
      `  GOOGLE_CALENDAR_API_BASE_URL=${emulator.calendarApiUrl}\n` +
      `  impersonates any user @${config.domain}\n`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await emulator.close();
  return 0;
}
