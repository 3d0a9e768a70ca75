import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { api, authorizeFields, AVA, CLIENT, connect, control, REDIRECT_URI, submitConsent } from './helpers.js';

describe('authorization endpoint (consent)', () => {
  let emulator: RunningEmulator;

  beforeAll(async () => {
    emulator = await startEmulator({ clients: [{ ...CLIENT, name: 'Booking <App>' }] });
  });
  afterAll(async () => {
    await emulator.close();
  });
  beforeEach(async () => {
    await control(emulator.url, 'reset');
  });

  const page = (params: Record<string, string>): Promise<Response> =>
    fetch(`${emulator.url}/oauth/authorize?${new URLSearchParams(params).toString()}`, { redirect: 'manual' });

  it('shows a consent form with the app name, seeded users and stable controls', async () => {
    const response = await page(authorizeFields({ challenge: 'a'.repeat(43), method: 'S256', state: 'st"ate' }));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/html');
    const html = await response.text();
    expect(html).toContain('Booking &#60;App&#62;');
    expect(html).toContain(CLIENT.clientId);
    expect(html).toContain(AVA.email);
    expect(html).toMatch(/<form id="consent-form" method="post" action="\/oauth\/authorize">/);
    expect(html).toMatch(/<input type="text" id="user" name="user"/);
    expect(html).toMatch(/<button type="submit" id="allow" name="decision" value="allow">/);
    expect(html).toMatch(/<button type="submit" id="deny" name="decision" value="deny">/);
    expect(html).toContain('name="state" value="st&#34;ate"');
  });

  it('an unknown client_id gets a 400 error page, never a redirect', async () => {
    const response = await page({ ...authorizeFields(), client_id: 'nobody' });
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
    expect(await response.text()).toContain('Invalid client_id');
  });

  it('a redirect_uri that is not registered exactly gets a 400 error page, never a redirect', async () => {
    for (const redirectUri of [`${REDIRECT_URI}/`, `${REDIRECT_URI}?x=1`, 'https://evil.example/cb']) {
      const response = await page({ ...authorizeFields(), redirect_uri: redirectUri });
      expect(response.status).toBe(400);
      expect(response.headers.get('location')).toBeNull();
    }
    const post = await submitConsent(emulator.url, { redirectUri: 'https://evil.example/cb' });
    expect(post.status).toBe(400);
    expect(post.location).toBeNull();
  });

  it('a scope parameter is rejected like Zoom does', async () => {
    const response = await page({ ...authorizeFields(), scope: 'meeting:read' });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('Invalid scope');
  });

  it('a response_type other than code is rejected', async () => {
    const response = await page({ ...authorizeFields(), response_type: 'token' });
    expect(response.status).toBe(400);
  });

  it('an unknown code_challenge_method is rejected', async () => {
    const response = await page({ ...authorizeFields(), code_challenge: 'a'.repeat(43), code_challenge_method: 'S512' });
    expect(response.status).toBe(400);
  });

  it('allow redirects with a code and the state untouched', async () => {
    const state = 'opaque state/with+chars= ok';
    const { status, location } = await submitConsent(emulator.url, { state });
    expect(status).toBe(302);
    expect(location?.origin + (location?.pathname ?? '')).toBe(REDIRECT_URI);
    expect(location?.searchParams.get('code')).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect(location?.searchParams.get('state')).toBe(state);
  });

  it('deny redirects with error=access_denied and the state', async () => {
    const { status, location } = await submitConsent(emulator.url, { decision: 'deny', state: 's1' });
    expect(status).toBe(302);
    expect(location?.searchParams.get('error')).toBe('access_denied');
    expect(location?.searchParams.get('state')).toBe('s1');
    expect(location?.searchParams.get('code')).toBeNull();
  });

  it('a seeded user can be chosen by id as well as by email', async () => {
    const tokens = await connect(emulator.url, { user: AVA.id });
    const me = await api(emulator.url, '/v2/users/me', tokens.access_token);
    expect(me.body['id']).toBe(AVA.id);
  });

  it('an unknown email at consent creates that user, with a few meetings', async () => {
    const tokens = await connect(emulator.url, { user: 'New.Person@Example.net' });
    const me = await api(emulator.url, '/v2/users/me', tokens.access_token);
    expect(me.status).toBe(200);
    expect(me.body['email']).toBe('new.person@example.net');
    expect(me.body['first_name']).toBe('New');
    expect(me.body['id']).toMatch(/^[A-Za-z0-9_-]{22}$/);
    const meetings = await api(emulator.url, '/v2/users/me/meetings', tokens.access_token);
    expect(meetings.body['total_records']).toBeGreaterThan(0);
  });

  it('an unknown user that is not an email is refused', async () => {
    const { status, location } = await submitConsent(emulator.url, { user: 'not-a-user' });
    expect(status).toBe(400);
    expect(location).toBeNull();
  });
});
