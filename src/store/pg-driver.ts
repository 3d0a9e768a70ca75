import pg from 'pg';
import type { Db, Driver, QueryResult, SqlStatement, StoreLogger } from './db.js';
import { redactSecrets, toStoreError } from './db-errors.js';
import { queryPrepared, runPrepared } from './pg-prepared.js';
import { StoreUnavailableError } from './errors.js';
import { DEFAULT_SCHEMA, quoteIdent } from './schema.js';
import { CONNECT_TIMEOUT_MS, IDLE_IN_TRANSACTION_TIMEOUT_MS, STATEMENT_TIMEOUT_MS } from './timeouts.js';

export const DEFAULT_POOL_MAX = 10;

export interface PgDriverOptions {
  /** Where our own pool connects; or `pool`, the host app's. */
  databaseUrl?: string | undefined;
  /** A host app's pool: used as is, never ended by us, its sessions left as we found them. */
  pool?: pg.Pool | undefined;
  poolMax?: number | undefined;
  /** The schema our tables live in; a valid lower-case identifier (config checks it). */
  schema?: string | undefined;
  logger: StoreLogger;
}

type Queryable = pg.Pool | pg.PoolClient;

async function run<R extends object>(
  target: Queryable,
  statement: string | SqlStatement,
  params: readonly unknown[] | undefined,
): Promise<QueryResult<R>> {
  const text = typeof statement === 'string' ? statement : statement.text;
  const name = typeof statement === 'string' ? undefined : statement.name;
  try {
    const result = await target.query<R & pg.QueryResultRow>({ text, name, values: params ? [...params] : [] });
    return { rows: result.rows, rowCount: result.rowCount ?? result.rows.length };
  } catch (err) {
    throw toStoreError(err);
  }
}

/** A named statement of our own, on a client of our own pool: described once per session (pg-prepared.ts). */
function isPrepared(statement: string | SqlStatement): statement is Required<SqlStatement> {
  return typeof statement !== 'string' && statement.name !== undefined;
}

async function runOnClient<R extends object>(client: pg.PoolClient, statement: Required<SqlStatement>, params: readonly unknown[] | undefined): Promise<QueryResult<R>> {
  try {
    return await runPrepared<R>(client, statement, params ?? []);
  } catch (err) {
    throw toStoreError(err);
  }
}

/**
 * A named statement on a client checked out for it alone, as pg's Pool.query
 * does (which takes no Submittable): an error listener while it runs, and a
 * client that failed in any way destroyed rather than returned to the pool.
 * Callbacks inside one promise: checking out and running are one wait, not three.
 */
function runOnPool<R extends object>(pool: pg.Pool, statement: Required<SqlStatement>, params: readonly unknown[] | undefined): Promise<QueryResult<R>> {
  return new Promise<QueryResult<R>>((resolve, reject) => {
    pool.connect((connectErr: Error | undefined, client: pg.PoolClient | undefined) => {
      if (connectErr || !client) {
        reject(toStoreError(connectErr ?? new Error('the pool gave no client')));
        return;
      }
      let failed: Error | undefined;
      const onError = (err: Error): void => {
        failed = err;
      };
      client.on('error', onError);
      queryPrepared<R>(client, statement, params ?? [], (err, result) => {
        client.off('error', onError);
        client.release(failed ?? err ?? undefined);
        if (err) reject(toStoreError(err));
        else resolve(result);
      });
    });
  });
}

/** Multi-statement text goes over the simple query protocol, which takes no parameters. */
async function runScript(target: Queryable, sql: string): Promise<void> {
  try {
    await target.query(sql);
  } catch (err) {
    throw toStoreError(err);
  }
}

/** One checked-out client inside BEGIN ... COMMIT. */
class PgTransaction implements Db {
  constructor(
    private readonly client: pg.PoolClient,
    /** A host's pool keeps pg's own query path: its clients may be configured in ways ours are not (binary results, type parsers). */
    private readonly ownPool: boolean,
  ) {}

  query<R extends object>(statement: string | SqlStatement, params?: readonly unknown[]): Promise<QueryResult<R>> {
    if (this.ownPool && isPrepared(statement)) return runOnClient<R>(this.client, statement, params);
    return run<R>(this.client, statement, params);
  }

  async exec(sql: string): Promise<void> {
    await runScript(this.client, sql);
  }

  transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
    return fn(this);
  }
}

