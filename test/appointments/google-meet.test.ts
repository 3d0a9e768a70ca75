import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqlStore } from '../../src/store/index.js';
import { expectProblem } from '../helpers/http-client.js';
import { booking, startAppointmentStack, uniqueAppointment, type AppointmentStack } from './helpers.js';

/** The emulator's Meet links end like Google's: abc-defg-hij. */
const MEET_LINK = /\/[a-z]{3}-[a-z]{4}-[a-z]{3}$/;

describe('google_meet alone', () => {
  let s: AppointmentStack;
  beforeAll(async () => {
    s = await startAppointmentStack({ providers: 'google_meet' });
  }, 60_000);
  afterAll(async () => s?.close());

  it('a booking gets a Meet link on the host\'s calendar, and GET answers the same body', async () => {
    const a = uniqueAppointment('g-create');
    const jwt = await s.stack.signIn(a.hostId);
    const created = await s.put(jwt, a.appointmentId, booking({ hostEmail: a.hostEmail }));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      appointmentId: a.appointmentId,
      provider: 'google_meet',
      joinUrl: expect.stringMatching(MEET_LINK) as string,
      topic: 'Intro call',
      startTime: '2027-03-01T09:00:00.000Z',
      durationMinutes: 30,
      timezone: 'Europe/Berlin',
      fallbackReason: null,
    });
    const events = await s.googleEvents();
    expect(events.filter((e) => e.calendar === a.hostEmail && e.status !== 'cancelled').map((e) => e.id)).toEqual([created.body.meetingId]);
    const read = await s.get(jwt, a.appointmentId);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(created.body);
  });

  it('a conference that is pending for a while ends with its join link', async () => {
    const a = uniqueAppointment('g-pending');
    await s.googleFaults({ pendingReads: 3 });
    try {
      const jwt = await s.stack.signIn(a.hostId);
      const created = await s.put(jwt, a.appointmentId, booking({ hostEmail: a.hostEmail }));
      expect(created.status).toBe(201);
      expect(created.body.joinUrl).toMatch(MEET_LINK);
    } finally {
      await s.googleFaults({});
    }
  });

  it('a reschedule moves the event at Google (read back from the emulator)', async () => {
    const a = uniqueAppointment('g-move');
    const jwt = await s.stack.signIn(a.hostId);
    const created = await s.put(jwt, a.appointmentId, booking({ hostEmail: a.hostEmail }));
    const moved = await s.put(jwt, a.appointmentId, booking({ hostEmail: a.hostEmail, startTime: '2027-03-02T15:30:00+01:00' }));
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ meetingId: created.body.meetingId, provider: 'google_meet', startTime: '2027-03-02T14:30:00.000Z' });
    const event = (await s.googleEvents()).find((e) => e.id === created.body.meetingId);
    expect(Date.parse(event?.start.dateTime ?? '')).toBe(Date.parse('2027-03-02T14:30:00Z'));
  });

  it('cancelling twice answers 204 both times and deletes the event', async () => {
    const a = uniqueAppointment('g-cancel');
    const jwt = await s.stack.signIn(a.hostId);
    const created = await s.put(jwt, a.appointmentId, booking({ hostEmail: a.hostEmail }));
    expect((await s.del(jwt, a.appointmentId)).status).toBe(204);
    expect((await s.del(jwt, a.appointmentId)).status).toBe(204);
    expect((await s.googleEvents()).find((e) => e.id === created.body.meetingId)?.status).toBe('cancelled');
    expectProblem(await s.get(jwt, a.appointmentId), 404, 'appointment_meeting_not_found');
  });

  it('a Google Meet meeting has no start link to fetch', async () => {
    const a = uniqueAppointment('g-start');
    const jwt = await s.stack.signIn(a.hostId);
    await s.put(jwt, a.appointmentId, booking({ hostEmail: a.hostEmail }));
    expectProblem(await s.startUrl(jwt, a.appointmentId), 409, 'no_start_url');
  });

  it('a lost insert answer is adopted, not made twice', async () => {
    const a = uniqueAppointment('g-lost');
    const jwt = await s.stack.signIn(a.hostId);
    await s.googleFaults({ cutAfterInsert: 1 });
    try {
      const created = await s.put(jwt, a.appointmentId, booking({ hostEmail: a.hostEmail }));
      expect(created.status).toBe(201);
    } finally {
      await s.googleFaults({});
    }
    const mine = (await s.googleEvents()).filter((e) => e.calendar === a.hostEmail);
    expect(mine).toHaveLength(1);
  });

  it('another host never sees the appointment', async () => {
    const a = uniqueAppointment('g-scope');
    const owner = await s.stack.signIn(a.hostId);
    const stranger = await s.stack.signIn(`${a.hostId}-other`);
    await s.put(owner, a.appointmentId, booking({ hostEmail: a.hostEmail }));
    expectProblem(await s.get(stranger, a.appointmentId), 404, 'appointment_meeting_not_found');
    expect((await s.del(stranger, a.appointmentId)).status).toBe(204);
    expect((await s.get(owner, a.appointmentId)).status).toBe(200);
  });

  it('a conference that fails is reported, and its event leaves the calendar', async () => {
    const a = uniqueAppointment('g-failed');
    const jwt = await s.stack.signIn(a.hostId);
    await s.googleFaults({ conferenceFailure: true });
    try {
      const refused = expectProblem(await s.put(jwt, a.appointmentId, booking({ hostEmail: a.hostEmail })), 503, 'meeting_provider_unavailable');
      expect((refused as unknown as { reasons: unknown }).reasons).toEqual([{ provider: 'google_meet', reason: 'unavailable' }]);
    } finally {
      await s.googleFaults({});
    }
    const mine = (await s.googleEvents()).filter((e) => e.calendar === a.hostEmail);
    expect(mine.map((e) => e.status)).toEqual(['cancelled']);
  });

  it('each outcome writes its event to the outbox, with no link in it', async () => {
    const a = uniqueAppointment('g-events');
    const jwt = await s.stack.signIn(a.hostId);
    const created = await s.put(jwt, a.appointmentId, booking({ hostEmail: a.hostEmail }));
    await s.put(jwt, a.appointmentId, booking({ hostEmail: a.hostEmail, startTime: '2027-03-04T09:00:00Z' }));
    await s.del(jwt, a.appointmentId);
    expectProblem(await s.put(jwt, a.appointmentId, booking()), 409, 'no_meeting_provider');
    const store = s.stack.service.store;
    if (!(store instanceof SqlStore)) throw new Error('expected the SQL store');
    const { rows } = await store.db.query<{ type: string; data: Record<string, unknown> }>('SELECT type, data FROM event_outbox WHERE app_user_id = $1 ORDER BY seq', [a.hostId]);
    expect(rows.map((r) => r.type)).toEqual([
      'appointment.meeting.created',
      'appointment.meeting.updated',
      'appointment.meeting.cancelled',
      'appointment.meeting.failed',
    ]);
    expect(rows[1]?.data).toMatchObject({ appointmentId: a.appointmentId, provider: 'google_meet', meetingId: created.body.meetingId, startTime: '2027-03-04T09:00:00.000Z' });
    expect(JSON.stringify(rows)).not.toContain(String(created.body.joinUrl));
  });
});
