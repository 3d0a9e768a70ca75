/**
 * Errors of the token cipher. Messages name where a ciphertext came from and
 * which key id it claims, never the plaintext, the ciphertext or key material.
 */

/** Where a sealed value lives; it is also the associated data it was sealed with. */
export interface SealContext {
  table: string;
  column: string;
  userId: string;
}

function where(context: SealContext): string {
  return `${context.table}.${context.column} of user "${context.userId}"`;
}

/**
 * The ciphertext did not authenticate: tampered with, moved from another row
 * or column, or sealed under different key material with the same key id.
 */
export class TokenDecryptError extends Error {
  readonly table: string;
  readonly column: string;
  readonly userId: string;
  readonly kid: string | null;

  constructor(context: SealContext, kid: string | null, reason: string) {
    super(`Cannot decrypt ${where(context)}${kid === null ? '' : ` (key id "${kid}")`}: ${reason}`);
    this.name = 'TokenDecryptError';
    this.table = context.table;
    this.column = context.column;
    this.userId = context.userId;
    this.kid = kid;
  }
}

/** The ciphertext names a key id that is not in the key ring (retired too early, or wrong TOKEN_ENCRYPTION_KEYS). */
export class UnknownKeyError extends Error {
  readonly kid: string;
  readonly table: string | null;
  readonly column: string | null;
  readonly userId: string | null;

  constructor(kid: string, knownKids: readonly string[], context?: SealContext) {
    super(
      `${context ? `Cannot decrypt ${where(context)}: ` : ''}key id "${kid}" is not in the key ring ` +
        `(expected one of: ${knownKids.map((k) => `"${k}"`).join(', ')}); add that key to TOKEN_ENCRYPTION_KEYS after the current one`,
    );
    this.name = 'UnknownKeyError';
    this.kid = kid;
    this.table = context?.table ?? null;
    this.column = context?.column ?? null;
    this.userId = context?.userId ?? null;
  }
}

/** The key ring itself is unusable (empty, wrong key length, duplicate id). */
export class KeyRingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyRingError';
  }
}
