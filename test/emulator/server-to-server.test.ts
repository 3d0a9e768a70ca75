import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { api, AVA, basicAuth, CLIENT, connect, control, MATEO, type JsonResponse } from './helpers.js';

const ACCOUNT_ID = 'acct_S2S_test_01';
const S2S = { clientId: 's2s_client', clientSecret: 's2s_secret_0123456789', accountId: ACCOUNT_ID };

async function accountToken(baseUrl: string, params: Record<string, string>, credentials = S2S, where: 'body' | 'query' = 'body'): Promise<JsonResponse> {
  const form = new URLSearchParams(params);
  const response = await fetch(`${baseUrl}/oauth/token${where === 'query' ? `?${form.toString()}` : ''}`, {
    method: 'POST',
    headers: { authorization: basicAuth(credentials.clientId, credentials.clientSecret) },
    ...(where === 'body' ? { body: form } : {}),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

const MEETING = { topic: 'Appointment 42', type: 2, start_time: '2031-03-04T15:00:00Z', duration: 30, timezone: 'Europe/Paris' };

describe('Server-to-Server OAuth app', () => {
  let emulator: RunningEmulator;

  beforeAll(async () => {
    emulator = await startEmulator({ clients: [CLIENT], serverToServer: S2S });
  });
  afterAll(async () => {
    await emulator.close();
  });
  beforeEach(async () => {
    await control(emulator.url, 'reset');
  });

  async function s2sToken(): Promise<string> {
    const response = await accountToken(emulator.url, { grant_type: 'account_credentials', account_id: ACCOUNT_ID });
    if (response.status !== 200) throw new Error(`account_credentials failed: ${response.status} ${JSON.stringify(response.body)}`);
    return String(response.body['access_token']);
  }

  async function createFor(user: string, token: string): Promise<JsonResponse> {
    return api(emulator.url, `/v2/users/${encodeURIComponent(user)}/meetings`, token, { method: 'POST', body: JSON.stringify(MEETING) });
  }

  describe('the account_credentials grant', () => {
    it('answers a one-hour admin-scoped token with no refresh token', async () => {
      const response = await accountToken(emulator.url, { grant_type: 'account_credentials', account_id: ACCOUNT_ID });
      expect(response.status).toBe(200);
      expect(Object.keys(response.body).sort()).toEqual(['access_token', 'api_url', 'expires_in', 'scope', 'token_type']);
      expect(response.body).toMatchObject({
        token_type: 'bearer',
        expires_in: 3599,
        scope: 'meeting:write:admin meeting:read:admin user:read:admin',
        api_url: emulator.url,
      });
      expect(response.headers.get('cache-control')).toBe('no-store');
    });

    it('takes its parameters from the query string too', async () => {
      const response = await accountToken(emulator.url, { grant_type: 'account_credentials', account_id: ACCOUNT_ID }, S2S, 'query');
      expect(response.status).toBe(200);
      expect(typeof response.body['access_token']).toBe('string');
    });

    it('leaves earlier tokens valid when a new one is issued', async () => {
      const first = await s2sToken();
      const second = await s2sToken();
      expect(second).not.toBe(first);
      expect((await api(emulator.url, `/v2/users/${AVA.id}`, first)).status).toBe(200);
      expect((await api(emulator.url, `/v2/users/${AVA.id}`, second)).status).toBe(200);
    });

    it('refuses a user-managed app\'s credentials with unsupported_grant_type', async () => {
      const response = await accountToken(emulator.url, { grant_type: 'account_credentials', account_id: ACCOUNT_ID }, { ...S2S, ...CLIENT });
      expect(response.status).toBe(400);
      expect(response.body).toEqual({ reason: 'Unsupported grant type', error: 'unsupported_grant_type' });
    });

    it('refuses the user grants to the Server-to-Server app with unsupported_grant_type', async () => {
      const response = await accountToken(emulator.url, { grant_type: 'refresh_token', refresh_token: 'x.y.z' });
      expect(response.status).toBe(400);
      expect(response.body['error']).toBe('unsupported_grant_type');
    });

    it('refuses another account\'s id with invalid_request', async () => {
      const response = await accountToken(emulator.url, { grant_type: 'account_credentials', account_id: 'someone_else' });
      expect(response.status).toBe(400);
      expect(response.body).toEqual({ reason: 'Invalid account_id', error: 'invalid_request' });
    });

    it('refuses a request without account_id with invalid_request', async () => {
      const response = await accountToken(emulator.url, { grant_type: 'account_credentials' });
      expect(response.status).toBe(400);
      expect(response.body).toEqual({ reason: 'Missing account_id', error: 'invalid_request' });
    });

    it('refuses a wrong client secret with invalid_client', async () => {
      const response = await accountToken(emulator.url, { grant_type: 'account_credentials', account_id: ACCOUNT_ID }, { ...S2S, clientSecret: 'wrong' });
      expect(response.status).toBe(401);
      expect(response.body['error']).toBe('invalid_client');
    });

    it('is counted in /_emulator/stats', async () => {
      await s2sToken();
      await s2sToken();
      const stats = await control(emulator.url, 'stats');
      expect((stats.body['tokenRequests'] as Record<string, number>)['account_credentials']).toBe(2);
    });

    it('puts every user in the account the app belongs to', async () => {
      const users = (await control(emulator.url, 'users')).body['users'] as Array<{ account_id: string }>;
      expect(users.length).toBeGreaterThan(1);
      expect(new Set(users.map((user) => user.account_id))).toEqual(new Set([ACCOUNT_ID]));
    });

    it('an expired account token gets 401 code 124 "Access token is expired."', async () => {
      const token = await s2sToken();
      expect((await control(emulator.url, 'expire', { account: true })).body).toEqual({ expired: 1 });
      const response = await api(emulator.url, `/v2/users/${AVA.id}`, token);
      expect(response.status).toBe(401);
      expect(response.body).toEqual({ code: 124, message: 'Access token is expired.' });
    });

    it('a revoked account token stops working', async () => {
      const token = await s2sToken();
      const revoked = await fetch(`${emulator.url}/oauth/revoke?token=${token}`, { method: 'POST', headers: { authorization: basicAuth(S2S.clientId, S2S.clientSecret) } });
      expect(revoked.status).toBe(200);
      expect((await api(emulator.url, `/v2/users/${AVA.id}`, token)).status).toBe(401);
    });
  });

  describe('the account\'s API', () => {
    it('creates a meeting for a user named by id', async () => {
      const response = await createFor(MATEO.id, await s2sToken());
      expect(response.status).toBe(201);
      expect(response.body).toMatchObject({ host_id: MATEO.id, host_email: MATEO.email, topic: MEETING.topic, start_time: MEETING.start_time });
    });

    it('creates a meeting for a user named by email', async () => {
      const response = await createFor(AVA.email.toUpperCase(), await s2sToken());
      expect(response.status).toBe(201);
      expect(response.body['host_id']).toBe(AVA.id);
    });

    it('answers 404 code 1001 to a meeting for an unknown user', async () => {
      const response = await createFor('nobody@example.com', await s2sToken());
      expect(response.status).toBe(404);
      expect(response.body).toEqual({ code: 1001, message: 'User does not exist: nobody@example.com.' });
    });

    it('reads any user of the account by id or email', async () => {
      const token = await s2sToken();
      expect((await api(emulator.url, `/v2/users/${MATEO.id}`, token)).body['email']).toBe(MATEO.email);
      expect((await api(emulator.url, `/v2/users/${encodeURIComponent(AVA.email)}`, token)).body['id']).toBe(AVA.id);
    });

    it('answers 404 code 1001 to an unknown user', async () => {
      const response = await api(emulator.url, '/v2/users/NoSuchUser123', await s2sToken());
      expect(response.status).toBe(404);
      expect(response.body['code']).toBe(1001);
    });

    it('has no "me": no user signed in to an account token', async () => {
      const response = await api(emulator.url, '/v2/users/me', await s2sToken());
      expect(response.status).toBe(404);
      expect(response.body['code']).toBe(1001);
    });

    it('reads a meeting by id', async () => {
      const token = await s2sToken();
      const created = await createFor(AVA.id, token);
      const read = await api(emulator.url, `/v2/meetings/${String(created.body['id'])}`, token);
      expect(read.status).toBe(200);
      expect(read.body).toEqual(created.body);
    });

    it('updates a meeting with PATCH, answering 204', async () => {
      const token = await s2sToken();
      const created = await createFor(AVA.id, token);
      const path = `/v2/meetings/${String(created.body['id'])}`;
      const patched = await api(emulator.url, path, token, { method: 'PATCH', body: JSON.stringify({ topic: 'Moved', start_time: '2031-03-05T09:30:00', settings: { waiting_room: false } }) });
      expect(patched.status).toBe(204);
      const read = await api(emulator.url, path, token);
      // A local start_time is read in the meeting's timezone (Paris, UTC+1 in March).
      expect(read.body).toMatchObject({ topic: 'Moved', start_time: '2031-03-05T08:30:00Z', duration: 30, timezone: 'Europe/Paris' });
      expect(read.body['settings']).toMatchObject({ waiting_room: false, approval_type: 2 });
    });

    it('changes the join link when PATCH changes the passcode', async () => {
      const token = await s2sToken();
      const created = await createFor(AVA.id, token);
      const path = `/v2/meetings/${String(created.body['id'])}`;
      await api(emulator.url, path, token, { method: 'PATCH', body: JSON.stringify({ password: 'n3w-pass' }) });
      const read = await api(emulator.url, path, token);
      expect(read.body['password']).toBe('n3w-pass');
      expect(read.body['join_url']).not.toBe(created.body['join_url']);
    });

    it('refuses a PATCH with an invalid start_time, naming the field', async () => {
      const token = await s2sToken();
      const created = await createFor(AVA.id, token);
      const patched = await api(emulator.url, `/v2/meetings/${String(created.body['id'])}`, token, { method: 'PATCH', body: JSON.stringify({ start_time: '2031-02-30T10:00:00Z' }) });
      expect(patched.status).toBe(400);
      expect(patched.body).toEqual({ code: 300, message: 'Validation Failed.', errors: [{ field: 'start_time', message: 'Invalid field.' }] });
    });

    it('deletes a meeting with DELETE, answering 204, after which it is 404 code 3001', async () => {
      const token = await s2sToken();
      const created = await createFor(AVA.id, token);
      const path = `/v2/meetings/${String(created.body['id'])}`;
      expect((await api(emulator.url, path, token, { method: 'DELETE' })).status).toBe(204);
      const read = await api(emulator.url, path, token);
      expect(read.status).toBe(404);
      expect(read.body).toEqual({ code: 3001, message: `Meeting does not exist: ${String(created.body['id'])}.` });
    });

    it.each(['GET', 'PATCH', 'DELETE'])('answers %s of an unknown meeting with 404 code 3001', async (method) => {
      const init: RequestInit = method === 'PATCH' ? { method, body: JSON.stringify({ topic: 'x' }) } : { method };
      const response = await api(emulator.url, '/v2/meetings/12345678901', await s2sToken(), init);
      expect(response.status).toBe(404);
      expect(response.body['code']).toBe(3001);
    });
  });

  describe('meetings by id with a user\'s token', () => {
    it('reads, updates and deletes the user\'s own meeting', async () => {
      const tokens = await connect(emulator.url);
      const created = await api(emulator.url, '/v2/users/me/meetings', tokens.access_token, { method: 'POST', body: JSON.stringify(MEETING) });
      const path = `/v2/meetings/${String(created.body['id'])}`;
      expect((await api(emulator.url, path, tokens.access_token)).body['topic']).toBe(MEETING.topic);
      expect((await api(emulator.url, path, tokens.access_token, { method: 'PATCH', body: JSON.stringify({ duration: 45 }) })).status).toBe(204);
      expect((await api(emulator.url, path, tokens.access_token)).body['duration']).toBe(45);
      expect((await api(emulator.url, path, tokens.access_token, { method: 'DELETE' })).status).toBe(204);
    });

    it('answers 404 code 3001 for another user\'s meeting', async () => {
      const mateos = await createFor(MATEO.id, await s2sToken());
      const tokens = await connect(emulator.url, { user: AVA.email });
      const path = `/v2/meetings/${String(mateos.body['id'])}`;
      for (const init of [{}, { method: 'PATCH', body: JSON.stringify({ topic: 'x' }) }, { method: 'DELETE' }]) {
        const response = await api(emulator.url, path, tokens.access_token, init);
        expect(response.status).toBe(404);
        expect(response.body['code']).toBe(3001);
      }
      expect((await api(emulator.url, path, await s2sToken())).body['topic']).toBe(MEETING.topic);
    });
  });

  describe('the lost-create fault', () => {
    it('stores the meeting and then cuts the connection', async () => {
      await control(emulator.url, 'faults', { loseMeetingCreateResponses: 1 });
      const token = await s2sToken();
      await expect(createFor(MATEO.id, token)).rejects.toThrow();
      const listed = await fetch(`${emulator.url}/_emulator/users/${MATEO.id}/meetings`);
      expect(listed.status).toBe(200);
      const meetings = (await listed.json()) as { meetings: Array<{ topic: string }> };
      expect(meetings.meetings.filter((meeting) => meeting.topic === MEETING.topic)).toHaveLength(1);
      // Only the next N creations are lost.
      expect((await createFor(MATEO.id, token)).status).toBe(201);
    });
  });
});

describe('a Server-to-Server app with fewer scopes', () => {
  let emulator: RunningEmulator;

  beforeAll(async () => {
    emulator = await startEmulator({ clients: [CLIENT], serverToServer: { ...S2S, scopes: ['user:read:admin'] } });
  });
  afterAll(async () => {
    await emulator.close();
  });

  it('gets 400 code 4711 for a meeting endpoint its scopes do not open', async () => {
    const token = await accountToken(emulator.url, { grant_type: 'account_credentials', account_id: ACCOUNT_ID });
    expect(token.body['scope']).toBe('user:read:admin');
    const accessToken = String(token.body['access_token']);
    expect((await api(emulator.url, `/v2/users/${AVA.id}`, accessToken)).status).toBe(200);
    const create = await api(emulator.url, `/v2/users/${AVA.id}/meetings`, accessToken, { method: 'POST', body: JSON.stringify(MEETING) });
    expect(create.status).toBe(400);
    expect(create.body['code']).toBe(4711);
  });
});
