/**
 * A real PostgreSQL server for tests: Debian's binaries, a fresh cluster in
 * a temp dir on a free port, trust auth on 127.0.0.1 only, durability off
 * (fsync, synchronous_commit, full_page_writes) unless asked for, because
 * the cluster is thrown away. Never skipped: without the binaries the run fails and says what to install.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type {} from 'vitest';
import { freePort } from './net.js';

const execFileAsync = promisify(execFile);

declare module 'vitest' {
  export interface ProvidedContext {
    /** Superuser URL of the run's PostgreSQL server (see global-setup.ts). */
    pgAdminUrl: string;
    /** An empty, closed PGlite data directory to copy instead of paying initdb per file. */
    pgliteTemplateDir: string;
  }
}

export interface PostgresServer {
  readonly adminUrl: string;
  readonly port: number;
  readonly dataDir: string;
  /** Starts the server again on the same port and data (after stop()). */
  start(): Promise<void>;
  /** `fast` rolls back open transactions and closes connections; `immediate` is a crash. */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  /** Stops the server and deletes its files. */
  destroy(): Promise<void>;
}

function findBinDir(): string {
  const override = process.env.PG_BIN_DIR;
  if (override) {
    if (!existsSync(path.join(override, 'initdb'))) throw new Error(`PG_BIN_DIR=${override} has no initdb`);
    return override;
  }
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(path.join(root, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  const newest = versions[0];
  if (!newest) {
    throw new Error(
      'PostgreSQL server binaries not found (expected /usr/lib/postgresql/<version>/bin/initdb). ' +
        'The store tests need a real server: install it with `sudo apt-get install -y postgresql` ' +
        '(or point PG_BIN_DIR at a directory holding initdb, pg_ctl and postgres).',
    );
  }
  return path.join(root, newest, 'bin');
}

/** initdb and postgres refuse to run as root; as root we run them as the `postgres` user. */
async function postgresUser(): Promise<{ uid: number; gid: number } | null> {
  if (process.getuid?.() !== 0) return null;
  try {
    const [uid, gid] = await Promise.all([
      execFileAsync('id', ['-u', 'postgres']),
      execFileAsync('id', ['-g', 'postgres']),
    ]);
    return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  } catch (err) {
    throw new Error('running as root, but there is no `postgres` user to run the server as (install the postgresql package)', {
      cause: err,
    });
  }
}


export interface StartOptions {
  /**
   * Keep fsync, synchronous_commit and full_page_writes on. Without this a
   * `stop('immediate')` (a crash) can lose the last commits, which a test
   * that crashes the server and then checks committed data must not allow.
   */
  durable?: boolean;
}

export async function startPostgresServer(options: StartOptions = {}): Promise<PostgresServer> {
  const binDir = findBinDir();
  const owner = await postgresUser();
  const asOwner = (cmd: string, args: string[]): [string, string[]] =>
    owner ? ['runuser', ['-u', 'postgres', '--', path.join(binDir, cmd), ...args]] : [path.join(binDir, cmd), args];
  const run = async (cmd: string, args: string[]): Promise<void> => {
    const [file, argv] = asOwner(cmd, args);
    await execFileAsync(file, argv, { cwd: os.tmpdir(), timeout: 60_000 });
  };

  const root = await mkdtemp(path.join(os.tmpdir(), 'zc-pg-'));
  const dataDir = path.join(root, 'data');
  const socketDir = path.join(root, 'sock');
  const logFile = path.join(root, 'server.log');
  await mkdir(socketDir);
  if (owner) {
    for (const p of [root, socketDir]) await chown(p, owner.uid, owner.gid);
  }
  await run('initdb', ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync']);

  let port = 0;
  let running = false;
  const start = async (): Promise<void> => {
    const serverOptions = [
      `-p ${port}`,
      `-k ${socketDir}`,
      '-c listen_addresses=127.0.0.1',
      '-c max_connections=200',
      ...(options.durable ? [] : ['-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off']),
    ].join(' ');
    try {
      await run('pg_ctl', ['start', '-w', '-t', '60', '-D', dataDir, '-l', logFile, '-o', serverOptions]);
    } catch (err) {
      const log = await readFile(logFile, 'utf8').catch((readErr: unknown) => `(no server log: ${String(readErr)})`);
      throw new Error(`pg_ctl start on port ${port} failed; server log tail:\n${log.split('\n').slice(-15).join('\n')}`, {
        cause: err,
      });
    }
    running = true;
  };

  // Another process may take the port between probing and binding: retry on a new one.
  let lastError: unknown;
  for (let attempt = 0; attempt < 5 && !running; attempt++) {
    port = await freePort();
    try {
      await start();
    } catch (err) {
      lastError = err;
    }
  }
  if (!running) {
    await rm(root, { recursive: true, force: true });
    throw lastError instanceof Error ? lastError : new Error(String(lastError));
  }

  const stop = async (mode: 'fast' | 'immediate' = 'fast'): Promise<void> => {
    if (!running) return;
    await run('pg_ctl', ['stop', '-w', '-t', '60', '-D', dataDir, '-m', mode]);
    running = false;
  };

  return {
    adminUrl: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    dataDir,
    start,
    stop,
    async destroy() {
      try {
        await stop('immediate');
      } finally {
        await rm(root, { recursive: true, force: true });
      }
    },
  };
}

/** A fresh, empty database on the server behind `adminUrl`; returns its URL. */
export async function createDatabase(adminUrl: string, prefix = 'zc_test'): Promise<string> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
