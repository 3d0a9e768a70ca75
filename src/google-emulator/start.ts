import { writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import type { FastifyBaseLogger } from 'fastify';
import { buildGoogleServer } from './server.js';
import { issueServiceAccount } from './service-account.js';
import { GoogleEmulatorState } from './state.js';

export interface GoogleEmulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** The Workspace domain whose users the service account may act as (default example.com). */
  domain?: string;
  /** Also write the key file here (mode 0600). */
  serviceAccountOut?: string;
  /** Access token lifetime (default 3599 s, as Google). */
  tokenLifetimeSeconds?: number;
  /** Scopes domain-wide delegation covers (default calendar and calendar.events). */
  delegatedScopes?: string[];
  logger?: FastifyBaseLogger;
}

export interface RunningGoogleEmulator {
  /** e.g. http://127.0.0.1:4020; the token endpoint is {url}/token. */
  url: string;
  /** GOOGLE_CALENDAR_API_BASE_URL for a client: {url}/calendar/v3. */
  calendarApiUrl: string;
  port: number;
  /** The service account key file, as JSON text. */
  keyFile: string;
  close(): Promise<void>;
}

const DEFAULT_DELEGATED_SCOPES = ['https://www.googleapis.com/auth/calendar', 'https://www.googleapis.com/auth/calendar.events'];

function urlHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

/** Starts a Google emulator (OAuth token endpoint and Calendar API on one port) in this process. */
export async function startGoogleEmulator(options: GoogleEmulatorOptions = {}): Promise<RunningGoogleEmulator> {
  const host = options.host ?? '127.0.0.1';
  const domain = (options.domain ?? 'example.com').toLowerCase();
  const state = new GoogleEmulatorState(domain, options.tokenLifetimeSeconds ?? 3599, options.delegatedScopes ?? DEFAULT_DELEGATED_SCOPES);
  const app = buildGoogleServer(state, options.logger);
  await app.listen({ port: options.port ?? 0, host });
  const { port } = app.server.address() as AddressInfo;
  const url = `http://${urlHost(host)}:${port}`;
  // Bound before this turn ends, so before any connection is read.
  const { keyFile, publicKey } = issueServiceAccount(url);
  state.bind(url, keyFile, publicKey);
  const json = `${JSON.stringify(keyFile, null, 2)}\n`;
  if (options.serviceAccountOut !== undefined) await writeFile(options.serviceAccountOut, json, { mode: 0o600 });
  let closing: Promise<void> | undefined;
  return {
    url,
    calendarApiUrl: `${url}/calendar/v3`,
    port,
    keyFile: json,
    close: () => {
      closing ??= app.close();
      return closing;
    },
  };
}
