/**
 * Which meeting providers serve appointments, in which order, and their
 * credentials: `MEETING_PROVIDERS`, `ZOOM_S2S_*`, `GOOGLE_SERVICE_ACCOUNT_KEY_FILE`,
 * `GOOGLE_CALENDAR_API_BASE_URL`. Problems name the variable, never a secret.
 */

export const MEETING_PROVIDER_NAMES = ['zoom_user', 'zoom_account', 'google_meet'] as const;
export type MeetingProviderName = (typeof MEETING_PROVIDER_NAMES)[number];

export const DEFAULT_MEETING_PROVIDERS: readonly MeetingProviderName[] = MEETING_PROVIDER_NAMES;
export const DEFAULT_GOOGLE_CALENDAR_API_BASE_URL = 'https://www.googleapis.com/calendar/v3';

export interface ZoomS2SCredentials {
  accountId: string;
  clientId: string;
  clientSecret: string;
}

export interface MeetingProvidersConfig {
  /** The chain as asked for; a provider without credentials is skipped at run time with the reason `not_configured`. */
  order: MeetingProviderName[];
  zoomS2S: ZoomS2SCredentials | undefined;
  googleServiceAccountKeyFile: string | undefined;
  googleCalendarApiBaseUrl: string;
}

export interface ParsedMeetingProviders {
  config: MeetingProvidersConfig;
  problems: string[];
}

function value(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const v = env[name]?.trim();
  return v === undefined || v === '' ? undefined : v;
}

export function parseMeetingProviders(env: NodeJS.ProcessEnv): ParsedMeetingProviders {
  const problems: string[] = [];
  const order = parseOrder(value(env, 'MEETING_PROVIDERS'), problems);

  const accountId = value(env, 'ZOOM_S2S_ACCOUNT_ID');
  const clientId = value(env, 'ZOOM_S2S_CLIENT_ID');
  const clientSecret = value(env, 'ZOOM_S2S_CLIENT_SECRET');
  const s2sSet = [accountId, clientId, clientSecret].filter((v) => v !== undefined).length;
  if (s2sSet > 0 && s2sSet < 3) {
    problems.push('ZOOM_S2S_ACCOUNT_ID, ZOOM_S2S_CLIENT_ID and ZOOM_S2S_CLIENT_SECRET: set all three (your Server-to-Server OAuth app) or none');
  }
  const zoomS2S = accountId && clientId && clientSecret ? { accountId, clientId, clientSecret } : undefined;

  const base = value(env, 'GOOGLE_CALENDAR_API_BASE_URL') ?? DEFAULT_GOOGLE_CALENDAR_API_BASE_URL;
  if (!isHttpUrl(base)) problems.push('GOOGLE_CALENDAR_API_BASE_URL: must be an absolute http(s) URL');

  return {
    config: {
      order,
      zoomS2S,
      googleServiceAccountKeyFile: value(env, 'GOOGLE_SERVICE_ACCOUNT_KEY_FILE'),
      googleCalendarApiBaseUrl: base.endsWith('/') ? base.slice(0, -1) : base,
    },
    problems,
  };
}

function parseOrder(raw: string | undefined, problems: string[]): MeetingProviderName[] {
  if (raw === undefined) return [...DEFAULT_MEETING_PROVIDERS];
  const names = raw.split(',').map((s) => s.trim()).filter(Boolean);
  const order: MeetingProviderName[] = [];
  for (const name of names) {
    if (!isProviderName(name)) {
      problems.push(`MEETING_PROVIDERS: "${name}" is not a provider (expected some of ${MEETING_PROVIDER_NAMES.join(', ')})`);
    } else if (order.includes(name)) {
      problems.push(`MEETING_PROVIDERS: "${name}" appears twice`);
    } else {
      order.push(name);
    }
  }
  if (names.length === 0) problems.push(`MEETING_PROVIDERS: empty (expected some of ${MEETING_PROVIDER_NAMES.join(', ')}, comma separated)`);
  return order;
}

export function isProviderName(name: string): name is MeetingProviderName {
  return (MEETING_PROVIDER_NAMES as readonly string[]).includes(name);
}

function isHttpUrl(v: string): boolean {
  try {
    const u = new URL(v);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}
