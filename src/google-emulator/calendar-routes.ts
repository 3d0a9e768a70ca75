import { randomBytes, randomInt } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { asObject, checkEventId, checkRange, EventInputError, optionalText, readCreateRequest, readEventTime } from './event-input.js';
import { renderEvent } from './render.js';
import { sendGoogleError } from './replies.js';
import type { GoogleEmulatorState, IssuedToken, StoredEvent } from './state.js';

const CALENDAR_SCOPES = ['https://www.googleapis.com/auth/calendar', 'https://www.googleapis.com/auth/calendar.events'];
const BASE32HEX = '0123456789abcdefghijklmnopqrstuv';

function bearer(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  const match = typeof header === 'string' ? /^Bearer (\S+)$/i.exec(header) : null;
  return match?.[1];
}

function generatedId(): string {
  return Array.from(randomBytes(26), (byte) => BASE32HEX[byte & 31]).join('');
}

function meetCode(): string {
  const letters = (n: number): string => Array.from({ length: n }, () => String.fromCharCode(97 + randomInt(26))).join('');
  return `${letters(3)}-${letters(4)}-${letters(3)}`;
}

interface Authorised {
  grant: IssuedToken;
  events: Map<string, StoredEvent>;
}

/** The caller's grant and the calendar it may use, or the refusal already sent. */
function authorise(state: GoogleEmulatorState, request: FastifyRequest, reply: FastifyReply): Authorised | FastifyReply {
  const token = bearer(request);
  const grant = token === undefined ? undefined : state.tokenGrant(token);
  if (grant === undefined) {
    reply.header('www-authenticate', 'Bearer realm="https://accounts.google.com/", error="invalid_token"');
    return sendGoogleError(
      reply,
      401,
      'authError',
      'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.',
    );
  }
  if (!grant.scopes.some((scope) => CALENDAR_SCOPES.includes(scope))) {
    return sendGoogleError(reply, 403, 'insufficientPermissions', 'Request had insufficient authentication scopes.');
  }
  // The router has already decoded the parameter once; decoding again would misread a literal %.
  const calendarId = (request.params as { calendarId: string }).calendarId.toLowerCase();
  if (calendarId !== 'primary' && calendarId !== grant.subject) return sendGoogleError(reply, 404, 'notFound', 'Not Found');
  if ((state.faults.forbiddenCalendars ?? []).some((address) => address.toLowerCase() === grant.subject)) {
    return sendGoogleError(reply, 403, 'requiredAccessLevel', 'You need to have writer access to this calendar.');
  }
  return { grant, events: state.calendar(grant.subject) };
}

function inputError(reply: FastifyReply, error: unknown): FastifyReply {
  if (error instanceof EventInputError) return sendGoogleError(reply, 400, error.reason, error.message);
  throw error;
}

function eventIdParam(request: FastifyRequest): string {
  return (request.params as { eventId: string }).eventId;
}

/** The Calendar API's events collection: insert, get, patch, delete. */
export function registerCalendarRoutes(app: FastifyInstance, state: GoogleEmulatorState): void {
  const events = '/calendar/v3/calendars/:calendarId/events';

  app.post(events, (request, reply) => {
    const auth = authorise(state, request, reply);
    if (!('grant' in auth)) return auth;
    const body = asObject(request.body);
    if (body === undefined) return sendGoogleError(reply, 400, 'parseError', 'Parse Error');
    let event: StoredEvent;
    try {
      const id = body['id'] === undefined ? generatedId() : checkEventId(body['id']);
      const start = readEventTime(body['start'], 'start');
      const end = readEventTime(body['end'], 'end');
      checkRange(start, end);
      const summary = optionalText(body['summary'], 'summary', 8192);
      const description = optionalText(body['description'], 'description', 8192);
      const query = request.query as Record<string, unknown>;
      // Google ignores conferenceData unless the client declares it understands version 1.
      const requestId = query['conferenceDataVersion'] === '1' ? readCreateRequest(body['conferenceData']) : undefined;
      if (auth.events.has(id)) return sendGoogleError(reply, 409, 'duplicate', 'The requested identifier already exists.');
      const now = new Date().toISOString();
      event = {
        id,
        calendar: auth.grant.subject,
        status: 'confirmed',
        summary,
        description,
        start,
        end,
        created: now,
        updated: now,
        sequence: 0,
        conference:
          requestId === undefined
            ? undefined
            : {
                requestId,
                pendingAnswers: state.faults.pendingReads ?? 1,
                outcome: state.faults.conferenceFailure ? 'failure' : 'success',
                conferenceId: meetCode(),
              },
      };
    } catch (error) {
      return inputError(reply, error);
    }
    auth.events.set(event.id, event);
    state.stats.inserts += 1;
    if (state.cutInsertsRemaining > 0) {
      // The event is made; the caller never hears so. Only a retry with the same id can find it.
      state.cutInsertsRemaining -= 1;
      reply.hijack();
      request.raw.socket.destroy();
      return reply;
    }
    return renderEvent(event, state.baseUrl);
  });

  app.get(`${events}/:eventId`, (request, reply) => {
    const auth = authorise(state, request, reply);
    if (!('grant' in auth)) return auth;
    const event = auth.events.get(eventIdParam(request));
    // A deleted event is still readable, with status "cancelled".
    if (event === undefined) return sendGoogleError(reply, 404, 'notFound', 'Not Found');
    return renderEvent(event, state.baseUrl);
  });

  app.patch(`${events}/:eventId`, (request, reply) => {
    const auth = authorise(state, request, reply);
    if (!('grant' in auth)) return auth;
    const event = auth.events.get(eventIdParam(request));
    if (event === undefined) return sendGoogleError(reply, 404, 'notFound', 'Not Found');
    // Google refuses changes to a deleted event with a plain 403, as if the caller lacked access.
    if (event.status === 'cancelled') return sendGoogleError(reply, 403, 'forbidden', 'Forbidden');
    const body = asObject(request.body);
    if (body === undefined) return sendGoogleError(reply, 400, 'parseError', 'Parse Error');
    try {
      const start = body['start'] === undefined ? event.start : readEventTime(body['start'], 'start');
      const end = body['end'] === undefined ? event.end : readEventTime(body['end'], 'end');
      checkRange(start, end);
      const summary = body['summary'] === undefined ? event.summary : optionalText(body['summary'], 'summary', 8192);
      const description = body['description'] === undefined ? event.description : optionalText(body['description'], 'description', 8192);
      Object.assign(event, { start, end, summary, description, updated: new Date().toISOString(), sequence: event.sequence + 1 });
    } catch (error) {
      return inputError(reply, error);
    }
    return renderEvent(event, state.baseUrl);
  });

  app.delete(`${events}/:eventId`, (request, reply) => {
    const auth = authorise(state, request, reply);
    if (!('grant' in auth)) return auth;
    const event = auth.events.get(eventIdParam(request));
    if (event === undefined) return sendGoogleError(reply, 404, 'notFound', 'Not Found');
    if (event.status === 'cancelled') return sendGoogleError(reply, 410, 'deleted', 'Resource has been deleted');
    Object.assign(event, { status: 'cancelled', updated: new Date().toISOString() });
    return reply.code(204).send();
  });
}
