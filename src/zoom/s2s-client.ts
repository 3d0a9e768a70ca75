import { ZoomApi, type ZoomAuth, type ZoomObject } from './api-client.js';
import { ZoomOAuthError, ZoomUnavailableError } from './errors.js';
import { ZoomProtocolError } from './protocol-error.js';
import { DEFAULT_EXPIRES_IN_SECONDS, isObject } from './oauth-client.js';
import type { ZoomResponse, ZoomTransport } from './transport.js';

export interface ZoomS2SConfig {
  accountId: string;
  clientId: string;
  clientSecret: string;
  oauthBaseUrl: string;
}

export interface S2STokenGrant {
  accessToken: string;
  expiresInSeconds: number;
}

/**
 * Zoom Server-to-Server OAuth: `grant_type=account_credentials` for one
 * account, Basic client authentication. No refresh token: a new token is
 * simply requested, and several may be valid at once.
 */
export class ZoomS2SOAuthClient {
  private readonly basicAuth: string;

  constructor(
    private readonly config: ZoomS2SConfig,
    private readonly transport: ZoomTransport,
  ) {
    this.basicAuth = `Basic ${Buffer.from(`${config.clientId}:${config.clientSecret}`).toString('base64')}`;
  }

  get accountId(): string {
    return this.config.accountId;
  }

  async requestToken(signal?: AbortSignal): Promise<S2STokenGrant> {
    const res = await this.transport.send({
      method: 'POST',
      url: new URL('/oauth/token', this.config.oauthBaseUrl).toString(),
      headers: { authorization: this.basicAuth, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({ grant_type: 'account_credentials', account_id: this.config.accountId }).toString(),
      // Tokens do not rotate and several may live at once: asking twice costs a token, never the account.
      idempotent: true,
      signal,
    });
    if (res.status !== 200) throw s2sOAuthError(res);
    const body = res.body;
    if (!isObject(body) || typeof body.access_token !== 'string' || body.access_token === '') {
      throw new ZoomUnavailableError('Zoom Server-to-Server token response had no access_token', false, res.status, res.trackingId);
    }
    const expiresIn = Number(body.expires_in);
    return {
      accessToken: body.access_token,
      expiresInSeconds: Number.isFinite(expiresIn) && expiresIn > 0 ? Math.floor(expiresIn) : DEFAULT_EXPIRES_IN_SECONDS,
    };
  }
}

export interface ZoomMeetingFields {
  topic?: string;
  type?: number;
  start_time?: string;
  duration?: number;
  timezone?: string;
  agenda?: string;
  settings?: ZoomObject;
}

/**
 * The meeting endpoints that take any bearer (a user's token with `me`, or
 * an account's Server-to-Server token with a user id or email). Only GETs
 * and PATCH/DELETE are retried: a POST that creates must never be sent twice
 * blindly, its lost answer is reconciled by the caller.
 */
export class ZoomMeetingsApi {
  private readonly api: ZoomApi;

  constructor(transport: ZoomTransport, defaultApiBase: string) {
    this.api = new ZoomApi(transport, defaultApiBase);
  }

  async createMeeting(auth: ZoomAuth, userId: string, fields: ZoomMeetingFields, signal?: AbortSignal): Promise<ZoomObject> {
    return answer(await this.api.request(auth, { method: 'POST', path: `/users/${encodeURIComponent(userId)}/meetings`, body: fields }, signal), 'POST meetings');
  }

  async getMeeting(auth: ZoomAuth, meetingId: string, signal?: AbortSignal): Promise<ZoomObject> {
    return answer(await this.api.request(auth, { method: 'GET', path: `/meetings/${encodeURIComponent(meetingId)}` }, signal), 'GET meeting');
  }

  async updateMeeting(auth: ZoomAuth, meetingId: string, fields: ZoomMeetingFields, signal?: AbortSignal): Promise<void> {
    await this.api.request(auth, { method: 'PATCH', path: `/meetings/${encodeURIComponent(meetingId)}`, body: fields }, signal);
  }

  async deleteMeeting(auth: ZoomAuth, meetingId: string, signal?: AbortSignal): Promise<void> {
    await this.api.request(auth, { method: 'DELETE', path: `/meetings/${encodeURIComponent(meetingId)}` }, signal);
  }

  async getUser(auth: ZoomAuth, userId: string, signal?: AbortSignal): Promise<ZoomObject> {
    return answer(await this.api.request(auth, { method: 'GET', path: `/users/${encodeURIComponent(userId)}` }, signal), 'GET user');
  }

  /** One page of a user's scheduled meetings. */
  async listMeetings(auth: ZoomAuth, userId: string, pageToken: string | undefined, signal?: AbortSignal): Promise<{ meetings: ZoomObject[]; nextPageToken: string }> {
    const query: Record<string, string> = { type: 'scheduled', page_size: '300' };
    if (pageToken) query.next_page_token = pageToken;
    const body = answer(await this.api.request(auth, { method: 'GET', path: `/users/${encodeURIComponent(userId)}/meetings`, query }, signal), 'GET meetings');
    const meetings = Array.isArray(body.meetings) ? body.meetings.filter(isObject) : [];
    return { meetings, nextPageToken: typeof body.next_page_token === 'string' ? body.next_page_token : '' };
  }
}

/** These endpoints always answer with an object; an empty body is malformed. */
function answer(body: ZoomObject | null, what: string): ZoomObject {
  if (body === null) throw new ZoomProtocolError(`${what} answer`, '(body)', 'a JSON object', 'Zoom API responses are JSON objects', 200, undefined);
  return body;
}

function s2sOAuthError(res: ZoomResponse): ZoomOAuthError {
  const body = isObject(res.body) ? res.body : {};
  const error = typeof body.error === 'string' ? body.error : `http_${res.status}`;
  const reason = typeof body.reason === 'string' ? body.reason : '';
  return new ZoomOAuthError(res.status, error, reason, res.trackingId);
}
