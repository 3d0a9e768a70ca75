import { z } from 'zod';

/**
 * What happens to an appointment's meeting (docs/appointments.md), written
 * to the outbox in the transaction that changes it. Each type has a schema
 * here, checked before the event is written and published as JSON Schema
 * (`zoom-connect events schemas`). Extra fields a later version adds are
 * allowed through: receivers read the ones they know.
 */
export const APPOINTMENT_EVENT_TYPES = [
  'appointment.meeting.created',
  'appointment.meeting.updated',
  'appointment.meeting.moved',
  'appointment.meeting.cancelled',
  'appointment.meeting.failed',
] as const;

export type AppointmentEventType = (typeof APPOINTMENT_EVENT_TYPES)[number];

/** Bumped when an appointment event's payload changes incompatibly. */
export const APPOINTMENT_EVENT_VERSION = 1;

const PROVIDER = z.enum(['zoom_user', 'zoom_account', 'google_meet']);
const PROVIDER_REASON = z.object({ provider: z.string(), reason: z.string() });

function appointmentEventSchema<T extends AppointmentEventType>(type: T, extra: z.ZodRawShape) {
  return z.looseObject({
    id: z.string().min(1).describe('Event id; also the webhook-id header, stable across retries'),
    type: z.literal(type),
    version: z.literal(APPOINTMENT_EVENT_VERSION),
    occurredAt: z.iso.datetime().describe('When the change was committed (ISO-8601, UTC)'),
    appUserId: z.string().min(1).describe('The host: the app user (JWT sub) the appointment belongs to'),
    appointmentId: z.string().min(1).max(128),
    provider: PROVIDER.nullable().describe('Who holds the meeting now; null when none could (failed)'),
    meetingId: z.string().nullable(),
    startTime: z.iso.datetime(),
    ...extra,
  });
}

export const APPOINTMENT_EVENT_SCHEMAS = {
  'appointment.meeting.created': appointmentEventSchema('appointment.meeting.created', {
    fallbackReason: z.string().nullable().optional().describe('Why earlier providers could not serve; null when the first did'),
    reconciled: z.boolean().optional().describe('True when a create whose answer was lost was found and adopted'),
  }),
  'appointment.meeting.updated': appointmentEventSchema('appointment.meeting.updated', {
    previousStartTime: z.iso.datetime().optional(),
  }),
  'appointment.meeting.moved': appointmentEventSchema('appointment.meeting.moved', {
    fromProvider: PROVIDER,
    fromMeetingId: z.string().nullable(),
    oldMeetingCancelled: z.boolean(),
  }),
  'appointment.meeting.cancelled': appointmentEventSchema('appointment.meeting.cancelled', {
    cancelledAtProvider: z.boolean(),
  }),
  'appointment.meeting.failed': appointmentEventSchema('appointment.meeting.failed', {
    reasons: z.array(PROVIDER_REASON).describe('Each provider and why it could not serve'),
  }),
} satisfies Record<AppointmentEventType, z.ZodType>;
