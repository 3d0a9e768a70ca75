import { ConnectError } from '../../connections/errors.js';
import {
  GoogleApiError,
  GoogleConferenceError,
  GoogleEventIdTakenError,
  GoogleEventNotFoundError,
  GoogleHostNotServableError,
  GoogleRateLimitedError,
  GoogleUnavailableError,
  googleEventId,
  type GoogleCalendarClient,
} from '../../google/index.js';
import type { AppointmentRequest } from '../../store/types.js';
import { ProviderError } from '../errors.js';
import type { MeetingHost, MeetingProvider, ProviderMeeting } from '../provider.js';

/**
 * `google_meet`: a Calendar event with a Meet conference on the host's own
 * calendar (acting as `hostEmail`). The event id is derived from the create
 * attempt's marker, so a lost insert is found by id (and an insert repeated
 * by the client's retries answers 409 and is adopted).
 */
export class GoogleMeetProvider implements MeetingProvider {
  readonly name = 'google_meet' as const;

  constructor(private readonly calendar: GoogleCalendarClient) {}

  async create(host: MeetingHost, request: AppointmentRequest, marker: string): Promise<ProviderMeeting> {
    const email = hostEmailOf(host);
    try {
      const made = await this.calendar.insertEvent(email, { id: googleEventId(email, marker), requestId: marker, ...eventFields(request) });
      return { meetingId: made.meetingId, joinUrl: made.joinUrl, passcode: null };
    } catch (err) {
      if (err instanceof GoogleConferenceError && err.statusCode === 'failure') await this.discard(email, err.eventId);
      throw googleFailure(err, true);
    }
  }

  /** An event whose conference failed is no meeting: it leaves the host's calendar before the chain moves on. */
  private async discard(email: string, eventId: string): Promise<void> {
    try {
      await this.calendar.deleteEvent(email, eventId);
    } catch (err) {
      throw googleFailure(err, false);
    }
  }

  async find(host: MeetingHost, _request: AppointmentRequest, marker: string): Promise<ProviderMeeting | null> {
    const email = hostEmailOf(host);
    try {
      const event = await this.calendar.getEvent(email, googleEventId(email, marker));
      if (!event) return null;
      // Made, but its conference is not ready: still unknown, so nothing else may be made meanwhile.
      if (event.conference.state !== 'success' || event.conference.joinUrl === undefined) throw new ProviderError('unavailable', 'conference_pending');
      return { meetingId: event.id, joinUrl: event.conference.joinUrl, passcode: null };
    } catch (err) {
      throw googleFailure(err, false);
    }
  }

  async update(host: MeetingHost, meetingId: string, request: AppointmentRequest): Promise<ProviderMeeting> {
    try {
      const event = await this.calendar.patchEvent(hostEmailOf(host), meetingId, eventFields(request));
      if (event.conference.joinUrl === undefined) throw new ProviderError('unavailable', 'conference_missing');
      return { meetingId: event.id, joinUrl: event.conference.joinUrl, passcode: null };
    } catch (err) {
      throw googleFailure(err, false);
    }
  }

  async cancel(host: MeetingHost, meetingId: string): Promise<'cancelled' | 'gone'> {
    try {
      // The client counts an event already deleted (404, 410) as deleted.
      await this.calendar.deleteEvent(hostEmailOf(host), meetingId);
      return 'cancelled';
    } catch (err) {
      throw googleFailure(err, false);
    }
  }

  startUrl(): Promise<string | null> {
    return Promise.resolve(null);
  }
}

function hostEmailOf(host: MeetingHost): string {
  if (!host.hostEmail) throw new ProviderError('cannot_serve', 'no_host_email');
  return host.hostEmail;
}

function eventFields(request: AppointmentRequest): { summary: string; description?: string; start: string; end: string; timeZone: string } {
  const end = new Date(request.startTime.getTime() + request.durationMinutes * 60_000);
  return {
    summary: request.topic,
    ...(request.agenda === null ? {} : { description: request.agenda }),
    start: request.startTime.toISOString(),
    end: end.toISOString(),
    timeZone: request.timezone,
  };
}

function googleFailure(err: unknown, creating: boolean): unknown {
  if (err instanceof ProviderError) return err;
  if (err instanceof GoogleHostNotServableError) return new ProviderError('cannot_serve', err.reason === 'invalid_grant' ? 'host_unknown' : err.reason);
  if (err instanceof GoogleUnavailableError) return new ProviderError(creating ? 'unknown_outcome' : 'unavailable', creating ? 'no_answer' : 'unavailable');
  if (err instanceof GoogleRateLimitedError) return new ProviderError('unavailable', 'rate_limited', err.retryAfterSeconds);
  if (err instanceof GoogleEventNotFoundError) return new ProviderError('not_found', 'meeting_not_found');
  // A conference still settling, or an id Google keeps for a deleted event: the event may exist, so look before moving on.
  if (err instanceof GoogleConferenceError) return new ProviderError(err.statusCode === 'failure' ? 'unavailable' : 'unknown_outcome', `conference_${err.statusCode}`);
  if (err instanceof GoogleEventIdTakenError) return new ProviderError('unavailable', 'event_id_taken');
  if (err instanceof GoogleApiError) {
    return new ConnectError('validation_failed', `Google Calendar refused the event: ${err.googleMessage}`, { fieldErrors: [{ field: 'request', message: err.reason }] });
  }
  return err;
}
