// Zoom's rate-limit documentation writes a daily limit's reset as ISO 8601 (`2020-05-31T00:00:00Z`).
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/i;

/**
 * `Retry-After` is delta-seconds or an HTTP-date (RFC 9110 §10.2.3), or from
 * Zoom an ISO 8601 time with a zone. Returns whole seconds from `now`, at
 * least 0, or undefined when absent or unparseable. Anything else (a
 * fraction, a sign, a bare date or number Date.parse would happily read) is
 * unparseable, not "retry now".
 */
export function parseRetryAfter(value: string | string[] | undefined, now: number = Date.now()): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined) return undefined;
  const trimmed = raw.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  // HTTP-date always starts with a day name: "Sun, 06 Nov 1994 08:49:37 GMT" (and the two obsolete forms).
  if (!/^[A-Za-z]{3}/.test(trimmed) && !ISO_DATE_TIME.test(trimmed)) return undefined;
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - now) / 1000));
}

/** Zoom's daily rate limits reset at 00:00 UTC: the seconds until then, for a daily 429 that does not say. */
export function secondsUntilUtcMidnight(now: number = Date.now()): number {
  const next = new Date(now);
  next.setUTCHours(24, 0, 0, 0);
  return Math.max(1, Math.ceil((next.getTime() - now) / 1000));
}
