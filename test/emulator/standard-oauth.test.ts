import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { api, AVA, CLIENT, REDIRECT_URI } from './helpers.js';

/**
 * Driven by oauth4webapi, an independent, spec-strict client: if the emulator
 * bent OAuth 2.0 anywhere on this path, this library would refuse it.
 */
describe('a standard OAuth 2.0 client (oauth4webapi) against the emulator', () => {
  let emulator: RunningEmulator;
  let as: oauth.AuthorizationServer;
  const client: oauth.Client = { client_id: CLIENT.clientId };
  const clientAuth = oauth.ClientSecretBasic(CLIENT.clientSecret);
  const insecure = { [oauth.allowInsecureRequests]: true };

  beforeAll(async () => {
    emulator = await startEmulator({ clients: [CLIENT] });
    // Zoom publishes no discovery document, so the metadata is written by hand.
    as = {
      issuer: emulator.url,
      authorization_endpoint: `${emulator.url}/oauth/authorize`,
      token_endpoint: `${emulator.url}/oauth/token`,
      revocation_endpoint: `${emulator.url}/oauth/revoke`,
    };
  });

  afterAll(async () => {
    await emulator.close();
  });

  it('completes authorization code + PKCE S256, refreshes with rotation, and revokes', async () => {
    const verifier = oauth.generateRandomCodeVerifier();
    const challenge = await oauth.calculatePKCECodeChallenge(verifier);
    const state = oauth.generateRandomState();
    const authorizationUrl = new URL(as.authorization_endpoint ?? '');
    authorizationUrl.search = new URLSearchParams({
      response_type: 'code',
      client_id: client.client_id,
      redirect_uri: REDIRECT_URI,
      state,
      code_challenge: challenge,
      code_challenge_method: 'S256',
    }).toString();

    const page = await fetch(authorizationUrl);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('id="consent-form"');

    const form = new URLSearchParams(authorizationUrl.searchParams);
    form.set('user', AVA.email);
    form.set('decision', 'allow');
    const consent = await fetch(`${emulator.url}/oauth/authorize`, { method: 'POST', body: form, redirect: 'manual' });
    expect(consent.status).toBe(302);
    const callback = new URL(consent.headers.get('location') ?? '');
    expect(`${callback.origin}${callback.pathname}`).toBe(REDIRECT_URI);

    const params = oauth.validateAuthResponse(as, client, callback, state);
    const codeResponse = await oauth.authorizationCodeGrantRequest(as, client, clientAuth, params, REDIRECT_URI, verifier, insecure);
    const tokens = await oauth.processAuthorizationCodeResponse(as, client, codeResponse);
    expect(tokens.token_type).toBe('bearer');
    expect(tokens.expires_in).toBe(3599);
    expect(tokens.scope).toBe('user:read user:write meeting:read meeting:write recording:read');
    expect(tokens['api_url']).toBe(emulator.url);
    expect(tokens.access_token.split('.')).toHaveLength(3);

    const apiUrl = tokens['api_url'];
    if (typeof apiUrl !== 'string') throw new Error('token response lacks api_url');
    const me = await api(apiUrl, '/v2/users/me', tokens.access_token);
    expect(me.status).toBe(200);
    expect(me.body['email']).toBe(AVA.email);

    const refreshResponse = await oauth.refreshTokenGrantRequest(as, client, clientAuth, tokens.refresh_token ?? '', insecure);
    const refreshed = await oauth.processRefreshTokenResponse(as, client, refreshResponse);
    expect(refreshed.refresh_token).toBeDefined();
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);

    const staleResponse = await oauth.refreshTokenGrantRequest(as, client, clientAuth, tokens.refresh_token ?? '', insecure);
    await expect(oauth.processRefreshTokenResponse(as, client, staleResponse)).rejects.toMatchObject({ error: 'invalid_grant' });

    const revokeResponse = await oauth.revocationRequest(as, client, clientAuth, refreshed.access_token, insecure);
    await expect(oauth.processRevocationResponse(revokeResponse)).resolves.toBeUndefined();
    const after = await api(emulator.url, '/v2/users/me', refreshed.access_token);
    expect(after.status).toBe(401);
    expect(after.body['code']).toBe(124);
  });
});
