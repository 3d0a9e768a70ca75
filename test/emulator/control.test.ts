import { createHmac, timingSafeEqual } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { api, AVA, basicAuth, CLIENT, connect, control, MATEO, refresh, tokenRequest, type JsonResponse } from './helpers.js';
import { WebhookReceiver, type ReceivedWebhook } from './webhook-receiver.js';

const WEBHOOK_SECRET = 'whsec_emulator_test';

/** Verifies the way the app must: HMAC over the raw bytes, constant-time compare, fresh timestamp. */
function verifyZoomSignature(hook: ReceivedWebhook, secret: string): boolean {
  const timestamp = String(hook.headers['x-zm-request-timestamp']);
  const signature = String(hook.headers['x-zm-signature']);
  const expected = `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${hook.rawBody}`).digest('hex')}`;
  const fresh = Math.abs(Date.now() / 1000 - Number(timestamp)) < 300;
  return fresh && expected.length === signature.length && timingSafeEqual(Buffer.from(expected), Buffer.from(signature));
}

async function revoke(baseUrl: string, token: string, where: 'query' | 'body' = 'query'): Promise<JsonResponse> {
  const init: RequestInit = { method: 'POST', headers: { authorization: basicAuth(CLIENT.clientId, CLIENT.clientSecret) } };
  const url = where === 'query' ? `${baseUrl}/oauth/revoke?token=${encodeURIComponent(token)}` : `${baseUrl}/oauth/revoke`;
  if (where === 'body') init.body = new URLSearchParams({ token });
  const response = await fetch(url, init);
  return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> };
}

describe('revocation, deauthorization and the control API', () => {
  let emulator: RunningEmulator;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    receiver = new WebhookReceiver();
    const webhookUrl = await receiver.listen();
    emulator = await startEmulator({ clients: [{ ...CLIENT, webhookUrl, webhookSecret: WEBHOOK_SECRET }] });
  });
  afterAll(async () => {
    await emulator.close();
    await receiver.close();
  });
  beforeEach(async () => {
    await control(emulator.url, 'reset');
    receiver.status = 200;
    receiver.received.length = 0;
  });

  it('revocation ends the whole grant: the access token gets 401 code 124 and the refresh token invalid_grant', async () => {
    const tokens = await connect(emulator.url);
    const revoked = await revoke(emulator.url, tokens.access_token);
    expect(revoked.status).toBe(200);
    expect(revoked.body).toEqual({ status: 'success' });
    const me = await api(emulator.url, '/v2/users/me', tokens.access_token);
    expect(me.status).toBe(401);
    expect(me.body['code']).toBe(124);
    expect((await refresh(emulator.url, tokens.refresh_token)).body).toEqual({ reason: 'Invalid Token!', error: 'invalid_grant' });
  });

  it('revoking by refresh token in the form body works too, and revoking again is refused', async () => {
    const tokens = await connect(emulator.url);
    expect((await revoke(emulator.url, tokens.refresh_token, 'body')).status).toBe(200);
    expect((await api(emulator.url, '/v2/users/me', tokens.access_token)).status).toBe(401);
    const again = await revoke(emulator.url, tokens.refresh_token, 'body');
    expect(again.status).toBe(400);
    expect(again.body['error']).toBe('invalid_request');
  });

  it('revocation sends a signed app_deauthorized webhook, as Zoom uninstalls the app', async () => {
    const tokens = await connect(emulator.url);
    const arrival = receiver.next();
    await revoke(emulator.url, tokens.access_token);
    const hook = await arrival;
    expect(verifyZoomSignature(hook, WEBHOOK_SECRET)).toBe(true);
    expect(JSON.parse(hook.rawBody)).toMatchObject({ event: 'app_deauthorized', payload: { user_id: AVA.id, client_id: CLIENT.clientId } });
  });

  it('deauthorize posts a correctly signed app_deauthorized event and revokes the user\'s grants', async () => {
    const tokens = await connect(emulator.url);
    const result = await control(emulator.url, 'deauthorize', { email: AVA.email });
    expect(result.status).toBe(200);
    expect(result.body).toMatchObject({ delivered: true, status: 200, revokedGrants: 1 });
    // Earlier tests' revocations also notify, so pick the event this call reports.
    const hook = receiver.received.find((received) => received.rawBody === JSON.stringify(result.body['event']));
    if (!hook) throw new Error('no webhook arrived');
    expect(hook.headers['content-type']).toContain('application/json');
    expect(hook.headers['x-zm-request-timestamp']).toMatch(/^\d{10}$/);
    expect(hook.headers['x-zm-signature']).toMatch(/^v0=[0-9a-f]{64}$/);
    expect(verifyZoomSignature(hook, WEBHOOK_SECRET)).toBe(true);
    expect(verifyZoomSignature(hook, 'some other secret')).toBe(false);
    const event = JSON.parse(hook.rawBody) as { event: string; event_ts: number; payload: Record<string, unknown> };
    expect(event.event).toBe('app_deauthorized');
    expect(typeof event.event_ts).toBe('number');
    expect(event.payload).toMatchObject({
      account_id: 'Lq9Zr4ZxR8m0dD6qkTnWbA',
      user_id: AVA.id,
      client_id: CLIENT.clientId,
      user_data_retention: 'false',
    });
    expect(typeof event.payload['signature']).toBe('string');
    expect(Number.isNaN(Date.parse(String(event.payload['deauthorization_time'])))).toBe(false);
    expect((await api(emulator.url, '/v2/users/me', tokens.access_token)).status).toBe(401);
    expect((await refresh(emulator.url, tokens.refresh_token)).body['error']).toBe('invalid_grant');
  });

  it('deauthorize reports a failed delivery instead of hiding it', async () => {
    receiver.status = 500;
    const result = await control(emulator.url, 'deauthorize', { userId: AVA.id });
    expect(result.body).toMatchObject({ delivered: false, status: 500 });
    const stats = await control(emulator.url, 'stats');
    expect(stats.body['webhooks']).toEqual({ delivered: 0, failed: 1, refused: 0, validated: 0, validationFailed: 0 });
  });

  it('deauthorize of an unknown user is a 404', async () => {
    expect((await control(emulator.url, 'deauthorize', { email: 'ghost@example.com' })).status).toBe(404);
  });

  it('expire makes that user\'s access tokens expire now, and only theirs', async () => {
    const ava = await connect(emulator.url, { user: AVA.email });
    const mateo = await connect(emulator.url, { user: MATEO.email });
    const result = await control(emulator.url, 'expire', { email: AVA.email });
    expect(result.body).toEqual({ expired: 1 });
    expect((await api(emulator.url, '/v2/users/me', ava.access_token)).body).toEqual({ code: 124, message: 'Access token is expired.' });
    expect((await api(emulator.url, '/v2/users/me', mateo.access_token)).status).toBe(200);
    // An expired access token is exactly what a refresh is for.
    expect((await refresh(emulator.url, ava.refresh_token)).status).toBe(200);
  });

  it('expire without a user expires everyone\'s access tokens', async () => {
    const ava = await connect(emulator.url, { user: AVA.email });
    const mateo = await connect(emulator.url, { user: MATEO.email });
    await control(emulator.url, 'expire', {});
    expect((await api(emulator.url, '/v2/users/me', ava.access_token)).status).toBe(401);
    expect((await api(emulator.url, '/v2/users/me', mateo.access_token)).status).toBe(401);
  });

  it('stats count token requests by grant type, invalid grants, revocations and API calls', async () => {
    const tokens = await connect(emulator.url);
    const rotated = await refresh(emulator.url, tokens.refresh_token);
    await refresh(emulator.url, tokens.refresh_token);
    await tokenRequest(emulator.url, { grant_type: 'authorization_code', code: 'nope', redirect_uri: CLIENT.redirectUris[0] ?? '' });
    const access = String(rotated.body['access_token']);
    await api(emulator.url, '/v2/users/me', access);
    await api(emulator.url, '/v2/users/me', access);
    await api(emulator.url, '/v2/users/me/meetings', access);
    await api(emulator.url, '/v2/users/me/recordings', access);
    await api(emulator.url, '/v2/users/me/meetings', access, { method: 'POST', body: '{}' });
    await revoke(emulator.url, access);
    const stats = await control(emulator.url, 'stats');
    expect(stats.body).toMatchObject({
      tokenRequests: { authorization_code: 2, refresh_token: 2 },
      invalidGrant: 2,
      revocations: 1,
      apiCalls: {
        'GET /v2/users/me': 2,
        'GET /v2/users/{userId}/meetings': 1,
        'GET /v2/users/{userId}/recordings': 1,
        'POST /v2/users/{userId}/meetings': 1,
      },
    });
    await control(emulator.url, 'reset');
    expect((await control(emulator.url, 'stats')).body).toMatchObject({
      tokenRequests: { authorization_code: 0, refresh_token: 0 },
      invalidGrant: 0,
      revocations: 0,
      apiCalls: {},
    });
  });

  it('client-chosen grant types cannot corrupt the stats: unknown ones share one bucket', async () => {
    for (const grantType of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'client_credentials']) {
      expect((await tokenRequest(emulator.url, { grant_type: grantType })).body['error']).toBe('unsupported_grant_type');
    }
    await tokenRequest(emulator.url, {});
    const stats = await control(emulator.url, 'stats');
    expect(stats.status).toBe(200);
    expect(stats.body['tokenRequests']).toEqual({ authorization_code: 0, refresh_token: 0, account_credentials: 0, '(other)': 5, '(missing)': 1 });
  });

  it('reset returns to the seeded state, dropping grants and added users', async () => {
    const tokens = await connect(emulator.url);
    await control(emulator.url, 'users', { email: 'added@example.com' });
    await control(emulator.url, 'reset');
    expect((await api(emulator.url, '/v2/users/me', tokens.access_token)).status).toBe(401);
    const users = (await control(emulator.url, 'users')).body['users'] as Array<{ email: string }>;
    expect(users.map((user) => user.email)).toEqual([AVA.email, MATEO.email, 'priya.nair@example.org']);
  });

  it('users can be added and given meetings through the control API', async () => {
    const created = await control(emulator.url, 'users', { email: 'dr.lee@clinic.example', first_name: 'Kim', last_name: 'Lee', timezone: 'Asia/Seoul', withMeetings: false });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ email: 'dr.lee@clinic.example', first_name: 'Kim', timezone: 'Asia/Seoul' });
    expect((await control(emulator.url, 'users', { email: 'dr.lee@clinic.example' })).status).toBe(409);
    const meeting = await control(emulator.url, `users/${String(created.body['id'])}/meetings`, { topic: 'Clinic hours', start_time: '2031-01-01T10:00:00Z' });
    expect(meeting.status).toBe(201);
    const tokens = await connect(emulator.url, { user: 'dr.lee@clinic.example' });
    const list = await api(emulator.url, '/v2/users/me/meetings', tokens.access_token);
    expect(list.body['total_records']).toBe(1);
  });

  it('malformed control bodies get 400, not 500', async () => {
    const response = await fetch(`${emulator.url}/_emulator/expire`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"userId":' });
    expect(response.status).toBe(400);
    expect((await control(emulator.url, 'users', { email: 'not an email' })).status).toBe(400);
    expect((await control(emulator.url, 'clock', { advanceSeconds: -1 })).status).toBe(400);
  });
});
