/**
 * PostgreSQL server-side timeouts, nested as the design requires: a Zoom
 * HTTP call (10 s) < the refresh lock wait (the caller's lockTimeoutMs, set
 * per transaction) < statement_timeout < idle_in_transaction_session_timeout,
 * so a stuck statement, or a process that hangs inside a transaction, frees
 * its row locks on its own.
 */
export const STATEMENT_TIMEOUT_MS = 15_000;
/**
 * How long a new connect or a disconnect waits for a connection's lock when
 * whoever opened the store did not say (the CLI's migrate and rotate-keys).
 * The service always says: src/service.ts derives its wait from the Zoom
 * transport's longest call (twice, for the one retry, plus margin), so a
 * writer outwaits a healthy refresh whatever ZOOM_HTTP_TIMEOUT_MS is.
 */
export const DEFAULT_LOCK_TIMEOUT_MS = 25_000;
export const IDLE_IN_TRANSACTION_TIMEOUT_MS = 30_000;
export const CONNECT_TIMEOUT_MS = 5_000;
export const PING_TIMEOUT_MS = 2_000;
