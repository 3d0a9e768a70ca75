import pg from 'pg';
import type { Db, Driver, QueryResult, SqlStatement, StoreLogger } from './db.js';
import { redactSecrets, toStoreError } from './db-errors.js';
import { StoreUnavailableError } from './errors.js';
import { CONNECT_TIMEOUT_MS, IDLE_IN_TRANSACTION_TIMEOUT_MS, STATEMENT_TIMEOUT_MS } from './timeouts.js';

export const DEFAULT_POOL_MAX = 10;

export interface PgDriverOptions {
  databaseUrl: string;
  poolMax?: number;
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
  constructor(private readonly client: pg.PoolClient) {}

  query<R extends object>(statement: string | SqlStatement, params?: readonly unknown[]): Promise<QueryResult<R>> {
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
  private readonly pool: pg.Pool;
  private readonly logger: StoreLogger;

  constructor(options: PgDriverOptions) {
    this.logger = options.logger;
    this.pool = new pg.Pool({
      connectionString: options.databaseUrl,
      max: options.poolMax ?? DEFAULT_POOL_MAX,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      idleTimeoutMillis: 30_000,
      // Sent as startup parameters. Behind PgBouncer, list them in
      // ignore_startup_parameters and set them on the role instead.
      statement_timeout: STATEMENT_TIMEOUT_MS,
      idle_in_transaction_session_timeout: IDLE_IN_TRANSACTION_TIMEOUT_MS,
      application_name: 'zoom-connect',
    });
    // An idle client whose server went away emits here; without a listener
    // a database restart would crash the process.
    this.pool.on('error', (err) => {
      this.logger.warn({ err: redactSecrets(err.message) }, 'idle PostgreSQL connection failed; the pool will reconnect');
    });
  }

  query<R extends object>(statement: string | SqlStatement, params?: readonly unknown[]): Promise<QueryResult<R>> {
    return run<R>(this.pool, statement, params);
  }

  async exec(sql: string): Promise<void> {
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
    const tx = new PgTransaction(client);
    try {
      await tx.exec('BEGIN');
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

  async close(): Promise<void> {
    await this.pool.end();
  }
}
