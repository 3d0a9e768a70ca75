import { parseArgs } from 'node:util';
import pino from 'pino';
import { startEmulator } from './start.js';
import type { EmulatorClient, EmulatorServerToServerApp } from './options.js';

const USAGE = `Usage: zoom-connect emulator --client-id ID --client-secret SECRET --redirect-uri URI [options]

  --port N                 port to listen on (default 4010; 0 picks a free port)
  --host HOST              interface to bind (default 127.0.0.1)
  --client-id ID           the app's client id (required)
  --client-secret SECRET   the app's client secret (required)
  --redirect-uri URI       a registered redirect URL (required; repeat for several)
  --webhook-url URL        where app_deauthorized events are POSTed
  --webhook-secret SECRET  the app's webhook secret token (required with --webhook-url)
  --scope SCOPE            a scope granted to the app (repeat; default the classic set)
  --access-token-ttl S     access token lifetime in seconds (default 3599)
  --s2s-client-id ID       a Server-to-Server OAuth app's client id (enables grant_type=account_credentials)
  --s2s-client-secret S    that app's client secret (required with --s2s-client-id)
  --s2s-account-id ID      the id of the account every user is in (default Lq9Zr4ZxR8m0dD6qkTnWbA)
  --no-seed                start without the seeded users
  --help                   show this text
`;

class UsageError extends Error {}

function integerArg(name: string, value: string | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > 2_147_483_647) {
    throw new UsageError(`--${name} must be an integer >= ${min}, got "${value}"`);
  }
  return Number(value);
}

function urlArg(name: string, value: string): string {
  try {
    const url = new URL(value);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--${name} must be an http(s) URL, got "${value}"`);
    return value;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`--${name} must be a URL, got "${value}"`);
  }
}

interface CliConfig {
  port: number;
  host: string;
  client: EmulatorClient;
  accessTokenTtlSeconds: number | undefined;
  seed: boolean;
  serverToServer: EmulatorServerToServerApp | undefined;
}

function readArgs(argv: string[]): CliConfig | 'help' {
  const args = argv[0] === 'emulator' ? argv.slice(1) : argv;
  let values;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        'client-id': { type: 'string' },
        'client-secret': { type: 'string' },
        'redirect-uri': { type: 'string', multiple: true },
        'webhook-url': { type: 'string' },
        'webhook-secret': { type: 'string' },
        scope: { type: 'string', multiple: true },
        'access-token-ttl': { type: 'string' },
        's2s-client-id': { type: 'string' },
        's2s-client-secret': { type: 'string' },
        's2s-account-id': { type: 'string' },
        'no-seed': { type: 'boolean' },
        help: { type: 'boolean' },
      },
    }));
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  if (values.help) return 'help';
  const clientId = values['client-id'];
  const clientSecret = values['client-secret'];
  const redirectUris = values['redirect-uri'] ?? [];
  if (!clientId) throw new UsageError('--client-id is required');
  if (!clientSecret) throw new UsageError('--client-secret is required');
  if (redirectUris.length === 0) throw new UsageError('at least one --redirect-uri is required');
  const webhookUrl = values['webhook-url'];
  const webhookSecret = values['webhook-secret'];
  if ((webhookUrl === undefined) !== (webhookSecret === undefined)) {
    throw new UsageError('--webhook-url and --webhook-secret go together');
  }
  const client: EmulatorClient = {
    clientId,
    clientSecret,
    redirectUris: redirectUris.map((uri) => urlArg('redirect-uri', uri)),
  };
  if (webhookUrl !== undefined) client.webhookUrl = urlArg('webhook-url', webhookUrl);
  if (webhookSecret !== undefined) client.webhookSecret = webhookSecret;
  if (values.scope) client.scopes = values.scope.flatMap((scope) => scope.split(/[\s,]+/)).filter((scope) => scope.length > 0);
  const ttl = values['access-token-ttl'];
  const s2sClientId = values['s2s-client-id'];
  const s2sClientSecret = values['s2s-client-secret'];
  const s2sAccountId = values['s2s-account-id'];
  if ((s2sClientId === undefined) !== (s2sClientSecret === undefined)) {
    throw new UsageError('--s2s-client-id and --s2s-client-secret go together');
  }
  if (s2sAccountId !== undefined && s2sClientId === undefined) throw new UsageError('--s2s-account-id needs --s2s-client-id and --s2s-client-secret');
  if (s2sAccountId !== undefined && !/^[A-Za-z0-9_-]{1,64}$/.test(s2sAccountId)) {
    throw new UsageError(`--s2s-account-id must be 1-64 characters of [A-Za-z0-9_-], got "${s2sAccountId}"`);
  }
  if (s2sClientId !== undefined && s2sClientId === clientId) throw new UsageError('--s2s-client-id must differ from --client-id');
  let serverToServer: EmulatorServerToServerApp | undefined;
  if (s2sClientId !== undefined && s2sClientSecret !== undefined) {
    serverToServer = { clientId: s2sClientId, clientSecret: s2sClientSecret };
    if (s2sAccountId !== undefined) serverToServer.accountId = s2sAccountId;
  }
  return {
    port: integerArg('port', values.port, 4010, 0),
    host: values.host ?? '127.0.0.1',
    client,
    accessTokenTtlSeconds: ttl === undefined ? undefined : integerArg('access-token-ttl', ttl, 3599, 1),
    seed: !values['no-seed'],
    serverToServer,
  };
}

/**
 * `zoom-connect emulator ...`: starts the emulator and resolves with the exit
 * code once SIGINT or SIGTERM stops it (2 for bad arguments, 1 if it cannot start).
 * `argv` is the arguments after the subcommand (a leading "emulator" is skipped).
 */
export async function runEmulatorCli(argv: string[]): Promise<number> {
  let config: CliConfig | 'help';
  try {
    config = readArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`zoom-connect emulator: ${error.message}\nRun "zoom-connect emulator --help" for usage.\n`);
    return 2;
  }
  if (config === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  const logger = pino({ level: process.env['LOG_LEVEL'] ?? 'info' }, pino.destination(2));
  let emulator;
  try {
    emulator = await startEmulator({
      port: config.port,
      host: config.host,
      clients: [config.client],
      accessTokenTtlSeconds: config.accessTokenTtlSeconds,
      seed: config.seed,
      serverToServer: config.serverToServer,
      logger,
    });
  } catch (error) {
    process.stderr.write(`zoom-connect emulator: cannot start: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  process.stdout.write(`Zoom emulator listening on ${emulator.url}\n`);
  const running = emulator;
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await running.close();
  return 0;
}
