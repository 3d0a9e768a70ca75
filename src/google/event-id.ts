import { createHash } from 'node:crypto';

/** Google's alphabet for client-chosen event ids (RFC 4648 base32hex, lowercase). */
const BASE32HEX = '0123456789abcdefghijklmnopqrstuv';
const EVENT_ID = /^[a-v0-9]{5,1024}$/;

function base32hex(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += BASE32HEX[(buffer >> bits) & 31];
    }
    buffer &= (1 << bits) - 1;
  }
  return bits > 0 ? out + BASE32HEX[(buffer << (5 - bits)) & 31] : out;
}

/**
 * The event id one appointment always gets on its host's calendar, so a create
 * whose answer was lost is found again (409) instead of made twice. Email case
 * does not change the host. `generation` moves to a fresh id once an event was
 * deleted, because Google never lets a deleted id be inserted again.
 */
export function googleEventId(hostEmail: string, appointmentId: string, generation = 0): string {
  if (!Number.isInteger(generation) || generation < 0) throw new RangeError('generation must be a non-negative integer');
  const digest = createHash('sha256').update(`${hostEmail.trim().toLowerCase()}\n${appointmentId}\n${generation}`).digest();
  // A fixed prefix ("ap", for appointment) makes ours recognisable in a calendar's raw data.
  return `ap${base32hex(digest)}`;
}

/** Whether Google accepts `id` as a client-chosen event id. */
export function isValidGoogleEventId(id: string): boolean {
  return EVENT_ID.test(id);
}
