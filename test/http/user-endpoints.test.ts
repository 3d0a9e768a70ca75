import { describe, expect, it } from 'vitest';
import { connect, expectProblem, JWT_LIKE, MEETINGS, PROFILE, RECORDINGS, REFRESH, REVOKE, STATUS, uniqueUser, type Connected, type Json, anyString, anyNumber, anyArray, containing } from '../helpers/http-client.js';

import { useStack } from '../helpers/stack.js';

/** The endpoints that act for a signed-in app user on their own Zoom connection. */

const fx = useStack({ rateLimit: false });

/** A fresh Zoom user: the emulator gives them 1 past and 3 upcoming scheduled meetings and 2 recent recordings. */
async function connected(label: string): Promise<Connected> {
  const { userId, zoomEmail } = uniqueUser(label);
  return connect(fx.client, fx.stack, userId, zoomEmail);
}

const day = (offsetDays: number): string => new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);

interface MeetingPage {
  page_size: number;
  total_records: number;
  next_page_token: string;
  meetings: Array<{ id: number; topic: string }>;
}

/** Everything a status may say; a new field must be added here on purpose, after checking it is no secret. */
const STATUS_FIELDS = [
  'accessTokenExpiresAt',
  'authorizedAt',
  'connected',
  'grantedScopes',
  'lastRefreshError',
  'lastRefreshedAt',
  'lastUsedAt',
  'refreshFailureCount',
  'revokedAt',
  'status',
  'zoomAccountId',
  'zoomEmail',
  'zoomUserId',
];

async function apiCalls(route: string): Promise<number> {
  return (await fx.zoom.stats()).apiCalls[route] ?? 0;
}

describe('status', () => {
  it('before any connect is {connected:false, status:"not_connected"} with nothing else known', async () => {
    const jwt = await fx.stack.signIn(uniqueUser('never').userId);
    const reply = await fx.client.get(STATUS, { jwt });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      connected: false,
      status: 'not_connected',
      zoomUserId: null,
      zoomEmail: null,
      zoomAccountId: null,
      grantedScopes: [],
      accessTokenExpiresAt: null,
      authorizedAt: null,
      lastRefreshedAt: null,
      lastUsedAt: null,
      refreshFailureCount: 0,
      lastRefreshError: null,
      revokedAt: null,
    });
  });

  it('after connecting shows the Zoom identity, scopes and expiry but never a token', async () => {
    const user = await connected('status');
    const reply = await fx.client.get(STATUS, { jwt: user.jwt });
    expect(reply.body).toMatchObject({
      connected: true,
      status: 'active',
      zoomEmail: user.zoomEmail,
      zoomUserId: anyString(),
      zoomAccountId: anyString(),
      grantedScopes: containing(['user:read', 'meeting:read']),
      accessTokenExpiresAt: anyString(),
      authorizedAt: anyString(),
    });
    const row = await fx.stack.service.store.connections.getWithTokens(user.userId);
    expect(row?.tokens?.accessToken).toMatch(JWT_LIKE);
    expect(reply.text).not.toContain(row?.tokens?.accessToken);
    expect(reply.text).not.toContain(row?.tokens?.refreshToken);
    expect(reply.text).not.toMatch(JWT_LIKE);
    expect(Object.keys(reply.body).sort()).toEqual(STATUS_FIELDS);
  });
});

