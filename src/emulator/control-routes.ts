import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { expireAccountTokens } from './account-grants.js';
import { expireAccessTokens, revokeUserGrants } from './grants.js';
import { randomUserId } from './ids.js';
import { readMeetingInput, isTimeZone } from './meeting-input.js';
import { createMeeting, meetingDetail } from './meetings.js';
import { faultConfigSchema, type ZoomUser } from './model.js';
import type { ResolvedClient } from './options.js';
import { param, sendApiError, validationFailed } from './replies.js';
import type { EmulatorState } from './state.js';
import { sendDeauthorization, validateEndpoint } from './webhook.js';

/** Test controls. Not Zoom: JSON in, JSON out, errors in the API's `{code, message}` shape. */

const userRef = z.object({ userId: z.string().min(1).optional(), email: z.string().min(1).optional() }).strict();
const expireBody = userRef.extend({ account: z.literal(true).optional() }).strict();
const deauthorizeBody = userRef.extend({ clientId: z.string().min(1).optional() }).strict();
const newUserBody = z
  .object({
    email: z.email(),
    id: z.string().regex(/^[A-Za-z0-9_-]{6,64}$/).optional(),
    first_name: z.string().max(64).optional(),
    last_name: z.string().max(64).optional(),
    timezone: z.string().refine(isTimeZone).optional(),
    type: z.union([z.literal(1), z.literal(2)]).optional(),
    withMeetings: z.boolean().optional(),
  })
  .strict();
const clientRef = z.object({ clientId: z.string().min(1).optional() }).strict();
const webhookBody = clientRef
  .extend({
    url: z.url({ protocol: /^https?$/ }),
    secret: z.string().min(1).max(256).optional(),
  })
  .strict();
const clockBody = z.object({ advanceSeconds: z.number().int().min(0).max(10 * 365 * 24 * 3600) }).strict();

function parseBody<T>(schema: z.ZodType<T>, body: unknown, reply: FastifyReply): T | undefined {
  const parsed = schema.safeParse(body ?? {});
  if (parsed.success) return parsed.data;
  void validationFailed(reply, [...new Set(parsed.error.issues.map((issue) => issue.path.map(String).join('.') || 'body'))]);
  return undefined;
}

function lookupUser(state: EmulatorState, ref: { userId?: string | undefined; email?: string | undefined }): ZoomUser | undefined {
  const key = ref.userId ?? ref.email;
  return key === undefined ? undefined : state.findUser(key);
}

function clientFor(state: EmulatorState, clientId: string | undefined): ResolvedClient | undefined {
  return clientId === undefined ? state.options.clients[0] : state.client(clientId);
}

function clientNotFound(reply: FastifyReply, clientId: string | undefined): FastifyReply {
  return sendApiError(reply, 404, { code: 4702, message: `No client with id ${clientId ?? ''}.` });
}

function userNotFound(reply: FastifyReply, ref: { userId?: string | undefined; email?: string | undefined }): FastifyReply {
  return sendApiError(reply, 404, { code: 1001, message: `User does not exist: ${ref.userId ?? ref.email ?? ''}.` });
}

