/**
 * The small query layer both drivers implement, so every repository is
 * written once against real PostgreSQL semantics (PGlite is PostgreSQL).
 */

export interface SqlStatement {
  text: string;
  /** A name makes `pg` prepare the statement once per connection; PGlite ignores it. */
  name?: string;
}

export interface QueryResult<R> {
  rows: R[];
  /** Rows returned, or touched by INSERT/UPDATE/DELETE without RETURNING. */
  rowCount: number;
}

export interface Db {
  query<R extends object>(statement: string | SqlStatement, params?: readonly unknown[]): Promise<QueryResult<R>>;
  /** Runs several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
  /** Runs `fn` in one transaction: COMMIT when it resolves, ROLLBACK when it throws. Nested calls join the outer one. */
  transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T>;
}

/** A Db that owns its connection(s). */
export interface Driver extends Db {
  readonly kind: 'postgres' | 'pglite';
  /** The schema our tables live in: the only one on this driver's search_path. */
  readonly schema: string;
  ping(timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

/** The log calls the store makes; pino's Logger fits. */
export interface StoreLogger {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

export const silentLogger: StoreLogger = {
  warn: () => undefined,
  info: () => undefined,
};
