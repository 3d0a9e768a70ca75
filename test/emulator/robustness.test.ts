import { connect as tcpConnect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { api, basicAuth, CLIENT, connect, control, type Tokens } from './helpers.js';

/** Bad input of any kind gets a Zoom-shaped 4xx, never a 500 or a crash. */
describe('hostile and malformed input', () => {
  let emulator: RunningEmulator;
  let tokens: Tokens;

  beforeAll(async () => {
    emulator = await startEmulator({ clients: [CLIENT] });
    tokens = await connect(emulator.url);
  });
  afterAll(async () => {
    await emulator.close();
  });

  const big = 'x'.repeat(100 * 1024);

  it('an oversized JSON body gets 413 with a Zoom-style JSON error', async () => {
    const response = await api(emulator.url, '/v2/users/me/meetings', tokens.access_token, { method: 'POST', body: JSON.stringify({ agenda: big }) });
    expect(response.status).toBe(413);
    expect(response.body).toEqual({ code: 413, message: 'Request body is too large.' });
  });

  it('an oversized form body at the token endpoint gets 413 in the OAuth error shape', async () => {
    const response = await fetch(`${emulator.url}/oauth/token`, {
      method: 'POST',
      headers: { authorization: basicAuth(CLIENT.clientId, CLIENT.clientSecret) },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: big }),
    });
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ error: 'invalid_request' });
  });

  it('malformed JSON gets 400 code 300', async () => {
    for (const body of ['{', '{"topic": }', 'null', '[1,2]', '"text"']) {
      const response = await api(emulator.url, '/v2/users/me/meetings', tokens.access_token, { method: 'POST', body });
      expect(response.status).toBe(400);
      expect(response.body['code']).toBe(300);
    }
  });

  it('an unsupported content type gets 415, not 500', async () => {
    const response = await api(emulator.url, '/v2/users/me/meetings', tokens.access_token, {
      method: 'POST',
      headers: { 'content-type': 'text/xml' },
      body: '<meeting/>',
    });
    expect(response.status).toBe(415);
    expect(response.body['code']).toBe(300);
  });

  it('garbage Basic credentials get 401 invalid_client', async () => {
    for (const authorization of ['Basic', 'Basic !!!', `Basic ${Buffer.from('no-colon').toString('base64')}`, `Basic ${Buffer.from('%E0%A4%A:x').toString('base64')}`, 'Bearer x']) {
      const response = await fetch(`${emulator.url}/oauth/token`, { method: 'POST', headers: { authorization }, body: new URLSearchParams({ grant_type: 'refresh_token' }) });
      expect(response.status).toBe(401);
    }
  });

  it('a JSON body at the token endpoint is a missing-parameter error, not a crash', async () => {
    const response = await fetch(`${emulator.url}/oauth/token`, {
      method: 'POST',
      headers: { authorization: basicAuth(CLIENT.clientId, CLIENT.clientSecret), 'content-type': 'application/json' },
      body: '{"grant_type": ["refresh_token"]}',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'invalid_request' });
  });

  it('repeated query parameters and odd encodings do not break the consent page', async () => {
    const query = `response_type=code&response_type=token&client_id=${CLIENT.clientId}&client_id=x&redirect_uri=${encodeURIComponent(CLIENT.redirectUris[0] ?? '')}&state=%FF%FE`;
    const response = await fetch(`${emulator.url}/oauth/authorize?${query}`);
    expect(response.status).toBeLessThan(500);
    const post = await fetch(`${emulator.url}/oauth/authorize`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' });
    expect(post.status).toBe(400);
    expect(post.headers.get('content-type')).toContain('text/html');
  });

  it('a wrong HTTP method or unknown path gets a JSON 404', async () => {
    for (const [method, path] of [['DELETE', '/oauth/token'], ['GET', '/v2/users'], ['PUT', '/_emulator/reset']] as const) {
      const response = await fetch(`${emulator.url}${path}`, { method });
      expect(response.status).toBe(404);
      expect(((await response.json()) as Record<string, unknown>)['code']).toBe(404);
    }
  });

  it('a header-only request that hangs up mid-body leaves the emulator serving', async () => {
    await new Promise<void>((resolve, reject) => {
      const socket = tcpConnect(emulator.port, '127.0.0.1', () => {
        socket.write('POST /oauth/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 500\r\n\r\ngrant_type=');
        socket.destroy();
        resolve();
      });
      socket.on('error', reject);
    });
    expect((await control(emulator.url, 'stats')).status).toBe(200);
  });
});
