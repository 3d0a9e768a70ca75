import { z } from 'zod';
import { calendarDate, utcMillis } from './dates.js';
import type { MeetingType } from './model.js';

/** Validation of `POST /users/{userId}/meetings`, reporting the fields the way Zoom does. */

const LOCAL_OR_ZONED = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})?$/;

export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch (error) {
    if (error instanceof RangeError) return false;
    throw error;
  }
}

function offsetMs(utcMs: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(utcMs);
  const get = (type: string): number => Number(parts.find((part) => part.type === type)?.value ?? '0');
  const asUtc = utcMillis({ year: get('year'), month: get('month'), day: get('day') }, get('hour'), get('minute'), get('second'));
  return asUtc - Math.floor(utcMs / 1000) * 1000;
}

/** RFC 3339 / ISO 8601 offsets in use on Earth run from -12:00 to +14:00; ±14:00 is the bound either way. */
const MAX_OFFSET_MINUTES = 14 * 60;

function offsetMinutes(zone: string): number | null {
  const match = /^([+-])(\d{2}):(\d{2})$/.exec(zone);
  if (!match) return null;
  const hours = Number(match[2]);
  const minutes = Number(match[3]);
  if (minutes > 59) return null;
  const total = hours * 60 + minutes;
  if (total > MAX_OFFSET_MINUTES) return null;
  return match[1] === '-' ? -total : total;
}

/**
 * Zoom reads `yyyy-MM-ddTHH:mm:ssZ` as UTC and a time without a zone as local
 * time in the meeting's timezone. Returns epoch ms, or null when not a real instant.
 */
export function parseStartTime(text: string, timeZone: string): number | null {
  const match = LOCAL_OR_ZONED.exec(text);
  if (!match) return null;
  const [, y, mo, d, h, mi, s, zone] = match;
  const date = calendarDate(Number(y), Number(mo), Number(d));
  const [hour, minute, second] = [h, mi, s ?? '0'].map(Number) as [number, number, number];
  if (!date || hour > 23 || minute > 59 || second > 59) return null;
  const wallClock = utcMillis(date, hour, minute, second);
  if (zone === 'Z') return wallClock;
  if (zone !== undefined) {
    const offset = offsetMinutes(zone);
    return offset === null ? null : wallClock - offset * 60_000;
  }
  // Two passes settle on the right offset across a DST change.
  const first = wallClock - offsetMs(wallClock, timeZone);
  return wallClock - offsetMs(first, timeZone);
}

const meetingBodySchema = z.object({
  topic: z.string().max(200).optional(),
  type: z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(8)]).optional(),
  start_time: z.string().regex(LOCAL_OR_ZONED).optional(),
  duration: z.number().int().positive().max(100_000).optional(),
  timezone: z.string().refine(isTimeZone).optional(),
  agenda: z.string().max(2000).optional(),
  // Zoom passcodes: at most 10 characters of letters, digits and @ - _ *.
  password: z.string().max(10).regex(/^[A-Za-z0-9@_*-]*$/).optional(),
  settings: z.record(z.string(), z.unknown()).optional(),
});

export interface MeetingInput {
  topic: string;
  type: MeetingType;
  startMs: number | undefined;
  duration: number;
  timezone: string;
  agenda: string;
  password: string | undefined;
  settings: Record<string, unknown>;
}

export type MeetingInputResult = { ok: true; input: MeetingInput } | ReadFailure;

type ReadFailure = { ok: false; notAnObject: true } | { ok: false; fields: string[] };

function parseMeetingBody(body: unknown): { ok: true; data: z.infer<typeof meetingBodySchema> } | ReadFailure {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { ok: false, notAnObject: true };
  const parsed = meetingBodySchema.safeParse(body);
  if (parsed.success) return { ok: true, data: parsed.data };
  return { ok: false, fields: [...new Set(parsed.error.issues.map((issue) => issue.path.map(String).join('.') || 'body'))] };
}

/** What `PATCH /meetings/{id}` changes: only the fields sent; the rest of the meeting stays. */
export interface MeetingPatch {
  topic?: string;
  type?: MeetingType;
  startMs?: number;
  duration?: number;
  timezone?: string;
  agenda?: string;
  password?: string;
  settings?: Record<string, unknown>;
}

export type MeetingPatchResult = { ok: true; patch: MeetingPatch } | ReadFailure;

/** A local `start_time` is read in the patched timezone when one is sent, else in the meeting's. */
export function readMeetingPatch(body: unknown, meetingTimeZone: string): MeetingPatchResult {
  const parsed = parseMeetingBody(body);
  if (!parsed.ok) return parsed;
  const { start_time: startTime, ...rest } = parsed.data;
  const patch: MeetingPatch = {};
  if (rest.topic !== undefined) patch.topic = rest.topic;
  if (rest.type !== undefined) patch.type = rest.type;
  if (rest.duration !== undefined) patch.duration = rest.duration;
  if (rest.timezone !== undefined) patch.timezone = rest.timezone;
  if (rest.agenda !== undefined) patch.agenda = rest.agenda;
  if (rest.password !== undefined) patch.password = rest.password;
  if (rest.settings !== undefined) patch.settings = rest.settings;
  if (startTime !== undefined) {
    const startMs = parseStartTime(startTime, rest.timezone ?? meetingTimeZone);
    if (startMs === null) return { ok: false, fields: ['start_time'] };
    patch.startMs = startMs;
  }
  return { ok: true, patch };
}

export function readMeetingInput(body: unknown, hostTimeZone: string, now: number): MeetingInputResult {
  const parsed = parseMeetingBody(body);
  if (!parsed.ok) return parsed;
  const data = parsed.data;
  const type = data.type ?? 2;
  const timezone = data.timezone ?? hostTimeZone;
  let startMs: number | undefined;
  if (type === 2 || type === 8) {
    startMs = data.start_time === undefined ? now : (parseStartTime(data.start_time, timezone) ?? Number.NaN);
    if (Number.isNaN(startMs)) return { ok: false, fields: ['start_time'] };
  } else if (type === 1) {
    startMs = now;
  }
  return {
    ok: true,
    input: {
      topic: data.topic ?? 'Zoom meeting',
      type,
      startMs,
      duration: data.duration ?? 60,
      timezone,
      agenda: data.agenda ?? '',
      password: data.password,
      settings: data.settings ?? {},
    },
  };
}
