/**
 * RFC 9110 §10.2.3: `Retry-After = HTTP-date / delay-seconds`; Zoom's
 * rate-limit documentation shows a third form, an ISO 8601 UTC time
 * (`Retry-After: 2020-05-31T00:00:00Z`). A configured value goes into a
 * response header verbatim, so anything else must be refused when the fault
 * is set, not discovered as a crash on the first limited call.
 */

/** RFC 9111 §1.2.2: delta-seconds beyond 2^31 are to be read as 2^31. */
export const MAX_DELAY_SECONDS = 2_147_483_648;

// RFC 9110 §5.6.7: IMF-fixdate is the one form senders generate.
const IMF_FIXDATE = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;

function isImfFixdate(text: string): boolean {
  if (!IMF_FIXDATE.test(text)) return false;
  // Formatting back catches what the pattern cannot: 31 Feb, hour 25, a weekday that does not fit the date.
  const date = new Date(text);
  return !Number.isNaN(date.getTime()) && date.toUTCString() === text;
}

const ISO_UTC = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$/;

/** Only the form Zoom documents: seconds precision, UTC `Z`; a date that does not exist is refused. */
function isIsoUtcTime(text: string): boolean {
  if (!ISO_UTC.test(text)) return false;
  const date = new Date(text);
  return !Number.isNaN(date.getTime()) && date.toISOString().replace('.000Z', 'Z') === text;
}

export function isRetryAfterValue(text: string): boolean {
  if (/^\d{1,10}$/.test(text)) return Number(text) <= MAX_DELAY_SECONDS;
  return isImfFixdate(text) || isIsoUtcTime(text);
}
