/**
 * `Retry-After` is either delta-seconds or an HTTP-date (RFC 9110 §10.2.3).
 * Returns whole seconds from `now`, at least 0, or undefined when absent or
 * unparseable. Anything else (a fraction, a sign, a bare number Date.parse
 * would happily read as a year) is unparseable, not "retry now".
 */
export function parseRetryAfter(value: string | string[] | undefined, now: number = Date.now()): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined) return undefined;
  const trimmed = raw.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  // HTTP-date always starts with a day name: "Sun, 06 Nov 1994 08:49:37 GMT" (and the two obsolete forms).
  if (!/^[A-Za-z]{3}/.test(trimmed)) return undefined;
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
