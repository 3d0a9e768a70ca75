import { ZoomApiError } from './errors.js';
import { USERS_ME_RULE, ZoomProtocolError } from './protocol-error.js';
import { isObject } from './oauth-client.js';
import type { ZoomResponse, ZoomTransport } from './transport.js';

/** Who we call as: the user's access token and, if Zoom gave one, their data-residency base. */
export interface ZoomAuth {
  accessToken: string;
  apiBase: string | null;
}

export type ZoomObject = Record<string, unknown>;

/** Zoom's own text of each object the API client parsed, while the object lives. */
const zoomTexts = new WeakMap<ZoomObject, string>();

/**
 * The JSON text Zoom sent for an object this client returned, so an answer
 * passed through unchanged is sent on as Zoom's bytes instead of being
 * serialised again (issue 15: ~4 µs a call). Undefined for anything the
 * client built itself. Only for objects handed on as they are: the text is
 * the object as it arrived, and says nothing of later changes to it.
 */
export function zoomJsonText(value: ZoomObject): string | undefined {
  return zoomTexts.get(value);
}

export interface ZoomUser extends ZoomObject {
  id: string;
  email: string | null;
  account_id: string | null;
}

export interface ListMeetingsQuery {
  type?: string;
  pageSize?: number;
  nextPageToken?: string;
}

export interface ListRecordingsQuery {
  from?: string;
  to?: string;
  pageSize?: number;
  nextPageToken?: string;
}

export interface CreateMeetingInput {
  topic: string;
  type?: number;
  start_time?: string;
  duration?: number;
  timezone?: string;
  agenda?: string;
  password?: string;
  settings?: ZoomObject;
}

export type ZoomMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Any call to Zoom's REST API: `path` is relative to the API base (`/users/me/webinars`), names as Zoom spells them. */
export interface ZoomApiRequest {
  method: ZoomMethod;
  path: string;
  query?: Record<string, string> | undefined;
  body?: unknown;
}

/** Zoom's REST API (`/v2`) for one user at a time. Every call needs a valid access token. */
export class ZoomApi {
  constructor(
    private readonly transport: ZoomTransport,
    private readonly defaultApiBase: string,
  ) {}

  async getMe(auth: ZoomAuth, signal?: AbortSignal): Promise<ZoomUser> {
    const body = await this.call(auth, 'users.me', 'GET', '/users/me', undefined, undefined, signal);
    if (typeof body.id !== 'string' || body.id === '') {
      throw new ZoomProtocolError('GET /users/me answer', 'id', 'a non-empty string', USERS_ME_RULE, 200, undefined);
    }
    // Already of the shape ZoomUser promises: handed on as Zoom sent it.
    if (isNullableString(body.email) && isNullableString(body.account_id)) return body as ZoomUser;
    return {
      ...body,
      id: body.id,
      email: typeof body.email === 'string' ? body.email : null,
      account_id: typeof body.account_id === 'string' ? body.account_id : null,
    };
  }

  listMeetings(auth: ZoomAuth, q: ListMeetingsQuery, signal?: AbortSignal): Promise<ZoomObject> {
    return this.call(auth, 'meetings.list', 'GET', '/users/me/meetings', {
      type: q.type,
      page_size: q.pageSize?.toString(),
      next_page_token: q.nextPageToken,
    }, undefined, signal);
  }

  createMeeting(auth: ZoomAuth, input: CreateMeetingInput, signal?: AbortSignal): Promise<ZoomObject> {
    return this.call(auth, 'meetings.create', 'POST', '/users/me/meetings', undefined, input, signal);
  }

  listRecordings(auth: ZoomAuth, q: ListRecordingsQuery, signal?: AbortSignal): Promise<ZoomObject> {
    return this.call(auth, 'recordings.list', 'GET', '/users/me/recordings', {
      from: q.from,
      to: q.to,
      page_size: q.pageSize?.toString(),
      next_page_token: q.nextPageToken,
    }, undefined, signal);
  }

  /**
   * Any endpoint: Zoom's answer, or null when it answers without a body
   * (204 to a DELETE or PATCH). Every method but POST is retried after a
   * network error or 5xx (a POST may create something twice).
   */
  async request(auth: ZoomAuth, req: ZoomApiRequest, signal?: AbortSignal): Promise<ZoomObject | null> {
    const res = await this.send(auth, undefined, req.method, req.path, req.query, req.body, signal);
    if (res.body === undefined) return null;
    return this.objectOf(res, req.method, req.path);
  }

  private async call(
    auth: ZoomAuth,
    operation: string,
    method: 'GET' | 'POST',
    path: string,
    query: Record<string, string | undefined> | undefined,
    body: unknown,
    signal: AbortSignal | undefined,
  ): Promise<ZoomObject> {
    return this.objectOf(await this.send(auth, operation, method, path, query, body, signal), method, path);
  }

  private objectOf(res: ZoomResponse, method: ZoomMethod, path: string): ZoomObject {
    if (!isObject(res.body)) {
      throw new ZoomProtocolError(`${method} ${path} answer`, '(body)', 'a JSON object', 'Zoom API responses are JSON objects', res.status, res.trackingId);
    }
    zoomTexts.set(res.body, res.text);
    return res.body;
  }

  /** `operation` is the metrics label when the caller knows it; the transport derives it from the URL otherwise. */
  private async send(
    auth: ZoomAuth,
    operation: string | undefined,
    method: ZoomMethod,
    path: string,
    query: Record<string, string | undefined> | undefined,
    body: unknown,
    signal: AbortSignal | undefined,
  ): Promise<ZoomResponse> {
    const url = urlOf(`${auth.apiBase ?? this.defaultApiBase}${path}`, query);
    const headers: Record<string, string> = { authorization: `Bearer ${auth.accessToken}`, accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await this.transport.send({
      method,
      operation,
      url,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      // A POST that creates a meeting must not be repeated blindly: a retry could create two.
      // PATCH sets fields to values and DELETE of a deleted meeting is a 404: both safe to repeat.
      idempotent: method !== 'POST',
      signal,
    });
    if (res.status >= 400) throw apiError(res);
    return res;
  }
}

/**
 * The request URL. Without query parameters the joined text is the URL
 * (undici parses it once; building a URL object to print it again cost every
 * call two parses and a serialisation); with them, URLSearchParams encodes.
 */
function urlOf(joined: string, query: Record<string, string | undefined> | undefined): string {
  const params = Object.entries(query ?? {}).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== '');
  if (params.length === 0) return joined;
  const url = new URL(joined);
  for (const [k, v] of params) url.searchParams.set(k, v);
  return url.toString();
}

function isNullableString(v: unknown): v is string | null {
  return v === null || typeof v === 'string';
}

function apiError(res: ZoomResponse): ZoomApiError {
  const body = isObject(res.body) ? res.body : {};
  const code = typeof body.code === 'number' ? body.code : undefined;
  const message = typeof body.message === 'string' ? body.message : `HTTP ${res.status}`;
  const fieldErrors = Array.isArray(body.errors)
    ? body.errors.filter(isObject).map((e) => ({ field: typeof e.field === 'string' ? e.field : '', message: typeof e.message === 'string' ? e.message : '' }))
    : [];
  return new ZoomApiError(res.status, code, message, res.trackingId, fieldErrors);
}
