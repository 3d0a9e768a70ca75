/**
 * The real service as a child process, started the way a user starts it:
 * `node bin/zoom-connect.js serve` with no Zoom credentials (demo mode: the
 * emulator in-process on EMULATOR_PORT, PGlite in a fresh DATA_DIR). Nothing
 * from the test runner's environment that could change the mode leaks in.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './net.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const CLI = path.join(REPO_ROOT, 'bin', 'zoom-connect.js');
/** PGlite creates a new database in several seconds; a cold tsx compile adds more. */
const DEFAULT_READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;
const OUTPUT_LIMIT = 64 * 1024;

/** Variables that would switch the service out of demo mode or change its behaviour under test. */
const MODE_VARIABLES = [
  /^ZOOM_/,
  /^DATABASE_URL$/,
  /^TOKEN_ENCRYPTION_KEYS$/,
  /^APP_JWT/,
  /^APP_JWKS_URL$/,
  /^POST_CONNECT_REDIRECT_URL$/,
  /^NODE_ENV$/,
  /^VITEST/,
  /^TEST$/,
];

export interface ServeProcess {
  /** `http://localhost:PORT`: the host the demo's redirect URI names, so the binding cookie applies. */
  readonly baseUrl: string;
  readonly port: number;
  readonly emulatorPort: number;
  readonly dataDir: string;
  /** The child's stdout and stderr so far (the last 64 KiB), for failure messages. */
  output(): string;
  /** SIGTERM, wait for exit (SIGKILL after 10 s), then delete DATA_DIR. */
  stop(): Promise<void>;
}

export interface ServeOptions {
  /** Extra environment for the child (applied after the demo-mode defaults). */
  env?: Record<string, string>;
  readyTimeoutMs?: number;
}


function childEnvironment(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!MODE_VARIABLES.some((pattern) => pattern.test(name))) env[name] = value;
  }
  return { ...env, ...extra };
}

function exitDescription(child: ChildProcess): string {
  return child.signalCode ? `signal ${child.signalCode}` : `exit code ${String(child.exitCode)}`;
}

async function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return true;
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.off('exit', onExit);
      resolve(false);
    }, timeoutMs);
    const onExit = (): void => {
      clearTimeout(timer);
      resolve(true);
    };
    child.once('exit', onExit);
  });
}

async function isReady(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    await response.body?.cancel();
    return response.status === 200;
  } catch (error) {
    // Connection refused (not listening yet) or a timeout: not ready, poll again.
    if (error instanceof Error) return false;
    throw error;
  }
}

/** Starts `zoom-connect serve` in demo mode and resolves once /readyz answers 200. */
export async function startServeProcess(options: ServeOptions = {}): Promise<ServeProcess> {
  const [port, emulatorPort] = await Promise.all([freePort(), freePort()]);
  if (port === emulatorPort) throw new Error(`got the same free port twice (${port}); retry`);
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'zc-serve-'));

  let output = '';
  const capture = (chunk: Buffer): void => {
    output += chunk.toString('utf8');
    if (output.length > OUTPUT_LIMIT) output = output.slice(-OUTPUT_LIMIT);
  };

  const child = spawn(process.execPath, [CLI, 'serve'], {
    cwd: REPO_ROOT,
    env: childEnvironment({
      PORT: String(port),
      EMULATOR_PORT: String(emulatorPort),
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
      ...options.env,
    }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', capture);
  child.stderr?.on('data', capture);
  let spawnError: Error | undefined;
  child.once('error', (error) => {
    spawnError = error;
  });

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      if (!(await waitForExit(child, STOP_TIMEOUT_MS))) {
        child.kill('SIGKILL');
        await waitForExit(child, STOP_TIMEOUT_MS);
      }
    }
    await rm(dataDir, { recursive: true, force: true });
  };

  const readyUrl = `http://127.0.0.1:${port}/readyz`;
  const timeoutMs = options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  const failure = async (why: string): Promise<Error> => {
    await stop();
    return new Error(`zoom-connect serve ${why}.\n--- child output (PORT=${port}, EMULATOR_PORT=${emulatorPort}) ---\n${output || '(none)'}`);
  };

  for (;;) {
    if (spawnError) throw await failure(`could not be spawned: ${spawnError.message}`);
    if (child.exitCode !== null || child.signalCode !== null) throw await failure(`exited before it was ready (${exitDescription(child)})`);
    if (await isReady(readyUrl)) break;
    if (Date.now() > deadline) throw await failure(`was not ready within ${timeoutMs / 1000} s (GET ${readyUrl} never answered 200)`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }

  return {
    baseUrl: `http://localhost:${port}`,
    port,
    emulatorPort,
    dataDir,
    output: () => output,
    stop,
  };
}
