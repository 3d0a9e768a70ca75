import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectProblem } from '../helpers/http-client.js';
import { booking, startAppointmentStack, uniqueAppointment, type AppointmentStack } from './helpers.js';

const LONG = 'x'.repeat(2000);

/** Each bad body, and the field its 400 must name. */
const BAD_BODIES: Array<[string, Record<string, unknown>, string]> = [
  ['no topic', { topic: undefined }, 'topic'],
  ['an empty topic', { topic: '' }, 'topic'],
  ['a topic too long', { topic: LONG }, 'topic'],
  ['a topic that is an object', { topic: { text: 'hi' } }, 'topic'],
  ['no startTime', { startTime: undefined }, 'startTime'],
  ['a startTime without an offset', { startTime: '2027-03-01T10:00:00' }, 'startTime'],
  ['a startTime that is no date', { startTime: 'next tuesday' }, 'startTime'],
  ['a startTime on a day that does not exist', { startTime: '2027-02-30T10:00:00Z' }, 'startTime'],
  ['no durationMinutes', { durationMinutes: undefined }, 'durationMinutes'],
  ['a zero duration', { durationMinutes: 0 }, 'durationMinutes'],
  ['a duration over a day', { durationMinutes: 1441 }, 'durationMinutes'],
  ['a fractional duration', { durationMinutes: 1.5 }, 'durationMinutes'],
  ['no timezone', { timezone: undefined }, 'timezone'],
  ['a timezone that is not IANA', { timezone: 'Mars/Olympus_Mons' }, 'timezone'],
  ['an agenda too long', { agenda: LONG }, 'agenda'],
  ['a hostEmail that is no address', { hostEmail: 'not-an-address' }, 'hostEmail'],
  ['an unknown field', { color: 'blue' }, 'color'],
];

describe('bad input to the appointment routes', () => {
  let s: AppointmentStack;
  let jwt: string;
  beforeAll(async () => {
    s = await startAppointmentStack({ providers: 'google_meet' });
    jwt = await s.stack.signIn('validation-host');
  }, 60_000);
  afterAll(async () => s?.close());

  it.each(BAD_BODIES)('%s is a 400 naming the field', async (_label, change, field) => {
    const a = uniqueAppointment('bad');
    const reply = await s.put(jwt, a.appointmentId, booking({ hostEmail: a.hostEmail, ...change }));
    const p = expectProblem(reply, 400, 'validation_failed');
    expect(p.errors?.map((e) => e.field)).toContain(field);
  });

  it.each([
    ['a character outside [A-Za-z0-9_-]', 'appt.1'],
    ['129 characters', 'a'.repeat(129)],
  ])('an appointment id with %s is a 400 naming it', async (_label, id) => {
    for (const reply of [await s.put(jwt, id, booking()), await s.get(jwt, id), await s.del(jwt, id)]) {
      const p = expectProblem(reply, 400, 'validation_failed');
      expect(p.errors?.map((e) => e.field)).toContain('appointmentId');
    }
  });

  it('a body that is not JSON is a 400, and no body at all too', async () => {
    const a = uniqueAppointment('nojson');
    const path = `/api/appointments/${a.appointmentId}/meeting`;
    expectProblem(await s.client.call('PUT', path, { jwt, body: '{', headers: { 'content-type': 'application/json' } }), 400, 'validation_failed');
    expectProblem(await s.client.call('PUT', path, { jwt }), 400, 'validation_failed');
  });

  it('without a signed-in host every route is a 401', async () => {
    const a = uniqueAppointment('anon');
    const path = `/api/appointments/${a.appointmentId}/meeting`;
    expectProblem(await s.client.call('PUT', path, { json: booking() }), 401, 'unauthenticated');
    expectProblem(await s.client.get(path), 401, 'unauthenticated');
    expectProblem(await s.client.call('DELETE', path), 401, 'unauthenticated');
    expectProblem(await s.client.get(`${path}/start-url`), 401, 'unauthenticated');
  });
});
