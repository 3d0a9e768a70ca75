import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { api, AVA, CLIENT, connect, control, isoDate, MATEO, REDIRECT_URI, type Tokens } from './helpers.js';

const USER_FIELDS = [
  'id', 'first_name', 'last_name', 'display_name', 'email', 'type', 'role_name', 'pmi', 'use_pmi', 'personal_meeting_url', 'timezone',
  'verified', 'dept', 'created_at', 'last_login_time', 'pic_url', 'language', 'status', 'account_id', 'account_number', 'cluster', 'user_created_at',
];

const LONG_EMAIL = `${'a'.repeat(110)}@${'b'.repeat(60)}.example.com`;

describe('API /v2', () => {
  let emulator: RunningEmulator;
  let tokens: Tokens;

  beforeAll(async () => {
    emulator = await startEmulator({
      clients: [
        CLIENT,
        { clientId: 'granular', clientSecret: 'granular-secret', redirectUris: [REDIRECT_URI], scopes: ['user:read:user', 'meeting:read:list_meetings'] },
        { clientId: 'reader', clientSecret: 'reader-secret', redirectUris: [REDIRECT_URI], scopes: ['user:read', 'meeting:read'] },
      ],
    });
  });
  afterAll(async () => {
    await emulator.close();
  });
  beforeEach(async () => {
    await control(emulator.url, 'reset');
    tokens = await connect(emulator.url);
  });

  describe('authentication', () => {
    it('GET /users/me returns every field Zoom documents', async () => {
      const me = await api(emulator.url, '/v2/users/me', tokens.access_token);
      expect(me.status).toBe(200);
      expect(Object.keys(me.body)).toEqual(expect.arrayContaining(USER_FIELDS));
      expect(me.body).toMatchObject({ id: AVA.id, email: AVA.email, status: 'active', type: 2 });
    });

    it('a missing Authorization header gets 401 code 124 with a tracking id', async () => {
      const response = await api(emulator.url, '/v2/users/me', undefined);
      expect(response.status).toBe(401);
      expect(response.body).toEqual({ code: 124, message: 'Invalid access token.' });
      expect(response.headers.get('x-zm-trackingid')).toMatch(/^v=2\.0;clid=\w+;rid=WEB_[0-9a-f]{32}$/);
    });

    it('an access token in the query string is not accepted', async () => {
      const response = await api(emulator.url, `/v2/users/me?access_token=${tokens.access_token}`, undefined);
      expect(response.status).toBe(401);
      expect(response.body['code']).toBe(124);
    });

    it('an unknown token gets 401 "Invalid access token."', async () => {
      const response = await api(emulator.url, '/v2/users/me', 'a.b.c');
      expect(response.status).toBe(401);
      expect(response.body).toEqual({ code: 124, message: 'Invalid access token.' });
    });

    it('a successful answer carries the X-RateLimit headers of its endpoint\'s category', async () => {
      const me = await api(emulator.url, '/v2/users/me', tokens.access_token);
      const meetings = await api(emulator.url, '/v2/users/me/meetings', tokens.access_token);
      expect([me.headers.get('x-ratelimit-category'), me.headers.get('x-ratelimit-type'), me.headers.get('x-ratelimit-limit')]).toEqual(['Light', 'QPS', '30']);
      expect([meetings.headers.get('x-ratelimit-category'), meetings.headers.get('x-ratelimit-limit')]).toEqual(['Medium', '20']);
      const remaining = Number(meetings.headers.get('x-ratelimit-remaining'));
      expect(remaining).toBeGreaterThanOrEqual(0);
      expect(remaining).toBeLessThan(20);
    });

    it('every error response carries a fresh x-zm-trackingid', async () => {
      const first = await api(emulator.url, '/v2/nowhere', tokens.access_token);
      const second = await api(emulator.url, '/v2/nowhere', tokens.access_token);
      expect(first.status).toBe(404);
      expect(first.body['code']).toBe(404);
      expect(first.headers.get('x-zm-trackingid')).toBeTruthy();
      expect(first.headers.get('x-zm-trackingid')).not.toBe(second.headers.get('x-zm-trackingid'));
    });
  });

  describe('scopes', () => {
    const granular = { clientId: 'granular', clientSecret: 'granular-secret', redirectUris: [REDIRECT_URI] };

    it('a token lacking an endpoint\'s scope gets 400 code 4711 naming the missing scopes', async () => {
      const limited = await connect(emulator.url, { client: granular });
      expect(limited.scope).toBe('user:read:user meeting:read:list_meetings');
      const recordings = await api(emulator.url, '/v2/users/me/recordings', limited.access_token);
      expect(recordings.status).toBe(400);
      expect(recordings.body['code']).toBe(4711);
      expect(recordings.body['message']).toBe(
        'Invalid access token, does not contain scopes:[cloud_recording:read:list_user_recordings, cloud_recording:read:list_user_recordings:admin].',
      );
      const create = await api(emulator.url, '/v2/users/me/meetings', limited.access_token, { method: 'POST', body: '{}' });
      expect(create.body['code']).toBe(4711);
    });

    it('granular scopes open their endpoints', async () => {
      const limited = await connect(emulator.url, { client: granular });
      expect((await api(emulator.url, '/v2/users/me', limited.access_token)).status).toBe(200);
      expect((await api(emulator.url, '/v2/users/me/meetings', limited.access_token)).status).toBe(200);
    });

    it('a token with only meeting:read cannot create a meeting (4711), and nothing is created', async () => {
      const reader = await connect(emulator.url, { client: { clientId: 'reader', clientSecret: 'reader-secret', redirectUris: [REDIRECT_URI] } });
      expect(reader.scope).toBe('user:read meeting:read');
      const count = async () => (await api(emulator.url, '/v2/users/me/meetings?page_size=300', reader.access_token)).body['total_records'];
      const before = await count();
      const create = await api(emulator.url, '/v2/users/me/meetings', reader.access_token, {
        method: 'POST',
        body: JSON.stringify({ topic: 'Not allowed', start_time: '2031-01-01T10:00:00Z' }),
      });
      expect(create.status).toBe(400);
      expect(create.body).toEqual({
        code: 4711,
        message: 'Invalid access token, does not contain scopes:[meeting:write:meeting, meeting:write:meeting:admin].',
      });
      expect(await count()).toBe(before);
    });

    it('classic scopes cover the granular ones', async () => {
      expect(tokens.scope.split(' ')).toContain('meeting:read');
      expect((await api(emulator.url, '/v2/users/me/meetings', tokens.access_token)).status).toBe(200);
      expect((await api(emulator.url, '/v2/users/me/recordings', tokens.access_token)).status).toBe(200);
    });
  });

  describe('meetings', () => {
    it('another user\'s meetings are not reachable (404 code 1001)', async () => {
      const response = await api(emulator.url, `/v2/users/${MATEO.id}/meetings`, tokens.access_token);
      expect(response.status).toBe(404);
      expect(response.body['code']).toBe(1001);
    });

    it('the caller may name themselves by id or email instead of me', async () => {
      expect((await api(emulator.url, `/v2/users/${AVA.id}/meetings`, tokens.access_token)).status).toBe(200);
      expect((await api(emulator.url, `/v2/users/${encodeURIComponent(AVA.email)}/meetings`, tokens.access_token)).status).toBe(200);
    });

    it('a long email as the user id (over Fastify\'s 100-character default) is looked up, not refused as too long', async () => {
      const tokens = await connect(emulator.url, { user: LONG_EMAIL });
      const res = await api(emulator.url, `/v2/users/${encodeURIComponent(LONG_EMAIL)}/meetings`, tokens.access_token);
      expect(res.status).toBe(200);
    });

    it('pagination visits every scheduled meeting exactly once and ends with an empty token', async () => {
      const seen: number[] = [];
      let token = '';
      let pages = 0;
      const totals = new Set<number>();
      do {
        const query = new URLSearchParams({ page_size: '7', ...(token ? { next_page_token: token } : {}) });
        const page = await api(emulator.url, `/v2/users/me/meetings?${query.toString()}`, tokens.access_token);
        expect(page.status).toBe(200);
        const meetings = page.body['meetings'] as Array<{ id: number }>;
        expect(meetings.length).toBeLessThanOrEqual(7);
        seen.push(...meetings.map((meeting) => meeting.id));
        totals.add(page.body['total_records'] as number);
        token = page.body['next_page_token'] as string;
        pages += 1;
      } while (token !== '' && pages < 50);
      expect([...totals]).toEqual([45]);
      expect(pages).toBe(7);
      expect(seen).toHaveLength(45);
      expect(new Set(seen).size).toBe(45);
    });

    it('a meeting created mid-walk neither shifts nor repeats a page', async () => {
      const first = await api(emulator.url, '/v2/users/me/meetings?page_size=20', tokens.access_token);
      await api(emulator.url, '/v2/users/me/meetings', tokens.access_token, {
        method: 'POST',
        body: JSON.stringify({ topic: 'Early bird', start_time: '2000-01-01T00:00:00Z' }),
      });
      const token = String(first.body['next_page_token']);
      const rest = await api(emulator.url, `/v2/users/me/meetings?page_size=30&next_page_token=${token}`, tokens.access_token);
      const ids = [...(first.body['meetings'] as Array<{ id: number }>), ...(rest.body['meetings'] as Array<{ id: number }>)].map((m) => m.id);
      expect(ids).toHaveLength(45);
      expect(new Set(ids).size).toBe(45);
    });

    it('page_size defaults to 30 and is capped at 300', async () => {
      const defaulted = await api(emulator.url, '/v2/users/me/meetings', tokens.access_token);
      expect(defaulted.body['page_size']).toBe(30);
      expect(defaulted.body['meetings']).toHaveLength(30);
      const capped = await api(emulator.url, '/v2/users/me/meetings?page_size=1000', tokens.access_token);
      expect(capped.status).toBe(200);
      expect(capped.body['page_size']).toBe(300);
      expect(capped.body['meetings']).toHaveLength(45);
      expect(capped.body['next_page_token']).toBe('');
    });

    it('a malformed page_size is a validation failure', async () => {
      const response = await api(emulator.url, '/v2/users/me/meetings?page_size=ten', tokens.access_token);
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ code: 300, message: 'Validation Failed.', errors: [{ field: 'page_size', message: 'Invalid field.' }] });
    });

    it('an invalid next_page_token gets 400 code 300', async () => {
      const response = await api(emulator.url, '/v2/users/me/meetings?next_page_token=bogus', tokens.access_token);
      expect(response.status).toBe(400);
      expect(response.body).toEqual({ code: 300, message: 'Invalid next_page_token' });
    });

    it('a next_page_token only continues the query that made it', async () => {
      const page = await api(emulator.url, '/v2/users/me/meetings?page_size=5', tokens.access_token);
      const token = String(page.body['next_page_token']);
      const other = await api(emulator.url, `/v2/users/me/meetings?type=upcoming&next_page_token=${token}`, tokens.access_token);
      expect(other.status).toBe(400);
    });

    it('list types split live, upcoming and previous meetings', async () => {
      const now = Date.now();
      const list = async (type: string) =>
        (await api(emulator.url, `/v2/users/me/meetings?type=${type}&page_size=300`, tokens.access_token)).body['meetings'] as Array<{ start_time: string; type: number }>;
      const live = await list('live');
      const upcoming = await list('upcoming');
      const previous = await list('previous_meetings');
      expect(live).toHaveLength(2);
      expect(upcoming.length).toBeGreaterThan(live.length);
      expect(upcoming.filter((m) => Date.parse(m.start_time) < now)).toHaveLength(live.length);
      expect(previous.length).toBeGreaterThan(0);
      expect(previous.every((m) => Date.parse(m.start_time) < now)).toBe(true);
      expect(await list('upcoming_meetings')).toHaveLength(upcoming.length);
      const bad = await api(emulator.url, '/v2/users/me/meetings?type=someday', tokens.access_token);
      expect(bad.status).toBe(400);
    });

    it('creating a meeting returns 201 with Zoom\'s fields and it then appears in the list', async () => {
      const created = await api(emulator.url, '/v2/users/me/meetings', tokens.access_token, {
        method: 'POST',
        body: JSON.stringify({
          topic: 'Appointment with Dr. Lee',
          type: 2,
          start_time: '2031-03-04T09:30:00',
          duration: 30,
          timezone: 'Europe/Berlin',
          agenda: 'Follow-up',
          password: 'abc123',
          settings: { waiting_room: false },
        }),
      });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        host_id: AVA.id,
        topic: 'Appointment with Dr. Lee',
        type: 2,
        start_time: '2031-03-04T08:30:00Z',
        duration: 30,
        timezone: 'Europe/Berlin',
        agenda: 'Follow-up',
        password: 'abc123',
        settings: { waiting_room: false },
      });
      expect(typeof created.body['id']).toBe('number');
      for (const field of ['uuid', 'created_at', 'join_url', 'start_url']) expect(typeof created.body[field]).toBe('string');
      const settings = created.body['settings'] as Record<string, unknown>;
      for (const field of ['jbh_time', 'encryption_type', 'breakout_room', 'continuous_meeting_chat', 'alternative_hosts', 'global_dial_in_numbers', 'email_notification']) {
        expect(settings).toHaveProperty(field);
      }
      expect(Object.keys(settings).length).toBeGreaterThanOrEqual(45);
      const all = await api(emulator.url, '/v2/users/me/meetings?page_size=300', tokens.access_token);
      expect((all.body['meetings'] as Array<{ id: number }>).map((m) => m.id)).toContain(created.body['id']);
    });

    it('an invalid meeting body gets 400 code 300 listing each bad field', async () => {
      const response = await api(emulator.url, '/v2/users/me/meetings', tokens.access_token, {
        method: 'POST',
        body: JSON.stringify({
          topic: 'x'.repeat(201),
          type: 4,
          start_time: 'tomorrow',
          duration: -5,
          timezone: 'Mars/Olympus',
          agenda: 'y'.repeat(2001),
          password: 'elevenchars',
        }),
      });
      expect(response.status).toBe(400);
      expect(response.body['code']).toBe(300);
      expect(response.body['message']).toBe('Validation Failed.');
      const fields = (response.body['errors'] as Array<{ field: string; message: string }>).map((e) => e.field).sort();
      expect(fields).toEqual(['agenda', 'duration', 'password', 'start_time', 'timezone', 'topic', 'type']);
    });

    it('an impossible calendar date is rejected', async () => {
      const response = await api(emulator.url, '/v2/users/me/meetings', tokens.access_token, {
        method: 'POST',
        body: JSON.stringify({ start_time: '2031-02-30T10:00:00Z' }),
      });
      expect(response.status).toBe(400);
      expect(response.body['errors']).toEqual([{ field: 'start_time', message: 'Invalid field.' }]);
    });

    it('a start_time before 1970 is rejected rather than read as another century', async () => {
      for (const startTime of ['0000-01-01T00:00:00Z', '0099-12-31T23:00:00Z', '1969-12-31T23:59:59Z']) {
        const response = await api(emulator.url, '/v2/users/me/meetings', tokens.access_token, { method: 'POST', body: JSON.stringify({ start_time: startTime }) });
        expect(response.status, startTime).toBe(400);
        expect(response.body['errors']).toEqual([{ field: 'start_time', message: 'Invalid field.' }]);
      }
    });

    it('a UTC offset beyond ±14:00 is rejected; one within it is applied', async () => {
      for (const startTime of ['2031-01-01T10:00:00+99:99', '2031-01-01T10:00:00+14:01', '2031-01-01T10:00:00-15:00', '2031-01-01T10:00:00+05:60']) {
        const response = await api(emulator.url, '/v2/users/me/meetings', tokens.access_token, { method: 'POST', body: JSON.stringify({ start_time: startTime }) });
        expect(response.status, startTime).toBe(400);
        expect(response.body['errors']).toEqual([{ field: 'start_time', message: 'Invalid field.' }]);
      }
      const farEast = await api(emulator.url, '/v2/users/me/meetings', tokens.access_token, { method: 'POST', body: JSON.stringify({ start_time: '2031-01-01T10:00:00+14:00' }) });
      expect(farEast.status).toBe(201);
      expect(farEast.body['start_time']).toBe('2030-12-31T20:00:00Z');
      const west = await api(emulator.url, '/v2/users/me/meetings', tokens.access_token, { method: 'POST', body: JSON.stringify({ start_time: '2031-01-01T10:00:00-09:30' }) });
      expect(west.body['start_time']).toBe('2031-01-01T19:30:00Z');
    });
  });

  describe('recordings', () => {
    it('defaults to yesterday..today and returns Zoom\'s shape', async () => {
      const response = await api(emulator.url, '/v2/users/me/recordings', tokens.access_token);
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ from: isoDate(-1), to: isoDate(0), page_size: 30, next_page_token: '' });
    });

    it('lists recordings with their files across a month, newest first', async () => {
      const response = await api(emulator.url, `/v2/users/me/recordings?from=${isoDate(-30)}&to=${isoDate(0)}`, tokens.access_token);
      expect(response.status).toBe(200);
      const meetings = response.body['meetings'] as Array<Record<string, unknown>>;
      expect(meetings.length).toBeGreaterThan(5);
      const starts = meetings.map((m) => Date.parse(String(m['start_time'])));
      expect([...starts].sort((a, b) => b - a)).toEqual(starts);
      const first = meetings[0] ?? {};
      for (const field of ['uuid', 'id', 'account_id', 'host_id', 'topic', 'start_time', 'duration', 'total_size', 'recording_count', 'share_url']) {
        expect(first).toHaveProperty(field);
      }
      const files = first['recording_files'] as Array<Record<string, unknown>>;
      expect(files.length).toBe(first['recording_count']);
      for (const field of ['id', 'meeting_id', 'recording_start', 'recording_end', 'file_type', 'file_extension', 'file_size', 'download_url', 'status', 'recording_type']) {
        expect(files[0]).toHaveProperty(field);
      }
    });

    it('recordings carry the host\'s timezone and a recording_play_passcode, and files UUID-style ids', async () => {
      const response = await api(emulator.url, `/v2/users/me/recordings?from=${isoDate(-30)}&to=${isoDate(0)}`, tokens.access_token);
      const meetings = response.body['meetings'] as Array<{ timezone: string; recording_play_passcode: string; recording_files: Array<{ id: string }> }>;
      for (const meeting of meetings) {
        expect(meeting.timezone).toBe('America/New_York');
        expect(meeting.recording_play_passcode).toMatch(/^[A-Za-z0-9_-]{32}$/);
        for (const file of meeting.recording_files) expect(file.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      }
    });

    it('a range longer than one month gets 400 code 300', async () => {
      const response = await api(emulator.url, `/v2/users/me/recordings?from=2025-01-01&to=2025-02-02`, tokens.access_token);
      expect(response.status).toBe(400);
      expect(response.body['code']).toBe(300);
      const exactlyOneMonth = await api(emulator.url, `/v2/users/me/recordings?from=2025-01-31&to=2025-02-28`, tokens.access_token);
      expect(exactlyOneMonth.status).toBe(200);
    });

    it('a year before 1970 is refused, so a two-digit-year range cannot slip past the one-month check', async () => {
      const response = await api(emulator.url, '/v2/users/me/recordings?from=0050-01-01&to=1950-01-15', tokens.access_token);
      expect(response.status).toBe(400);
      expect(response.body).toEqual({
        code: 300,
        message: 'Validation Failed.',
        errors: [
          { field: 'from', message: 'Invalid field.' },
          { field: 'to', message: 'Invalid field.' },
        ],
      });
      const earliest = await api(emulator.url, '/v2/users/me/recordings?from=1970-01-01&to=1970-02-01', tokens.access_token);
      expect(earliest.status).toBe(200);
    });

    it('the one-month check crosses a year end and a leap day', async () => {
      expect((await api(emulator.url, '/v2/users/me/recordings?from=2024-12-15&to=2025-01-15', tokens.access_token)).status).toBe(200);
      expect((await api(emulator.url, '/v2/users/me/recordings?from=2024-12-15&to=2025-01-16', tokens.access_token)).status).toBe(400);
      expect((await api(emulator.url, '/v2/users/me/recordings?from=2024-01-31&to=2024-02-29', tokens.access_token)).status).toBe(200);
      expect((await api(emulator.url, '/v2/users/me/recordings?from=2024-01-31&to=2024-03-01', tokens.access_token)).status).toBe(400);
    });

    it('malformed or reversed dates get 400 code 300', async () => {
      for (const query of ['from=2025-13-01&to=2025-12-01', 'from=yesterday', 'from=2025-03-10&to=2025-03-01']) {
        const response = await api(emulator.url, `/v2/users/me/recordings?${query}`, tokens.access_token);
        expect(response.status).toBe(400);
        expect(response.body['code']).toBe(300);
      }
    });

    it('pages through recordings without repeats', async () => {
      const from = isoDate(-30);
      const seen: string[] = [];
      const totals = new Set<number>();
      let token = '';
      do {
        const query = new URLSearchParams({ from, page_size: '3', ...(token ? { next_page_token: token } : {}) });
        const page = await api(emulator.url, `/v2/users/me/recordings?${query.toString()}`, tokens.access_token);
        seen.push(...(page.body['meetings'] as Array<{ uuid: string }>).map((m) => m.uuid));
        totals.add(page.body['total_records'] as number);
        token = page.body['next_page_token'] as string;
      } while (token !== '');
      const [total] = totals;
      expect(totals.size).toBe(1);
      expect(total).toBeGreaterThan(3);
      expect(seen).toHaveLength(total ?? -1);
      expect(new Set(seen).size).toBe(total);
    });
  });
});
