import type { FastifyInstance, FastifyReply } from 'fastify';
import { zoomJsonText, type Connections, type MeetingInput } from '../../connections/index.js';
import { statusViewOf } from '../../connections/status.js';
import type { ResolvedPluginOptions } from '../plugin-options.js';
import { requestContext } from '../request-context.js';
import { errorResponses, statusSchema, zoomObjectSchema } from '../schemas.js';

const ZOOM_PAGE_TOKEN = { type: 'string', maxLength: 256, pattern: '^[A-Za-z0-9._~+/=-]*$' } as const;
const DATE = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' } as const;

interface MeetingsQuery {
  type?: string;
  page_size?: number;
  next_page_token?: string;
}

interface RecordingsQuery {
  from?: string;
  to?: string;
  page_size?: number;
  next_page_token?: string;
}

const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * A Zoom object answered as Zoom sent it: its own text when the object came
 * unchanged from a Zoom call (no second serialisation of a large listing),
 * the schema's serialiser otherwise. Fastify types only what its own
 * serialiser writes, so a pass-through names its JSON type itself.
 */
function passThrough<T extends Record<string, unknown>>(reply: FastifyReply, value: T): T {
  const text = zoomJsonText(value);
  if (text !== undefined) reply.type(JSON_TYPE).serializer(() => text);
  return value;
}

/** The routes that act for the signed-in app user on their own connection only. */
export function userRoutes(app: FastifyInstance, connections: Connections, opts: ResolvedPluginOptions): void {
  // Before validation: a caller who is not signed in learns nothing about the request shape (401, not 400).
  const common = { preValidation: opts.requireUser };
  const secured = { security: [{ bearerAuth: [] }] };

  app.get('/api/zoom/oauth/user/status', {
    ...common,
    schema: { ...secured, operationId: 'getConnectionStatus', summary: 'Connection status (never a token)', tags: ['connection'], response: { 200: statusSchema, ...errorResponses } },
  }, (request) => connections.status(request.appUserId));

  app.post('/api/zoom/oauth/user/revoke', {
    ...common,
    schema: {
      ...secured,
      operationId: 'disconnectZoom',
      summary: 'Disconnect: wipe tokens and revoke at Zoom',
      description: 'Idempotent. Tokens are wiped even when Zoom cannot be reached; `revokedAtZoom` tells whether Zoom confirmed.',
      tags: ['connection'],
      response: {
        200: { type: 'object', properties: { ...statusSchema.properties, revokedAtZoom: { type: 'boolean' } } },
        ...errorResponses,
      },
    },
  }, async (request) => {
    const result = await connections.revocation.revoke(request.appUserId, requestContext(request));
    return { ...statusViewOf(result.connection), revokedAtZoom: result.revokedAtZoom };
  });

  app.post('/api/zoom/oauth/user/refresh', {
    ...common,
    schema: { ...secured, operationId: 'refreshZoomToken', summary: 'Refresh the access token now', tags: ['connection'], response: { 200: statusSchema, ...errorResponses } },
  }, (request) => connections.refresh(request.appUserId, requestContext(request)));

  app.get('/api/zoom/oauth/user/profile', {
    ...common,
    schema: { ...secured, operationId: 'getZoomProfile', summary: 'The Zoom user (/users/me)', tags: ['zoom'], response: { 200: zoomObjectSchema, ...errorResponses } },
  }, async (request, reply) => passThrough(reply, await connections.account.profile(request.appUserId)));

  app.get<{ Querystring: MeetingsQuery }>('/api/zoom/oauth/user/meetings', {
    ...common,
    schema: {
      ...secured,
      operationId: 'listZoomMeetings',
      summary: 'List the user\'s meetings',
      tags: ['zoom'],
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: {
          type: { type: 'string', enum: ['scheduled', 'live', 'upcoming', 'upcoming_meetings', 'previous_meetings'] },
          page_size: { type: 'integer', minimum: 1, maximum: 300 },
          next_page_token: ZOOM_PAGE_TOKEN,
        },
      },
      response: { 200: zoomObjectSchema, ...errorResponses },
    },
  }, async (request, reply) =>
    passThrough(
      reply,
      await connections.account.listMeetings(request.appUserId, {
        type: request.query.type,
        pageSize: request.query.page_size,
        nextPageToken: request.query.next_page_token,
      }),
    ),
  );

  app.post<{ Body: MeetingInput }>('/api/zoom/oauth/user/meetings', {
    ...common,
    schema: {
      ...secured,
      operationId: 'createZoomMeeting',
      summary: 'Create a meeting (e.g. for an appointment)',
      tags: ['zoom'],
      body: {
        type: 'object',
        additionalProperties: false,
        required: ['topic', 'start_time', 'duration'],
        properties: {
          topic: { type: 'string', minLength: 1, maxLength: 200 },
          type: { type: 'integer', enum: [1, 2, 3, 8], default: 2 },
          start_time: { type: 'string', format: 'date-time' },
          duration: { type: 'integer', minimum: 1, maximum: 1440 },
          timezone: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_+/-]+$' },
          agenda: { type: 'string', maxLength: 2000 },
          password: { type: 'string', minLength: 1, maxLength: 10, pattern: '^[A-Za-z0-9@_*-]+$' },
          settings: {
            type: 'object',
            additionalProperties: false,
            properties: {
              host_video: { type: 'boolean' },
              participant_video: { type: 'boolean' },
              join_before_host: { type: 'boolean' },
              mute_upon_entry: { type: 'boolean' },
              waiting_room: { type: 'boolean' },
              auto_recording: { type: 'string', enum: ['local', 'cloud', 'none'] },
            },
          },
        },
      },
      response: { 201: zoomObjectSchema, ...errorResponses },
    },
  }, async (request, reply) => {
    const meeting = await connections.account.createMeeting(request.appUserId, request.body);
    return reply.code(201).send(passThrough(reply, meeting));
  });

  app.get<{ Querystring: RecordingsQuery }>('/api/zoom/oauth/user/recordings', {
    ...common,
    schema: {
      ...secured,
      operationId: 'listZoomRecordings',
      summary: 'List the user\'s cloud recordings (metadata)',
      description: '`from`/`to` are yyyy-mm-dd, at most one month apart (Zoom\'s limit).',
      tags: ['zoom'],
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: { from: DATE, to: DATE, page_size: { type: 'integer', minimum: 1, maximum: 300 }, next_page_token: ZOOM_PAGE_TOKEN },
      },
      response: { 200: zoomObjectSchema, ...errorResponses },
    },
  }, async (request, reply) =>
    passThrough(
      reply,
      await connections.account.listRecordings(request.appUserId, {
        from: request.query.from,
        to: request.query.to,
        pageSize: request.query.page_size,
        nextPageToken: request.query.next_page_token,
      }),
    ),
  );
}
