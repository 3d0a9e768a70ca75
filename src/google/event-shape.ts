import { z } from 'zod';

const when = z.object({ dateTime: z.string().optional(), date: z.string().optional(), timeZone: z.string().optional() });

const eventSchema = z.object({
  id: z.string(),
  status: z.string().optional(),
  htmlLink: z.string().optional(),
  summary: z.string().optional(),
  description: z.string().optional(),
  start: when.optional(),
  end: when.optional(),
  hangoutLink: z.string().optional(),
  conferenceData: z
    .object({
      conferenceId: z.string().optional(),
      createRequest: z.object({ status: z.object({ statusCode: z.string() }).optional() }).optional(),
      entryPoints: z.array(z.object({ entryPointType: z.string(), uri: z.string() })).optional(),
    })
    .optional(),
});

export type ConferenceState = 'pending' | 'success' | 'failure' | 'none';

/** A Calendar event as this client needs it. */
export interface GoogleCalendarEvent {
  id: string;
  /** `confirmed`, `tentative` or `cancelled` (deleted). */
  status: string;
  summary: string | undefined;
  description: string | undefined;
  /** RFC 3339 date-times as Google returns them. */
  start: string | undefined;
  end: string | undefined;
  timeZone: string | undefined;
  htmlLink: string | undefined;
  conference: {
    state: ConferenceState;
    conferenceId: string | undefined;
    /** The video entry point, else the event's `hangoutLink`. */
    joinUrl: string | undefined;
  };
}

/** The event in an answer, or undefined when the body is not one. */
export function readEvent(body: unknown): GoogleCalendarEvent | undefined {
  const parsed = eventSchema.safeParse(body);
  if (!parsed.success) return undefined;
  const event = parsed.data;
  const data = event.conferenceData;
  const video = data?.entryPoints?.find((entry) => entry.entryPointType === 'video')?.uri;
  const code = data?.createRequest?.status?.statusCode;
  let state: ConferenceState = 'none';
  if (code === 'pending' || code === 'success' || code === 'failure') state = code;
  // An event made with a conference already attached may carry entry points and no createRequest.
  else if (video !== undefined || event.hangoutLink !== undefined) state = 'success';
  return {
    id: event.id,
    status: event.status ?? 'confirmed',
    summary: event.summary,
    description: event.description,
    start: event.start?.dateTime ?? event.start?.date,
    end: event.end?.dateTime ?? event.end?.date,
    timeZone: event.start?.timeZone,
    htmlLink: event.htmlLink,
    conference: { state, conferenceId: data?.conferenceId, joinUrl: video ?? event.hangoutLink },
  };
}
