import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  GoogleApiError,
  GoogleEventIdTakenError,
  GoogleEventNotFoundError,
  googleEventId,
  GoogleRateLimitedError,
  GoogleUnavailableError,
} from '../../src/google/index.js';
import { startGoogleEmulator, type RunningGoogleEmulator } from '../../src/google-emulator/index.js';
import { captureLog } from '../helpers/log-capture.js';
import { control, HOST, meeting, rig, setFaults, stats, storedEvents, type ClientRig } from './helpers.js';

const EVENTS_GET = 'GET /calendar/v3/calendars/{calendarId}/events/{eventId}';
const EVENTS_INSERT = 'POST /calendar/v3/calendars/{calendarId}/events';

describe('Google Calendar client against the emulator', () => {
  let emulator: RunningGoogleEmulator;
  let r: ClientRig;
  const log = captureLog('debug');
  const id = googleEventId(HOST, 'appt-1');

  beforeAll(async () => {
    emulator = await startGoogleEmulator();
  });
  beforeEach(async () => {
    await control(emulator, 'reset');
    r = rig(emulator, log.logger);
  });
  afterEach(() => r.close());
  afterAll(() => emulator.close());

  describe('insert', () => {
    it('a pending conference is read again until it succeeds, and the Meet link is returned', async () => {
      await setFaults(emulator, { pendingReads: 3 });
      const meet = await r.client.insertEvent(HOST, meeting(id));
      expect(meet).toMatchObject({ meetingId: id, adopted: false, conferenceId: expect.stringMatching(/^[a-z]{3}-[a-z]{4}-[a-z]{3}$/) as string });
      expect(meet.joinUrl).toBe(`${emulator.url}/meet/${meet.conferenceId ?? ''}`);
      // The insert answer and two reads show it pending; the third read shows it ready.
      expect((await stats(emulator)).calls[EVENTS_GET]).toBe(3);
    });

    it('a conference ready at once needs no second read', async () => {
      await setFaults(emulator, { pendingReads: 0 });
      await r.client.insertEvent(HOST, meeting(id));
      expect((await stats(emulator)).calls[EVENTS_GET]).toBeUndefined();
    });

    it('the event is stored with the summary, description and times asked for', async () => {
      await r.client.insertEvent(HOST, meeting(id));
      expect(await storedEvents(emulator)).toMatchObject([
        {
          calendar: HOST,
          id,
          status: 'confirmed',
          summary: 'Intro call',
          start: { dateTime: '2027-03-01T10:00:00+01:00', timeZone: 'Europe/Berlin' },
          end: { dateTime: '2027-03-01T10:30:00+01:00', timeZone: 'Europe/Berlin' },
        },
      ]);
    });

    it('a conference that fails is a GoogleConferenceError with status failure', async () => {
      await setFaults(emulator, { conferenceFailure: true });
      await expect(r.client.insertEvent(HOST, meeting(id))).rejects.toMatchObject({ name: 'GoogleConferenceError', statusCode: 'failure', eventId: id });
    });

    it('a conference still pending after the bounded polls is a GoogleConferenceError with status pending', async () => {
      await setFaults(emulator, { pendingReads: 50 });
      const local = rig(emulator, log.logger, { conferencePolls: 2 });
      try {
        await expect(local.client.insertEvent(HOST, meeting(id))).rejects.toMatchObject({ name: 'GoogleConferenceError', statusCode: 'pending' });
        expect((await stats(emulator)).calls[EVENTS_GET]).toBe(2);
      } finally {
        await local.close();
      }
    });

    it('inserting the same id again adopts the existing event instead of making a second', async () => {
      const first = await r.client.insertEvent(HOST, meeting(id));
      const second = await r.client.insertEvent(HOST, meeting(id));
      expect(second).toMatchObject({ meetingId: id, joinUrl: first.joinUrl, adopted: true });
      expect(await storedEvents(emulator)).toHaveLength(1);
    });

    it('twenty concurrent inserts of one id make one event, and all answer with its Meet link', async () => {
      const meets = await Promise.all(Array.from({ length: 20 }, () => r.client.insertEvent(HOST, meeting(id))));
      expect(new Set(meets.map((meet) => meet.joinUrl)).size).toBe(1);
      expect(meets.filter((meet) => !meet.adopted)).toHaveLength(1);
      expect(await storedEvents(emulator)).toHaveLength(1);
    });

    it('an insert whose answer was lost is retried and the event it made is adopted', async () => {
      await setFaults(emulator, { cutAfterInsert: 1 });
      const meet = await r.client.insertEvent(HOST, meeting(id));
      expect(meet.adopted).toBe(true);
      expect(await storedEvents(emulator)).toHaveLength(1);
      expect((await stats(emulator)).inserts).toBe(1);
    });

    it('an id whose event was deleted cannot be inserted again; the next generation can', async () => {
      await r.client.insertEvent(HOST, meeting(id));
      await r.client.deleteEvent(HOST, id);
      await expect(r.client.insertEvent(HOST, meeting(id))).rejects.toBeInstanceOf(GoogleEventIdTakenError);
      const next = googleEventId(HOST, 'appt-1', 1);
      await expect(r.client.insertEvent(HOST, meeting(next))).resolves.toMatchObject({ meetingId: next, adopted: false });
    });

    it('an invalid event id is refused before anything is sent', async () => {
      await expect(r.client.insertEvent(HOST, meeting('Not_Valid'))).rejects.toThrow(RangeError);
      expect((await stats(emulator)).apiCalls).toBe(0);
    });

    it('an end before the start is a GoogleApiError carrying Google’s reason', async () => {
      const error = await r.client.insertEvent(HOST, meeting(id, { end: '2027-03-01T09:00:00+01:00' })).catch((err: unknown) => err);
      expect(error).toBeInstanceOf(GoogleApiError);
      expect(error).toMatchObject({ status: 400, reason: 'timeRangeEmpty' });
    });
  });

  describe('get, patch, delete', () => {
    it('a patch moves the event; the new time is what the calendar holds', async () => {
      await r.client.insertEvent(HOST, meeting(id));
      const patched = await r.client.patchEvent(HOST, id, {
        start: '2027-03-02T15:00:00+01:00',
        end: '2027-03-02T16:00:00+01:00',
        timeZone: 'Europe/Berlin',
        summary: 'Intro call (moved)',
      });
      expect(patched).toMatchObject({ start: '2027-03-02T15:00:00+01:00', end: '2027-03-02T16:00:00+01:00', summary: 'Intro call (moved)' });
      expect(await storedEvents(emulator)).toMatchObject([{ start: { dateTime: '2027-03-02T15:00:00+01:00' }, end: { dateTime: '2027-03-02T16:00:00+01:00' } }]);
      expect((await r.client.getEvent(HOST, id))?.start).toBe('2027-03-02T15:00:00+01:00');
    });

    it('a patch keeps the Meet link', async () => {
      const meet = await r.client.insertEvent(HOST, meeting(id));
      const patched = await r.client.patchEvent(HOST, id, { summary: 'Renamed' });
      expect(patched.conference).toMatchObject({ state: 'success', joinUrl: meet.joinUrl });
    });

    it('patching an event that does not exist is GoogleEventNotFoundError', async () => {
      await expect(r.client.patchEvent(HOST, id, { summary: 'x' })).rejects.toBeInstanceOf(GoogleEventNotFoundError);
    });

    it('a patch refused with 403 on a live event means the host cannot be served', async () => {
      await r.client.insertEvent(HOST, meeting(id));
      await setFaults(emulator, { forbiddenCalendars: [HOST] });
      await expect(r.client.patchEvent(HOST, id, { summary: 'x' })).rejects.toMatchObject({ name: 'GoogleHostNotServableError', reason: 'forbidden' });
    });

    it('patching a deleted event (Google answers 403) is GoogleEventNotFoundError', async () => {
      await r.client.insertEvent(HOST, meeting(id));
      await r.client.deleteEvent(HOST, id);
      await expect(r.client.patchEvent(HOST, id, { summary: 'x' })).rejects.toBeInstanceOf(GoogleEventNotFoundError);
    });

    it('deleting twice succeeds both times, and the event is then gone', async () => {
      await r.client.insertEvent(HOST, meeting(id));
      await r.client.deleteEvent(HOST, id);
      await r.client.deleteEvent(HOST, id);
      expect(await r.client.getEvent(HOST, id)).toBeUndefined();
      expect(await storedEvents(emulator)).toMatchObject([{ id, status: 'cancelled' }]);
    });

    it('deleting an id never created succeeds (404 is already gone)', async () => {
      await expect(r.client.deleteEvent(HOST, id)).resolves.toBeUndefined();
    });

    it('getting an id never created answers undefined', async () => {
      await expect(r.client.getEvent(HOST, id)).resolves.toBeUndefined();
    });
  });

  describe('Google failing', () => {
    it('a calendar that refuses the host (403) means the host cannot be served', async () => {
      await setFaults(emulator, { forbiddenCalendars: [HOST] });
      await expect(r.client.insertEvent(HOST, meeting(id))).rejects.toMatchObject({ name: 'GoogleHostNotServableError', reason: 'forbidden' });
    });

    it('5xx on every attempt is GoogleUnavailableError after the retries', async () => {
      await setFaults(emulator, { errorRate: 1, errorStatus: 503 });
      await expect(r.client.getEvent(HOST, id)).rejects.toMatchObject({ name: 'GoogleUnavailableError', status: 503 });
      expect((await stats(emulator)).apiCalls).toBe(3);
    });

    it('an insert meeting 5xx is retried (the client-chosen id makes it safe)', async () => {
      await setFaults(emulator, { errorRate: 1, errorStatus: 500 });
      await expect(r.client.insertEvent(HOST, meeting(id))).rejects.toBeInstanceOf(GoogleUnavailableError);
      expect((await stats(emulator)).calls[EVENTS_INSERT]).toBe(3);
    });

    it('a 429 burst shorter than the retries is waited out', async () => {
      await setFaults(emulator, { rateLimit: { count: 2 } });
      await expect(r.client.insertEvent(HOST, meeting(id))).resolves.toMatchObject({ meetingId: id });
      expect((await stats(emulator)).calls[EVENTS_INSERT]).toBe(3);
    });

    it('403 userRateLimitExceeded is a rate limit, retried like a 429', async () => {
      await setFaults(emulator, { rateLimit: { count: 1, status: 403, reason: 'userRateLimitExceeded' } });
      await expect(r.client.insertEvent(HOST, meeting(id))).resolves.toMatchObject({ meetingId: id });
    });

    it('a rate limit outlasting the retries is GoogleRateLimitedError', async () => {
      await setFaults(emulator, { rateLimit: { count: 100, status: 403, reason: 'rateLimitExceeded' } });
      await expect(r.client.getEvent(HOST, id)).rejects.toMatchObject({ name: 'GoogleRateLimitedError', status: 403, reason: 'rateLimitExceeded' });
    });

    it('a Retry-After longer than the client will wait surfaces at once with its value', async () => {
      await setFaults(emulator, { rateLimit: { count: 5, retryAfter: 120 } });
      const error = await r.client.getEvent(HOST, id).catch((err: unknown) => err);
      expect(error).toBeInstanceOf(GoogleRateLimitedError);
      expect((error as GoogleRateLimitedError).retryAfterSeconds).toBe(120);
      expect((await stats(emulator)).apiCalls).toBe(1);
    });

    it('Google not answering within the timeout is GoogleUnavailableError marked timed out', async () => {
      await r.tokens.getAccessToken(HOST);
      await setFaults(emulator, { latencyMs: 2_000 });
      const local = rig(emulator, log.logger, { timeoutMs: 100, tokens: r.tokens });
      try {
        await expect(local.client.getEvent(HOST, id)).rejects.toMatchObject({ name: 'GoogleUnavailableError', timedOut: true });
      } finally {
        await local.close();
      }
    });

    it('Google unreachable is GoogleUnavailableError naming the cause', async () => {
      const gone = await startGoogleEmulator();
      const local = rig(gone, log.logger);
      await gone.close();
      try {
        await expect(local.tokens.getAccessToken(HOST)).rejects.toThrow(/Could not reach Google for POST \/token \(ECONNREFUSED\)/);
      } finally {
        await local.close();
      }
    });
  });
});
