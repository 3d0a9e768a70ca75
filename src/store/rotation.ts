import { TokenDecryptError, UnknownKeyError, type TokenCipher } from '../crypto/index.js';
import type { Db, StoreLogger } from './db.js';
import { ACCESS_TOKEN_FIELD, CODE_VERIFIER_FIELD, REFRESH_TOKEN_FIELD } from './sealing.js';
import type { RotationReport } from './types.js';

/** A table with sealed columns: enough to find, re-seal and conditionally rewrite its rows. */
interface SealedTable {
  table: string;
  key: string;
  kidColumn: string;
  columns: string[];
}

const SEALED_TABLES: readonly SealedTable[] = [
  {
    table: ACCESS_TOKEN_FIELD.table,
    key: 'user_id',
    kidColumn: 'token_kid',
    columns: [ACCESS_TOKEN_FIELD.column, REFRESH_TOKEN_FIELD.column],
  },
  { table: CODE_VERIFIER_FIELD.table, key: 'state_hash', kidColumn: 'code_verifier_kid', columns: [CODE_VERIFIER_FIELD.column] },
];

/** Rows a refresh holds are skipped (SKIP LOCKED) and retried in a later pass. */
const MAX_PASSES = 3;
const PASS_PAUSE_MS = 250;

type Row = Record<string, string | null>;

/**
 * Re-seals every sealed field not under the current key, in batches of
 * `batchSize` rows, each batch its own short transaction. Safe while the
 * service runs: rows locked by a refresh are skipped, and each rewrite is
 * conditional on the old ciphertexts, so a token written meanwhile is never
 * overwritten. The version is not bumped (the secrets did not change), so an
 * in-flight refresh's conditional write still succeeds.
 */
export async function rotateKeys(db: Db, cipher: TokenCipher, logger: StoreLogger, batchSize: number): Promise<RotationReport> {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  const report: RotationReport = { rowsScanned: 0, fieldsReencrypted: 0, rowsUnreadable: 0, unknownKeyIds: [], remaining: 0 };
  const unknownKids = new Set<string>();
  for (const table of SEALED_TABLES) {
    const scanned = new Set<string>();
    const unreadable = new Set<string>();
    for (let pass = 1; pass <= MAX_PASSES; pass++) {
      let cursor = '';
      for (;;) {
        const batch = await rotateBatch(db, cipher, logger, table, cursor, batchSize, unreadable, unknownKids);
        if (batch.keys.length === 0) break;
        for (const key of batch.keys) scanned.add(key);
        report.fieldsReencrypted += batch.fieldsReencrypted;
        cursor = batch.keys[batch.keys.length - 1] as string;
      }
      const left = await countNotCurrent(db, table, cipher.currentKeyId);
      if (left <= unreadable.size || pass === MAX_PASSES) {
        report.remaining += left;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, PASS_PAUSE_MS));
    }
    report.rowsScanned += scanned.size;
    report.rowsUnreadable += unreadable.size;
  }
  report.unknownKeyIds = [...unknownKids].sort();
  logger.info({ ...report, currentKeyId: cipher.currentKeyId }, 'key rotation finished');
  return report;
}

interface BatchResult {
  keys: string[];
  fieldsReencrypted: number;
}

async function rotateBatch(
  db: Db,
  cipher: TokenCipher,
  logger: StoreLogger,
  t: SealedTable,
  cursor: string,
  batchSize: number,
  unreadable: Set<string>,
  unknownKids: Set<string>,
): Promise<BatchResult> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<Row>(
      `SELECT ${t.key} AS row_key, user_id, ${t.columns.join(', ')} FROM ${t.table}
       WHERE ${t.kidColumn} IS NOT NULL AND ${t.kidColumn} <> $1 AND ${t.key} > $2
       ORDER BY ${t.key} LIMIT $3 FOR UPDATE SKIP LOCKED`,
      [cipher.currentKeyId, cursor, batchSize],
    );
    let fieldsReencrypted = 0;
    for (const row of rows) {
      const key = row.row_key as string;
      const userId = row.user_id as string;
      if (unreadable.has(key)) continue;
      const resealed = reseal(cipher, t, row, userId);
      if ('error' in resealed) {
        unreadable.add(key);
        if (resealed.error instanceof UnknownKeyError) unknownKids.add(resealed.error.kid);
        logger.warn(
          { table: t.table, userId, error: resealed.error.name, kid: resealed.error.kid },
          `key rotation left a row as it was: ${resealed.error.message}`,
        );
        continue;
      }
      const sets = t.columns.map((c, i) => `${c} = $${i + 3}`).join(', ');
      const unchanged = t.columns.map((c, i) => `${c} = $${i + 3 + t.columns.length}`).join(' AND ');
      const updated = await tx.query(
        `UPDATE ${t.table} SET ${sets}, ${t.kidColumn} = $2 WHERE ${t.key} = $1 AND ${unchanged}`,
        [key, cipher.currentKeyId, ...resealed.values, ...t.columns.map((c) => row[c])],
      );
      if (updated.rowCount > 0) fieldsReencrypted += t.columns.length;
    }
    return { keys: rows.map((r) => r.row_key as string), fieldsReencrypted };
  });
}

function reseal(cipher: TokenCipher, t: SealedTable, row: Row, userId: string): { values: string[] } | { error: TokenDecryptError | UnknownKeyError } {
  const values: string[] = [];
  for (const column of t.columns) {
    const sealed = row[column];
    if (sealed === null || sealed === undefined) {
      return { error: new TokenDecryptError({ table: t.table, column, userId }, null, 'expected a sealed value, found NULL beside a key id') };
    }
    const context = { table: t.table, column, userId };
    try {
      values.push(cipher.seal(cipher.open(sealed, context), context));
    } catch (err) {
      if (err instanceof TokenDecryptError || err instanceof UnknownKeyError) return { error: err };
      throw err;
    }
  }
  return { values };
}

async function countNotCurrent(db: Db, t: SealedTable, currentKid: string): Promise<number> {
  const { rows } = await db.query<{ n: number | string }>(
    `SELECT count(*) AS n FROM ${t.table} WHERE ${t.kidColumn} IS NOT NULL AND ${t.kidColumn} <> $1`,
    [currentKid],
  );
  return Number(rows[0]?.n ?? 0);
}
