import { createServer, type Server } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectProblem, ServiceClient, STATUS } from '../helpers/http-client.js';
import { freePort } from '../helpers/net.js';
import { startStack, type TestStack } from '../helpers/stack.js';

/**
 * App users authenticated against an identity provider's JWKS
 * (APP_JWKS_URL). The provider being unreachable is its outage (503), not
 * a reason to sign everyone out (401); a token it does not vouch for stays 401.
 * One service, the provider going through outage, failure and recovery in order.
 */

const ISSUER = 'https://idp.example.test';
const AUDIENCE = 'zoom-connect';
const KID = 'idp-key-1';

let stack: TestStack;
let client: ServiceClient;
let jwksPort: number;
let jwksServer: Server | undefined;
let jwksStatus = 200;
let idpKey: CryptoKey;
let publicJwk: JWK;

async function idpToken(opts: { key?: CryptoKey; expiresIn?: string; audience?: string; sub?: string } = {}): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'ES256', kid: KID })
    .setSubject(opts.sub ?? 'jwks-user')
    .setIssuer(ISSUER)
    .setAudience(opts.audience ?? AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(opts.expiresIn ?? '1h')
    .sign(opts.key ?? idpKey);
}

async function startJwksServer(): Promise<void> {
  jwksServer = createServer((_req, res) => {
    if (jwksStatus !== 200) {
      res.writeHead(jwksStatus).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [{ ...publicJwk, kid: KID, alg: 'ES256', use: 'sig' }] }));
  });
  await new Promise<void>((resolve) => jwksServer?.listen(jwksPort, '127.0.0.1', () => resolve()));
}

beforeAll(async () => {
  const pair = await generateKeyPair('ES256');
  idpKey = pair.privateKey;
  publicJwk = await exportJWK(pair.publicKey);
  // Nothing listens here until the provider "comes back".
  jwksPort = await freePort();
  stack = await startStack({
    rateLimit: false,
    env: {
      APP_JWT_SECRET: '',
      APP_JWKS_URL: `http://127.0.0.1:${jwksPort}/.well-known/jwks.json`,
      APP_JWT_ISSUER: ISSUER,
      APP_JWT_AUDIENCE: AUDIENCE,
    },
  });
  client = new ServiceClient(stack.baseUrl);
});

afterAll(async () => {
  await new Promise<void>((resolve) => (jwksServer ? jwksServer.close(() => resolve()) : resolve()));
  await stack?.close();
});

describe('an identity provider whose JWKS cannot be fetched', () => {
  it('(connection refused) answers a well-formed token 503 service_unavailable with Retry-After, not 401', async () => {
    const p = expectProblem(await client.get(STATUS, { jwt: await idpToken() }), 503, 'service_unavailable');
    expect(p.detail).toContain('APP_JWKS_URL');
  });

  it('still answers a token that is not a JWT at all 401: no key is needed to refuse it', async () => {
    expectProblem(await client.get(STATUS, { jwt: 'not.a.jwt' }), 401, 'unauthenticated');
  });

  it('(answering 500) answers 503 service_unavailable too', async () => {
    jwksStatus = 500;
    await startJwksServer();
    expectProblem(await client.get(STATUS, { jwt: await idpToken() }), 503, 'service_unavailable');
  });

  it('once it serves its keys again, the same kind of token is accepted without a restart', async () => {
    jwksStatus = 200;
    const reply = await client.get(STATUS, { jwt: await idpToken() });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ connected: false, status: 'not_connected' });
  });
});

describe('a token the identity provider does not vouch for', () => {
  it.each([
    ['signed by another key under the provider\'s key id', async () => idpToken({ key: (await generateKeyPair('ES256')).privateKey })],
    ['expired', async () => idpToken({ expiresIn: '-1h' })],
    ['for another audience', async () => idpToken({ audience: 'another-app' })],
  ])('is 401 unauthenticated when %s', async (_label, token) => {
    expectProblem(await client.get(STATUS, { jwt: await token() }), 401, 'unauthenticated');
  });
});
