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

  it('an oversized form body at the token endpoint gets 400 invalid_request, as every OAuth refusal is a 400', async () => {
    const response = await fetch(`${emulator.url}/oauth/token`, {
      method: 'POST',
      headers: { authorization: basicAuth(CLIENT.clientId, CLIENT.clientSecret) },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: big }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ reason: 'Request body is too large.', error: 'invalid_request' });
  });

  it('a token request in an unsupported content type gets 400 invalid_request, not 415', async () => {
    for (const path of ['/oauth/token', '/oauth/revoke']) {
      const response = await fetch(`${emulator.url}${path}`, {
        method: 'POST',
        headers: { authorization: basicAuth(CLIENT.clientId, CLIENT.clientSecret), 'content-type': 'text/plain' },
        body: 'grant_type=refresh_token',
      });
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({ reason: 'Unsupported Content-Type: send application/x-www-form-urlencoded parameters.', error: 'invalid_request' });
    }
  });

  it('an API body in a content type other than JSON gets 400 code 300, as Zoom\'s error definitions show', async () => {
    const response = await api(emulator.url, '/v2/users/me/meetings', tokens.access_token, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: '{"topic":"x"}',
    });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ code: 300, message: 'Request Body should be a valid JSON object.' });
  });

  it('malformed JSON gets 400 code 300', async () => {
    for (const body of ['{', '{"topic": }', 'null', '[1,2]', '"text"']) {
      const response = await api(emulator.url, '/v2/users/me/meetings', tokens.access_token, { method: 'POST', body });
      expect(response.status).toBe(400);
      expect(response.body['code']).toBe(300);
    }
  });

  async function meetingCount(): Promise<unknown> {
    return (await api(emulator.url, '/v2/users/me/meetings?page_size=300', tokens.access_token)).body['total_records'];
  }

  it('the API reads only JSON: a form-encoded or XML meeting gets 400 code 300 and nothing is created', async () => {
    const before = await meetingCount();
    const bodies: Array<[string, string]> = [
      ['application/x-www-form-urlencoded', new URLSearchParams({ topic: 'Form meeting', start_time: '2031-01-01T10:00:00Z' }).toString()],
      ['text/xml', '<meeting/>'],
    ];
    for (const [contentType, body] of bodies) {
      const response = await api(emulator.url, '/v2/users/me/meetings', tokens.access_token, { method: 'POST', headers: { 'content-type': contentType }, body });
      expect(response.status).toBe(400);
      expect(response.body).toEqual({ code: 300, message: 'Request Body should be a valid JSON object.' });
    }
    expect(await meetingCount()).toBe(before);
  });

  /** `{"settings":{"a":[[...]]}}` with `levels` arrays inside `a`: the body itself sits at depth 1. */
  function nestedSettings(levels: number): string {
    return `{"topic":"Deep","settings":{"a":${'['.repeat(levels)}${']'.repeat(levels)}}}`;
  }

  it('a body nested deeper than 32 levels gets 400 code 300 naming the field, and nothing is stored', async () => {
    const before = await meetingCount();
    const body = nestedSettings(30_000);
    expect(body.length).toBeLessThan(64 * 1024);
    const response = await api(emulator.url, '/v2/users/me/meetings', tokens.access_token, { method: 'POST', body });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ code: 300, message: 'Validation Failed.', errors: [{ field: 'settings', message: 'Invalid field.' }] });
    expect(await meetingCount()).toBe(before);
    // The emulator is unharmed and the bound sits exactly at 32: body, settings, a, then 29 more arrays.
    const atLimit = await api(emulator.url, '/v2/users/me/meetings', tokens.access_token, { method: 'POST', body: nestedSettings(30) });
    expect(atLimit.status).toBe(201);
    const overLimit = await api(emulator.url, '/v2/users/me/meetings', tokens.access_token, { method: 'POST', body: nestedSettings(31) });
    expect(overLimit.status).toBe(400);
  });

  it('an over-nested body at the token endpoint gets 400 invalid_request', async () => {
    const response = await fetch(`${emulator.url}/oauth/token`, {
      method: 'POST',
      headers: { authorization: basicAuth(CLIENT.clientId, CLIENT.clientSecret), 'content-type': 'application/json' },
      body: `{"grant_type":${'['.repeat(1000)}${']'.repeat(1000)}}`,
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ reason: 'JSON nested more than 32 levels deep under "grant_type".', error: 'invalid_request' });
  });

  it('a path that is not valid percent-encoding gets each surface\'s own 400, never Fastify\'s shape', async () => {
    const invalidUrl = 'Invalid URL: the path is not valid percent-encoding.';
    for (const path of ['/v2/users/%FF/meetings', '/%FF', '/_emulator/%FF']) {
      const response = await api(emulator.url, path, tokens.access_token);
      expect(response.status).toBe(400);
      expect(response.body).toEqual({ code: 300, message: invalidUrl });
      expect(response.headers.get('x-zm-trackingid')).toBeTruthy();
    }
    const oauth = await fetch(`${emulator.url}/oauth/token/%FF`, { method: 'POST', headers: { authorization: basicAuth(CLIENT.clientId, CLIENT.clientSecret) } });
    expect(oauth.status).toBe(400);
    expect(await oauth.json()).toEqual({ reason: invalidUrl, error: 'invalid_request' });
    const consent = await fetch(`${emulator.url}/oauth/authorize/%FF`);
    expect(consent.status).toBe(400);
    expect(consent.headers.get('content-type')).toContain('text/html');
    expect(await consent.text()).toContain(invalidUrl);
  });

  it('garbage Basic credentials get 401 invalid_client', async () => {
    for (const authorization of ['Basic', 'Basic !!!', `Basic ${Buffer.from('no-colon').toString('base64')}`, `Basic ${Buffer.from('%E0%A4%A:x').toString('base64')}`, 'Bearer x']) {
      const response = await fetch(`${emulator.url}/oauth/token`, { method: 'POST', headers: { authorization }, body: new URLSearchParams({ grant_type: 'refresh_token' }) });
      expect(response.status).toBe(401);
    }
  });

  it('an oddly typed JSON body at the token endpoint is an unsupported grant type, not a crash', async () => {
    const response = await fetch(`${emulator.url}/oauth/token`, {
      method: 'POST',
      headers: { authorization: basicAuth(CLIENT.clientId, CLIENT.clientSecret), 'content-type': 'application/json' },
      body: '{"grant_type": ["refresh_token"]}',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'unsupported_grant_type' });
  });

  it('repeated query parameters and odd encodings do not break the consent page', async () => {
    const query = `response_type=code&response_type=token&client_id=${CLIENT.clientId}&client_id=x&redirect_uri=${encodeURIComponent(CLIENT.redirectUris[0] ?? '')}&state=%FF%FE`;
    const response = await fetch(`${emulator.url}/oauth/authorize?${query}`);
    // Zoom takes the first of a repeated parameter, and a state that does not decode is passed back as sent.
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/html');
    const page = await response.text();
    expect(page).toContain(`<input type="hidden" name="client_id" value="${CLIENT.clientId}">`);
    expect(page).toContain('<input type="hidden" name="response_type" value="code">');
    expect(page).toContain('<input type="hidden" name="state" value="%FF%FE">');
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
