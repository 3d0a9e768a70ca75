import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBearerAuthenticator, UnauthenticatedError } from '../../src/http/auth.js';

/**
 * The authenticator remembers verified tokens (issue 15: no signature check
 * per request). What it remembers must never accept a token that verifying
 * again would refuse: past `exp`, before `nbf`, or signed by a key the
 * identity provider has rotated out.
 */

const SECRET = new TextEncoder().encode('auth-cache-test-secret-at-least-32-bytes!!');
const T0 = Date.UTC(2026, 11, 2, 12, 0, 0);

async function hs256(claims: { sub?: string; exp: number; nbf?: number }): Promise<string> {
  const jwt = new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(claims.sub ?? 'user-1').setIssuedAt(Math.floor(T0 / 1000) - 60).setExpirationTime(claims.exp);
  if (claims.nbf !== undefined) jwt.setNotBefore(claims.nbf);
  return jwt.sign(SECRET);
}

function movableClock(start: number): { clock: () => number; set: (ms: number) => void } {
  let now = start;
  return { clock: () => now, set: (ms) => (now = ms) };
}

describe('bearer verification remembered (shared secret)', () => {
  it('refuses a remembered token once its exp has passed', async () => {
    const time = movableClock(T0);
    const authenticate = createBearerAuthenticator({ kind: 'secret', secret: SECRET }, { clock: time.clock });
    const header = `Bearer ${await hs256({ exp: T0 / 1000 + 60 })}`;
    expect(await authenticate(header)).toBe('user-1');
    expect(await authenticate(header)).toBe('user-1');
    time.set(T0 + 120_000);
    await expect(authenticate(header)).rejects.toThrow(/has expired/);
  });

  it('refuses a token before its nbf and accepts it after, the refusal not remembered', async () => {
    const time = movableClock(T0);
    const authenticate = createBearerAuthenticator({ kind: 'secret', secret: SECRET }, { clock: time.clock });
    const header = `Bearer ${await hs256({ exp: T0 / 1000 + 3600, nbf: T0 / 1000 + 60 })}`;
    await expect(authenticate(header)).rejects.toThrow(UnauthenticatedError);
    await expect(authenticate(header)).rejects.toThrow(UnauthenticatedError);
    time.set(T0 + 61_000);
    expect(await authenticate(header)).toBe('user-1');
  });

  it('answers a remembered header exactly as a new one: a different header with the same token is verified on its own', async () => {
    const authenticate = createBearerAuthenticator({ kind: 'secret', secret: SECRET }, { clock: () => T0 });
    const token = await hs256({ exp: T0 / 1000 + 3600 });
    expect(await authenticate(`Bearer ${token}`)).toBe('user-1');
    expect(await authenticate(`bearer  ${token}`)).toBe('user-1');
    await expect(authenticate(`Bearer ${token}x`)).rejects.toThrow(/signature does not verify/);
    await expect(authenticate(`Token ${token}`)).rejects.toThrow(/must be "Bearer <JWT>"/);
  });
});

describe('bearer verification answered at once', () => {
  it('answers a remembered header synchronously (no promise per request) and a new or expired one by a promise', async () => {
    const time = movableClock(T0);
    const authenticate = createBearerAuthenticator({ kind: 'secret', secret: SECRET }, { clock: time.clock });
    const header = `Bearer ${await hs256({ exp: T0 / 1000 + 60 })}`;
    const first = authenticate(header);
    expect(first).toBeInstanceOf(Promise);
    expect(await first).toBe('user-1');
    expect(authenticate(header)).toBe('user-1');
    time.set(T0 + 120_000);
    const expired = authenticate(header);
    expect(expired).toBeInstanceOf(Promise);
    await expect(expired).rejects.toThrow(/has expired/);
  });
});

describe('bearer verification remembered (JWKS)', () => {
  let server: Server;
  let served: JWK[] = [];
  let fetches = 0;
  let url: string;
  const keys: Record<string, { privateKey: CryptoKey; jwk: JWK }> = {};

  beforeAll(async () => {
    for (const kid of ['old', 'new']) {
      const pair = await generateKeyPair('ES256');
      keys[kid] = { privateKey: pair.privateKey, jwk: { ...(await exportJWK(pair.publicKey)), kid, alg: 'ES256', use: 'sig' } };
    }
    server = createServer((_req, res) => {
      fetches += 1;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: served }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  const signedBy = (kid: string): Promise<string> => {
    const signer = keys[kid];
    if (!signer) throw new Error(`no key ${kid}`);
    return new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid })
      .setSubject(`user-of-${kid}`)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(signer.privateKey);
  };

  it('refuses a remembered token once its key has been rotated out of the key set', async () => {
    served = [keys.old?.jwk as JWK];
    fetches = 0;
    const maxAge = 300;
    const authenticate = createBearerAuthenticator({ kind: 'jwks', jwksUrl: url }, { keySetMaxAgeMs: maxAge });
    const header = `Bearer ${await signedBy('old')}`;
    for (let i = 0; i < 5; i++) expect(await authenticate(header)).toBe('user-of-old');
    expect(fetches).toBe(1);

    // The provider rotates: only the new key is published. Once the set that
    // verified the token is past its age, the remembered answer is not used.
    served = [keys.new?.jwk as JWK];
    await sleep(maxAge + 50);
    await expect(authenticate(header)).rejects.toThrow(/no key in the JWKS matches it/);
    expect(fetches).toBe(2);
    expect(await authenticate(`Bearer ${await signedBy('new')}`)).toBe('user-of-new');
  });

  it('forgets every remembered token when a key set arrives, even one fetched for another token', async () => {
    served = [keys.old?.jwk as JWK];
    fetches = 0;
    const maxAge = 300;
    const authenticate = createBearerAuthenticator({ kind: 'jwks', jwksUrl: url }, { keySetMaxAgeMs: maxAge });
    const oldHeader = `Bearer ${await signedBy('old')}`;
    expect(await authenticate(oldHeader)).toBe('user-of-old');
    expect(await authenticate(oldHeader)).toBe('user-of-old');

    // Another user's request fetches the rotated set; the key set is fresh
    // again, and the old token's remembered answer must not survive it.
    served = [keys.new?.jwk as JWK];
    await sleep(maxAge + 50);
    expect(await authenticate(`Bearer ${await signedBy('new')}`)).toBe('user-of-new');
    expect(fetches).toBe(2);
    await expect(authenticate(oldHeader)).rejects.toThrow(/no key in the JWKS matches it/);
  });
});
