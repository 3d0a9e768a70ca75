import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type EmulatorClient, type RunningEmulator } from '../../src/emulator/index.js';
import { api, authorizationCode, basicAuth, CLIENT, connect, control, isoDate, REDIRECT_URI, tokenRequest } from './helpers.js';

const ALTERNATIVE: EmulatorClient = {
  clientId: 'alternative',
  clientSecret: 'alternative-secret',
  redirectUris: [REDIRECT_URI],
  variants: { tokenParameters: 'body-only', invalidClientStatus: 400, invalidCodeError: 'invalid_request', recordingDefaultDates: 'today-tomorrow' },
};

describe('token endpoint strictness and per-app variants', () => {
  let emulator: RunningEmulator;

  beforeAll(async () => {
    emulator = await startEmulator({ clients: [CLIENT, ALTERNATIVE] });
  });
  afterAll(async () => {
    await emulator.close();
  });
  beforeEach(async () => {
    await control(emulator.url, 'reset');
  });

  async function post(path: string, client: EmulatorClient, init: { body?: string; contentType?: string }): Promise<{ status: number; body: Record<string, unknown> }> {
    const headers: Record<string, string> = { authorization: basicAuth(client.clientId, client.clientSecret) };
    if (init.contentType !== undefined) headers['content-type'] = init.contentType;
    const response = await fetch(`${emulator.url}${path}`, { method: 'POST', headers, ...(init.body === undefined ? {} : { body: init.body }) });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  it('a JSON request to /oauth/token is refused as an unsupported grant type, even with its parameters in the query', async () => {
    const code = await authorizationCode(emulator.url);
    const query = new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI }).toString();
    const response = await post(`/oauth/token?${query}`, CLIENT, { body: '{}', contentType: 'application/json' });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ reason: 'Unsupported grant type', error: 'unsupported_grant_type' });
  });

  it('a JSON body carrying the parameters is refused the same way', async () => {
    const response = await post('/oauth/token', CLIENT, { body: JSON.stringify({ grant_type: 'refresh_token', refresh_token: 'x' }), contentType: 'application/json; charset=utf-8' });
    expect(response.status).toBe(400);
    expect(response.body['error']).toBe('unsupported_grant_type');
  });

  it('by default the token endpoint reads parameters from the query string', async () => {
    const code = await authorizationCode(emulator.url);
    const query = new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI }).toString();
    expect((await post(`/oauth/token?${query}`, CLIENT, {})).status).toBe(200);
  });

  it('an app with tokenParameters body-only ignores the query string', async () => {
    const code = await authorizationCode(emulator.url, { client: ALTERNATIVE });
    const query = new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI }).toString();
    const response = await post(`/oauth/token?${query}`, ALTERNATIVE, {});
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ reason: 'Missing grant_type', error: 'invalid_request' });
    const form = await tokenRequest(emulator.url, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI }, ALTERNATIVE);
    expect(form.status).toBe(200);
  });

  it('a wrong client secret is 401 by default and 400 for an app with invalidClientStatus 400', async () => {
    const wrongDefault = await tokenRequest(emulator.url, { grant_type: 'refresh_token', refresh_token: 'x' }, { ...CLIENT, clientSecret: 'wrong' });
    const wrongAlternative = await tokenRequest(emulator.url, { grant_type: 'refresh_token', refresh_token: 'x' }, { ...ALTERNATIVE, clientSecret: 'wrong' });
    expect([wrongDefault.status, wrongDefault.body['error']]).toEqual([401, 'invalid_client']);
    expect([wrongAlternative.status, wrongAlternative.body['error']]).toEqual([400, 'invalid_client']);
  });

  it('a reused code is invalid_request for an app with invalidCodeError invalid_request', async () => {
    const code = await authorizationCode(emulator.url, { client: ALTERNATIVE });
    const params = { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI };
    expect((await tokenRequest(emulator.url, params, ALTERNATIVE)).status).toBe(200);
    expect((await tokenRequest(emulator.url, params, ALTERNATIVE)).body).toEqual({ reason: 'Invalid authorization code', error: 'invalid_request' });
  });

  it('recordings default to yesterday and today, or today and tomorrow for an app with recordingDefaultDates today-tomorrow', async () => {
    const standard = await connect(emulator.url);
    const alternative = await connect(emulator.url, { client: ALTERNATIVE });
    const byDefault = await api(emulator.url, '/v2/users/me/recordings', standard.access_token);
    const chosen = await api(emulator.url, '/v2/users/me/recordings', alternative.access_token);
    expect([byDefault.body['from'], byDefault.body['to']]).toEqual([isoDate(-1), isoDate(0)]);
    expect([chosen.body['from'], chosen.body['to']]).toEqual([isoDate(0), isoDate(1)]);
  });
});
