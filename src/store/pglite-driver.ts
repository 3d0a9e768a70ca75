import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { acquireDataDirLock, type DataDirLock } from './data-dir-lock.js';
import type { Db, Driver, QueryResult, SqlStatement } from './db.js';
import { toStoreError } from './db-errors.js';
import { DataDirInUseError, StoreUnavailableError } from './errors.js';
import { DEFAULT_SCHEMA, quoteIdent } from './schema.js';

/** Directories with a live PGlite in this process: a second instance on one directory corrupts it. */
const openDirs = new Set<string>();
const gunzipAsync = promisify(gunzip);

/**
 * PostgreSQL settings of every PGlite we start. PostgreSQL's default 128 MB
 * of shared_buffers lives in PGlite's WebAssembly memory, grows it from 128
 * to 188 MiB and is resident from the start: measured on the demo
 * (`npm start`), 16 MB lowered the peak RSS of a restart from 370-397 to
 * 243-276 MiB and of a first start (initdb on a new directory) from 856-953
 * to 714-792 MiB. The demo's data fits many times over; a table larger than
 * the buffers reads through the file system cache instead (a full scan of a
 * 69 MB table took ~1.8x as long). On the command line, so it holds for
 * directories that an older build initialized with 128 MB too; given to
 * initdb as well, so its bootstrap runs with it and writes it to
 * postgresql.conf.
 */
const SERVER_SETTINGS = ['-c', 'shared_buffers=16MB'];
const PGLITE_OPTIONS = {
  startParams: [...PGlite.defaultStartParams, ...SERVER_SETTINGS],
  initDbStartParams: SERVER_SETTINGS,
};

/**
 * A new data directory starts as a copy of a cluster that the build
 * initialized (writePgliteTemplate, run by scripts/build.js), loaded through
 * PGlite's `loadDataDir` option, instead of running initdb. PGlite runs
 * initdb in a second PostgreSQL instance beside the first, with a copy of its
 * 128 MiB of memory, and hands the new cluster over as a tar: all of it alive
 * at once, which WebAssembly memory (it never shrinks) and the garbage
 * collector leave resident. Measured on the demo's first start (`npm start`
 * on a new DATA_DIR, 16 MB of shared_buffers either way): peak RSS 378-400
 * MiB from the template against 714-792 MiB with initdb, and PGlite opens in
 * about a third of the time (0.9-1.8 s against 2.8-6.1 s on a busy machine).
 * The price: the build takes a few seconds more, the package carries the
 * 4.5 MB file, and every directory started from it shares one PostgreSQL
 * system identifier (nothing here uses it).
 * The file is named after the PGlite version that made it: without one for
 * the installed PGlite (no build, or PGlite upgraded since) a new directory
 * runs initdb as before.
 */
let cachedTemplateFile: string | null | undefined;

/** dist/pglite-template-<PGlite version>.tar.gz at the package root, whether or not it exists; null if PGlite's version is unreadable. */
export function pgliteTemplateFile(): string | null {
  if (cachedTemplateFile !== undefined) return cachedTemplateFile;
  try {
    // PGlite exports no package.json: it sits above the dist/ its entry point is in.
    const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
    const { version } = JSON.parse(readFileSync(path.join(path.dirname(entry), '..', 'package.json'), 'utf8')) as { version?: unknown };
    cachedTemplateFile = typeof version === 'string' ? path.join(import.meta.dirname, '..', '..', 'dist', `pglite-template-${version}.tar.gz`) : null;
  } catch {
    cachedTemplateFile = null;
  }
  return cachedTemplateFile;
}

/** Initializes an empty cluster with our settings and writes it, shut down cleanly, as the gzipped tar a new directory starts from. */
export async function writePgliteTemplate(file: string | null = pgliteTemplateFile()): Promise<string> {
  if (!file) throw new Error('the installed PGlite has no readable version');
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'zc-pglite-template-'));
  try {
    const dir = path.join(scratch, 'data');
    // initdb, then PostgreSQL's shutdown checkpoint: the copy starts without crash recovery.
    await (await PGlite.create(dir, PGLITE_OPTIONS)).close();
    // noInitDb: PGlite mounts the directory without starting PostgreSQL, so it dumps the shut-down cluster as it is.
    const raw = await PGlite.create(dir, { noInitDb: true });
    let tar: Blob;
    try {
      tar = await raw.dumpDataDir('gzip');
    } finally {
      await raw.close();
    }
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(`${file}.partial`, new Uint8Array(await tar.arrayBuffer()));
    await rename(`${file}.partial`, file);
    return file;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Empty or absent: nothing to lose if a template that does not load has to be cleared away. */
async function isEmptyDir(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).length === 0;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw err;
  }
}

/**
 * The template's tar, or undefined if it is missing or damaged. Unzipped here:
 * gzip's checksum proves the file whole, and PGlite's own unzip leaves a
 * damaged file's error unhandled, which ends the process.
 */
async function readTemplate(file: string): Promise<Blob | undefined> {
  try {
    return new Blob([await gunzipAsync(await readFile(file))], { type: 'application/x-tar' });
  } catch {
    return undefined;
  }
}

