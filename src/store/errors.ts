/**
 * Typed store failures. src/connections/zoom-failures.ts turns them into the
 * domain's errors; no message ever carries the DATABASE_URL or its password.
 */

/** The database cannot be reached or gave up on us: refused, terminated, timed out, shutting down. */
export class StoreUnavailableError extends Error {
  /** PostgreSQL SQLSTATE or Node error code, when there is one. */
  readonly code: string | null;

  constructor(detail: string, code: string | null, options?: { cause?: unknown }) {
    super(`Database unavailable: ${detail}`, options);
    this.name = 'StoreUnavailableError';
    this.code = code;
  }
}

/** Waiting for a connection's lock took longer than allowed (SQLSTATE 55P03, the in-process mutex, or a free lock slot). */
export class StoreLockTimeoutError extends Error {
  readonly userId: string;
  readonly lockTimeoutMs: number;

  constructor(userId: string, lockTimeoutMs: number, options?: { cause?: unknown }) {
    super(`Lock of the connection of user "${userId}" not acquired within ${lockTimeoutMs} ms: a refresh or another change holds it`, options);
    this.name = 'StoreLockTimeoutError';
    this.userId = userId;
    this.lockTimeoutMs = lockTimeoutMs;
  }
}

/** A LockedConnection was used after its lock was released: its writes would no longer be serialized. */
export class LockReleasedError extends Error {
  constructor(userId: string) {
    super(`Refresh lock of user "${userId}" was already released: write under a new withRefreshLock call`);
    this.name = 'LockReleasedError';
  }
}

/** Two PGlite instances on one directory would corrupt it: in this process, or `holder` names the other process. */
export class DataDirInUseError extends Error {
  constructor(dataDir: string, holder?: string) {
    super(
      holder
        ? `PGlite data directory "${dataDir}" is in use: ${holder}`
        : `PGlite data directory "${dataDir}" is already open in this process: reuse that Store (PGlite is created once per process)`,
    );
    this.name = 'DataDirInUseError';
  }
}

/**
 * A connection's stored tokens no longer decrypt (tampered with, moved, or
 * sealed under other key material with the same key id). Carries the row's
 * version so the domain can mark exactly that row `needs_reauth`, not a
 * reconnect that replaced it meanwhile.
 */
export class UnreadableTokensError extends Error {
  constructor(
    readonly userId: string,
    readonly version: number,
    options: { cause: unknown },
  ) {
    super(`The stored tokens of the connection of user "${userId}" cannot be decrypted`, options);
    this.name = 'UnreadableTokensError';
  }
}
