import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startGoogleEmulator, type RunningGoogleEmulator } from '../../src/google-emulator/index.js';
import { api, control, googleError, newEvent, tokenFor, USER } from './helpers.js';

const EVENTS = '/calendars/primary/events';
const ID = 'abcdef0123456789';

describe('Google emulator Calendar API', () => {
  let emulator: RunningGoogleEmulator;
  let token: string;

  beforeAll(async () => {
    emulator = await startGoogleEmulator();
  });
  beforeEach(async () => {
    await control(emulator, 'POST', 'reset');
    token = await tokenFor(emulator);
  });
  afterAll(() => emulator.close());

  const insert = (body: unknown, query = '?conferenceDataVersion=1') => api(emulator, token, 'POST', `${EVENTS}${query}`, body);

  describe('insert', () => {
    it('answers the event with a pending Meet conference request', async () => {
      const res = await insert(newEvent(ID));
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        kind: 'calendar#event',
        id: ID,
        status: 'confirmed',
        summary: 'Intro call',
        organizer: { email: USER, self: true },
        start: { dateTime: '2027-03-01T10:00:00+01:00', timeZone: 'Europe/Berlin' },
        conferenceData: { createRequest: { requestId: `req-${ID}`, conferenceSolutionKey: { type: 'hangoutsMeet' }, status: { statusCode: 'pending' } } },
      });
      expect(res.body['hangoutLink']).toBeUndefined();
    });

    it('the next read shows the conference ready, with its video entry point and hangoutLink', async () => {
      await insert(newEvent(ID));
      const res = await api(emulator, token, 'GET', `${EVENTS}/${ID}`);
      const data = res.body['conferenceData'] as { conferenceId: string; entryPoints: Array<{ entryPointType: string; uri: string }> };
      expect(data).toMatchObject({ createRequest: { status: { statusCode: 'success' } }, conferenceId: expect.stringMatching(/^[a-z]{3}-[a-z]{4}-[a-z]{3}$/) as string });
      expect(data.entryPoints).toEqual([expect.objectContaining({ entryPointType: 'video', uri: `${emulator.url}/meet/${data.conferenceId}` })]);
      expect(res.body['hangoutLink']).toBe(`${emulator.url}/meet/${data.conferenceId}`);
      expect((await fetch(res.body['hangoutLink'] as string)).status).toBe(200);
    });

    it('pendingReads sets how many answers show the conference pending', async () => {
      await control(emulator, 'POST', 'faults', { pendingReads: 2 });
      await insert(newEvent(ID));
      const codes = [];
      for (let i = 0; i < 2; i++) {
        const res = await api(emulator, token, 'GET', `${EVENTS}/${ID}`);
        codes.push((res.body['conferenceData'] as { createRequest: { status: { statusCode: string } } }).createRequest.status.statusCode);
      }
      expect(codes).toEqual(['pending', 'success']);
    });

    it('without conferenceDataVersion=1 no conference is created', async () => {
      const res = await insert(newEvent(ID), '');
      expect(res.body['conferenceData']).toBeUndefined();
    });

    it('the same id again is 409 duplicate in Google’s error shape', async () => {
      await insert(newEvent(ID));
      const res = await insert(newEvent(ID));
      expect(res).toEqual({ status: 409, body: googleError(409, 'duplicate') });
      expect((res.body['error'] as { message: string }).message).toBe('The requested identifier already exists.');
    });

    it('an event without an id gets a base32hex one', async () => {
      const { id: _id, ...rest } = newEvent(ID);
      const res = await insert(rest);
      expect(res.body['id']).toMatch(/^[a-v0-9]{26}$/);
    });

    it.each([
      ['an id with characters outside base32hex', newEvent('ABCDEFG'), 'invalid'],
      ['an id shorter than 5', newEvent('abcd'), 'invalid'],
      ['no start', newEvent(ID, { start: undefined }), 'required'],
      ['an unreadable end', newEvent(ID, { end: { dateTime: 'tomorrow' } }), 'invalid'],
      ['an unknown time zone', newEvent(ID, { start: { dateTime: '2027-03-01T10:00:00', timeZone: 'Mars/Olympus' } }), 'timeZoneInvalid'],
      ['a time with neither offset nor time zone', newEvent(ID, { start: { dateTime: '2027-03-01T10:00:00' } }), 'required'],
      ['an end before the start', newEvent(ID, { end: { dateTime: '2027-03-01T09:00:00+01:00' } }), 'timeRangeEmpty'],
      ['a conference type other than hangoutsMeet', newEvent(ID, { conferenceData: { createRequest: { requestId: 'r', conferenceSolutionKey: { type: 'zoom' } } } }), 'invalid'],
      ['a conference request without requestId', newEvent(ID, { conferenceData: { createRequest: { conferenceSolutionKey: { type: 'hangoutsMeet' } } } }), 'invalid'],
      ['a summary that is not text', newEvent(ID, { summary: 42 }), 'invalid'],
    ])('%s is a 400 with reason %s', async (_name, body, reason) => {
      const res = await insert(body);
      expect(res).toEqual({ status: 400, body: googleError(400, reason) });
    });

    it('a body that is not JSON is a 400 parseError', async () => {
      expect(await insert('{"id": ')).toEqual({ status: 400, body: googleError(400, 'parseError') });
    });

    it('a JSON array body is a 400 parseError', async () => {
      expect(await insert([1, 2])).toEqual({ status: 400, body: googleError(400, 'parseError') });
    });
  });

  describe('get, patch, delete', () => {
    beforeEach(async () => {
      await insert(newEvent(ID));
    });

    it('patch changes only the fields given and bumps the sequence', async () => {
      const res = await api(emulator, token, 'PATCH', `${EVENTS}/${ID}`, { start: { dateTime: '2027-03-01T11:00:00+01:00' }, end: { dateTime: '2027-03-01T12:00:00+01:00' } });
      expect(res.body).toMatchObject({ summary: 'Intro call', start: { dateTime: '2027-03-01T11:00:00+01:00' }, sequence: 1 });
      expect((await api(emulator, token, 'GET', `${EVENTS}/${ID}`)).body).toMatchObject({ end: { dateTime: '2027-03-01T12:00:00+01:00' } });
    });

    it('a patch leaving the end before the start is 400 timeRangeEmpty, and changes nothing', async () => {
      const res = await api(emulator, token, 'PATCH', `${EVENTS}/${ID}`, { start: { dateTime: '2027-03-01T11:00:00+01:00' } });
      expect(res).toEqual({ status: 400, body: googleError(400, 'timeRangeEmpty') });
      expect((await api(emulator, token, 'GET', `${EVENTS}/${ID}`)).body).toMatchObject({ start: { dateTime: '2027-03-01T10:00:00+01:00' }, sequence: 0 });
    });

    it('delete answers 204, then 410 deleted', async () => {
      expect((await api(emulator, token, 'DELETE', `${EVENTS}/${ID}`)).status).toBe(204);
      expect(await api(emulator, token, 'DELETE', `${EVENTS}/${ID}`)).toEqual({ status: 410, body: googleError(410, 'deleted') });
    });

    it('a deleted event reads as cancelled', async () => {
      await api(emulator, token, 'DELETE', `${EVENTS}/${ID}`);
      expect((await api(emulator, token, 'GET', `${EVENTS}/${ID}`)).body).toMatchObject({ id: ID, status: 'cancelled' });
    });

    it('a change to a deleted event is a 403 forbidden, as Google answers it', async () => {
      await api(emulator, token, 'DELETE', `${EVENTS}/${ID}`);
      expect(await api(emulator, token, 'PATCH', `${EVENTS}/${ID}`, { summary: 'x' })).toEqual({ status: 403, body: googleError(403, 'forbidden') });
    });

    it('an unknown id is 404 notFound for get, patch and delete', async () => {
      for (const method of ['GET', 'PATCH', 'DELETE']) {
        const res = await api(emulator, token, method, `${EVENTS}/zzzznotthere`, method === 'PATCH' ? { summary: 'x' } : undefined);
        expect(res).toEqual({ status: 404, body: googleError(404, 'notFound') });
      }
    });

    it('the user’s address works as the calendar id, like primary', async () => {
      expect((await api(emulator, token, 'GET', `/calendars/${encodeURIComponent(USER)}/events/${ID}`)).body).toMatchObject({ id: ID });
    });

    it('a calendar id with a literal percent sign is a 404, not a crash', async () => {
      expect(await api(emulator, token, 'GET', `/calendars/a%25zz/events/${ID}`)).toEqual({ status: 404, body: googleError(404, 'notFound') });
    });

    it('another user’s calendar is 404, and their events stay theirs', async () => {
      expect((await api(emulator, token, 'GET', `/calendars/${encodeURIComponent('mateo@example.com')}/events/${ID}`)).status).toBe(404);
      const other = await tokenFor(emulator, { claims: { sub: 'mateo@example.com' } });
      expect((await api(emulator, other, 'GET', `${EVENTS}/${ID}`)).status).toBe(404);
    });
  });

  describe('authorisation', () => {
    it('no token is 401 authError', async () => {
      expect(await api(emulator, undefined, 'GET', `${EVENTS}/${ID}`)).toEqual({ status: 401, body: googleError(401, 'authError') });
    });

    it('an unknown token is 401', async () => {
      expect((await api(emulator, 'ya29.made-up', 'GET', `${EVENTS}/${ID}`)).status).toBe(401);
    });

    it('an expired token is 401', async () => {
      await control(emulator, 'POST', 'expire-tokens');
      expect((await api(emulator, token, 'GET', `${EVENTS}/${ID}`)).status).toBe(401);
    });

    it('a token without a calendar scope is 403 insufficientPermissions', async () => {
      const readOnly = await startGoogleEmulator({ delegatedScopes: ['https://www.googleapis.com/auth/drive'] });
      try {
        const drive = await tokenFor(readOnly, { claims: { scope: 'https://www.googleapis.com/auth/drive' } });
        expect(await api(readOnly, drive, 'GET', `${EVENTS}/${ID}`)).toEqual({ status: 403, body: googleError(403, 'insufficientPermissions') });
      } finally {
        await readOnly.close();
      }
    });

    it('a forbidden calendar is 403 requiredAccessLevel', async () => {
      await control(emulator, 'POST', 'faults', { forbiddenCalendars: [USER] });
      expect(await insert(newEvent(ID))).toEqual({ status: 403, body: googleError(403, 'requiredAccessLevel') });
    });
  });
});
