/**
 * Calendar arithmetic without `Date.UTC`, which reads years 0–99 as 1900–1999
 * (so `0050-01-01` would compare as 1950). Years are also bounded: nothing in
 * Zoom predates 1970, and such dates are typos, not data.
 */
export const MIN_YEAR = 1970;
export const MAX_YEAR = 9999;

export interface CalendarDate {
  year: number;
  month: number;
  day: number;
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** A real day within the supported years, or null. */
export function calendarDate(year: number, month: number, day: number): CalendarDate | null {
  if (!Number.isInteger(year) || year < MIN_YEAR || year > MAX_YEAR) return null;
  if (!Number.isInteger(month) || month < 1 || month > 12) return null;
  if (!Number.isInteger(day) || day < 1 || day > daysInMonth(year, month)) return null;
  return { year, month, day };
}

/** `yyyy-mm-dd`, as the recordings endpoint takes `from` and `to`. */
export function parseCalendarDate(text: string): CalendarDate | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return null;
  return calendarDate(Number(match[1]), Number(match[2]), Number(match[3]));
}

export function formatCalendarDate(date: CalendarDate): string {
  const pad = (value: number, width: number): string => String(value).padStart(width, '0');
  return `${pad(date.year, 4)}-${pad(date.month, 2)}-${pad(date.day, 2)}`;
}

/** Same day next month, clamped to that month's end (Jan 31 → Feb 28/29). */
export function oneMonthAfter(date: CalendarDate): CalendarDate {
  const year = date.month === 12 ? date.year + 1 : date.year;
  const month = date.month === 12 ? 1 : date.month + 1;
  return { year, month, day: Math.min(date.day, daysInMonth(year, month)) };
}

/** Epoch milliseconds of a UTC wall-clock time; `setUTCFullYear` takes the year literally. */
export function utcMillis(date: CalendarDate, hour: number, minute: number, second: number): number {
  const at = new Date(0);
  at.setUTCFullYear(date.year, date.month - 1, date.day);
  at.setUTCHours(hour, minute, second, 0);
  return at.getTime();
}
