import type pg from 'pg';
import pgUtils from 'pg/lib/utils.js';
import type { QueryResult, SqlStatement } from './db.js';

/**
 * A named statement run on one pg client, asking PostgreSQL to describe its
 * result columns once per session instead of on every execution (issue 15).
 *
 * pg's own Query sends Parse (the first time), Bind, Describe, Execute and
 * Sync, so PostgreSQL builds a RowDescription for every execution and pg
 * copies the query's configuration, parses that description and builds a
 * parser list and an empty row for it: ~11 µs of our process's CPU and ~4 µs
 * of PostgreSQL's a statement, measured on the hot read. A prepared
 * statement's columns cannot change while it lives (PostgreSQL refuses with
 * "cached plan must not change result type"), so the first description, kept
 * per connection, holds for every later execution on it.
 *
 * This is pg's documented Submittable extension point (pg-cursor uses the
 * same connection calls); pg is pinned to one version, and the store's tests
 * run every named statement through here.
 */

type Parser = (value: string) => unknown;

/** The result columns of one statement on one session, in order. */
interface Shape {
  names: string[];
  parsers: Parser[];
}

/** The pg Connection calls a Submittable makes (pg's Query and pg-cursor make the same). */
interface PgConnection {
  parsedStatements: Record<string, string | undefined>;
  submittedNamedStatements: Record<string, string | undefined>;
  stream: { cork?: () => void; uncork?: () => void };
  parse(config: { text: string; name: string }): void;
  bind(config: { statement: string; values: readonly unknown[]; valueMapper: (value: unknown) => unknown }): void;
  describe(config: { type: 'P'; name: string }): void;
  execute(): void;
  sync(): void;
  sendCopyFail(message: string): void;
}

interface FieldDescription {
  name: string;
  dataTypeID: number;
}

/** What each session said its statements return, learned on their first execution there. */
const shapes = new WeakMap<PgConnection, Map<string, Shape>>();

/** The row count of a CommandComplete tag: `SELECT 3`, `UPDATE 2`, `INSERT 0 1` (the same reading as pg's). */
const COMMAND_TAG = /^[A-Za-z]+(?: (\d+))?(?: (\d+))?/;

const prepareValue = (value: unknown): unknown => pgUtils.prepareValue(value);

class PreparedQuery<R extends object> implements pg.Submittable {
  /** pg's client reads these to record the statement as parsed on its connection. */
  readonly name: string;
  readonly text: string;
  private shape: Shape | undefined;
  private readonly rows: R[] = [];
  private rowCount: number | null = null;
  private connection: PgConnection | null = null;
  private settled = false;
  private protocolError: Error | null = null;

  constructor(
    statement: Required<SqlStatement>,
    private readonly values: readonly unknown[],
    /** Its type parsers are the rows' (pg's defaults unless the client was given others). */
    private readonly client: pg.ClientBase,
    private readonly done: PreparedCallback<R>,
  ) {
    this.name = statement.name;
    this.text = statement.text;
  }

  submit(connection: pg.Connection): Error | null {
    const con = connection as unknown as PgConnection;
    const previous = con.parsedStatements[this.name] ?? con.submittedNamedStatements[this.name];
    if (previous !== undefined && previous !== this.text) {
      return new Error(`Prepared statements must be unique - '${this.name}' was used for a different statement`);
    }
    this.connection = con;
    this.shape = shapes.get(con)?.get(this.name);
    con.stream.cork?.();
    try {
      if (previous === undefined) {
        con.parse({ text: this.text, name: this.name });
        con.submittedNamedStatements[this.name] = this.text;
      }
      try {
        con.bind({ statement: this.name, values: this.values, valueMapper: prepareValue });
      } catch (err) {
        // A value pg cannot send: nothing was executed; the session is ready again after Sync.
        con.sync();
        this.fail(err instanceof Error ? err : new Error(String(err)));
        return null;
      }
      if (!this.shape) con.describe({ type: 'P', name: '' });
      con.execute();
      con.sync();
    } finally {
      con.stream.uncork?.();
    }
    return null;
  }

  handleRowDescription(msg: { fields: FieldDescription[] }): void {
    this.shape = this.learn(msg.fields);
  }

  handleDataRow(msg: { fields: (string | null)[] }): void {
    const shape = this.shape;
    if (!shape) {
      // Cannot happen (Describe precedes the rows whenever no description is kept); never a row dropped quietly.
      this.protocolError ??= new Error(`PostgreSQL sent a row of '${this.name}' before describing its columns`);
      return;
    }
    const row: Record<string, unknown> = {};
    const { names, parsers } = shape;
    for (let i = 0; i < names.length; i++) {
      const raw = msg.fields[i];
      row[names[i] as string] = raw === null || raw === undefined ? null : (parsers[i] as Parser)(raw);
    }
    this.rows.push(row as R);
  }

  handleCommandComplete(msg: { text?: string; command?: string }): void {
    // A statement that returns no rows has no RowDescription: its (empty) shape is learned here.
    if (!this.shape) this.shape = this.learn([]);
    const match = COMMAND_TAG.exec(msg.text ?? msg.command ?? '');
    const count = match?.[2] ?? match?.[1];
    this.rowCount = count === undefined ? null : Number(count);
  }

  handleReadyForQuery(): void {
    if (this.protocolError) {
      this.fail(this.protocolError);
      return;
    }
    if (this.settled) return;
    this.settled = true;
    this.done(null, { rows: this.rows, rowCount: this.rowCount ?? this.rows.length });
  }

  handleError(err: Error): void {
    this.fail(err);
  }

  handleEmptyQuery(): void {
    // Only an empty statement text gets here; Sync follows as always.
  }

  handlePortalSuspended(): void {
    // Execute asks for every row, so a portal is never suspended.
  }

  handleCopyInResponse(connection: pg.Connection): void {
    (connection as unknown as PgConnection).sendCopyFail('COPY is not run through a prepared statement');
  }

  handleCopyData(): void {
    // Never asked for.
  }

  private learn(fields: FieldDescription[]): Shape {
    const shape: Shape = { names: fields.map((f) => f.name), parsers: fields.map((f) => this.client.getTypeParser(f.dataTypeID, 'text') as Parser) };
    const con = this.connection;
    if (con) {
      let known = shapes.get(con);
      if (!known) {
        known = new Map();
        shapes.set(con, known);
      }
      known.set(this.name, shape);
    }
    return shape;
  }

  private fail(err: Error): void {
    if (this.settled) return;
    this.settled = true;
    this.done(err, { rows: [], rowCount: 0 });
  }
}

/** How a prepared statement ends: PostgreSQL's or pg's own error, unmapped (and no rows), or its rows. */
export type PreparedCallback<R> = (err: Error | null, result: QueryResult<R>) => void;

/**
 * Queues a named statement on a client that runs nothing else of ours
 * meanwhile (a checked-out pool client); `done` is called once.
 */
export function queryPrepared<R extends object>(client: pg.ClientBase, statement: Required<SqlStatement>, params: readonly unknown[], done: PreparedCallback<R>): void {
  client.query(new PreparedQuery<R>(statement, params, client, done));
}

/** queryPrepared as a promise. */
export function runPrepared<R extends object>(client: pg.ClientBase, statement: Required<SqlStatement>, params: readonly unknown[]): Promise<QueryResult<R>> {
  return new Promise<QueryResult<R>>((resolve, reject) => {
    queryPrepared<R>(client, statement, params, (err, result) => {
      if (err) reject(err);
      else resolve(result);
    });
  });
}
