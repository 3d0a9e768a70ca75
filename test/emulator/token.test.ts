import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { api, authorizationCode, basicAuth, CLIENT, connect, control, pkce, REDIRECT_URI, refresh, tokenRequest } from './helpers.js';

describe('token endpoint', () => {
  let emulator: RunningEmulator;
  let capped: RunningEmulator;

  beforeAll(async () => {
    emulator = await startEmulator({ clients: [CLIENT] });
    capped = await startEmulator({ clients: [CLIENT], maxAccessTokensPerUser: 2 });
  });
  afterAll(async () => {
    await emulator.close();
    await capped.close();
  });
  beforeEach(async () => {
    await control(emulator.url, 'reset');
  });

  async function codeWithPkce(): Promise<{ code: string; verifier: string }> {
    const { verifier, challenge } = pkce();
    return { code: await authorizationCode(emulator.url, { challenge, method: 'S256' }), verifier };
  }

  const exchange = (code: string, verifier: string, redirectUri = REDIRECT_URI) =>
    tokenRequest(emulator.url, { grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier });

  it('a code exchange returns exactly the fields Zoom returns', async () => {
    const { code, verifier } = await codeWithPkce();
    const response = await exchange(code, verifier);
    expect(response.status).toBe(200);
    expect(Object.keys(response.body).sort()).toEqual(['access_token', 'api_url', 'expires_in', 'refresh_token', 'scope', 'token_type']);
    expect(response.body).toMatchObject({ token_type: 'bearer', expires_in: 3599, api_url: emulator.url });
    expect(response.headers.get('cache-control')).toBe('no-store');
  });

  it('a reused authorization code is rejected with invalid_grant and revokes the tokens it produced', async () => {
    const { code, verifier } = await codeWithPkce();
    const first = await exchange(code, verifier);
    expect(first.status).toBe(200);
    const second = await exchange(code, verifier);
    expect(second.status).toBe(400);
    expect(second.body).toEqual({ reason: 'Invalid authorization code', error: 'invalid_grant' });
    const me = await api(emulator.url, '/v2/users/me', String(first.body['access_token']));
    expect(me.status).toBe(401);
    expect((await refresh(emulator.url, String(first.body['refresh_token']))).body['error']).toBe('invalid_grant');
  });

  it('an authorization code older than ten minutes is rejected with invalid_grant', async () => {
    const { code, verifier } = await codeWithPkce();
    await control(emulator.url, 'clock', { advanceSeconds: 601 });
    const response = await exchange(code, verifier);
    expect(response.status).toBe(400);
    expect(response.body['error']).toBe('invalid_grant');
  });

  it('an authorization code just under ten minutes old still works', async () => {
    const { code, verifier } = await codeWithPkce();
    await control(emulator.url, 'clock', { advanceSeconds: 590 });
    expect((await exchange(code, verifier)).status).toBe(200);
  });

  it('a wrong PKCE code_verifier is rejected with invalid_grant', async () => {
    const { code } = await codeWithPkce();
    const response = await exchange(code, pkce().verifier);
    expect(response.status).toBe(400);
    expect(response.body['error']).toBe('invalid_grant');
  });

  it('a missing code_verifier for a PKCE code is rejected with invalid_request', async () => {
    const { code } = await codeWithPkce();
    const response = await tokenRequest(emulator.url, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI });
    expect(response.status).toBe(400);
    expect(response.body['error']).toBe('invalid_request');
  });

  it('a plain PKCE challenge (method absent) is verified as plain', async () => {
    const verifier = pkce().verifier;
    const code = await authorizationCode(emulator.url, { challenge: verifier });
    expect((await exchange(code, verifier)).status).toBe(200);
  });

  it('a redirect_uri different from the one authorized is rejected with invalid_grant', async () => {
    const { code, verifier } = await codeWithPkce();
    const response = await exchange(code, verifier, 'http://localhost:3000/other-callback');
    expect(response.status).toBe(400);
    expect(response.body['error']).toBe('invalid_grant');
  });

  it('a wrong client secret gets 401 invalid_client with Zoom\'s reason', async () => {
    const { code, verifier } = await codeWithPkce();
    const response = await tokenRequest(
      emulator.url,
      { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier },
      { ...CLIENT, clientSecret: 'wrong' },
    );
    expect(response.status).toBe(401);
    expect(response.body).toEqual({ reason: 'Invalid client_id or client_secret', error: 'invalid_client' });
    // The failed attempt must not burn the code for the real client.
    expect((await exchange(code, verifier)).status).toBe(200);
  });

  it('a request without Basic client authentication gets 401 invalid_client', async () => {
    const response = await fetch(`${emulator.url}/oauth/token`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: 'x', client_id: CLIENT.clientId, client_secret: CLIENT.clientSecret }),
    });
    expect(response.status).toBe(401);
    expect(((await response.json()) as Record<string, unknown>)['error']).toBe('invalid_client');
  });

  it('refresh tokens rotate and the previous refresh token is then rejected with invalid_grant', async () => {
    const tokens = await connect(emulator.url);
    const first = await refresh(emulator.url, tokens.refresh_token);
    expect(first.status).toBe(200);
    expect(first.body['refresh_token']).not.toBe(tokens.refresh_token);
    expect(first.body['access_token']).not.toBe(tokens.access_token);
    const reuse = await refresh(emulator.url, tokens.refresh_token);
    expect(reuse.status).toBe(400);
    expect(reuse.body).toEqual({ reason: 'Invalid Token!', error: 'invalid_grant' });
    // The rotated-in token keeps working: a loser of a refresh race can recover by re-reading.
    expect((await refresh(emulator.url, String(first.body['refresh_token']))).status).toBe(200);
  });

  it('a refresh token is bound to the client it was issued to', async () => {
    const other = await startEmulator({ clients: [CLIENT, { clientId: 'other', clientSecret: 'other-secret', redirectUris: [REDIRECT_URI] }] });
    try {
      const tokens = await connect(other.url);
      const response = await refresh(other.url, tokens.refresh_token, { clientId: 'other', clientSecret: 'other-secret', redirectUris: [] });
      expect(response.body['error']).toBe('invalid_grant');
    } finally {
      await other.close();
    }
  });

  it('a code issued to one client cannot be redeemed by another', async () => {
    const other = { clientId: 'other', clientSecret: 'other-secret', redirectUris: [REDIRECT_URI] };
    const twoClients = await startEmulator({ clients: [CLIENT, other] });
    try {
      const { verifier, challenge } = pkce();
      const code = await authorizationCode(twoClients.url, { challenge, method: 'S256' });
      const params = { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier };
      const stolen = await tokenRequest(twoClients.url, params, other);
      expect(stolen.status).toBe(400);
      expect(stolen.body).toEqual({ reason: 'Invalid authorization code', error: 'invalid_grant' });
      // RFC 6749 §4.1.3: the code belongs to the client it was issued to, which can still redeem it.
      expect((await tokenRequest(twoClients.url, params)).status).toBe(200);
    } finally {
      await twoClients.close();
    }
  });

  it('parameters are accepted in the query string as Zoom allows', async () => {
    const tokens = await connect(emulator.url);
    const query = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token });
    const response = await fetch(`${emulator.url}/oauth/token?${query.toString()}`, {
      method: 'POST',
      headers: { authorization: basicAuth(CLIENT.clientId, CLIENT.clientSecret) },
    });
    expect(response.status).toBe(200);
  });

  it('an unsupported grant type gets unsupported_grant_type', async () => {
    const response = await tokenRequest(emulator.url, { grant_type: 'client_credentials' });
    expect(response.status).toBe(400);
    expect(response.body['error']).toBe('unsupported_grant_type');
  });

  it('missing parameters get invalid_request', async () => {
    const incomplete: Array<Record<string, string>> = [{}, { grant_type: 'refresh_token' }, { grant_type: 'authorization_code', redirect_uri: REDIRECT_URI }];
    for (const params of incomplete) {
      const response = await tokenRequest(emulator.url, params);
      expect(response.status).toBe(400);
      expect(response.body['error']).toBe('invalid_request');
    }
  });

  it('access tokens die after accessTokenTtlSeconds with "Access token is expired."', async () => {
    const tokens = await connect(emulator.url);
    await control(emulator.url, 'clock', { advanceSeconds: 3600 });
    const me = await api(emulator.url, '/v2/users/me', tokens.access_token);
    expect(me.status).toBe(401);
    expect(me.body).toEqual({ code: 124, message: 'Access token is expired.' });
  });

  it('an access token works until just before its lifetime ends and not after', async () => {
    const tokens = await connect(emulator.url);
    expect(tokens.expires_in).toBe(3599);
    await control(emulator.url, 'clock', { advanceSeconds: 3598 });
    expect((await api(emulator.url, '/v2/users/me', tokens.access_token)).status).toBe(200);
    await control(emulator.url, 'clock', { advanceSeconds: 1 });
    expect((await api(emulator.url, '/v2/users/me', tokens.access_token)).body).toEqual({ code: 124, message: 'Access token is expired.' });
  });

  it('a custom accessTokenTtlSeconds is what expires_in says and what the API enforces', async () => {
    const shortLived = await startEmulator({ clients: [CLIENT], accessTokenTtlSeconds: 120 });
    try {
      const tokens = await connect(shortLived.url);
      expect(tokens.expires_in).toBe(120);
      await control(shortLived.url, 'clock', { advanceSeconds: 119 });
      expect((await api(shortLived.url, '/v2/users/me', tokens.access_token)).status).toBe(200);
      await control(shortLived.url, 'clock', { advanceSeconds: 1 });
      expect((await api(shortLived.url, '/v2/users/me', tokens.access_token)).body).toEqual({ code: 124, message: 'Access token is expired.' });
    } finally {
      await shortLived.close();
    }
  });

  it('refresh tokens die after 90 days', async () => {
    const tokens = await connect(emulator.url);
    await control(emulator.url, 'clock', { advanceSeconds: 90 * 24 * 3600 + 1 });
    expect((await refresh(emulator.url, tokens.refresh_token)).body['error']).toBe('invalid_grant');
  });

  it('with maxAccessTokensPerUser, issuing more tokens invalidates the oldest ones', async () => {
    const tokens = await connect(capped.url);
    const second = await refresh(capped.url, tokens.refresh_token);
    const third = await refresh(capped.url, String(second.body['refresh_token']));
    expect((await api(capped.url, '/v2/users/me', tokens.access_token)).status).toBe(401);
    expect((await api(capped.url, '/v2/users/me', String(second.body['access_token']))).status).toBe(200);
    expect((await api(capped.url, '/v2/users/me', String(third.body['access_token']))).status).toBe(200);
  });

  it('invalidCodeError switches the error for bad codes to Zoom\'s invalid_request variant', async () => {
    const variant = await startEmulator({ clients: [CLIENT], invalidCodeError: 'invalid_request' });
    try {
      const response = await tokenRequest(variant.url, { grant_type: 'authorization_code', code: 'nope', redirect_uri: REDIRECT_URI });
      expect(response.body).toEqual({ reason: 'Invalid authorization code', error: 'invalid_request' });
    } finally {
      await variant.close();
    }
  });
});
