import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { KeyRingError, TokenDecryptError, UnknownKeyError, type SealContext } from './errors.js';
import { formatSealed, NONCE_BYTES, parseSealed, SEALED_FORMAT_VERSION, TAG_BYTES } from './sealed-format.js';

/** One key of the ring: its id (stored beside every ciphertext) and 32 bytes of key material. */
export interface EncryptionKey {
  kid: string;
  key: Buffer;
}

const ALGORITHM = 'aes-256-gcm';

/**
 * Seals secrets for storage with AES-256-GCM under the first key of a key
 * ring and opens them under any key of the ring.
 *
 * Every seal draws a fresh random 96-bit nonce: with random nonces one key is
 * good for about 2^32 encryptions, which is why rotation is routine. The
 * associated data binds the ciphertext to its format version, key id, table,
 * column and user, so a ciphertext copied to another row or column fails to
 * authenticate instead of decrypting to someone else's token.
 */
export class TokenCipher {
  readonly currentKeyId: string;
  private readonly keys: ReadonlyMap<string, Buffer>;

  constructor(ring: readonly EncryptionKey[]) {
    const first = ring[0];
    if (!first) throw new KeyRingError('the key ring is empty: expected at least one key (the first is current)');
    const keys = new Map<string, Buffer>();
    for (const { kid, key } of ring) {
      if (key.length !== 32) throw new KeyRingError(`key "${kid}" is ${key.length} bytes, expected 32 for AES-256`);
      if (kid.includes(':') || kid === '') throw new KeyRingError(`key id ${JSON.stringify(kid)} is not usable: expected non-empty, without ":"`);
      if (keys.has(kid)) throw new KeyRingError(`key id "${kid}" appears twice in the key ring`);
      // Copy: the caller's buffer may be reused or zeroed.
      keys.set(kid, Buffer.from(key));
    }
    this.keys = keys;
    this.currentKeyId = first.kid;
  }

  get keyIds(): string[] {
    return [...this.keys.keys()];
  }

  hasKey(kid: string): boolean {
    return this.keys.has(kid);
  }

  seal(plaintext: string, context: SealContext): string {
    const kid = this.currentKeyId;
    const key = this.keys.get(kid) as Buffer;
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv(ALGORITHM, key, nonce, { authTagLength: TAG_BYTES });
    cipher.setAAD(associatedData(kid, context));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return formatSealed(kid, Buffer.concat([nonce, body, cipher.getAuthTag()]));
  }

  /** Throws UnknownKeyError for a key id outside the ring, TokenDecryptError for anything that fails to authenticate. */
  open(sealed: string, context: SealContext): string {
    const parts = parseSealed(sealed);
    if ('problem' in parts) throw new TokenDecryptError(context, null, `not a sealed value (${parts.problem})`);
    const key = this.keys.get(parts.kid);
    if (!key) throw new UnknownKeyError(parts.kid, this.keyIds, context);
    const { payload } = parts;
    const nonce = payload.subarray(0, NONCE_BYTES);
    const tag = payload.subarray(payload.length - TAG_BYTES);
    const body = payload.subarray(NONCE_BYTES, payload.length - TAG_BYTES);
    const decipher = createDecipheriv(ALGORITHM, key, nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(associatedData(parts.kid, context));
    decipher.setAuthTag(tag);
    try {
      return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
    } catch (cause) {
      throw Object.assign(
        new TokenDecryptError(
          context,
          parts.kid,
          'authentication failed (the value was tampered with, copied from another row or column, or sealed under other key material with this key id)',
        ),
        { cause },
      );
    }
  }

  /** True when a sealed value is under an older key and rotation should re-seal it. */
  needsRotation(sealed: string): boolean {
    const parts = parseSealed(sealed);
    return 'problem' in parts || parts.kid !== this.currentKeyId;
  }
}

/** A JSON array is an unambiguous encoding: no choice of user id can make two contexts collide. */
function associatedData(kid: string, context: SealContext): Buffer {
  return Buffer.from(
    JSON.stringify(['zoom-connect', SEALED_FORMAT_VERSION, kid, context.table, context.column, context.userId]),
    'utf8',
  );
}