describe('profile', () => {
  it('returns the connected Zoom user (/users/me)', async () => {
    const user = await connected('profile');
    const reply = await fx.client.get(PROFILE, { jwt: user.jwt });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({
      id: user.status.zoomUserId,
      email: user.zoomEmail,
      account_id: user.status.zoomAccountId,
      type: anyNumber(),
      timezone: anyString(),
    });
  });

  it('is typed as JSON like every other answer (Zoom\'s own text passed through still says application/json)', async () => {
    const user = await connected('profile-type');
    const profile = await fx.client.get(PROFILE, { jwt: user.jwt });
    const meetings = await fx.client.get(MEETINGS, { jwt: user.jwt });
    expect([profile.status, meetings.status]).toEqual([200, 200]);
    expect(profile.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(meetings.headers.get('content-type')).toBe('application/json; charset=utf-8');
  });
});

describe('meetings', () => {
  it('passes type and page_size through to Zoom', async () => {
    const user = await connected('mtg-type');
    const list = async (type: string): Promise<MeetingPage> =>
      (await fx.client.get<MeetingPage>(MEETINGS, { jwt: user.jwt, query: { type, page_size: '2' } })).body;
    const scheduled = await list('scheduled');
    expect(scheduled).toMatchObject({ page_size: 2, total_records: 4 });
    expect(scheduled.meetings).toHaveLength(2);
    expect(scheduled.next_page_token).not.toBe('');
    expect(await list('previous_meetings')).toMatchObject({ total_records: 1, next_page_token: '' });
    expect(await list('upcoming')).toMatchObject({ total_records: 3 });
  });

  it('paging with next_page_token visits every meeting exactly once', async () => {
    // Ava, seeded with 45 scheduled meetings; no other test in this file touches her.
    const user = await connect(fx.client, fx.stack, uniqueUser('mtg-paging').userId, 'ava.thompson@example.com');
    const seen: number[] = [];
    let token = '';
    let pages = 0;
    do {
      const query: Record<string, string> = { page_size: '10' };
      if (token) query.next_page_token = token;
      const page = await fx.client.get<MeetingPage>(MEETINGS, { jwt: user.jwt, query });
      expect(page.status).toBe(200);
      expect(page.body.total_records).toBe(45);
      seen.push(...page.body.meetings.map((m) => m.id));
      token = page.body.next_page_token;
      pages += 1;
    } while (token && pages < 20);
    expect(pages).toBe(5);
    expect(seen).toHaveLength(45);
    expect(new Set(seen).size).toBe(45);
  });

  it('refuses a next_page_token that is not Zoom-shaped with 400 validation_failed', async () => {
    const user = await connected('mtg-token');
    const reply = await fx.client.get(MEETINGS, { jwt: user.jwt, query: { next_page_token: 'a b"c' } });
    expectProblem(reply, 400, 'validation_failed');
  });

  it.each([
    ['an unknown type', { type: 'everything' }],
    ['page_size 0', { page_size: '0' }],
    ['page_size 301', { page_size: '301' }],
    ['a non-numeric page_size', { page_size: 'ten' }],
    ['an unknown parameter', { user_id: 'someone-else' }],
  ])('refuses %s with 400 validation_failed without calling Zoom', async (_label, query) => {
    const user = await connected('mtg-bad');
    const before = await apiCalls('GET /v2/users/{userId}/meetings');
    expectProblem(await fx.client.get(MEETINGS, { jwt: user.jwt, query }), 400, 'validation_failed');
    expect(await apiCalls('GET /v2/users/{userId}/meetings')).toBe(before);
  });

  it('POST creates a meeting (201) that then appears in the list', async () => {
    const user = await connected('mtg-create');
    const reply = await fx.client.post(MEETINGS, {
      jwt: user.jwt,
      json: {
        topic: 'Patient consultation',
        type: 2,
        start_time: '2031-03-10T15:00:00Z',
        duration: 45,
        timezone: 'Europe/Madrid',
        agenda: 'Follow-up',
        password: 'abc123',
        settings: { waiting_room: true, join_before_host: false },
      },
    });
    expect(reply.status).toBe(201);
    expect(reply.body).toMatchObject({
      id: anyNumber(),
      topic: 'Patient consultation',
      start_time: '2031-03-10T15:00:00Z',
      duration: 45,
      timezone: 'Europe/Madrid',
      password: 'abc123',
      join_url: anyString(),
      host_id: user.status.zoomUserId,
    });
    const list = await fx.client.get<MeetingPage>(MEETINGS, { jwt: user.jwt, query: { page_size: '300' } });
    expect(list.body.meetings.map((m) => m.id)).toContain(reply.body.id);
  });

  it('POST with invalid fields is 400 validation_failed naming the fields, and Zoom is not called', async () => {
    const user = await connected('mtg-invalid');
    const before = await apiCalls('POST /v2/users/{userId}/meetings');
    const missing = expectProblem(await fx.client.post(MEETINGS, { jwt: user.jwt, json: { agenda: 'no topic' } }), 400, 'validation_failed');
    expect(missing.errors?.map((e) => e.field)).toEqual(containing(['topic']));

    const cases: Array<[Json, string]> = [
      [{ topic: 'x', start_time: '2031-01-01T10:00:00Z', duration: 0 }, 'duration'],
      [{ topic: 'x', start_time: 'next tuesday', duration: 30 }, 'start_time'],
      [{ topic: 'x', start_time: '2031-01-01T10:00:00Z', duration: 30, type: 5 }, 'type'],
      [{ topic: 'x', start_time: '2031-01-01T10:00:00Z', duration: 30, password: 'way-too-long-passcode' }, 'password'],
      [{ topic: 'x', start_time: '2031-01-01T10:00:00Z', duration: 30, host_email: 'someone@else.test' }, 'host_email'],
    ];
    for (const [json, field] of cases) {
      const p = expectProblem(await fx.client.post(MEETINGS, { jwt: user.jwt, json }), 400, 'validation_failed');
      expect(p.errors?.map((e) => e.field), JSON.stringify(json)).toContain(field);
    }
    expect(await apiCalls('POST /v2/users/{userId}/meetings')).toBe(before);
  });

  it('POST that Zoom itself refuses is 400 zoom_rejected_request with Zoom\'s field errors', async () => {
    const user = await connected('mtg-zoomrejects');
    const reply = await fx.client.post(MEETINGS, {
      jwt: user.jwt,
      json: { topic: 'x', start_time: '2031-01-01T10:00:00Z', duration: 30, timezone: 'Mars/Olympus_Mons' },
    });
    const p = expectProblem(reply, 400, 'zoom_rejected_request');
    expect(p.errors?.map((e) => e.field)).toContain('timezone');
  });

  it('POST with a non-JSON body is refused (415 unsupported_media_type); malformed JSON is 400 validation_failed', async () => {
    const user = await connected('mtg-media');
    expectProblem(
      await fx.client.post(MEETINGS, { jwt: user.jwt, body: 'topic=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
      415,
      'unsupported_media_type',
    );
    expectProblem(
      await fx.client.post(MEETINGS, { jwt: user.jwt, body: '{"topic":', headers: { 'content-type': 'application/json' } }),
      400,
      'validation_failed',
    );
  });
});

describe('recordings', () => {
  it('lists the recordings between from and to', async () => {
    const user = await connected('rec-ok');
    const reply = await fx.client.get<{ from: string; to: string; total_records: number; meetings: Json[] }>(RECORDINGS, {
      jwt: user.jwt,
      query: { from: day(-20), to: day(0), page_size: '1' },
    });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ from: day(-20), to: day(0), total_records: 2, page_size: 1 });
    expect(reply.body.meetings).toHaveLength(1);
    expect(reply.body.meetings[0]).toMatchObject({ host_id: user.status.zoomUserId, recording_files: anyArray() });
  });

  it('refuses a range of more than one month with 400 validation_failed on `to`, without calling Zoom', async () => {
    const user = await connected('rec-range');
    const before = await apiCalls('GET /v2/users/{userId}/recordings');
    const p = expectProblem(await fx.client.get(RECORDINGS, { jwt: user.jwt, query: { from: '2025-01-01', to: '2025-02-02' } }), 400, 'validation_failed');
    expect(p.errors).toEqual([{ field: 'to', message: anyString() }]);
    expect(await apiCalls('GET /v2/users/{userId}/recordings')).toBe(before);
    // Exactly one month is Zoom's limit and allowed.
    expect((await fx.client.get(RECORDINGS, { jwt: user.jwt, query: { from: '2025-01-01', to: '2025-02-01' } })).status).toBe(200);
  });

  it.each([
    ['31 Jan to 28 Feb is allowed', '2025-01-31', '2025-02-28', true],
    ['31 Jan to 1 Mar is refused', '2025-01-31', '2025-03-01', false],
    ['31 Jan to 29 Feb in a leap year is allowed', '2024-01-31', '2024-02-29', true],
    ['31 Jan to 1 Mar in a leap year is refused', '2024-01-31', '2024-03-01', false],
    ['30 Jan to 1 Mar is refused', '2025-01-30', '2025-03-01', false],
    ['31 Mar to 30 Apr is allowed', '2025-03-31', '2025-04-30', true],
    ['31 Mar to 1 May is refused', '2025-03-31', '2025-05-01', false],
    ['31 Dec to 31 Jan across the year is allowed', '2024-12-31', '2025-01-31', true],
    ['a two-digit year is not read as 19xx: 0050 to 1950 is refused', '0050-01-01', '1950-01-15', false],
  ])('counts a month from a month end to the next month\'s last day at most: %s', async (_label, from, to, allowed) => {
    const user = await connected('rec-month-end');
    const before = await apiCalls('GET /v2/users/{userId}/recordings');
    const reply = await fx.client.get(RECORDINGS, { jwt: user.jwt, query: { from, to } });
    if (allowed) {
      expect(reply.status).toBe(200);
      return;
    }
    // Refused here, before Zoom refuses it.
    expect(expectProblem(reply, 400, 'validation_failed').errors?.map((e) => e.field)).toEqual(['to']);
    expect(await apiCalls('GET /v2/users/{userId}/recordings')).toBe(before);
  });

  it.each([
    ['a date that does not exist', { from: '2025-02-30', to: '2025-03-05' }, 'from'],
    ['a date in another format', { from: '01/02/2025' }, 'from'],
    ['`to` before `from`', { from: '2025-03-05', to: '2025-03-01' }, 'to'],
    ['an impossible `to`', { from: '2025-03-01', to: '2025-13-01' }, 'to'],
  ])('refuses %s with 400 validation_failed', async (_label, query, field) => {
    const user = await connected('rec-bad');
    const p = expectProblem(await fx.client.get(RECORDINGS, { jwt: user.jwt, query }), 400, 'validation_failed');
    expect(p.errors?.map((e) => e.field)).toContain(field);
  });
});

describe('refresh', () => {
  it('gets a new access token now: later expiry, one refresh_token grant at Zoom, and the new token works', async () => {
    const user = await connected('refresh');
    const before = await fx.stack.service.store.connections.getWithTokens(user.userId);
    const grantsBefore = (await fx.zoom.stats()).tokenRequests.refresh_token ?? 0;
    fx.stack.clock.advance(30_000);

    const reply = await fx.client.post(REFRESH, { jwt: user.jwt });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ connected: true, status: 'active', lastRefreshedAt: anyString() });
    expect(Date.parse(reply.body.accessTokenExpiresAt as string)).toBeGreaterThan(Date.parse(user.status.accessTokenExpiresAt as string));
    expect(reply.text).not.toMatch(JWT_LIKE);
    expect((await fx.zoom.stats()).tokenRequests.refresh_token).toBe(grantsBefore + 1);

    const after = await fx.stack.service.store.connections.getWithTokens(user.userId);
    expect(after?.tokens?.accessToken).not.toBe(before?.tokens?.accessToken);
    expect(after?.tokens?.refreshToken).not.toBe(before?.tokens?.refreshToken);
    expect((await fx.client.get(PROFILE, { jwt: user.jwt })).status).toBe(200);
  });

  it('called five times at once never races at Zoom: no invalid_grant, and the connection stays active with a working refresh token', async () => {
    // Zoom rotates refresh tokens: two refreshes racing with one token would lose the grant.
    const user = await connected('refresh-burst');
    const before = await fx.zoom.stats();
    const replies = await Promise.all([1, 2, 3, 4, 5].map(() => fx.client.post(REFRESH, { jwt: user.jwt })));
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    const after = await fx.zoom.stats();
    expect(after.invalidGrant).toBe(before.invalidGrant);
    const grants = (after.tokenRequests.refresh_token ?? 0) - (before.tokenRequests.refresh_token ?? 0);
    expect(grants).toBeGreaterThanOrEqual(1);
    expect(grants).toBeLessThanOrEqual(5);
    expect((await fx.client.get(STATUS, { jwt: user.jwt })).body).toMatchObject({ status: 'active', refreshFailureCount: 0 });
    expect((await fx.client.post(REFRESH, { jwt: user.jwt })).status).toBe(200);
    expect((await fx.client.get(PROFILE, { jwt: user.jwt })).status).toBe(200);
  });

  it('happens once, transparently, when Zoom expired the access token early (401 code 124)', async () => {
    const user = await connected('refresh-124');
    expect(await fx.zoom.expire(user.zoomEmail)).toBeGreaterThan(0);
    const grantsBefore = (await fx.zoom.stats()).tokenRequests.refresh_token ?? 0;
    const reply = await fx.client.post(MEETINGS, { jwt: user.jwt, json: { topic: 'After expiry', start_time: '2031-02-02T09:00:00Z', duration: 15 } });
    expect(reply.status).toBe(201);
    expect((await fx.zoom.stats()).tokenRequests.refresh_token).toBe(grantsBefore + 1);
    expect((await fx.client.get(PROFILE, { jwt: user.jwt })).status).toBe(200);
    expect((await fx.zoom.stats()).tokenRequests.refresh_token).toBe(grantsBefore + 1);
  });

  it('before any connect is 409 not_connected', async () => {
    const jwt = await fx.stack.signIn(uniqueUser('refresh-none').userId);
    expectProblem(await fx.client.post(REFRESH, { jwt }), 409, 'not_connected');
  });
});

