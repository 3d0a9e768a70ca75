/**
 * The processes under load run apart from the load generator, so autocannon
 * never steals their event loop: each is a `node` child (no wrapper process,
 * so its pid is the one whose memory we read) with its output in a log file.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

const READY_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 20_000;

export interface Child {
  readonly name: string;
  readonly pid: number;
  /** What the child reported when ready (its URL). */
  readonly url: string;
  readonly logFile: string;
  /** Peak resident set (VmHWM) so far, in MiB; null once the process is gone. */
  peakRssMb(): number | null;
  /** SIGTERM, wait for a clean exit (a CPU profile is written then), SIGKILL after 20 s. */
  stop(): Promise<void>;
}

export interface SpawnOptions {
  name: string;
  /** Arguments after `node` (flags, then the script). */
  args: string[];
  env: Record<string, string>;
  logDir: string;
  /**
   * How the child says it is ready: an IPC message `{ type: 'ready', url }`
   * (the bench's own child scripts), or a stdout line matching the pattern
   * whose first group is the URL (the `zoom-connect emulator` CLI).
   */
  ready: 'ipc' | RegExp;
}

/** Current resident set (VmRSS), in MiB; null once the process is gone. */
export function currentRssMb(pid: number): number | null {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match?.[1] ? Number(match[1]) / 1024 : null;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** VmHWM is the kernel's own high-water mark of the resident set: no sampling gaps. */
export function peakRssMb(pid: number): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmHWM:\s+(\d+)\s+kB$/m.exec(status);
    return match?.[1] ? Number(match[1]) / 1024 : null;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

function logTail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-20).join('\n');
  } catch (err) {
    return `(no log: ${String(err)})`;
  }
}

export async function spawnNode(options: SpawnOptions): Promise<Child> {
  const logFile = path.join(options.logDir, `${options.name}.log`);
  const logFd = openSync(logFile, 'a');
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...options.env };
  const child: ChildProcess = spawn(process.execPath, options.args, {
    cwd: REPO_ROOT,
    env,
    stdio: options.ready === 'ipc' ? ['ignore', logFd, logFd, 'ipc'] : ['ignore', 'pipe', logFd],
  });
  closeSync(logFd);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${options.name}: spawn failed`);

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`${options.name} not ready within ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
    const onExit = (code: number | null, signal: string | null): void =>
      fail(new Error(`${options.name} exited (${signal ?? `code ${String(code)}`}) before it was ready; log tail:\n${logTail(logFile)}`));
    function fail(err: Error): void {
      clearTimeout(timer);
      child.off('exit', onExit);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      reject(err);
    }
    function done(value: string): void {
      clearTimeout(timer);
      child.off('exit', onExit);
      resolve(value);
    }
    child.once('exit', onExit);
    if (options.ready === 'ipc') {
      child.on('message', (message: unknown) => {
        const m = message as { type?: string; url?: string };
        if (m.type === 'ready' && typeof m.url === 'string') done(m.url);
      });
    } else {
      const pattern = options.ready;
      let seen = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        seen += chunk.toString('utf8');
        const match = pattern.exec(seen);
        if (match?.[1]) done(match[1]);
      });
    }
  });

  let stopping: Promise<void> | undefined;
  return {
    name: options.name,
    pid,
    url,
    logFile,
    peakRssMb: () => peakRssMb(pid),
    stop: () => {
      stopping ??= new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) {
          resolve();
          return;
        }
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.kill('SIGTERM');
      });
      return stopping;
    },
  };
}

/**
 * The `node` arguments that run the app process (bench/app-process.js): the
 * compiled build when fresh, as `zoom-connect serve` runs in production.
 */
export function appEntry(nodeFlags: string[] = []): string[] {
  return [...nodeFlags, path.join(REPO_ROOT, 'bench', 'app-process.js')];
}

/**
 * The `node` arguments of a baseline process: plain JavaScript with the app's
 * own flags, so a baseline pays what the app pays for the runtime and no more.
 */
export function baselineEntry(nodeFlags: string[] = []): string[] {
  return [...nodeFlags, path.join(REPO_ROOT, 'bench', 'baseline-process.js')];
}

/**
 * Compiles src/ to dist/ (scripts/build.js) so the app process runs what
 * production runs; throws when the build fails rather than measure tsx.
 */
export function buildProject(): void {
  const result = spawnSync(process.execPath, [path.join(REPO_ROOT, 'scripts', 'build.js')], { cwd: REPO_ROOT, stdio: 'inherit' });
  if (result.status !== 0) throw new Error('npm run build failed: the benchmark measures the compiled service');
}

/** The Zoom emulator as `zoom-connect emulator` starts it, knowing the bench client and these apps' redirect URIs. */
export function spawnEmulator(workDir: string, clientId: string, clientSecret: string, redirectUris: string[]): Promise<Child> {
  return spawnNode({
    name: 'emulator',
    args: [
      path.join(REPO_ROOT, 'bin', 'zoom-connect.js'),
      'emulator',
      '--port', '0',
      '--client-id', clientId,
      '--client-secret', clientSecret,
      ...redirectUris.flatMap((uri) => ['--redirect-uri', uri]),
    ],
    // Zoom's own logging is not ours to measure.
    env: { LOG_LEVEL: 'warn' },
    logDir: workDir,
    ready: /Zoom emulator listening on (\S+)/,
  });
}
