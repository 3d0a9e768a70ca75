import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startGoogleEmulator, type GoogleFaults, type RunningGoogleEmulator } from '../../src/google-emulator/index.js';
import { ServiceClient, type Json, type Reply } from '../helpers/http-client.js';
import { startStack, type StackOptions, type TestStack } from '../helpers/stack.js';

export const HOST_DOMAIN = 'example.com';
export const S2S = { accountId: 'acct-appointments-test', clientId: 's2s-test-client', clientSecret: 's2s-test-secret-0123456789' };

/** The environment that gives the service the emulator's Server-to-Server app. */
export const S2S_ENV = { ZOOM_S2S_ACCOUNT_ID: S2S.accountId, ZOOM_S2S_CLIENT_ID: S2S.clientId, ZOOM_S2S_CLIENT_SECRET: S2S.clientSecret };

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

export async function startAppointmentStack(
  options: { providers: string; env?: Record<string, string>; s2s?: boolean } & Omit<StackOptions, 'env'>,
): Promise<AppointmentStack> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'zc-appt-'));
  const keyFile = path.join(dir, 'google-key.json');
  const google = await startGoogleEmulator({ serviceAccountOut: keyFile, domain: HOST_DOMAIN });
  const stack = await startStack({
    ...options,
    emulator: { ...options.emulator, ...(options.s2s ? { serverToServer: S2S } : {}) },
    env: {
      ...(options.s2s ? S2S_ENV : {}),
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

/**
 * Reads Zoom's side of things as an administrator would: the emulator's own
 * API with a Server-to-Server token of its own (not the service's client).
 */
export class ZoomAdmin {
  private token: string | undefined;

  constructor(private readonly emulatorUrl: string) {}

  async meeting(meetingId: string): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await fetch(`${this.emulatorUrl}/v2/meetings/${meetingId}`, { headers: { authorization: `Bearer ${await this.accessToken()}` } });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  async meetingsOf(user: string): Promise<Array<Record<string, unknown>>> {
    const res = await fetch(`${this.emulatorUrl}/v2/users/${encodeURIComponent(user)}/meetings?page_size=300`, {
      headers: { authorization: `Bearer ${await this.accessToken()}` },
    });
    if (!res.ok) throw new Error(`meetings of ${user}: HTTP ${res.status}`);
    return ((await res.json()) as { meetings: Array<Record<string, unknown>> }).meetings;
  }

  async deleteMeeting(meetingId: string): Promise<number> {
    const res = await fetch(`${this.emulatorUrl}/v2/meetings/${meetingId}`, { method: 'DELETE', headers: { authorization: `Bearer ${await this.accessToken()}` } });
    return res.status;
  }

  private async accessToken(): Promise<string> {
    if (this.token) return this.token;
    const res = await fetch(`${this.emulatorUrl}/oauth/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${S2S.clientId}:${S2S.clientSecret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ grant_type: 'account_credentials', account_id: S2S.accountId }).toString(),
    });
    this.token = ((await res.json()) as { access_token: string }).access_token;
    return this.token;
  }
}
