import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startGoogleEmulator, type RunningGoogleEmulator } from '../../src/google-emulator/index.js';
import { assertion, control, EVENTS_SCOPE, keyFileOf, requestToken, type AssertionOverrides } from './helpers.js';

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
/** One clock reading for the table below, so a lifetime is exactly what it says. */
const DEFINED_AT = Math.floor(Date.now() / 1000);

describe('Google emulator token endpoint (JWT-bearer grant)', () => {
  let emulator: RunningGoogleEmulator;

  beforeAll(async () => {
    emulator = await startGoogleEmulator({ domain: 'Example.com' });
  });
  beforeEach(async () => {
    await control(emulator, 'POST', 'reset');
  });
  afterAll(() => emulator.close());

  const grant = async (overrides: AssertionOverrides = {}) => requestToken(emulator, { grant_type: JWT_BEARER, assertion: await assertion(emulator, overrides) });

  it('the key file names the emulator’s own token endpoint and an RSA key', () => {
    const key = keyFileOf(emulator);
    expect(key).toMatchObject({ type: 'service_account', token_uri: `${emulator.url}/token`, client_email: expect.stringContaining('@') as string });
    expect(key.private_key).toContain('BEGIN PRIVATE KEY');
  });

  it('a valid assertion gets a one-hour bearer token and no refresh token', async () => {
    const res = await grant();
    expect(res).toEqual({ status: 200, body: { access_token: expect.stringMatching(/^ya29\./) as string, expires_in: 3599, token_type: 'Bearer' } });
    expect((await control(emulator, 'GET', 'stats')).body).toMatchObject({ tokenRequests: 1, tokensIssued: 1 });
  });

  it.each<[string, AssertionOverrides]>([
    ['signed with another key', { foreignKey: true }],
    ['naming another key id', { kid: 'not-the-key' }],
    ['from another issuer', { claims: { iss: 'intruder@evil.iam.gserviceaccount.com' } }],
    ['for another audience', { claims: { aud: 'https://oauth2.googleapis.com/token' } }],
    ['living longer than an hour', { iat: DEFINED_AT, exp: DEFINED_AT + 3601 }],
    ['already expired', { iat: DEFINED_AT - 4000, exp: DEFINED_AT - 400 }],
    ['issued in the future', { iat: DEFINED_AT + 600, exp: DEFINED_AT + 1200 }],
    ['acting as a user outside the domain', { claims: { sub: 'ava@elsewhere.org' } }],
    ['acting as nobody', { claims: { sub: undefined } }],
  ])('an assertion %s is invalid_grant', async (_name, overrides) => {
    const res = await grant(overrides);
    expect(res).toEqual({ status: 400, body: { error: 'invalid_grant', error_description: expect.any(String) as string } });
  });

  it('the domain is matched without regard to case', async () => {
    expect((await grant({ claims: { sub: 'Ava@EXAMPLE.COM' } })).status).toBe(200);
  });

  it('an unknown scope is invalid_scope', async () => {
    expect((await grant({ claims: { scope: 'calendar' } })).body).toMatchObject({ error: 'invalid_scope' });
  });

  it('no scope at all is invalid_scope', async () => {
    expect((await grant({ claims: { scope: '' } })).body).toMatchObject({ error: 'invalid_scope' });
  });

  it('a scope the delegation does not cover is unauthorized_client (401)', async () => {
    const res = await grant({ claims: { scope: `${EVENTS_SCOPE} https://www.googleapis.com/auth/drive` } });
    expect(res).toMatchObject({ status: 401, body: { error: 'unauthorized_client' } });
  });

  it('a revoked delegation is unauthorized_client', async () => {
    await control(emulator, 'POST', 'faults', { revokeDelegation: true });
    expect((await grant()).body).toMatchObject({ error: 'unauthorized_client' });
  });

  it('a user listed as unknown is invalid_grant', async () => {
    await control(emulator, 'POST', 'faults', { unknownUsers: ['ava.thompson@example.com'] });
    expect((await grant()).body).toEqual({ error: 'invalid_grant', error_description: 'Invalid email or User ID' });
  });

  it('another grant type is unsupported_grant_type', async () => {
    expect((await requestToken(emulator, { grant_type: 'client_credentials' })).body).toMatchObject({ error: 'unsupported_grant_type' });
  });

  it('a missing assertion is invalid_request', async () => {
    expect((await requestToken(emulator, { grant_type: JWT_BEARER })).body).toMatchObject({ error: 'invalid_request' });
  });

  it.each(['not-a-jwt', 'a.b.c', 'eyJhbGciOiJub25lIn0.e30.'])('a malformed assertion (%s) is invalid_grant, not a crash', async (bad) => {
    const res = await requestToken(emulator, { grant_type: JWT_BEARER, assertion: bad });
    expect(res).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
  });

  it('a JSON body is refused in OAuth’s shape', async () => {
    const res = await fetch(`${emulator.url}/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' });
    expect({ status: res.status, body: (await res.json()) as unknown }).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
  });
});
