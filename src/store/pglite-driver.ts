import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { acquireDataDirLock, type DataDirLock } from './data-dir-lock.js';
import type { Db, Driver, QueryResult, SqlStatement } from './db.js';
import { toStoreError } from './db-errors.js';
import { DataDirInUseError, StoreUnavailableError } from './errors.js';
import { DEFAULT_SCHEMA, quoteIdent } from './schema.js';

/** Directories with a live PGlite in this process: a second instance on one directory corrupts it. */
const openDirs = new Set<string>();

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

  /** Starts PGlite on `dataDir` (seconds on a new directory): do it once per process. */
  static async open(dataDir: string, schema: string = DEFAULT_SCHEMA): Promise<PgliteDriver> {
    const resolved = path.resolve(dataDir);
    if (openDirs.has(resolved)) throw new DataDirInUseError(resolved);
    openDirs.add(resolved);
    let lock: DataDirLock | undefined;
    try {
      // PGlite creates its own directory but not its parents (DATA_DIR may not exist yet).
      await mkdir(path.dirname(resolved), { recursive: true });
      lock = await acquireDataDirLock(resolved);
      const pg = await PGlite.create(resolved, PGLITE_OPTIONS);
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
