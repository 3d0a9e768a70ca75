import { randomBytes } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { parseEncryptionKeys } from '../../src/config/config.js';
import {
  generateKeyString,
  keyIdOf,
  KeyRingError,
  TokenCipher,
  TokenDecryptError,
  UnknownKeyError,
} from '../../src/crypto/index.js';

const key = (kid: string) => ({ kid, key: randomBytes(32) });
const ctx = { table: 'connections', column: 'access_token_enc', userId: 'user-1' };

describe('TokenCipher', () => {
  test('a sealed token opens to the same plaintext, including non-ASCII', () => {
    const cipher = new TokenCipher([key('k1')]);
    for (const plaintext of ['eyJhbGciOi.abc.def', '', 'ünïcødé ✓']) {
      expect(cipher.open(cipher.seal(plaintext, ctx), ctx)).toBe(plaintext);
    }
  });

  test('the sealed form is v1.<kid>.<base64url> and hides the plaintext', () => {
    const cipher = new TokenCipher([key('main.2025-01')]);
    const sealed = cipher.seal('secret-token-value', ctx);
    expect(sealed).toMatch(/^v1\.main\.2025-01\.[A-Za-z0-9_-]+$/);
    expect(sealed).not.toContain('secret-token-value');
    expect(sealed).not.toContain(Buffer.from('secret-token-value').toString('base64url'));
    expect(keyIdOf(sealed)).toBe('main.2025-01');
    expect(keyIdOf('not sealed')).toBeNull();
  });

  test('every seal draws a fresh nonce: the same token never seals the same way twice', () => {
    const cipher = new TokenCipher([key('k1')]);
    const sealed = new Set(Array.from({ length: 200 }, () => cipher.seal('same', ctx)));
    expect(sealed.size).toBe(200);
    const nonces = new Set([...sealed].map((s) => Buffer.from(s.split('.')[2] as string, 'base64url').subarray(0, 12).toString('hex')));
    expect(nonces.size).toBe(200);
  });

  test('a ciphertext moved to another user, column or table fails to authenticate', () => {
    const cipher = new TokenCipher([key('k1')]);
    const sealed = cipher.seal('token', ctx);
    for (const moved of [
      { ...ctx, userId: 'user-2' },
      { ...ctx, column: 'refresh_token_enc' },
      { ...ctx, table: 'oauth_states' },
    ]) {
      expect(() => cipher.open(sealed, moved)).toThrow(TokenDecryptError);
    }
  });

  test('a decrypt error names table, column, user and key id, and never the plaintext or key', () => {
    const k = key('k1');
    const cipher = new TokenCipher([k]);
    const sealed = cipher.seal('very-secret-plaintext', ctx);
    let caught: unknown;
    try {
      cipher.open(sealed, { ...ctx, userId: 'mallory' });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(TokenDecryptError);
    const message = (caught as Error).message;
    expect(message).toContain('connections.access_token_enc');
    expect(message).toContain('"mallory"');
    expect(message).toContain('"k1"');
    expect(message).toMatch(/authentication failed/);
    expect(message).not.toContain('very-secret-plaintext');
    expect(message).not.toContain(k.key.toString('base64'));
    expect(message).not.toContain(sealed.split('.')[2]);
  });

  test('a tampered ciphertext, tag or nonce fails to authenticate', () => {
    const cipher = new TokenCipher([key('k1')]);
    const sealed = cipher.seal('token-value', ctx);
    const [v, kid, body] = sealed.split('.') as [string, string, string];
    const raw = Buffer.from(body, 'base64url');
    for (const index of [0, 12, raw.length - 1]) {
      const flipped = Buffer.from(raw);
      flipped[index] = (flipped[index] as number) ^ 0x01;
      expect(() => cipher.open(`${v}.${kid}.${flipped.toString('base64url')}`, ctx)).toThrow(TokenDecryptError);
    }
    expect(() => cipher.open(`${v}.${kid}.${raw.subarray(0, 20).toString('base64url')}`, ctx)).toThrow(/shorter than nonce and tag/);
    expect(() => cipher.open(`v2.${kid}.${body}`, ctx)).toThrow(/expected format version "v1", found "v2"/);
  });

  test('relabelling a ciphertext with another key id of the ring fails (the key id is authenticated)', () => {
    const cipher = new TokenCipher([key('k2'), key('k1')]);
    const sealed = cipher.seal('token', ctx);
    expect(() => cipher.open(sealed.replace('v1.k2.', 'v1.k1.'), ctx)).toThrow(TokenDecryptError);
  });

  test('a ciphertext under a key id outside the ring throws UnknownKeyError naming that kid', () => {
    const old = new TokenCipher([key('retired')]);
    const cipher = new TokenCipher([key('k2')]);
    const sealed = old.seal('token', ctx);
    expect(() => cipher.open(sealed, ctx)).toThrow(UnknownKeyError);
    expect(() => cipher.open(sealed, ctx)).toThrow(/key id "retired" is not in the key ring \(expected one of: "k2"\)/);
  });

  test('old keys still open after rotation; only the first key seals', () => {
    const k1 = key('k1');
    const before = new TokenCipher([k1]);
    const after = new TokenCipher([key('k2'), k1]);
    const sealed = before.seal('token', ctx);
    expect(after.open(sealed, ctx)).toBe('token');
    expect(after.needsRotation(sealed)).toBe(true);
    const resealed = after.seal('token', ctx);
    expect(keyIdOf(resealed)).toBe('k2');
    expect(after.needsRotation(resealed)).toBe(false);
  });

  test('an unusable key ring is refused with a reason', () => {
    expect(() => new TokenCipher([])).toThrow(KeyRingError);
    expect(() => new TokenCipher([{ kid: 'short', key: randomBytes(16) }])).toThrow(/16 bytes, expected 32/);
    expect(() => new TokenCipher([key('a'), key('a')])).toThrow(/appears twice/);
  });

  test('generateKeyString produces an entry TOKEN_ENCRYPTION_KEYS accepts', () => {
    const entry = generateKeyString('demo-1');
    const parsed = parseEncryptionKeys(entry);
    expect(parsed.problems).toEqual([]);
    expect(parsed.keys[0]?.kid).toBe('demo-1');
    expect(parsed.keys[0]?.key.length).toBe(32);
    expect(generateKeyString('demo-1')).not.toBe(entry);
    expect(() => generateKeyString('bad:kid')).toThrow(RangeError);
  });
});
