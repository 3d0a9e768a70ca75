import { z } from 'zod';
import { isAppUserId } from './identifiers.js';
import type { CreateMeetingInput, ZoomMethod, ZoomObject } from '../zoom/index.js';
import { NO_CONTEXT } from './context.js';
import { ConnectError } from './errors.js';
import type { Connections } from './index.js';
import { statusViewOf, type ConnectionStatusView } from './status.js';

/**
 * Naming rule, the same as the HTTP API's: what goes to Zoom (query
 * parameters, meeting fields) is spelled as Zoom spells it (`page_size`,
 * `next_page_token`, `start_time`); our own names are camelCase
 * (`userId`, `zoomEmail`, `revokedAtZoom`).
 */
export interface MeetingsQuery {
  type?: 'scheduled' | 'live' | 'upcoming' | 'upcoming_meetings' | 'previous_meetings' | undefined;
  page_size?: number | undefined;
  next_page_token?: string | undefined;
}

export interface RecordingsQuery {
  /** yyyy-mm-dd; Zoom lists at most one month at a time. */
  from?: string | undefined;
  to?: string | undefined;
  page_size?: number | undefined;
  next_page_token?: string | undefined;
}

/** A meeting to create, in Zoom's names; `start_time` (ISO 8601 with offset) and `duration` (minutes) are required, as on the HTTP route. */
export interface NewMeeting extends CreateMeetingInput {
  start_time: string;
  duration: number;
}

export interface ZoomCall {
  method: ZoomMethod;
  /** Relative to Zoom's API base, without `/v2`: `/users/me/webinars`, `/meetings/123`. */
  path: string;
  /** Zoom's query parameters, as Zoom spells them. */
  query?: Record<string, string | number | boolean | undefined> | undefined;
  /** A JSON body, for POST, PUT and PATCH. */
  body?: unknown;
}

export interface DisconnectResult extends ConnectionStatusView {
  /** Whether Zoom confirmed the revocation; our copy of the tokens is wiped either way. */
  revokedAtZoom: boolean;
}

/** One app user's Zoom, from server code. Every failure is a `ConnectError` with a stable `code`. */
export interface ZoomUserApi {
  readonly userId: string;
  /** The connection's state; never a token. */
  status(): Promise<ConnectionStatusView>;
  /** Zoom's `/users/me`. */
  profile(): Promise<ZoomObject>;
  listMeetings(query?: MeetingsQuery): Promise<ZoomObject>;
  listRecordings(query?: RecordingsQuery): Promise<ZoomObject>;
  createMeeting(meeting: NewMeeting): Promise<ZoomObject>;
  /** Wipes the tokens and revokes them at Zoom; idempotent. */
  disconnect(): Promise<DisconnectResult>;
  /** Any Zoom endpoint with this user's token: Zoom's JSON answer, or null when it answers without a body. */
  request(call: ZoomCall): Promise<ZoomObject | null>;
}

const pageToken = z.string().max(256).regex(/^[A-Za-z0-9._~+/=-]*$/, 'is not a Zoom page token');
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date as yyyy-mm-dd');
const pageSize = z.number().int().min(1).max(300);

// The same rule as every other entry (JWT `sub`, the host's getUserId): one definition, in identifiers.ts.
const UserIdSchema = z
  .string()
  .trim()
  .min(1, 'is required (the app user to act for)')
  .refine(isAppUserId, 'must be an app user id of at most 256 characters with no control characters');

const MeetingsQuerySchema = z
  .strictObject({
    type: z.enum(['scheduled', 'live', 'upcoming', 'upcoming_meetings', 'previous_meetings']).optional(),
    page_size: pageSize.optional(),
    next_page_token: pageToken.optional(),
  })
  .optional();

const RecordingsQuerySchema = z
  .strictObject({ from: day.optional(), to: day.optional(), page_size: pageSize.optional(), next_page_token: pageToken.optional() })
  .optional();

const MeetingSchema = z.strictObject({
  topic: z.string().min(1).max(200),
  type: z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(8)]).optional(),
  start_time: z.iso.datetime({ offset: true }),
  duration: z.number().int().min(1).max(1440),
  timezone: z.string().regex(/^[A-Za-z0-9_+/-]{1,64}$/, 'is not a time zone name').optional(),
  agenda: z.string().max(2000).optional(),
  password: z.string().regex(/^[A-Za-z0-9@_*-]{1,10}$/, 'must be 1-10 of A-Z a-z 0-9 @ _ * -').optional(),
  settings: z.record(z.string(), z.unknown()).optional(),
});

const CallSchema = z.strictObject({
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']),
  path: z
    .string()
    .regex(/^\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$/, 'must be a path relative to the API base, starting with "/", without a query (use `query`)')
    .refine((p) => !p.startsWith('//') && !p.split('/').some((segment) => segment === '..' || segment === '.'), 'must not contain "//" at its start, "." or ".." segments')
    .max(2048),
  query: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.undefined()])).optional(),
  body: z.unknown().optional(),
});

/** Parses `input` or throws `validation_failed` naming every bad field (an unknown option included). */
function parse<T>(schema: z.ZodType<T>, input: unknown, root: string): T {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const fieldErrors = result.error.issues.map((issue) => {
    const path = [root, ...issue.path.map(String)].filter(Boolean).join('.');
    if (issue.code === 'unrecognized_keys') {
      const names = issue.keys.map((k) => (path ? `${path}.${k}` : k));
      return { field: names.join(', '), message: `unknown option ${names.map((n) => `"${n}"`).join(', ')}` };
    }
    return { field: path, message: `${path}: ${issue.message}` };
  });
  throw new ConnectError('validation_failed', fieldErrors.map((e) => e.message).join('; '), { fieldErrors });
}

/** The per-user server API over the domain, validating at runtime what plain JavaScript may pass. */
export function userApi(connections: Connections, userIdInput: unknown): ZoomUserApi {
  const userId = parse(UserIdSchema, userIdInput, 'userId');
  return {
    userId,
    status: () => connections.status(userId),
    profile: () => connections.account.profile(userId),
    async listMeetings(query) {
      const q = parse(MeetingsQuerySchema, query, 'query') ?? {};
      return connections.account.listMeetings(userId, { type: q.type, pageSize: q.page_size, nextPageToken: q.next_page_token });
    },
    async listRecordings(query) {
      const q = parse(RecordingsQuerySchema, query, 'query') ?? {};
      return connections.account.listRecordings(userId, { from: q.from, to: q.to, pageSize: q.page_size, nextPageToken: q.next_page_token });
    },
    async createMeeting(meeting) {
      const m = parse(MeetingSchema, meeting, 'meeting');
      return connections.account.createMeeting(userId, m);
    },
    async disconnect() {
      const result = await connections.revocation.revoke(userId, NO_CONTEXT);
      return { ...statusViewOf(result.connection), revokedAtZoom: result.revokedAtZoom };
    },
    async request(call) {
      const c = parse(CallSchema, call, 'request');
      const query: Record<string, string> = {};
      for (const [k, v] of Object.entries(c.query ?? {})) if (v !== undefined) query[k] = String(v);
      return connections.account.request(userId, { method: c.method, path: c.path, query, body: c.body });
    },
  };
}
