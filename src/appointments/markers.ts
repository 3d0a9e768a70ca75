import { randomBytes } from 'node:crypto';

/**
 * A marker identifies one create attempt. Zoom has no idempotency key, so
 * the marker rides in the meeting's agenda and a lost answer is reconciled
 * by listing the host's meetings; Google takes a client-chosen event id,
 * derived from the marker (src/google's googleEventId).
 */
export function newMarker(): string {
  return `zc${randomBytes(10).toString('hex')}`;
}

const AGENDA_TAG = 'Ref: ';

/** The agenda the provider stores: the app's text, then the marker on its own line. */
export function agendaWithMarker(agenda: string | null, marker: string): string {
  return agenda ? `${agenda}\n\n${AGENDA_TAG}${marker}` : `${AGENDA_TAG}${marker}`;
}

export function agendaHasMarker(agenda: unknown, marker: string): boolean {
  return typeof agenda === 'string' && agenda.endsWith(`${AGENDA_TAG}${marker}`);
}

/** A new agenda for a meeting made earlier, keeping the marker line it was made with. */
export function agendaKeepingMarker(stored: string, agenda: string | null): string {
  const at = stored.lastIndexOf(`${AGENDA_TAG}zc`);
  if (at < 0) return agenda ?? '';
  const markerLine = stored.slice(at);
  return agenda ? `${agenda}\n\n${markerLine}` : markerLine;
}
