import type { AppointmentRequest, MeetingProviderId } from '../store/types.js';

/** Who the meeting is for: the app's user (JWT `sub`) and, when the app gave it, their email. */
export interface MeetingHost {
  hostId: string;
  hostEmail: string | null;
}

/** A meeting as a provider made it; no start URL (a credential, fetched fresh when asked). */
export interface ProviderMeeting {
  meetingId: string;
  joinUrl: string;
  passcode: string | null;
}

/**
 * One way to make a meeting. Every method throws ProviderError for the
 * failures the chain branches on (and ConnectError for a request the
 * provider refused as invalid). `marker` is unique to one create attempt:
 * a provider puts it where `find` can see it again after a lost answer.
 */
export interface MeetingProvider {
  readonly name: MeetingProviderId;
  create(host: MeetingHost, request: AppointmentRequest, marker: string): Promise<ProviderMeeting>;
  /** The meeting a create with `marker` made, or null when it made none. */
  find(host: MeetingHost, request: AppointmentRequest, marker: string): Promise<ProviderMeeting | null>;
  /** Brings the meeting in line with `request`; answers it as it now is. */
  update(host: MeetingHost, meetingId: string, request: AppointmentRequest): Promise<ProviderMeeting>;
  /** Cancels it; `gone` when the provider no longer had it. */
  cancel(host: MeetingHost, meetingId: string): Promise<'cancelled' | 'gone'>;
  /** The host's start link, fetched fresh; null when the provider has none (Google Meet). */
  startUrl(host: MeetingHost, meetingId: string): Promise<string | null>;
}
