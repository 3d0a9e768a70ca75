import type { Logger } from 'pino';
import { GoogleCalendarClient, GoogleHttp, parseServiceAccountKey, ServiceAccountTokenSource, type GoogleTokenSource, type NewMeetEvent } from '../../src/google/index.js';
import type { GoogleFaults, GoogleEmulatorStats, RunningGoogleEmulator } from '../../src/google-emulator/index.js';

/** The client wired to an emulator the way the service wires it, with waits short enough for tests. */
export interface ClientRig {
  http: GoogleHttp;
  tokens: ServiceAccountTokenSource;
  client: GoogleCalendarClient;
  close(): Promise<void>;
}

export function rig(emulator: RunningGoogleEmulator, logger: Logger, options: { tokens?: GoogleTokenSource; scopes?: string[]; timeoutMs?: number; conferencePolls?: number } = {}): ClientRig {
  const http = new GoogleHttp({ timeoutMs: options.timeoutMs ?? 5_000, logger, baseBackoffMs: 5, maxRetries: 2 });
  const tokens = new ServiceAccountTokenSource({ key: parseServiceAccountKey(emulator.keyFile), http, ...(options.scopes ? { scopes: options.scopes } : {}) });
  const client = new GoogleCalendarClient({
    baseUrl: emulator.calendarApiUrl,
    tokens: options.tokens ?? tokens,
    logger,
    http,
    conferencePolls: options.conferencePolls ?? 5,
    conferencePollBaseMs: 5,
  });
  return { http, tokens, client, close: () => http.close() };
}

export async function control(emulator: RunningGoogleEmulator, path: 'reset' | 'expire-tokens'): Promise<void> {
  const res = await fetch(`${emulator.url}/_emulator/${path}`, { method: 'POST' });
  if (!res.ok) throw new Error(`emulator ${path}: HTTP ${res.status}`);
}

export async function setFaults(emulator: RunningGoogleEmulator, faults: GoogleFaults): Promise<void> {
  const res = await fetch(`${emulator.url}/_emulator/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(faults) });
  if (!res.ok) throw new Error(`emulator faults: HTTP ${res.status} ${await res.text()}`);
}

export async function stats(emulator: RunningGoogleEmulator): Promise<GoogleEmulatorStats> {
  return (await (await fetch(`${emulator.url}/_emulator/stats`)).json()) as GoogleEmulatorStats;
}

export interface StoredEventView {
  calendar: string;
  id: string;
  status: string;
  summary?: string;
  start: { dateTime: string; timeZone?: string };
  end: { dateTime: string; timeZone?: string };
}

export async function storedEvents(emulator: RunningGoogleEmulator): Promise<StoredEventView[]> {
  return ((await (await fetch(`${emulator.url}/_emulator/events`)).json()) as { events: StoredEventView[] }).events;
}

export const HOST = 'ava.thompson@example.com';
export const OTHER_HOST = 'mateo.garcia@example.com';

export function meeting(id: string, overrides: Partial<NewMeetEvent> = {}): NewMeetEvent {
  return {
    id,
    summary: 'Intro call',
    description: 'Booked through the demo',
    start: '2027-03-01T10:00:00+01:00',
    end: '2027-03-01T10:30:00+01:00',
    timeZone: 'Europe/Berlin',
    requestId: `req-${id}`,
    ...overrides,
  };
}
