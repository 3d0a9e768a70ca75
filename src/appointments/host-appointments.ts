import { ConnectError } from '../connections/errors.js';
import { isAppUserId } from '../connections/identifiers.js';
import type { AppointmentMeetingView, AppointmentMeetings, EnsureResult } from './appointment-meetings.js';
import { checkAppointmentId, parseAppointmentRequest, type AppointmentMeetingInput } from './request.js';

/**
 * One host's appointment meetings from server code: the same operations,
 * checks and errors as `PUT|GET|DELETE /api/appointments/{id}/meeting` and
 * its start link, for an app that embeds Zoom Connect. Input is validated at
 * run time (plain JavaScript may pass anything): `validation_failed` names the field.
 */
export interface HostAppointments {
  readonly hostId: string;
  /** Creates the meeting, or brings it in line (reschedule, new topic); `created` says which. */
  ensure(appointmentId: string, input: AppointmentMeetingInput): Promise<EnsureResult>;
  get(appointmentId: string): Promise<AppointmentMeetingView>;
  /** Idempotent: a meeting already gone counts as cancelled. */
  cancel(appointmentId: string): Promise<void>;
  /** The host's start link, fetched fresh (a credential: never stored). */
  startUrl(appointmentId: string): Promise<string>;
}

export function hostAppointments(appointments: AppointmentMeetings, hostIdInput: unknown): HostAppointments {
  if (typeof hostIdInput !== 'string' || !isAppUserId(hostIdInput)) {
    const message = 'must be the app user id of the host: 1-256 characters, no control characters';
    throw new ConnectError('validation_failed', `Invalid hostId: ${message}.`, { fieldErrors: [{ field: 'hostId', message }] });
  }
  const hostId = hostIdInput;
  return {
    hostId,
    ensure: async (id, input) => appointments.ensure(hostId, checkAppointmentId(id), parseAppointmentRequest(input)),
    get: async (id) => appointments.get(hostId, checkAppointmentId(id)),
    cancel: async (id) => appointments.cancel(hostId, checkAppointmentId(id)),
    startUrl: async (id) => appointments.startUrl(hostId, checkAppointmentId(id)),
  };
}
