import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { formatCalendarDate, oneMonthAfter, parseCalendarDate } from './dates.js';
import { checkAccountToken } from './account-grants.js';
import { checkAccessToken } from './grants.js';
import { readMeetingInput, readMeetingPatch } from './meeting-input.js';
import {
  createMeeting,
  listMeetings,
  listRecordings,
  MEETING_LIST_TYPES,
  meetingDetail,
  meetingListItem,
  updateMeeting,
  type MeetingListType,
} from './meetings.js';
import type { ZoomMeeting, ZoomUser } from './model.js';
import { paginate, parsePageSize } from './paging.js';
import { rateLimitHeaders } from './rate-limit-headers.js';
import { param, sendApiError, validationFailed } from './replies.js';
import { grantsAccess, missingScopeMessage, SCOPES, type EndpointScopes } from './scopes.js';
import type { EmulatorState } from './state.js';

/** Who is calling: one user through a user-managed app, or the account through its Server-to-Server app. */
type Caller = { kind: 'user'; user: ZoomUser; clientId: string; scopes: string[] } | { kind: 'account'; accountId: string; scopes: string[] };

// Kept beside the request rather than declared on FastifyRequest, so no type augmentation leaks out of the emulator.
const callers = new WeakMap<FastifyRequest, Caller>();

function utcDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** Zoom's spec text says today and tomorrow; a user saw yesterday and today. Each app picks (see options.ts). */
function defaultRecordingDates(state: EmulatorState, who: Caller): [string, string] {
  const now = state.now();
  const variant = who.kind === 'user' ? state.client(who.clientId)?.recordingDefaultDates : undefined;
  return variant === 'today-tomorrow' ? [utcDate(now), utcDate(now + DAY_MS)] : [utcDate(now - DAY_MS), utcDate(now)];
}

function invalidToken(reply: FastifyReply, message: string): FastifyReply {
  return sendApiError(reply, 401, { code: 124, message });
}

function caller(request: FastifyRequest): Caller {
  const found = callers.get(request);
  if (!found) throw new Error('API route ran without the access-token hook');
  return found;
}

/** The hook replies itself when the scope is missing, so handlers only see permitted callers. */
function requireScope(scopes: EndpointScopes) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    if (grantsAccess(caller(request).scopes, scopes)) return undefined;
    return sendApiError(reply, 400, { code: 4711, message: missingScopeMessage(scopes) });
  };
}

function userNotFound(reply: FastifyReply, requested: string): undefined {
  void sendApiError(reply, 404, { code: 1001, message: `User does not exist: ${requested}.` });
  return undefined;
}

/**
 * A user-managed app may only act on the user who authorized it (`me`, their
 * id, or their email); the account's app on any user of the account, named by
 * id or email. `me` means no user to an account token (no user is signed in).
 */
function targetUser(state: EmulatorState, request: FastifyRequest, reply: FastifyReply): ZoomUser | undefined {
  const who = caller(request);
  const requested = param(request.params, 'userId') ?? '';
  if (who.kind === 'user') {
    const { user } = who;
    if (requested === 'me' || requested === user.id || requested.toLowerCase() === user.email) return user;
    return userNotFound(reply, requested);
  }
  const user = state.findUser(requested);
  return user?.account_id === who.accountId ? user : userNotFound(reply, requested);
}

/** A meeting the caller may see: its own for a user, any of the account's for the account. Others do not exist. */
function targetMeeting(state: EmulatorState, request: FastifyRequest, reply: FastifyReply): ZoomMeeting | undefined {
  const who = caller(request);
  const requested = param(request.params, 'meetingId') ?? '';
  const meeting = /^\d{1,15}$/.test(requested) ? state.findMeeting(Number(requested)) : undefined;
  const visible =
    meeting !== undefined &&
    (who.kind === 'user' ? meeting.host_id === who.user.id : state.users.get(meeting.host_id)?.account_id === who.accountId);
  if (visible) return meeting;
  void sendApiError(reply, 404, { code: 3001, message: `Meeting does not exist: ${requested}.` });
  return undefined;
}

function unreadableMeetingBody(reply: FastifyReply, failure: { notAnObject: true } | { fields: string[] }): FastifyReply {
  if ('notAnObject' in failure) return sendApiError(reply, 400, { code: 300, message: 'Request Body should be a valid JSON object.' });
  return validationFailed(reply, failure.fields);
}

/** Processed, then the answer never arrives: the client cannot tell whether the meeting exists. */
function loseResponse(reply: FastifyReply): FastifyReply {
  reply.hijack();
  reply.raw.socket?.destroy();
  return reply;
}

