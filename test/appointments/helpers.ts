import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startGoogleEmulator, type GoogleFaults, type RunningGoogleEmulator } from '../../src/google-emulator/index.js';
import { ServiceClient, type Json, type Reply } from '../helpers/http-client.js';
import { startStack, type StackOptions, type TestStack } from '../helpers/stack.js';

export const HOST_DOMAIN = 'example.com';

/** The service with the Zoom emulator and, when asked, the Google emulator as the chain's last provider. */
export interface AppointmentStack {
  stack: TestStack;
  google: RunningGoogleEmulator;
  client: ServiceClient;
  put(jwt: string, appointmentId: string, body: unknown): Promise<Reply<Json>>;
  get(jwt: string, appointmentId: string): Promise<Reply<Json>>;
  del(jwt: string, appointmentId: string): Promise<Reply<Json>>;
  startUrl(jwt: string, appointmentId: string): Promise<Reply<Json>>;
  googleFaults(faults: GoogleFaults): Promise<void>;
  googleEvents(): Promise<GoogleEventView[]>;
  close(): Promise<void>;
}

export interface GoogleEventView {
  calendar: string;
  id: string;
  status: string;
  summary?: string;
  start: { dateTime: string; timeZone?: string };
}

export async function startAppointmentStack(options: { providers: string; env?: Record<string, string> } & Omit<StackOptions, 'env'>): Promise<AppointmentStack> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'zc-appt-'));
  const keyFile = path.join(dir, 'google-key.json');
  const google = await startGoogleEmulator({ serviceAccountOut: keyFile, domain: HOST_DOMAIN });
  const stack = await startStack({
    ...options,
    env: {
      MEETING_PROVIDERS: options.providers,
      GOOGLE_SERVICE_ACCOUNT_KEY_FILE: keyFile,
      GOOGLE_CALENDAR_API_BASE_URL: google.calendarApiUrl,
      ...options.env,
    },
  });
  const client = new ServiceClient(stack.baseUrl);
  const at = (id: string): string => `/api/appointments/${id}/meeting`;
  return {
    stack,
    google,
    client,
    put: (jwt, id, body) => client.call('PUT', at(id), { jwt, json: body }),
    get: (jwt, id) => client.get(at(id), { jwt }),
    del: (jwt, id) => client.call('DELETE', at(id), { jwt }),
    startUrl: (jwt, id) => client.get(`${at(id)}/start-url`, { jwt }),
    async googleFaults(faults) {
      const res = await fetch(`${google.url}/_emulator/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(faults) });
      if (!res.ok) throw new Error(`google faults: HTTP ${res.status} ${await res.text()}`);
    },
    async googleEvents() {
      return ((await (await fetch(`${google.url}/_emulator/events`)).json()) as { events: GoogleEventView[] }).events;
    },
    async close() {
      await stack.close();
      await google.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

let sequence = 0;
/** An appointment id and host no other test uses. */
export function uniqueAppointment(label: string): { appointmentId: string; hostId: string; hostEmail: string } {
  sequence += 1;
  const tag = `${label}-${sequence}-${Math.random().toString(36).slice(2, 8)}`;
  return { appointmentId: `appt_${tag}`, hostId: `host-${tag}`, hostEmail: `host-${tag}@${HOST_DOMAIN}` };
}

export function booking(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    topic: 'Intro call',
    startTime: '2027-03-01T10:00:00+01:00',
    durationMinutes: 30,
    timezone: 'Europe/Berlin',
    ...overrides,
  };
}
