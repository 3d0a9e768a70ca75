import type { AddressInfo } from 'node:net';
import { resolveOptions, type EmulatorOptions } from './options.js';
import { buildServer } from './server.js';
import { EmulatorState } from './state.js';

export interface RunningEmulator {
  /** Base URL of both the OAuth server and the API, e.g. http://127.0.0.1:4010 (the API is under /v2). */
  url: string;
  port: number;
  close(): Promise<void>;
}

function urlHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

/** Starts a Zoom emulator (zoom.us and api.zoom.us on one port) in this process. */
export async function startEmulator(options: EmulatorOptions): Promise<RunningEmulator> {
  const state = new EmulatorState(resolveOptions(options));
  const app = buildServer(state, options.logger);
  const host = options.host ?? '127.0.0.1';
  await app.listen({ port: options.port ?? 0, host });
  const { port } = app.server.address() as AddressInfo;
  const url = `http://${urlHost(host)}:${port}`;
  // Seed only now: join links and api_url carry the real port.
  state.baseUrl = url;
  state.reset();
  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    close: () => {
      closing ??= app.close();
      return closing;
    },
  };
}
