import { StoreLockTimeoutError, StoreUnavailableError } from './errors.js';

/**
 * SQLSTATEs that mean "the database is not there for us right now", as
 * opposed to a bug in our SQL: class 08 (connection exception), 57P0x
 * (shutdown, cannot connect now), 53300 (too many connections), 57014
 * (statement_timeout), 25P03 (idle_in_transaction_session_timeout).
 */
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '57P04', '53300', '53400', '57014', '25P03', '58030']);
const UNAVAILABLE_NODE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOENT',
]);
// node-postgres reports these without a code.
const UNAVAILABLE_MESSAGES = [
  /connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /not queryable/i,
  /cannot use a pool after calling end/i,
  /client was closed/i,
  /pglite is clos(ed|ing)/i,
];

export const LOCK_NOT_AVAILABLE = '55P03';

function codeOf(err: unknown): string | null {
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const code = err.code;
    if (typeof code === 'string' && code !== '') return code;
  }
  return null;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Removes credentials from anything that looks like a connection URL or a key=value conninfo. */
export function redactSecrets(text: string): string {
  return text
    .replace(/(postgres(?:ql)?:\/\/[^:/@\s]*:)[^@\s]*@/gi, '$1***@')
    .replace(/(password\s*=\s*)\S+/gi, '$1***');
}

export function isUnavailable(err: unknown): boolean {
  const code = codeOf(err);
  if (code !== null && (code.startsWith('08') || UNAVAILABLE_SQLSTATES.has(code) || UNAVAILABLE_NODE_CODES.has(code))) {
    return true;
  }
  if (err instanceof AggregateError) return err.errors.some(isUnavailable);
  const message = messageOf(err);
  return UNAVAILABLE_MESSAGES.some((re) => re.test(message));
}

/** Maps a driver failure to a typed store error; anything else (a bug in our SQL, a constraint) is passed on as is. */
export function toStoreError(err: Error): Error;
export function toStoreError(err: unknown): unknown;
export function toStoreError(err: unknown): unknown {
  if (err instanceof StoreUnavailableError || err instanceof StoreLockTimeoutError) return err;
  if (isUnavailable(err)) {
    const code = codeOf(err);
    return new StoreUnavailableError(redactSecrets(`${code ? `${code}: ` : ''}${messageOf(err) || 'connection failed'}`), code, {
      cause: err,
    });
  }
  return err;
}

export function isLockNotAvailable(err: unknown): boolean {
  return codeOf(err) === LOCK_NOT_AVAILABLE;
}
