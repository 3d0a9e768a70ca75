/**
 * Ids that cross into the database and the logs: a control character is
 * never part of a real one (PostgreSQL refuses NUL outright, and a newline
 * would forge a log line), so they are refused at the edge as bad input.
 */
export function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

/** An app user id as the service stores it: 1-256 characters, no control characters. */
export function isAppUserId(id: string): boolean {
  return id.length > 0 && id.length <= 256 && !hasControlCharacter(id);
}

/** Zoom's user ids are short opaque strings. */
export function isZoomUserId(id: string): boolean {
  return id.length > 0 && id.length <= 128 && !hasControlCharacter(id);
}