async function startPglite(dir: string, templateFile: string | null): Promise<PGlite> {
  const template = templateFile && (await isEmptyDir(dir)) ? await readTemplate(templateFile) : undefined;
  if (!template) return PGlite.create(dir, PGLITE_OPTIONS);
  try {
    return await PGlite.create(dir, { ...PGLITE_OPTIONS, loadDataDir: template });
  } catch {
    // A template that does not load (a damaged file) must not leave a half-copied cluster: clear it, initdb instead.
    for (const entry of await readdir(dir).catch(() => [])) await rm(path.join(dir, entry), { recursive: true, force: true });
    return PGlite.create(dir, PGLITE_OPTIONS);
  }
}

interface PgliteQueryable {
  query<R>(query: string, params?: unknown[]): Promise<{ rows: R[]; affectedRows?: number }>;
  exec(query: string): Promise<unknown>;
}

async function run<R extends object>(
  target: PgliteQueryable,
  statement: string | SqlStatement,
  params: readonly unknown[] | undefined,
): Promise<QueryResult<R>> {
  const text = typeof statement === 'string' ? statement : statement.text;
  try {
    const result = await target.query<R>(text, params ? [...params] : []);
    return { rows: result.rows, rowCount: result.rows.length > 0 ? result.rows.length : (result.affectedRows ?? 0) };
  } catch (err) {
    throw toStoreError(err);
  }
}

class PgliteTransaction implements Db {
  constructor(private readonly tx: Transaction) {}

  query<R extends object>(statement: string | SqlStatement, params?: readonly unknown[]): Promise<QueryResult<R>> {
    return run<R>(this.tx, statement, params);
  }

  async exec(sql: string): Promise<void> {
    try {
      await this.tx.exec(sql);
    } catch (err) {
      throw toStoreError(err);
    }
  }

  transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
    return fn(this);
  }
}

/**
 * Embedded PostgreSQL for demo mode and single-process use. PGlite has one
 * connection: a transaction blocks every other query until it ends, so
 * callers keep transactions short (the refresh lock is an in-process mutex
 * instead: the KeyedMutex in refresh-lock.ts).
 */
export class PgliteDriver implements Driver {
  readonly kind = 'pglite' as const;

  private constructor(
    private readonly pg: PGlite,
    private readonly dataDir: string,
    private readonly lock: DataDirLock,
    readonly schema: string,
  ) {}

  /**
   * Starts PGlite on `dataDir` (about a second on a new directory, seconds
   * without the template): do it once per process. `template` is the file a
   * new directory starts from (default: pgliteTemplateFile()); null runs initdb.
   */
  static async open(dataDir: string, schema: string = DEFAULT_SCHEMA, options: { template?: string | null } = {}): Promise<PgliteDriver> {
    const resolved = path.resolve(dataDir);
    if (openDirs.has(resolved)) throw new DataDirInUseError(resolved);
    openDirs.add(resolved);
    let lock: DataDirLock | undefined;
    try {
      // PGlite creates its own directory but not its parents (DATA_DIR may not exist yet).
      await mkdir(path.dirname(resolved), { recursive: true });
      lock = await acquireDataDirLock(resolved);
      const pg = await startPglite(resolved, options.template === undefined ? pgliteTemplateFile() : options.template);
      // One connection for the process: its session resolves our tables in our schema, as PostgreSQL's pool does.
      await pg.exec(`SET search_path TO ${quoteIdent(schema)}`);
      return new PgliteDriver(pg, resolved, lock, schema);
    } catch (err) {
      openDirs.delete(resolved);
      await lock?.release();
      if (err instanceof DataDirInUseError) throw err;
      const detail = err instanceof Error ? err.message : String(err);
      throw new StoreUnavailableError(`PGlite could not start on "${resolved}": ${detail}`, null, { cause: err });
    }
  }

  query<R extends object>(statement: string | SqlStatement, params?: readonly unknown[]): Promise<QueryResult<R>> {
    return run<R>(this.pg, statement, params);
  }

  async exec(sql: string): Promise<void> {
    try {
      await this.pg.exec(sql);
    } catch (err) {
      throw toStoreError(err);
    }
  }

  async transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
    let thrownByFn: { err: unknown } | undefined;
    try {
      return await this.pg.transaction(async (tx) => {
        try {
          return await fn(new PgliteTransaction(tx));
        } catch (err) {
          thrownByFn = { err };
          throw err;
        }
      });
    } catch (err) {
      // fn's own errors (say, a Zoom ECONNREFUSED) reach the caller unchanged.
      if (thrownByFn && thrownByFn.err === err) throw err;
      throw toStoreError(err);
    }
  }

  async ping(): Promise<void> {
    if (this.pg.closed) throw new StoreUnavailableError('PGlite is closed', null);
    await this.query('SELECT 1');
  }

  async close(): Promise<void> {
    try {
      if (!this.pg.closed) await this.pg.close();
    } finally {
      openDirs.delete(this.dataDir);
      await this.lock.release();
    }
  }
}
