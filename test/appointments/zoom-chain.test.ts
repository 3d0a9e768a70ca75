import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqlStore } from '../../src/store/index.js';
import { EmulatorControl } from '../helpers/emulator-control.js';
import { connect, expectProblem, REVOKE } from '../helpers/http-client.js';
import { booking, startAppointmentStack, uniqueAppointment, ZoomAdmin, type AppointmentStack } from './helpers.js';

describe('the provider chain zoom_user, zoom_account, google_meet', () => {
  let s: AppointmentStack;
  let zoom: EmulatorControl;
  let admin: ZoomAdmin;
  beforeAll(async () => {
    s = await startAppointmentStack({ providers: 'zoom_user,zoom_account,google_meet', s2s: true });
    zoom = new EmulatorControl(s.stack.emulator.url);
    admin = new ZoomAdmin(s.stack.emulator.url);
  }, 60_000);
  afterAll(async () => s?.close());

  async function connectedHost(label: string): Promise<{ appointmentId: string; hostId: string; hostEmail: string; jwt: string }> {
    const a = uniqueAppointment(label);
    const connected = await connect(s.client, s.stack, a.hostId, a.hostEmail);
    return { ...a, jwt: connected.jwt };
  }

  async function markConnection(hostId: string, status: 'needs_reauth' | 'inactive'): Promise<void> {
    const store = s.stack.service.store;
    if (!(store instanceof SqlStore)) throw new Error('expected the SQL store');
    // What failed refreshes leave behind, written directly: a status, and an access token that has run out
    // (an inactive connection's still-valid token keeps serving).
    await store.db.query("UPDATE connections SET status = $2, access_token_expires_at = now() - interval '1 minute' WHERE user_id = $1", [hostId, status]);
  }

  it('the host\'s own Zoom serves a connected host, and its start link is fetched fresh', async () => {
    const h = await connectedHost('own');
    const created = await s.put(h.jwt, h.appointmentId, booking({ agenda: 'Bring the contract' }));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ provider: 'zoom_user', fallbackReason: null, topic: 'Intro call' });
    expect(created.text).not.toContain('start_url');
    const atZoom = await admin.meeting(String(created.body.meetingId));
    expect(atZoom.body).toMatchObject({ host_email: h.hostEmail, start_time: '2027-03-01T09:00:00Z', duration: 30 });
    const start = await s.startUrl(h.jwt, h.appointmentId);
    expect(start.status).toBe(200);
    expect(start.body.startUrl).toBe(atZoom.body.start_url);
    expect(start.headers.get('cache-control')).toBe('no-store');
  });

  it('a host who is not connected is served by the account, with the reason', async () => {
    const h = await connectedHost('account');
    expect((await s.client.post(REVOKE, { jwt: h.jwt })).status).toBe(200);
    const created = await s.put(h.jwt, h.appointmentId, booking());
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ provider: 'zoom_account', fallbackReason: 'zoom_user: not_connected' });
    expect((await admin.meeting(String(created.body.meetingId))).body).toMatchObject({ host_email: h.hostEmail });
  });

  it.each(['needs_reauth', 'inactive'] as const)('a connection that is %s falls through to the account', async (status) => {
    const h = await connectedHost(status);
    await markConnection(h.hostId, status);
    const created = await s.put(h.jwt, h.appointmentId, booking());
    expect(created.body).toMatchObject({ provider: 'zoom_account', fallbackReason: `zoom_user: ${status}` });
  });

  it('a host unknown to the account falls through to Google Meet, and /metrics counts why each provider was passed over', async () => {
    const series = async (): Promise<{ passedOver: number; googleServed: number }> => {
      const text = await (await fetch(`${s.stack.baseUrl}/metrics`)).text();
      const value = (pattern: RegExp): number => Number(pattern.exec(text)?.[1] ?? 0);
      return {
        passedOver: value(/^zoom_connect_appointment_provider_fallbacks_total\{provider="zoom_account",reason="host_unknown"\} (\d+)$/m),
        googleServed: value(/^zoom_connect_appointment_meetings_created_total\{provider="google_meet",outcome="created"\} (\d+)$/m),
      };
    };
    const before = await series();
    const a = uniqueAppointment('unknown');
    const jwt = await s.stack.signIn(a.hostId);
    const created = await s.put(jwt, a.appointmentId, booking({ hostEmail: a.hostEmail }));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ provider: 'google_meet', fallbackReason: 'zoom_user: not_connected; zoom_account: host_unknown' });
    expect(await series()).toEqual({ passedOver: before.passedOver + 1, googleServed: before.googleServed + 1 });
  });

  it('Zoom down after its retries falls through to Google Meet', async () => {
    const h = await connectedHost('down');
    await zoom.faults({ errorRate: 1, errorStatus: 503 });
    try {
      const created = await s.put(h.jwt, h.appointmentId, booking({ hostEmail: h.hostEmail }));
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ provider: 'google_meet', fallbackReason: 'zoom_user: unavailable; zoom_account: unavailable' });
    } finally {
      await zoom.faults({});
    }
  });

  it('no provider able to serve answers 409 with each provider\'s reason', async () => {
    const a = uniqueAppointment('none');
    const jwt = await s.stack.signIn(a.hostId);
    const refused = expectProblem(await s.put(jwt, a.appointmentId, booking()), 409, 'no_meeting_provider');
    expect((refused as unknown as { reasons: unknown }).reasons).toEqual([
      { provider: 'zoom_user', reason: 'not_connected' },
      { provider: 'zoom_account', reason: 'host_unknown' },
      { provider: 'google_meet', reason: 'no_host_email' },
    ]);
    expectProblem(await s.get(jwt, a.appointmentId), 404, 'appointment_meeting_not_found');
  });

  it('a create whose answer was lost is found and adopted, never made twice', async () => {
    const h = await connectedHost('lost');
    const before = (await admin.meetingsOf(h.hostEmail)).map((m) => String(m.id));
    await zoom.faults({ loseMeetingCreateResponses: 1 });
    const created = await s.put(h.jwt, h.appointmentId, booking());
    await zoom.faults({});
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ provider: 'zoom_user', fallbackReason: null });
    const added = (await admin.meetingsOf(h.hostEmail)).map((m) => String(m.id)).filter((id) => !before.includes(id));
    expect(added).toEqual([created.body.meetingId]);
  });

  it('the same PUT again answers 200 with the same meeting and calls no provider', async () => {
    const h = await connectedHost('again');
    const first = await s.put(h.jwt, h.appointmentId, booking());
    const before = await apiCalls(s);
    const second = await s.put(h.jwt, h.appointmentId, booking());
    const after = await apiCalls(s);
    expect(second.status).toBe(200);
    expect(second.body).toEqual(first.body);
    expect(after).toBe(before);
  });

  it('a reschedule changes the time at Zoom (read back from the emulator)', async () => {
    const h = await connectedHost('resched');
    const created = await s.put(h.jwt, h.appointmentId, booking());
    const moved = await s.put(h.jwt, h.appointmentId, booking({ startTime: '2027-03-05T16:00:00-05:00', durationMinutes: 45, topic: 'Intro call (moved)' }));
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ provider: 'zoom_user', meetingId: created.body.meetingId, startTime: '2027-03-05T21:00:00.000Z' });
    expect((await admin.meeting(String(created.body.meetingId))).body).toMatchObject({
      start_time: '2027-03-05T21:00:00Z',
      duration: 45,
      topic: 'Intro call (moved)',
    });
  });

  it('a reschedule after the host disconnected moves the meeting to the account and cancels the old one', async () => {
    const h = await connectedHost('moves');
    const created = await s.put(h.jwt, h.appointmentId, booking());
    expect((await s.client.post(REVOKE, { jwt: h.jwt })).status).toBe(200);
    const moved = await s.put(h.jwt, h.appointmentId, booking({ startTime: '2027-03-09T10:00:00Z' }));
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({
      provider: 'zoom_account',
      fallbackReason: 'zoom_user: not_connected',
      moved: { fromProvider: 'zoom_user', fromMeetingId: created.body.meetingId, oldMeetingCancelled: true },
    });
    expect((await admin.meeting(String(created.body.meetingId))).status).toBe(404);
    expect((await admin.meeting(String(moved.body.meetingId))).body).toMatchObject({ start_time: '2027-03-09T10:00:00Z' });
    expect((await s.get(h.jwt, h.appointmentId)).body).toMatchObject({ provider: 'zoom_account', meetingId: moved.body.meetingId });
  });

  it('a reschedule while Zoom is down answers 503 and leaves the meeting where it is', async () => {
    const h = await connectedHost('resched-down');
    const created = await s.put(h.jwt, h.appointmentId, booking());
    await zoom.faults({ errorRate: 1, errorStatus: 503 });
    try {
      const refused = expectProblem(await s.put(h.jwt, h.appointmentId, booking({ startTime: '2027-04-01T10:00:00Z' })), 503, 'meeting_provider_unavailable');
      expect((refused as unknown as { reasons: unknown }).reasons).toEqual([{ provider: 'zoom_user', reason: 'unavailable' }]);
    } finally {
      await zoom.faults({});
    }
    expect((await s.get(h.jwt, h.appointmentId)).body).toEqual(created.body);
    expect((await admin.meeting(String(created.body.meetingId))).body).toMatchObject({ start_time: '2027-03-01T09:00:00Z' });
  });

  it('cancelling twice answers 204 both times and the meeting is gone at Zoom', async () => {
    const h = await connectedHost('cancel');
    const created = await s.put(h.jwt, h.appointmentId, booking());
    expect((await s.del(h.jwt, h.appointmentId)).status).toBe(204);
    expect((await s.del(h.jwt, h.appointmentId)).status).toBe(204);
    expect((await admin.meeting(String(created.body.meetingId))).status).toBe(404);
  });

  it('a meeting already deleted at Zoom counts as cancelled', async () => {
    const h = await connectedHost('gone');
    const created = await s.put(h.jwt, h.appointmentId, booking());
    expect(await admin.deleteMeeting(String(created.body.meetingId))).toBe(204);
    expect((await s.del(h.jwt, h.appointmentId)).status).toBe(204);
  });

  // Last: it expires every account token, the test's own admin token included.
  it('an account token Zoom refuses (401 code 124) is fetched again once, and the meeting is made', async () => {
    const a = uniqueAppointment('expired');
    const jwt = await s.stack.signIn(a.hostId);
    expect((await s.put(jwt, a.appointmentId, booking({ hostEmail: 'ava.thompson@example.com' }))).body).toMatchObject({ provider: 'zoom_account' });
    const before = await accountTokenRequests(s);
    const expired = await fetch(`${s.stack.emulator.url}/_emulator/expire`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ account: true }) });
    expect(expired.status).toBe(200);
    const next = uniqueAppointment('expired-next');
    const created = await s.put(await s.stack.signIn(next.hostId), next.appointmentId, booking({ hostEmail: 'ava.thompson@example.com' }));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ provider: 'zoom_account' });
    expect(await accountTokenRequests(s)).toBe(before + 1);
  });
});

/** Every API call the emulator has answered so far. */
async function apiCalls(s: AppointmentStack): Promise<number> {
  const stats = (await (await fetch(`${s.stack.emulator.url}/_emulator/stats`)).json()) as { apiCalls: Record<string, number> };
  return Object.values(stats.apiCalls).reduce((sum, n) => sum + n, 0);
}

async function accountTokenRequests(s: AppointmentStack): Promise<number> {
  const stats = (await (await fetch(`${s.stack.emulator.url}/_emulator/stats`)).json()) as { tokenRequests: Record<string, number> };
  return stats.tokenRequests['account_credentials'] ?? 0;
}
