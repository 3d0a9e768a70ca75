import type { MeetingProviderId } from '../store/types.js';

/** Why one provider did not make the meeting; shown to the app as `provider: reason`. */
export interface ProviderReason {
  provider: MeetingProviderId;
  reason: string;
}

/**
 * How a provider call failed, as the chain needs to know it:
 * - `cannot_serve`: this provider cannot serve this host (not connected,
 *   needs_reauth, inactive, missing scope, host unknown to the account): fall through.
 * - `unavailable`: the provider is down after its retries (or rate limiting): fall through on create, 503 otherwise.
 * - `unknown_outcome`: a create was sent and no answer came: reconcile before anything else.
 * - `not_found`: the meeting is gone at the provider.
 */
export type ProviderFailureKind = 'cannot_serve' | 'unavailable' | 'unknown_outcome' | 'not_found';

export class ProviderError extends Error {
  constructor(
    readonly kind: ProviderFailureKind,
    /** Short and secret-free: `needs_reauth`, `host_unknown`, `unavailable`, ... */
    readonly reason: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(`meeting provider failure: ${kind} (${reason})`);
    this.name = 'ProviderError';
  }
}

export type AppointmentErrorCode = 'appointment_meeting_not_found' | 'no_meeting_provider' | 'meeting_provider_unavailable' | 'no_start_url';

/** The appointment operations' own failures; `reasons` says what each provider answered. */
export class AppointmentError extends Error {
  constructor(
    readonly code: AppointmentErrorCode,
    message: string,
    readonly reasons: ProviderReason[] = [],
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'AppointmentError';
  }
}

export function describeReasons(reasons: readonly ProviderReason[]): string | null {
  return reasons.length === 0 ? null : reasons.map((r) => `${r.provider}: ${r.reason}`).join('; ');
}

export const meetingNotFound = (appointmentId: string): AppointmentError =>
  new AppointmentError('appointment_meeting_not_found', `Appointment "${appointmentId}" has no meeting.`);
