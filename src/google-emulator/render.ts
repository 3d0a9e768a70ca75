import { createHash } from 'node:crypto';
import type { StoredEvent } from './state.js';

/** Shows the event as Google's API does; each view of a pending conference counts down to its outcome. */
export function renderEvent(event: StoredEvent, baseUrl: string): Record<string, unknown> {
  const organizer = { email: event.calendar, self: true };
  const body: Record<string, unknown> = {
    kind: 'calendar#event',
    etag: `"${createHash('sha256').update(`${event.id}:${event.sequence}:${event.updated}`).digest('hex').slice(0, 16)}"`,
    id: event.id,
    status: event.status,
    htmlLink: `${baseUrl}/calendar/event?eid=${Buffer.from(`${event.id} ${event.calendar}`).toString('base64url')}`,
    created: event.created,
    updated: event.updated,
    ...(event.summary === undefined ? {} : { summary: event.summary }),
    ...(event.description === undefined ? {} : { description: event.description }),
    creator: organizer,
    organizer,
    start: event.start,
    end: event.end,
    iCalUID: `${event.id}@google.com`,
    sequence: event.sequence,
    reminders: { useDefault: true },
    eventType: 'default',
  };
  const conference = event.conference;
  if (conference === undefined) return body;
  const createRequest = { requestId: conference.requestId, conferenceSolutionKey: { type: 'hangoutsMeet' } };
  if (conference.pendingAnswers > 0) {
    conference.pendingAnswers -= 1;
    return { ...body, conferenceData: { createRequest: { ...createRequest, status: { statusCode: 'pending' } } } };
  }
  if (conference.outcome === 'failure') {
    return { ...body, conferenceData: { createRequest: { ...createRequest, status: { statusCode: 'failure' } } } };
  }
  const link = `${baseUrl}/meet/${conference.conferenceId}`;
  return {
    ...body,
    hangoutLink: link,
    conferenceData: {
      createRequest: { ...createRequest, status: { statusCode: 'success' } },
      entryPoints: [{ entryPointType: 'video', uri: link, label: link.replace(/^https?:\/\//, '') }],
      conferenceSolution: { key: { type: 'hangoutsMeet' }, name: 'Google Meet' },
      conferenceId: conference.conferenceId,
    },
  };
}
