import { ConnectError } from './errors.js';

/** Zoom lists recordings over at most one month; a calendar date that does not exist is refused too. */
export function checkRecordingRange(from: string | undefined, to: string | undefined): void {
  const f = from === undefined ? undefined : parseDay(from, 'from');
  const t = to === undefined ? undefined : parseDay(to, 'to');
  if (f && t) {
    if (t < f) throw invalid('to', '`to` is before `from`.');
    if (t > oneMonthAfter(f)) throw invalid('to', '`from` and `to` are more than one month apart (Zoom\'s limit).');
  }
}

/**
 * The same day of the next month, or that month's last day when it is
 * shorter (31 Jan → 28/29 Feb). setUTCMonth would roll 31 Jan over into
 * March and let through a range Zoom then refuses.
 */
function oneMonthAfter(day: Date): Date {
  const year = day.getUTCFullYear();
  const month = day.getUTCMonth() + 1;
  // setUTCFullYear, not Date.UTC: Date.UTC reads years 0-99 as 1900-1999.
  const lastDayOfMonth = utcDay(year, month + 1, 0).getUTCDate();
  return utcDay(year, month, Math.min(day.getUTCDate(), lastDayOfMonth));
}

function utcDay(year: number, month: number, day: number): Date {
  const d = new Date(0);
  d.setUTCFullYear(year, month, day);
  return d;
}

function parseDay(value: string, field: string): Date {
  const d = new Date(`${value}T00:00:00Z`);
  if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== value) throw invalid(field, `\`${field}\` is not a real calendar date.`);
  return d;
}

function invalid(field: string, message: string): ConnectError {
  return new ConnectError('validation_failed', message, { fieldErrors: [{ field, message }] });
}
