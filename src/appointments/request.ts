import { ConnectError } from '../connections/errors.js';
import type { AppointmentRequest } from '../store/types.js';

/**
 * What a caller asks of an appointment's meeting, checked field by field in
 * the domain, so the HTTP route and the embedded API refuse the same input
 * with the same words. Each refusal is `validation_failed` naming the field.
 */

/** The wire form: what `PUT /api/appointments/{id}/meeting` and `appointments(host).ensure` take. */
export interface AppointmentMeetingInput {
  topic: string;
  /** RFC 3339 with an offset, e.g. 2026-12-01T10:00:00+01:00. */
  startTime: string;
  durationMinutes: number;
  /** IANA time zone, e.g. Europe/Berlin. */
  timezone: string;
  agenda?: string | undefined;
  hostEmail?: string | undefined;
}

const FIELDS = new Set(['topic', 'startTime', 'durationMinutes', 'timezone', 'agenda', 'hostEmail']);
const APPOINTMENT_ID = /^[A-Za-z0-9_-]{1,128}$/;
// RFC 3339 §5.6: a date-time carries its offset; a local time would be read in the server's zone.
const RFC3339_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;
const EMAIL = /^[^\s@]+@[^\s@]+$/;

export function checkAppointmentId(value: unknown): string {
  if (typeof value !== 'string' || !APPOINTMENT_ID.test(value)) {
    throw invalid('appointmentId', 'must be 1-128 characters of A-Z, a-z, 0-9, _ and -');
  }
  return value;
}

export function parseAppointmentRequest(input: unknown): AppointmentRequest {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw invalid('(body)', 'must be an object');
  const o = input as Record<string, unknown>;
  for (const key of Object.keys(o)) if (!FIELDS.has(key)) throw invalid(key, 'is not a known field');
  const topic = text(o.topic, 'topic', 1, 200);
  const startTime = text(o.startTime, 'startTime', 1, 40);
  if (!RFC3339_WITH_OFFSET.test(startTime) || Number.isNaN(Date.parse(startTime)) || !isCalendarDay(startTime.slice(0, 10))) {
    throw invalid('startTime', 'must be an RFC 3339 date-time with an offset, such as 2026-12-01T10:00:00+01:00');
  }
  const durationMinutes = o.durationMinutes;
  if (typeof durationMinutes !== 'number' || !Number.isInteger(durationMinutes) || durationMinutes < 1 || durationMinutes > 1440) {
    throw invalid('durationMinutes', 'must be a whole number of minutes from 1 to 1440');
  }
  const timezone = text(o.timezone, 'timezone', 1, 64);
  if (!isIanaZone(timezone)) throw invalid('timezone', 'must be an IANA time zone such as Europe/Berlin');
  const agenda = o.agenda === undefined ? null : text(o.agenda, 'agenda', 0, 1500);
  const hostEmail = o.hostEmail === undefined ? null : text(o.hostEmail, 'hostEmail', 3, 254);
  if (hostEmail !== null && !EMAIL.test(hostEmail)) throw invalid('hostEmail', 'must be an e-mail address');
  return { topic, startTime: new Date(startTime), durationMinutes, timezone, agenda, hostEmail };
}

function text(value: unknown, field: string, min: number, max: number): string {
  if (value === undefined) throw invalid(field, 'is required');
  if (typeof value !== 'string') throw invalid(field, 'must be a string');
  if (value.length < min || value.length > max) throw invalid(field, min > 0 ? `must be ${min}-${max} characters` : `must be at most ${max} characters`);
  return value;
}

/** Date.parse rolls 30 February over into March; a day that does not exist is refused instead. */
function isCalendarDay(day: string): boolean {
  const d = new Date(`${day}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === day;
}

function isIanaZone(zone: string): boolean {
  if (!/^[A-Za-z0-9_+/-]+$/.test(zone)) return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch (err) {
    if (err instanceof RangeError) return false;
    throw err;
  }
}

function invalid(field: string, message: string): ConnectError {
  return new ConnectError('validation_failed', `Invalid appointment: ${field} ${message}.`, { fieldErrors: [{ field, message }] });
}