export class PgDriver implements Driver {
  readonly kind = 'postgres' as const;
  readonly schema: string;
  private readonly pool: pg.Pool;
  private readonly ownsPool: boolean;
  private readonly logger: StoreLogger;

  constructor(options: PgDriverOptions) {
    this.logger = options.logger;
    this.schema = options.schema ?? DEFAULT_SCHEMA;
    if (options.pool) {
      this.pool = options.pool;
      this.ownsPool = false;
      // A host pool's 'error' listener is the host's business, and its
      // sessions keep their own search_path: ours is set per transaction.
      return;
    }
    if (!options.databaseUrl) throw new Error('PgDriver needs a databaseUrl or a pool');
    this.ownsPool = true;
    this.pool = new pg.Pool({
      connectionString: options.databaseUrl,
      max: options.poolMax ?? DEFAULT_POOL_MAX,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      idleTimeoutMillis: 30_000,
      // Sent as startup parameters. Behind PgBouncer, list them (and
      // `options`) in ignore_startup_parameters and set them on the role instead.
      statement_timeout: STATEMENT_TIMEOUT_MS,
      idle_in_transaction_session_timeout: IDLE_IN_TRANSACTION_TIMEOUT_MS,
      // Every session of our own pool resolves our unqualified table names in our schema.
      options: `-c search_path=${this.schema}`,
      application_name: 'zoom-connect',
    });
    // An idle client whose server went away emits here; without a listener
    // a database restart would crash the process.
    this.pool.on('error', (err) => {
      this.logger.warn({ err: redactSecrets(err.message) }, 'idle PostgreSQL connection failed; the pool will reconnect');
    });
  }

  /** The pool's size: the refresh lock keeps some of it free for everything else. */
  get poolSize(): number {
    return this.pool.options.max ?? DEFAULT_POOL_MAX;
  }

  query<R extends object>(statement: string | SqlStatement, params?: readonly unknown[]): Promise<QueryResult<R>> {
    if (!this.ownsPool) return this.transaction((tx) => tx.query<R>(statement, params));
    if (isPrepared(statement)) return runOnPool<R>(this.pool, statement, params);
    return run<R>(this.pool, statement, params);
  }

  async exec(sql: string): Promise<void> {
    if (!this.ownsPool) {
      await this.transaction((tx) => tx.exec(sql));
      return;
    }
    await runScript(this.pool, sql);
  }

  async transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw toStoreError(err);
    }
    // A checked-out client has no pool listener; a server that dies while we
    // wait on Zoom would otherwise raise an unhandled 'error' event.
    let broken: Error | undefined;
    const onError = (err: Error): void => {
      broken = err;
      this.logger.warn({ err: redactSecrets(err.message) }, 'PostgreSQL connection failed inside a transaction');
    };
    client.on('error', onError);
    const tx = new PgTransaction(client, this.ownsPool);
    try {
      await tx.exec('BEGIN');
      if (!this.ownsPool) {
        // A host's session gets our settings for this transaction only (SET LOCAL).
        await tx.query("SELECT set_config('search_path', $1, true), set_config('statement_timeout', $2, true), set_config('idle_in_transaction_session_timeout', $3, true)", [
          quoteIdent(this.schema),
          String(STATEMENT_TIMEOUT_MS),
          String(IDLE_IN_TRANSACTION_TIMEOUT_MS),
        ]);
      }
      const result = await fn(tx);
      await tx.exec('COMMIT');
      return result;
    } catch (err) {
      try {
        await tx.exec('ROLLBACK');
      } catch (rollbackErr) {
        broken ??= rollbackErr instanceof Error ? rollbackErr : new Error(String(rollbackErr));
      }
      // Our statements' errors are mapped already; fn's own (say, a Zoom
      // ECONNREFUSED) must reach the caller unchanged, not as a database outage.
      throw err;
    } finally {
      client.off('error', onError);
      // Passing an error destroys the client instead of returning a dead or
      // mid-transaction connection to the pool.
      client.release(broken);
    }
  }

  async ping(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new StoreUnavailableError(`no answer to SELECT 1 within ${timeoutMs} ms`, null)), timeoutMs);
    });
    try {
      await Promise.race([this.query({ text: 'SELECT 1', name: 'zc_ping' }), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Ends our own pool; a host's pool is the host's to end. */
  async close(): Promise<void> {
    if (this.ownsPool) await this.pool.end();
  }
}