export function registerControlRoutes(app: FastifyInstance, state: EmulatorState): void {
  app.post('/reset', () => {
    state.reset();
    return { status: 'reset' };
  });

  app.get('/faults', () => ({ faults: state.faults, rateLimitRemaining: state.rateLimitRemaining }));

  app.post('/faults', async (request, reply) => {
    const faults = parseBody(faultConfigSchema, request.body, reply);
    if (!faults) return reply;
    // Replace, never merge: each call states the whole fault picture.
    state.faults = faults;
    state.rateLimitRemaining = faults.rateLimit?.count ?? 0;
    state.lostTokenResponsesRemaining = faults.loseTokenResponses ?? 0;
    state.lostMeetingCreatesRemaining = faults.loseMeetingCreateResponses ?? 0;
    return { faults: state.faults, rateLimitRemaining: state.rateLimitRemaining };
  });

  app.get('/stats', () => state.stats);

  app.post('/expire', async (request, reply) => {
    const body = parseBody(expireBody, request.body, reply);
    if (!body) return reply;
    // `account: true` ages the Server-to-Server tokens instead of users' tokens.
    if (body.account) return { expired: expireAccountTokens(state) };
    if (body.userId === undefined && body.email === undefined) return { expired: expireAccessTokens(state, undefined) };
    const user = lookupUser(state, body);
    if (!user) return userNotFound(reply, body);
    return { expired: expireAccessTokens(state, user.id) };
  });

  app.post('/deauthorize', async (request, reply) => {
    const body = parseBody(deauthorizeBody, request.body, reply);
    if (!body) return reply;
    const user = lookupUser(state, body);
    if (!user) return userNotFound(reply, body);
    const client = clientFor(state, body.clientId);
    if (!client) return clientNotFound(reply, body.clientId);
    const revokedGrants = revokeUserGrants(state, client.clientId, user.id);
    const delivery = await sendDeauthorization(state, client, user, request.log);
    return { revokedGrants, ...delivery };
  });

  // Saving an Event Subscription URL in the Marketplace: Zoom validates it before anything is sent there.
  app.post('/webhook', async (request, reply) => {
    const body = parseBody(webhookBody, request.body, reply);
    if (!body) return reply;
    const client = clientFor(state, body.clientId);
    if (!client) return clientNotFound(reply, body.clientId);
    const secret = body.secret ?? state.webhookEndpoints.get(client.clientId)?.secret ?? client.webhookSecret;
    if (secret === undefined) return validationFailed(reply, ['secret']);
    state.webhookEndpoints.set(client.clientId, { url: body.url, secret, validation: 'unvalidated' });
    return validateEndpoint(state, client.clientId, request.log);
  });

  // Zoom's revalidation of every endpoint, every 72 hours, on demand.
  app.post('/validate-webhook', async (request, reply) => {
    const body = parseBody(clientRef, request.body, reply);
    if (!body) return reply;
    const client = clientFor(state, body.clientId);
    if (!client) return clientNotFound(reply, body.clientId);
    if (!state.webhookEndpoints.has(client.clientId)) return validationFailed(reply, ['clientId']);
    return validateEndpoint(state, client.clientId, request.log);
  });

  app.get('/users', () => ({ users: [...state.users.values()] }));

  app.post('/users', async (request, reply) => {
    const body = parseBody(newUserBody, request.body, reply);
    if (!body) return reply;
    if (state.findUser(body.email) || (body.id !== undefined && state.users.has(body.id))) {
      return sendApiError(reply, 409, { code: 1005, message: `User already exists: ${body.email}.` });
    }
    const { withMeetings, ...fields } = body;
    const user = state.createUser({ ...fields, id: fields.id ?? randomUserId() }, withMeetings ?? true);
    return reply.code(201).send(user);
  });

  // Every meeting of a user, in full, so tests can see what a lost answer left behind.
  app.get('/users/:userId/meetings', async (request, reply) => {
    const key = param(request.params, 'userId') ?? '';
    const user = state.findUser(key);
    if (!user) return userNotFound(reply, { userId: key });
    return { meetings: (state.meetings.get(user.id) ?? []).map(meetingDetail) };
  });

  app.post('/users/:userId/meetings', async (request, reply) => {
    const key = param(request.params, 'userId') ?? '';
    const user = state.findUser(key);
    if (!user) return userNotFound(reply, { userId: key });
    const read = readMeetingInput(request.body ?? {}, user.timezone, state.now());
    if (!read.ok) return 'notAnObject' in read ? validationFailed(reply, ['body']) : validationFailed(reply, read.fields);
    return reply.code(201).send(meetingDetail(createMeeting(state, user, read.input)));
  });

  app.post('/clock', async (request, reply) => {
    const body = parseBody(clockBody, request.body, reply);
    if (!body) return reply;
    state.clockOffsetMs += body.advanceSeconds * 1000;
    return { now: new Date(state.now()).toISOString(), offsetSeconds: state.clockOffsetMs / 1000 };
  });
}
