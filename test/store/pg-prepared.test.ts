import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PgDriver } from '../../src/store/pg-driver.js';
import { runPrepared } from '../../src/store/pg-prepared.js';
import { StoreUnavailableError } from '../../src/store/index.js';
import { freshDatabaseUrl, RecordingLogger } from '../helpers/store-fixtures.js';

/**
 * Named statements run through our Submittable (src/store/pg-prepared.ts):
 * PostgreSQL describes a statement's columns once per session, and every
 * row, count and error is what pg's own Query gives for the same statement.
 */
describe('named statements described once per session (PostgreSQL)', () => {
  let pool: pg.Pool;
  let databaseUrl: string;

  beforeAll(async () => {
    databaseUrl = await freshDatabaseUrl();
    pool = new pg.Pool({ connectionString: databaseUrl, max: 4 });
    await pool.query(`CREATE TABLE sample (
      id int PRIMARY KEY, label text, big bigint, ratio float8, blob bytea, at timestamptz, tags text[], flag boolean, doc jsonb, note text)`);
    await pool.query(`INSERT INTO sample VALUES
      (1, 'one', 9007199254740993, 0.5, '\\xdeadbeef', '2026-12-02T06:00:00.123Z', ARRAY['a','b c'], true, '{"k":[1,2]}', NULL),
      (2, 'two', -1, 1e300, '\\x', '1999-01-01T00:00:00Z', ARRAY[]::text[], false, 'null', 'x')`);
  });

  afterAll(async () => {
    await pool.end();
  });

  /** How many RowDescription messages the client's session received while `fn` ran. */
  async function describedDuring(client: pg.PoolClient, fn: () => Promise<unknown>): Promise<number> {
    const connection = (client as unknown as { connection: NodeJS.EventEmitter }).connection;
    let described = 0;
    const count = (): void => {
      described += 1;
    };
    connection.on('rowDescription', count);
    try {
      await fn();
    } finally {
      connection.off('rowDescription', count);
    }
    return described;
  }

  /** Runs `fn` on a client of its own, released afterwards (destroyed when `destroy`). */
  async function onClient<T>(fn: (client: pg.PoolClient) => Promise<T>, destroy = false): Promise<T> {
    const client = await pool.connect();
    try {
      return await fn(client);
    } finally {
      client.release(destroy);
    }
  }

  test('rows of every column type equal what pg’s own Query returns for the same statement', async () => {
    await onClient(async (client) => {
      const statement = { name: 'zc_test_all_types', text: 'SELECT * FROM sample WHERE id >= $1 ORDER BY id' };
      const ours = await runPrepared(client, statement, [1]);
      const theirs = await client.query({ ...statement, values: [1] });
      expect(ours.rows).toEqual(theirs.rows);
      expect(ours.rows).toHaveLength(2);
      expect(ours.rowCount).toBe(2);
      const first = ours.rows[0] as Record<string, unknown>;
      expect(Object.keys(first)).toEqual(['id', 'label', 'big', 'ratio', 'blob', 'at', 'tags', 'flag', 'doc', 'note']);
      expect(first.blob).toEqual(Buffer.from('deadbeef', 'hex'));
      expect(first.at).toEqual(new Date('2026-12-02T06:00:00.123Z'));
    });
  });

  test('a statement is described on its first execution in a session and never again there', async () => {
    await onClient(async (client) => {
      const statement = { name: 'zc_test_described_once', text: 'SELECT label FROM sample WHERE id = $1' };
      expect(await describedDuring(client, () => runPrepared(client, statement, [1]))).toBe(1);
      const again = await describedDuring(client, async () => {
        expect((await runPrepared(client, statement, [2])).rows).toEqual([{ label: 'two' }]);
        expect((await runPrepared(client, statement, [1])).rows).toEqual([{ label: 'one' }]);
      });
      expect(again).toBe(0);
      // pg's own Query describes on every execution: the count above is ours, not the protocol's.
      expect(await describedDuring(client, () => client.query({ ...statement, values: [1] }))).toBe(1);
    });
  });

  test('another session describes the statement for itself', async () => {
    const statement = { name: 'zc_test_per_session', text: 'SELECT id FROM sample WHERE label = $1' };
    const a = await pool.connect();
    const b = await pool.connect();
    try {
      expect(await describedDuring(a, () => runPrepared(a, statement, ['one']))).toBe(1);
      expect(await describedDuring(b, () => runPrepared(b, statement, ['two']))).toBe(1);
      expect((await runPrepared(b, statement, ['two'])).rows).toEqual([{ id: 2 }]);
    } finally {
      a.release();
      b.release();
    }
  });

  test('statements without rows report the rows they touched, as pg does', async () => {
    await onClient(async (client) => {
      await client.query('CREATE TEMP TABLE counted (n int)');
      const insert = await runPrepared(client, { name: 'zc_test_insert', text: 'INSERT INTO counted SELECT generate_series(1, $1::int)' }, [3]);
      expect(insert).toEqual({ rows: [], rowCount: 3 });
      const update = { name: 'zc_test_update', text: 'UPDATE counted SET n = n + 1 WHERE n > $1' };
      expect(await runPrepared(client, update, [1])).toEqual({ rows: [], rowCount: 2 });
      // The second execution runs on the learned (empty) shape.
      expect(await describedDuring(client, () => runPrepared(client, update, [100]))).toBe(0);
      expect(await runPrepared(client, update, [0])).toEqual({ rows: [], rowCount: 3 });
      const none = await runPrepared(client, { name: 'zc_test_no_rows', text: 'SELECT n FROM counted WHERE n < $1' }, [0]);
      expect(none).toEqual({ rows: [], rowCount: 0 });
    });
  });

  test('PostgreSQL’s error rejects the statement and the session stays usable', async () => {
    await onClient(async (client) => {
      const divide = { name: 'zc_test_divide', text: 'SELECT 10 / $1::int AS q' };
      expect((await runPrepared(client, divide, [5])).rows).toEqual([{ q: 2 }]);
      await expect(runPrepared(client, divide, [0])).rejects.toMatchObject({ code: '22012' });
      expect((await runPrepared(client, divide, [2])).rows).toEqual([{ q: 5 }]);
      await expect(runPrepared(client, { name: 'zc_test_syntax', text: 'SELEC 1' }, [])).rejects.toMatchObject({ code: '42601' });
      expect((await runPrepared(client, divide, [1])).rows).toEqual([{ q: 10 }]);
    });
  });

  test('a parameter pg cannot send rejects before anything runs, and the session stays usable', async () => {
    await onClient(async (client) => {
      const circular: Record<string, unknown> = {};
      circular.self = circular;
      const echo = { name: 'zc_test_echo', text: 'SELECT $1::jsonb AS doc' };
      await expect(runPrepared(client, echo, [circular])).rejects.toThrow(TypeError);
      expect((await runPrepared(client, echo, [{ ok: true }])).rows).toEqual([{ doc: { ok: true } }]);
    });
  });

  test('one name used for two different texts is refused, as pg refuses it', async () => {
    await onClient(async (client) => {
      await runPrepared(client, { name: 'zc_test_same_name', text: 'SELECT 1 AS one' }, []);
      await expect(runPrepared(client, { name: 'zc_test_same_name', text: 'SELECT 2 AS two' }, [])).rejects.toThrow(/Prepared statements must be unique/);
      expect((await runPrepared(client, { name: 'zc_test_same_name', text: 'SELECT 1 AS one' }, [])).rows).toEqual([{ one: 1 }]);
    });
  });

  test('a column whose type changed under a described statement is refused by PostgreSQL, never parsed with the old type', async () => {
    await onClient(async (client) => {
      await client.query('CREATE TEMP TABLE changing (v int)');
      await client.query('INSERT INTO changing VALUES (7)');
      const read = { name: 'zc_test_changing', text: 'SELECT v FROM changing WHERE $1::int > 0' };
      expect((await runPrepared(client, read, [1])).rows).toEqual([{ v: 7 }]);
      await client.query('ALTER TABLE changing ALTER COLUMN v TYPE text');
      await expect(runPrepared(client, read, [1])).rejects.toThrow(/cached plan must not change result type/);
    }, true);
  });

  test('through the driver: a session killed mid-statement fails as unavailable and the next statement gets a new session', async () => {
    const driver = new PgDriver({ databaseUrl, poolMax: 1, logger: new RecordingLogger() });
    try {
      const pidOf = { name: 'zc_test_backend_pid', text: 'SELECT pg_backend_pid() AS pid' };
      const first = (await driver.query<{ pid: number }>(pidOf)).rows[0]?.pid;
      // The expectation is attached at once: the rejection may come before the terminate call returns.
      const sleepingFails = expect(driver.query({ name: 'zc_test_sleep', text: 'SELECT pg_sleep($1::float8)' }, [30])).rejects.toThrow(StoreUnavailableError);
      const sleepers = async (): Promise<unknown> =>
        (await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep%' AND state = 'active'")).rows[0]?.n;
      await expect.poll(sleepers).toBe(1);
      await pool.query('SELECT pg_terminate_backend($1)', [first]);
      await sleepingFails;
      const second = (await driver.query<{ pid: number }>(pidOf)).rows[0]?.pid;
      expect(second).toEqual(expect.any(Number));
      expect(second).not.toBe(first);
    } finally {
      await driver.close();
    }
  });
});