describe('revoke', () => {
  it('revokes at Zoom, wipes the tokens and marks the connection revoked; Zoom calls are then 409 not_connected', async () => {
    const user = await connected('revoke');
    const revocationsBefore = (await fx.zoom.stats()).revocations;

    const reply = await fx.client.post(REVOKE, { jwt: user.jwt });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ connected: false, status: 'revoked', revokedAtZoom: true, revokedAt: anyString() });
    expect((await fx.zoom.stats()).revocations).toBe(revocationsBefore + 1);
    expect((await fx.stack.service.store.connections.getWithTokens(user.userId))?.tokens).toBeNull();
    expect((await fx.client.get(STATUS, { jwt: user.jwt })).body).toMatchObject({ connected: false, status: 'revoked' });

    expectProblem(await fx.client.get(PROFILE, { jwt: user.jwt }), 409, 'not_connected');
    expectProblem(await fx.client.get(MEETINGS, { jwt: user.jwt }), 409, 'not_connected');
    expectProblem(await fx.client.post(REFRESH, { jwt: user.jwt }), 409, 'not_connected');
  });

  it('is idempotent: a second revoke answers the same status and does not call Zoom again', async () => {
    const user = await connected('revoke-twice');
    const first = await fx.client.post(REVOKE, { jwt: user.jwt });
    const revocations = (await fx.zoom.stats()).revocations;
    const second = await fx.client.post(REVOKE, { jwt: user.jwt });
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ connected: false, status: 'revoked', revokedAt: first.body.revokedAt, revokedAtZoom: false });
    expect((await fx.zoom.stats()).revocations).toBe(revocations);
  });

  it('while Zoom\'s token endpoint is down still wipes the tokens: 200 with revokedAtZoom:false, and the status is then revoked', async () => {
    const user = await connected('revoke-zoom-down');
    await fx.zoom.faults({ tokenEndpointDown: true });
    let reply;
    try {
      reply = await fx.client.post(REVOKE, { jwt: user.jwt });
    } finally {
      await fx.zoom.faults({});
    }
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ connected: false, status: 'revoked', revokedAtZoom: false, revokedAt: anyString() });
    expect((await fx.stack.service.store.connections.getWithTokens(user.userId))?.tokens).toBeNull();
    expect((await fx.client.get(STATUS, { jwt: user.jwt })).body).toMatchObject({ connected: false, status: 'revoked' });
    expectProblem(await fx.client.get(PROFILE, { jwt: user.jwt }), 409, 'not_connected');
  });

  it('works as the demo page sends it: same-origin, bearer token, no body', async () => {
    const user = await connected('revoke-demo-page');
    const reply = await fx.client.post(REVOKE, { jwt: user.jwt, headers: { 'sec-fetch-site': 'same-origin', 'sec-fetch-mode': 'cors', accept: 'application/json' } });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ status: 'revoked', revokedAtZoom: true });
  });

  it('is refused cross-site (403 cross_site_request) or with a form-encodable body (415), leaving the connection active', async () => {
    const user = await connected('revoke-forged');
    expectProblem(await fx.client.post(REVOKE, { jwt: user.jwt, headers: { 'sec-fetch-site': 'cross-site' } }), 403, 'cross_site_request');
    expectProblem(await fx.client.post(REVOKE, { jwt: user.jwt, headers: { 'content-type': 'text/plain' }, body: '{}' }), 415, 'unsupported_media_type');
    expect((await fx.client.get(STATUS, { jwt: user.jwt })).body).toMatchObject({ status: 'active' });
  });

  it('before any connect answers not_connected without calling Zoom', async () => {
    const jwt = await fx.stack.signIn(uniqueUser('revoke-none').userId);
    const revocations = (await fx.zoom.stats()).revocations;
    const reply = await fx.client.post(REVOKE, { jwt });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ connected: false, status: 'not_connected', revokedAtZoom: false });
    expect((await fx.zoom.stats()).revocations).toBe(revocations);
  });
});

describe('automatic refresh', () => {
  // Last in the file: it moves the service's clock most of an hour forward.
  it('a call with under 5 minutes of token life left refreshes first, once', async () => {
    const user = await connected('auto');
    fx.stack.clock.advance(56 * 60_000);
    const grantsBefore = (await fx.zoom.stats()).tokenRequests.refresh_token ?? 0;
    expect((await fx.client.get(PROFILE, { jwt: user.jwt })).status).toBe(200);
    expect((await fx.client.get(PROFILE, { jwt: user.jwt })).status).toBe(200);
    expect((await fx.zoom.stats()).tokenRequests.refresh_token).toBe(grantsBefore + 1);
    const status = await fx.client.get(STATUS, { jwt: user.jwt });
    expect(Date.parse(status.body.accessTokenExpiresAt as string)).toBeGreaterThan(fx.stack.clock.now().getTime() + 50 * 60_000);
  });
});
