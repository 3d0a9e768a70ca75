import type { EventTime } from './state.js';

/** A field Google would refuse, with its reason and message. */
export class EventInputError extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

const EVENT_ID = /^[a-v0-9]{5,1024}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})?$/;

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export function checkEventId(id: unknown): string {
  if (typeof id !== 'string' || !EVENT_ID.test(id)) throw new EventInputError('invalid', 'Invalid resource id value.');
  return id;
}

function asObject(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** `start`/`end` as Google reads them: a dateTime, with an offset or a timeZone. */
export function readEventTime(value: unknown, which: 'start' | 'end'): EventTime {
  const time = asObject(value);
  if (time === undefined) throw new EventInputError('required', `Missing ${which} time.`);
  const dateTime = time['dateTime'];
  const timeZone = time['timeZone'];
  if (typeof dateTime !== 'string') throw new EventInputError('required', `Missing ${which} time.`);
  if (!DATE_TIME.test(dateTime) || Number.isNaN(instant({ dateTime, timeZone: undefined }))) throw new EventInputError('invalid', `Invalid ${which} time.`);
  if (timeZone !== undefined && (typeof timeZone !== 'string' || !isTimeZone(timeZone))) {
    throw new EventInputError('timeZoneInvalid', `Invalid time zone definition for ${which} time.`);
  }
  if (!hasOffset(dateTime) && timeZone === undefined) throw new EventInputError('required', `Missing time zone definition for ${which} time.`);
  return { dateTime, timeZone };
}

function hasOffset(dateTime: string): boolean {
  return /(Z|[+-]\d{2}:\d{2})$/.test(dateTime);
}

/** Milliseconds since the epoch; a time without offset is read as UTC (only order matters here). */
function instant(time: EventTime): number {
  return Date.parse(hasOffset(time.dateTime) ? time.dateTime : `${time.dateTime}Z`);
}

export function checkRange(start: EventTime, end: EventTime): void {
  if (instant(end) < instant(start)) throw new EventInputError('timeRangeEmpty', 'The specified time range is empty.');
}

export function optionalText(value: unknown, field: string, max: number): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value.length > max) throw new EventInputError('invalid', `Invalid value for: ${field}`);
  return value;
}

/** The conference request of an insert, when it asks for a Meet. */
export function readCreateRequest(value: unknown): string | undefined {
  const data = asObject(value);
  if (data === undefined) return undefined;
  const request = asObject(data['createRequest']);
  if (request === undefined) return undefined;
  const key = asObject(request['conferenceSolutionKey']);
  if (key?.['type'] !== 'hangoutsMeet') throw new EventInputError('invalid', 'Invalid conference type value.');
  const requestId = request['requestId'];
  if (typeof requestId !== 'string' || requestId === '' || requestId.length > 1024) throw new EventInputError('invalid', 'Invalid conference request id.');
  return requestId;
}

export { asObject };
