import { spawn, type ChildProcess } from 'node:child_process';

const OUTPUT_LIMIT = 64 * 1024;
const STOP_TIMEOUT_MS = 10_000;

export interface Child {
  readonly process: ChildProcess;
  /** stdout and stderr so far (the last 64 KiB), for failure messages. */
  output(): string;
  /** SIGTERM, then SIGKILL if it has not exited within 10 s. */
  stop(): Promise<void>;
}

/**
 * A command run to completion; rejects with its output when it exits non-zero.
 * `env` replaces the environment (callers start from what they mean to pass).
 */
export function run(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<string> {
  const child = start(command, args, options);
  return new Promise((resolve, reject) => {
    child.process.once('error', reject);
    child.process.once('exit', (code) => {
      if (code === 0) resolve(child.output());
      else reject(new Error(`${command} ${args.join(' ')} exited ${code}:\n${child.output()}`));
    });
  });
}

/** A long-running process whose readiness is a line on its output matching `ready`. */
export async function startUntil(
  command: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; ready: RegExp; timeoutMs: number },
): Promise<Child> {
  const child = start(command, args, options);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`${command} ${args.join(' ')} was not ready within ${options.timeoutMs} ms:\n${child.output()}`));
    }, options.timeoutMs);
    const check = (): void => {
      if (options.ready.test(child.output())) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.process.stdout?.on('data', check);
    child.process.stderr?.on('data', check);
    child.process.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${command} ${args.join(' ')} exited ${code} before it was ready:\n${child.output()}`));
    });
  }).catch(async (err: unknown) => {
    await child.stop();
    throw err;
  });
  return child;
}

function start(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Child {
  const proc = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-OUTPUT_LIMIT);
  };
  proc.stdout.on('data', keep);
  proc.stderr.on('data', keep);
  return {
    process: proc,
    output: () => output,
    stop: async () => {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
      proc.kill('SIGTERM');
      const kill = setTimeout(() => proc.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(kill);
    },
  };
}