export function registerApiRoutes(app: FastifyInstance, state: EmulatorState): void {
  app.addHook('onSend', rateLimitHeaders(state));
  app.addHook('preHandler', async (request, reply) => {
    const header = request.headers.authorization;
    // Since 2023 Zoom takes the token only from the header; `?access_token=` counts as no token.
    const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match?.[1]) return invalidToken(reply, 'Invalid access token.');
    if (state.accountTokens.has(match[1])) {
      const account = checkAccountToken(state, match[1]);
      if (!account.ok) return invalidToken(reply, account.message);
      callers.set(request, { kind: 'account', accountId: account.record.accountId, scopes: account.record.scopes });
      return undefined;
    }
    const check = checkAccessToken(state, match[1]);
    if (!check.ok) return invalidToken(reply, check.message);
    callers.set(request, { kind: 'user', user: check.user, clientId: check.grant.clientId, scopes: check.grant.scopes });
    return undefined;
  });

  const readUser = { preHandler: requireScope(SCOPES.readUser) };
  app.get('/users/me', readUser, (request, reply) => {
    const who = caller(request);
    return who.kind === 'user' ? who.user : (userNotFound(reply, 'me') ?? reply);
  });
  app.get('/users/:userId', readUser, (request, reply) => targetUser(state, request, reply) ?? reply);

  app.get('/users/:userId/meetings', { preHandler: requireScope(SCOPES.listMeetings) }, async (request, reply) => {
    const user = targetUser(state, request, reply);
    if (!user) return reply;
    const rawType = param(request.query, 'type') ?? 'scheduled';
    if (!(MEETING_LIST_TYPES as readonly string[]).includes(rawType)) return validationFailed(reply, ['type']);
    const type = rawType as MeetingListType;
    const pageSize = parsePageSize(param(request.query, 'page_size'));
    if (pageSize === null) return validationFailed(reply, ['page_size']);
    const page = paginate(
      state,
      `meetings:${user.id}:${type}`,
      listMeetings(state, user.id, type),
      (meeting) => String(meeting.id),
      pageSize,
      param(request.query, 'next_page_token'),
    );
    if (!page.ok) return sendApiError(reply, 400, { code: 300, message: 'Invalid next_page_token' });
    return {
      page_size: pageSize,
      total_records: page.totalRecords,
      next_page_token: page.nextPageToken,
      meetings: page.items.map(meetingListItem),
    };
  });

  app.post('/users/:userId/meetings', { preHandler: requireScope(SCOPES.createMeeting) }, async (request, reply) => {
    const user = targetUser(state, request, reply);
    if (!user) return reply;
    const read = readMeetingInput(request.body, user.timezone, state.now());
    if (!read.ok) return unreadableMeetingBody(reply, read);
    const meeting = createMeeting(state, user, read.input);
    if (state.lostMeetingCreatesRemaining > 0) {
      state.lostMeetingCreatesRemaining -= 1;
      return loseResponse(reply);
    }
    return reply.code(201).send(meetingDetail(meeting));
  });

  app.get('/meetings/:meetingId', { preHandler: requireScope(SCOPES.readMeeting) }, async (request, reply) => {
    const meeting = targetMeeting(state, request, reply);
    return meeting ? meetingDetail(meeting) : reply;
  });

  app.patch('/meetings/:meetingId', { preHandler: requireScope(SCOPES.updateMeeting) }, async (request, reply) => {
    const meeting = targetMeeting(state, request, reply);
    if (!meeting) return reply;
    // An empty PATCH changes nothing and still succeeds, as at Zoom.
    const read = readMeetingPatch(request.body ?? {}, meeting.timezone);
    if (!read.ok) return unreadableMeetingBody(reply, read);
    updateMeeting(state, meeting, read.patch);
    return reply.code(204).send();
  });

  app.delete('/meetings/:meetingId', { preHandler: requireScope(SCOPES.deleteMeeting) }, async (request, reply) => {
    const meeting = targetMeeting(state, request, reply);
    if (!meeting) return reply;
    state.removeMeeting(meeting);
    return reply.code(204).send();
  });

  app.get('/users/:userId/recordings', { preHandler: requireScope(SCOPES.listRecordings) }, async (request, reply) => {
    const user = targetUser(state, request, reply);
    if (!user) return reply;
    const [defaultFrom, defaultTo] = defaultRecordingDates(state, caller(request));
    const from = param(request.query, 'from') || defaultFrom;
    const to = param(request.query, 'to') || defaultTo;
    const fromDate = parseCalendarDate(from);
    const toDate = parseCalendarDate(to);
    if (!fromDate || !toDate) return validationFailed(reply, [...(fromDate ? [] : ['from']), ...(toDate ? [] : ['to'])]);
    // Both are zero-padded yyyy-mm-dd, so string order is date order.
    if (from > to) return sendApiError(reply, 400, { code: 300, message: 'The from date must not be after the to date.' });
    if (to > formatCalendarDate(oneMonthAfter(fromDate))) {
      return sendApiError(reply, 400, { code: 300, message: 'The date range between from and to cannot exceed one month.' });
    }
    const pageSize = parsePageSize(param(request.query, 'page_size'));
    if (pageSize === null) return validationFailed(reply, ['page_size']);
    const page = paginate(
      state,
      `recordings:${user.id}:${from}:${to}`,
      listRecordings(state, user.id, from, to),
      (recording) => recording.uuid,
      pageSize,
      param(request.query, 'next_page_token'),
    );
    if (!page.ok) return sendApiError(reply, 400, { code: 300, message: 'Invalid next_page_token' });
    return { from, to, page_size: pageSize, total_records: page.totalRecords, next_page_token: page.nextPageToken, meetings: page.items };
  });
}
