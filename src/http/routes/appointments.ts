import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppointmentError, parseAppointmentRequest, type AppointmentMeetings } from '../../appointments/index.js';
import { handleError } from '../error-handler.js';
import type { ResolvedPluginOptions } from '../plugin-options.js';
import { problem, sendProblem } from '../problem.js';
import { problemResponse } from '../schemas.js';

interface Params {
  appointmentId: string;
}

interface MeetingBody {
  topic: string;
  startTime: string;
  durationMinutes: number;
  timezone: string;
  agenda?: string;
  hostEmail?: string;
}

const params = {
  type: 'object',
  required: ['appointmentId'],
  properties: { appointmentId: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,128}$' } },
} as const;

const providerEnum = { type: 'string', enum: ['zoom_user', 'zoom_account', 'google_meet'] } as const;

const meetingSchema = {
  type: 'object',
  required: ['appointmentId', 'provider', 'meetingId', 'joinUrl', 'topic', 'startTime', 'durationMinutes', 'timezone', 'fallbackReason'],
  properties: {
    appointmentId: { type: 'string' },
    provider: providerEnum,
    meetingId: { type: 'string' },
    joinUrl: { type: 'string' },
    passcode: { type: 'string' },
    topic: { type: 'string' },
    startTime: { type: 'string', format: 'date-time' },
    durationMinutes: { type: 'integer' },
    timezone: { type: 'string' },
    agenda: { type: ['string', 'null'] },
    hostEmail: { type: ['string', 'null'] },
    fallbackReason: { type: ['string', 'null'], description: 'Null when the first provider served; else `provider: reason` for each earlier one, `; ` separated.' },
    moved: {
      type: 'object',
      properties: { fromProvider: providerEnum, fromMeetingId: { type: 'string' }, oldMeetingCancelled: { type: 'boolean' } },
    },
  },
} as const;

const errors = {
  400: problemResponse('Invalid input (validation_failed): `errors[]` names each field'),
  401: problemResponse('Not signed in (unauthenticated)'),
  403: problemResponse('Refused (cross_site_request)'),
  404: problemResponse('The appointment has no meeting (appointment_meeting_not_found)'),
  409: problemResponse('No provider can serve this host (no_meeting_provider, `reasons[]`), or a Google Meet meeting has no start link (no_start_url)'),
  429: problemResponse('Rate limited'),
  503: problemResponse('The providers that could serve are down, or a lost create cannot be checked yet (meeting_provider_unavailable, `reasons[]`); see Retry-After'),
} as const;

/** PUT/GET/DELETE /api/appointments/{appointmentId}/meeting and its start link; the signed-in user is the host. */
export function appointmentRoutes(app: FastifyInstance, appointments: AppointmentMeetings, opts: ResolvedPluginOptions): void {
  const common = { preValidation: opts.requireUser, errorHandler: appointmentErrors };
  const secured = { security: [{ bearerAuth: [] }], tags: ['appointments'] };
  const path = '/api/appointments/:appointmentId/meeting';

  app.put<{ Params: Params; Body: MeetingBody }>(path, {
    ...common,
    schema: {
      ...secured,
      operationId: 'putAppointmentMeeting',
      summary: 'Create the appointment\'s meeting, or bring it in line (reschedule, new topic)',
      description: 'Providers are tried in MEETING_PROVIDERS order. 201 when a meeting was made, 200 when the existing one was kept or updated (or moved: see `moved`).',
      params,
      body: {
        type: 'object',
        additionalProperties: false,
        required: ['topic', 'startTime', 'durationMinutes', 'timezone'],
        properties: {
          topic: { type: 'string', minLength: 1, maxLength: 200 },
          startTime: { type: 'string', minLength: 1, maxLength: 40, description: 'RFC 3339 with an offset, e.g. 2026-12-01T10:00:00+01:00' },
          durationMinutes: { type: 'integer', minimum: 1, maximum: 1440 },
          timezone: { type: 'string', minLength: 1, maxLength: 64, description: 'IANA time zone, e.g. Europe/Berlin' },
          agenda: { type: 'string', maxLength: 1500 },
          hostEmail: { type: 'string', minLength: 3, maxLength: 254, pattern: '^[^\\s@]+@[^\\s@]+$' },
        },
      },
      response: { 200: meetingSchema, 201: meetingSchema, ...errors },
    },
  }, async (request, reply) => {
    const result = await appointments.ensure(request.appUserId, request.params.appointmentId, parseAppointmentRequest(request.body));
    return reply.code(result.created ? 201 : 200).send(result.meeting);
  });

  app.get<{ Params: Params }>(path, {
    ...common,
    schema: { ...secured, operationId: 'getAppointmentMeeting', summary: 'The appointment\'s meeting', params, response: { 200: meetingSchema, ...errors } },
  }, (request) => appointments.get(request.appUserId, request.params.appointmentId));

  app.delete<{ Params: Params }>(path, {
    ...common,
    schema: {
      ...secured,
      operationId: 'cancelAppointmentMeeting',
      summary: 'Cancel the appointment\'s meeting at its provider',
      description: 'Idempotent: 204 again when there is nothing left, and a meeting already gone at the provider counts as cancelled.',
      params,
      response: { 204: { type: 'null' }, ...errors },
    },
  }, async (request, reply) => {
    await appointments.cancel(request.appUserId, request.params.appointmentId);
    return reply.code(204).send();
  });

  app.get<{ Params: Params }>(`${path}/start-url`, {
    ...common,
    schema: {
      ...secured,
      operationId: 'getAppointmentMeetingStartUrl',
      summary: 'The host\'s start link, fetched fresh from Zoom (a credential: never stored, not cached)',
      params,
      response: { 200: { type: 'object', required: ['startUrl'], properties: { startUrl: { type: 'string' } } }, ...errors },
    },
  }, async (request, reply) => {
    const startUrl = await appointments.startUrl(request.appUserId, request.params.appointmentId);
    return reply.header('cache-control', 'no-store').send({ startUrl });
  });
}

function appointmentErrors(err: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (!(err instanceof AppointmentError)) return handleError(err, request, reply);
  const p = problem(err.code, err.message, { retryAfterSeconds: err.retryAfterSeconds });
  return sendProblem(reply, err.reasons.length > 0 ? Object.assign(p, { reasons: err.reasons }) : p);
}
