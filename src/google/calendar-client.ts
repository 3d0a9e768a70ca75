import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../config/logger.js';
import {
  GoogleApiError,
  GoogleConferenceError,
  GoogleEventIdTakenError,
  GoogleEventNotFoundError,
  GoogleHostNotServableError,
  GoogleUnavailableError,
} from './errors.js';
import { isValidGoogleEventId } from './event-id.js';
import { readEvent, type GoogleCalendarEvent } from './event-shape.js';
import { errorMessage, errorReason, GoogleHttp, type GoogleHttpResponse } from './http.js';
import type { GoogleTokenSource } from './token-source.js';

export const DEFAULT_GOOGLE_CALENDAR_API_BASE_URL = 'https://www.googleapis.com/calendar/v3';

export interface GoogleCalendarClientOptions {
  /** `GOOGLE_CALENDAR_API_BASE_URL`; default https://www.googleapis.com/calendar/v3. */
  baseUrl?: string;
  tokens: GoogleTokenSource;
  logger: Logger;
  /** Per-attempt timeout when the client makes its own GoogleHttp. */
  timeoutMs?: number;
  /** Share one HTTP pool (and retry policy) with the token source. */
  http?: GoogleHttp;
  /** How many times a `pending` conference is read again before giving up. */
  conferencePolls?: number;
  /** First wait between those reads; it doubles up to 8× and stays there. */
  conferencePollBaseMs?: number;
}

export interface NewMeetEvent {
  /** Client-chosen id (see googleEventId): makes the insert safe to repeat. */
  id: string;
  summary: string;
  description?: string;
  /** RFC 3339 date-times with offset. */
  start: string;
  end: string;
  /** IANA time zone the event is shown in. */
  timeZone: string;
  /** Idempotency key of the conference request; keep it stable per appointment. */
  requestId: string;
}

export interface EventChanges {
  summary?: string;
  description?: string;
  start?: string;
  end?: string;
  timeZone?: string;
}

/** An event whose Meet conference is ready. */
export interface GoogleMeet {
  /** The Calendar event id. */
  meetingId: string;
  joinUrl: string;
  conferenceId: string | undefined;
  event: GoogleCalendarEvent;
  /** True when the event already existed (an earlier insert whose answer was lost). */
  adopted: boolean;
}

/**
 * Google Calendar events with a Google Meet conference, on the calendar of
 * the host the token source acts as (`primary`).
 */
export class GoogleCalendarClient {
  private readonly http: GoogleHttp;
  private readonly ownsHttp: boolean;
  private readonly eventsUrl: string;
  private readonly conferencePolls: number;
  private readonly conferencePollBaseMs: number;

  constructor(private readonly options: GoogleCalendarClientOptions) {
    this.ownsHttp = options.http === undefined;
    this.http = options.http ?? new GoogleHttp({ timeoutMs: options.timeoutMs ?? 10_000, logger: options.logger });
    this.eventsUrl = `${(options.baseUrl ?? DEFAULT_GOOGLE_CALENDAR_API_BASE_URL).replace(/\/+$/, '')}/calendars/primary/events`;
    // Defaults wait at most 7.75 s in all (250 ms + 0.5 + 1 + 2 + 2 + 2 s): Meet usually settles within a second.
    this.conferencePolls = options.conferencePolls ?? 6;
    this.conferencePollBaseMs = options.conferencePollBaseMs ?? 250;
  }

  /**
   * Creates the event with a Meet conference and waits for the conference.
   * A 409 (the id exists) means an earlier attempt made it: it is read back
   * and adopted. Safe to call again after any failure.
   */
  async insertEvent(hostEmail: string, input: NewMeetEvent, signal?: AbortSignal): Promise<GoogleMeet> {
    if (!isValidGoogleEventId(input.id)) throw new RangeError('event id must be 5-1024 characters of lowercase a-v and digits');
    const body = {
      id: input.id,
      summary: input.summary,
      ...(input.description === undefined ? {} : { description: input.description }),
      start: { dateTime: input.start, timeZone: input.timeZone },
      end: { dateTime: input.end, timeZone: input.timeZone },
      conferenceData: { createRequest: { requestId: input.requestId, conferenceSolutionKey: { type: 'hangoutsMeet' } } },
    };
    // Without conferenceDataVersion=1 Google silently creates no conference.
    const res = await this.call(hostEmail, 'POST', `${this.eventsUrl}?conferenceDataVersion=1`, body, signal);
    let event: GoogleCalendarEvent | undefined;
    let adopted = false;
    if (res.status === 200 || res.status === 201) {
      event = this.expectEvent(res);
    } else if (res.status === 409) {
      event = await this.getEvent(hostEmail, input.id, signal);
      if (event === undefined) throw new GoogleEventIdTakenError(input.id);
      adopted = true;
    } else {
      throw refusal(res, input.id);
    }
    return this.settle(hostEmail, event, adopted, signal);
  }

