import { request } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startGoogleEmulator, type RunningGoogleEmulator } from '../../src/google-emulator/index.js';
import { api, control, googleError, newEvent, tokenFor } from './helpers.js';

const EVENTS = '/calendars/primary/events';
const ID = 'abcdef0123456789';

/** A raw insert, so a cut connection shows as the socket error it is. */
function rawInsert(emulator: RunningGoogleEmulator, token: string): Promise<string> {
  return new Promise((resolve) => {
    const req = request(`${emulator.url}/calendar/v3${EVENTS}?conferenceDataVersion=1`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    });
    req.on('response', (res) => resolve(`HTTP ${res.statusCode ?? 0}`));
    req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    req.end(JSON.stringify(newEvent(ID)));
  });
}

describe('Google emulator control API and faults', () => {
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

  it('stats count token requests, inserts and API calls per route', async () => {
    await api(emulator, token, 'POST', `${EVENTS}?conferenceDataVersion=1`, newEvent(ID));
    await api(emulator, token, 'GET', `${EVENTS}/${ID}`);
    expect((await control(emulator, 'GET', 'stats')).body).toEqual({
      tokenRequests: 1,
      tokensIssued: 1,
      tokensBySubject: { 'ava.thompson@example.com': 1 },
      inserts: 1,
      apiCalls: 2,
      calls: { 'POST /calendar/v3/calendars/{calendarId}/events': 1, 'GET /calendar/v3/calendars/{calendarId}/events/{eventId}': 1 },
    });
  });

  it('events lists what is stored without counting as a read of a pending conference', async () => {
    await control(emulator, 'POST', 'faults', { pendingReads: 1 });
    await api(emulator, token, 'POST', `${EVENTS}?conferenceDataVersion=1`, newEvent(ID));
    expect((await control(emulator, 'GET', 'events')).body).toMatchObject({ events: [{ calendar: 'ava.thompson@example.com', id: ID }] });
    const read = await api(emulator, token, 'GET', `${EVENTS}/${ID}`);
    expect(read.body).toMatchObject({ conferenceData: { createRequest: { status: { statusCode: 'success' } } } });
  });

  it('reset forgets events, tokens, faults and stats', async () => {
    await api(emulator, token, 'POST', `${EVENTS}?conferenceDataVersion=1`, newEvent(ID));
    await control(emulator, 'POST', 'faults', { latencyMs: 10 });
    await control(emulator, 'POST', 'reset');
    expect((await control(emulator, 'GET', 'events')).body).toEqual({ events: [] });
    expect((await control(emulator, 'GET', 'faults')).body).toMatchObject({ faults: {} });
    expect((await control(emulator, 'GET', 'stats')).body).toMatchObject({ tokenRequests: 0, apiCalls: 0 });
    expect((await api(emulator, token, 'GET', `${EVENTS}/${ID}`)).status).toBe(401);
  });

  it('reset accepts an empty JSON body', async () => {
    const res = await fetch(`${emulator.url}/_emulator/reset`, { method: 'POST', headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(200);
  });

  it.each([
    ['an unknown fault', { explode: true }, 'explode'],
    ['a rate above 1', { errorRate: 2 }, 'errorRate'],
    ['a rate-limit status other than 429/403', { rateLimit: { count: 1, status: 500 } }, 'rateLimit.status'],
    ['a user that is not an address', { unknownUsers: ['nobody'] }, 'unknownUsers.0'],
  ])('%s is refused with a 400 naming the field', async (_name, faults, field) => {
    const res = await control(emulator, 'POST', 'faults', faults);
    expect(res).toEqual({ status: 400, body: googleError(400, 'invalid') });
    expect((res.body['error'] as { message: string }).message).toContain(field);
  });

  it('an error rate of 1 answers every API call with the chosen status in Google’s shape', async () => {
    await control(emulator, 'POST', 'faults', { errorRate: 1, errorStatus: 502 });
    expect(await api(emulator, token, 'GET', `${EVENTS}/${ID}`)).toEqual({ status: 502, body: googleError(502, 'backendError') });
  });

  it('a 429 burst refuses exactly its count, with Retry-After, then lets calls through', async () => {
    await control(emulator, 'POST', 'faults', { rateLimit: { count: 2, retryAfter: 3 } });
    const first = await fetch(`${emulator.url}/calendar/v3${EVENTS}/${ID}`, { headers: { authorization: `Bearer ${token}` } });
    expect(first.status).toBe(429);
    expect(first.headers.get('retry-after')).toBe('3');
    expect((await api(emulator, token, 'GET', `${EVENTS}/${ID}`)).body).toEqual(googleError(429, 'rateLimitExceeded'));
    expect((await api(emulator, token, 'GET', `${EVENTS}/${ID}`)).status).toBe(404);
  });

  it('faults hit the token endpoint only when its path is listed', async () => {
    await control(emulator, 'POST', 'faults', { errorRate: 1, paths: ['/token'] });
    await expect(tokenFor(emulator)).rejects.toThrow(/HTTP 503/);
    expect((await api(emulator, token, 'GET', `${EVENTS}/${ID}`)).status).toBe(404);
  });

  it('cutAfterInsert stores the event, then cuts the connection instead of answering', async () => {
    await control(emulator, 'POST', 'faults', { cutAfterInsert: 1 });
    expect(await rawInsert(emulator, token)).toBe('ECONNRESET');
    expect((await control(emulator, 'GET', 'events')).body).toMatchObject({ events: [{ id: ID }] });
    expect(await rawInsert(emulator, token)).toBe('HTTP 409');
  });

});
