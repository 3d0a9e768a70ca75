import type { MeetingProvidersConfig } from '../config/meeting-providers.js';
import type { Logger } from '../config/logger.js';
import type { AppointmentMetrics } from '../metrics/index.js';
import type { Clock } from '../connections/context.js';
import type { TokenManager } from '../connections/index.js';
import type { MeetingProviderId, Store } from '../store/types.js';
import { ZoomMeetingsApi, ZoomS2SOAuthClient, type ZoomTransport } from '../zoom/index.js';
import { AppointmentMeetings } from './appointment-meetings.js';
import type { MeetingProvider } from './provider.js';
import { zoomAccountProvider } from './providers/zoom-account.js';
import { zoomUserProvider } from './providers/zoom-user.js';
import { S2STokenSource } from './s2s-tokens.js';

export * from './errors.js';
export { checkAppointmentId, parseAppointmentRequest, type AppointmentMeetingInput } from './request.js';
export { hostAppointments, type HostAppointments } from './host-appointments.js';
export type { AppointmentRequest } from '../store/types.js';
export type { MeetingProvider, MeetingHost, ProviderMeeting } from './provider.js';
export { type AppointmentMeetingView, type EnsureResult } from './appointment-meetings.js';
export { APPOINTMENT_EVENT_VERSION, type AppointmentEventType } from '../events/index.js';
export { AppointmentMeetings, S2STokenSource };

export interface AppointmentsDeps {
  config: MeetingProvidersConfig;
  store: Store;
  tokens: TokenManager;
  transport: ZoomTransport;
  zoom: { oauthBaseUrl: string; apiBaseUrl: string };
  clock: Clock;
  logger: Logger;
  /** How long a request waits behind another on the same appointment (and on the S2S token lock). */
  lockTimeoutMs: number;
  /** The `google_meet` provider, when one is configured (a service account, or the host's token function). */
  googleMeet?: MeetingProvider;
  metrics?: AppointmentMetrics;
}

/** The appointment-meeting domain wired to the configured providers. */
export function createAppointments(deps: AppointmentsDeps): AppointmentMeetings {
  const api = new ZoomMeetingsApi(deps.transport, deps.zoom.apiBaseUrl);
  const providers: Partial<Record<MeetingProviderId, MeetingProvider>> = {
    zoom_user: zoomUserProvider(api, deps.tokens),
  };
  const s2s = deps.config.zoomS2S;
  if (s2s) {
    const client = new ZoomS2SOAuthClient({ ...s2s, oauthBaseUrl: deps.zoom.oauthBaseUrl }, deps.transport);
    const source = new S2STokenSource({ store: deps.store, client, clock: deps.clock, lockTimeoutMs: deps.lockTimeoutMs });
    providers.zoom_account = zoomAccountProvider(api, source, deps.store, deps.zoom.apiBaseUrl);
  }
  if (deps.googleMeet) providers.google_meet = deps.googleMeet;
  return new AppointmentMeetings({
    store: deps.store,
    order: deps.config.order,
    providers,
    clock: deps.clock,
    logger: deps.logger,
    lockTimeoutMs: deps.lockTimeoutMs,
    metrics: deps.metrics,
  });
}