  /** The event, or undefined when it does not exist or was deleted. */
  async getEvent(hostEmail: string, eventId: string, signal?: AbortSignal): Promise<GoogleCalendarEvent | undefined> {
    const res = await this.call(hostEmail, 'GET', this.eventUrl(eventId), undefined, signal);
    if (res.status === 404 || res.status === 410) return undefined;
    if (res.status !== 200) throw refusal(res, eventId);
    const event = this.expectEvent(res);
    return event.status === 'cancelled' ? undefined : event;
  }

  /** Changes only the given fields; a missing or deleted event is GoogleEventNotFoundError. */
  async patchEvent(hostEmail: string, eventId: string, changes: EventChanges, signal?: AbortSignal): Promise<GoogleCalendarEvent> {
    const zone = changes.timeZone === undefined ? {} : { timeZone: changes.timeZone };
    const body = {
      ...(changes.summary === undefined ? {} : { summary: changes.summary }),
      ...(changes.description === undefined ? {} : { description: changes.description }),
      ...(changes.start === undefined ? {} : { start: { dateTime: changes.start, ...zone } }),
      ...(changes.end === undefined ? {} : { end: { dateTime: changes.end, ...zone } }),
    };
    const res = await this.call(hostEmail, 'PATCH', this.eventUrl(eventId), body, signal);
    // Google answers 403, not 404/410, to a change of a deleted event: look before blaming the host.
    if (res.status === 403 && (await this.getEvent(hostEmail, eventId, signal)) === undefined) throw new GoogleEventNotFoundError(eventId);
    if (res.status !== 200) throw refusal(res, eventId);
    const event = this.expectEvent(res);
    if (event.status === 'cancelled') throw new GoogleEventNotFoundError(eventId);
    return event;
  }

  /** Deletes the event; one already gone (404, 410) counts as deleted. */
  async deleteEvent(hostEmail: string, eventId: string, signal?: AbortSignal): Promise<void> {
    const res = await this.call(hostEmail, 'DELETE', this.eventUrl(eventId), undefined, signal);
    if (res.status === 204 || res.status === 200 || res.status === 404 || res.status === 410) return;
    throw refusal(res, eventId);
  }

  async close(): Promise<void> {
    if (this.ownsHttp) await this.http.close();
  }

  /** Reads a `pending` conference again, with growing waits, until it settles. */
  private async settle(hostEmail: string, first: GoogleCalendarEvent, adopted: boolean, signal: AbortSignal | undefined): Promise<GoogleMeet> {
    let event = first;
    for (let poll = 0; event.conference.state === 'pending' && poll < this.conferencePolls; poll++) {
      await sleep(this.conferencePollBaseMs * 2 ** Math.min(poll, 3), undefined, { signal });
      const again = await this.getEvent(hostEmail, event.id, signal);
      if (again === undefined) throw new GoogleEventNotFoundError(event.id);
      event = again;
    }
    const { state, joinUrl, conferenceId } = event.conference;
    if (state === 'pending' || state === 'failure') throw new GoogleConferenceError(event.id, state);
    if (state === 'none' || joinUrl === undefined) throw new GoogleConferenceError(event.id, 'missing');
    return { meetingId: event.id, joinUrl, conferenceId, event, adopted };
  }

  /** One authorised call; a 401 fetches a fresh token once. */
  private async call(hostEmail: string, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, body: unknown, signal: AbortSignal | undefined): Promise<GoogleHttpResponse> {
    const send = async (token: string): Promise<GoogleHttpResponse> =>
      this.http.send({
        method,
        url,
        headers: {
          authorization: `Bearer ${token}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        ...(signal === undefined ? {} : { signal }),
      });
    const token = await this.options.tokens.getAccessToken(hostEmail);
    const first = await send(token);
    if (first.status !== 401) return first;
    const second = await send(await this.options.tokens.getAccessToken(hostEmail, token));
    if (second.status !== 401) return second;
    throw new GoogleHostNotServableError('unauthorized', errorMessage(second.body));
  }

  private eventUrl(eventId: string): string {
    return `${this.eventsUrl}/${encodeURIComponent(eventId)}`;
  }

  private expectEvent(res: GoogleHttpResponse): GoogleCalendarEvent {
    const event = readEvent(res.body);
    if (event === undefined) throw new GoogleUnavailableError(`Google Calendar answered HTTP ${res.status} without an event`, res.status, false);
    return event;
  }
}

/** The typed error for a 4xx the caller cannot act on by retrying. */
function refusal(res: GoogleHttpResponse, eventId: string): Error {
  if (res.status === 404 || res.status === 410) return new GoogleEventNotFoundError(eventId);
  const reason = errorReason(res.body) ?? `http_${res.status}`;
  if (res.status === 403) return new GoogleHostNotServableError('forbidden', errorMessage(res.body));
  return new GoogleApiError(res.status, reason, errorMessage(res.body));
}
