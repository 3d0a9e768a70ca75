import type { FaultConfig } from './model.js';
import type { ZoomMeeting, ZoomRecording, ZoomUser } from './model.js';
import type { ResolvedClient, ResolvedOptions } from './options.js';
import { createUserData, seededRandom, seedUsers, type SeedContext, type UserData } from './seed.js';

export interface AuthorizationCode {
  code: string;
  clientId: string;
  userId: string;
  redirectUri: string;
  codeChallenge: string | undefined;
  codeChallengeMethod: 'S256' | 'plain';
  expiresAt: number;
  used: boolean;
  /** The grant this code produced, so a replay can revoke it. */
  grantId: string | undefined;
}

export interface Grant {
  id: string;
  clientId: string;
  userId: string;
  scopes: string[];
  revoked: boolean;
}

export interface AccessTokenRecord {
  grantId: string;
  clientId: string;
  userId: string;
  issuedAt: number;
  expiresAt: number;
  revoked: boolean;
}

/** A Server-to-Server token: the account's, not a user's; no grant, no refresh token. */
export interface AccountTokenRecord {
  clientId: string;
  accountId: string;
  scopes: string[];
  issuedAt: number;
  expiresAt: number;
  revoked: boolean;
}

export interface RefreshTokenRecord {
  grantId: string;
  expiresAt: number;
  /** Rotation: once a newer refresh token exists, this one is dead. */
  superseded: boolean;
}

/**
 * Where an app's events go. `unvalidated` is a URL set when the emulator
 * started (validated, as far as the emulator knows, before it existed);
 * registering one through the control API validates it at once.
 */
export interface WebhookEndpoint {
  url: string;
  secret: string;
  validation: 'unvalidated' | 'passed' | 'failed';
}

export interface PageCursor {
  key: string;
  ids: string[];
  offset: number;
  expiresAt: number;
}

export interface Stats {
  tokenRequests: Record<string, number>;
  invalidGrant: number;
  revocations: number;
  apiCalls: Record<string, number>;
  webhooks: { delivered: number; failed: number; refused: number; validated: number; validationFailed: number };
}

const KNOWN_GRANT_TYPES: ReadonlySet<string> = new Set(['authorization_code', 'refresh_token', 'account_credentials']);
const MISSING_GRANT_TYPE = '(missing)';
const OTHER_GRANT_TYPE = '(other)';

function emptyStats(): Stats {
  return {
    tokenRequests: { authorization_code: 0, refresh_token: 0, account_credentials: 0 },
    invalidGrant: 0,
    revocations: 0,
    apiCalls: {},
    webhooks: { delivered: 0, failed: 0, refused: 0, validated: 0, validationFailed: 0 },
  };
}

const SEED = 20_240_501;

export class EmulatorState {
  baseUrl = '';
  clockOffsetMs = 0;
  users = new Map<string, ZoomUser>();
  meetings = new Map<string, ZoomMeeting[]>();
  recordings = new Map<string, ZoomRecording[]>();
  codes = new Map<string, AuthorizationCode>();
  grants = new Map<string, Grant>();
  accessTokens = new Map<string, AccessTokenRecord>();
  refreshTokens = new Map<string, RefreshTokenRecord>();
  accountTokens = new Map<string, AccountTokenRecord>();
  cursors = new Map<string, PageCursor>();
  /** By client id: the app's webhook endpoint, which the control API can move. */
  webhookEndpoints = new Map<string, WebhookEndpoint>();
  faults: FaultConfig = {};
  rateLimitRemaining = 0;
  /** Calls per rate-limit category in the current second, for the X-RateLimit-Remaining header. */
  rateWindows = new Map<string, { second: number; used: number }>();
  lostTokenResponsesRemaining = 0;
  lostMeetingCreatesRemaining = 0;
  stats: Stats = emptyStats();
  /** Emulator-clock time before which purge.ts does not walk the maps again. */
  nextPurgeAt = 0;
  private meetingIds = new Set<number>();

  constructor(readonly options: ResolvedOptions) {}

  /** Tests may move the clock forward to age codes and tokens without waiting. */
  now(): number {
    return Date.now() + this.clockOffsetMs;
  }

  reset(): void {
    this.clockOffsetMs = 0;
    this.users.clear();
    this.meetings.clear();
    this.recordings.clear();
    this.codes.clear();
    this.grants.clear();
    this.accessTokens.clear();
    this.refreshTokens.clear();
    this.accountTokens.clear();
    this.cursors.clear();
    this.meetingIds.clear();
    this.webhookEndpoints.clear();
    for (const client of this.options.clients) {
      if (client.webhookUrl !== undefined && client.webhookSecret !== undefined) {
        this.webhookEndpoints.set(client.clientId, { url: client.webhookUrl, secret: client.webhookSecret, validation: 'unvalidated' });
      }
    }
    this.faults = {};
    this.rateLimitRemaining = 0;
    this.rateWindows.clear();
    this.lostTokenResponsesRemaining = 0;
    this.lostMeetingCreatesRemaining = 0;
    this.stats = emptyStats();
    this.nextPurgeAt = 0;
    if (this.options.seed) {
      for (const data of seedUsers(this.seedContext(seededRandom(SEED)))) this.addUserData(data);
    }
  }

  client(clientId: string): ResolvedClient | undefined {
    return this.options.clients.find((client) => client.clientId === clientId);
  }

  findUser(idOrEmail: string): ZoomUser | undefined {
    const direct = this.users.get(idOrEmail);
    if (direct) return direct;
    const email = idOrEmail.toLowerCase();
    for (const user of this.users.values()) if (user.email === email) return user;
    return undefined;
  }

  createUser(fields: { id: string; email: string; first_name?: string; last_name?: string; timezone?: string; type?: 1 | 2 }, withContent: boolean): ZoomUser {
    const data = createUserData(fields, this.seedContext(Math.random), withContent);
    this.addUserData(data);
    return data.user;
  }

  addMeeting(meeting: ZoomMeeting): void {
    const list = this.meetings.get(meeting.host_id);
    if (list) list.push(meeting);
    else this.meetings.set(meeting.host_id, [meeting]);
  }

  /** The meeting with this id, whoever hosts it. */
  findMeeting(meetingId: number): ZoomMeeting | undefined {
    for (const list of this.meetings.values()) {
      const found = list.find((meeting) => meeting.id === meetingId);
      if (found) return found;
    }
    return undefined;
  }

  /** The id stays allocated: Zoom never hands a deleted meeting's id to another meeting. */
  removeMeeting(meeting: ZoomMeeting): void {
    const list = this.meetings.get(meeting.host_id);
    if (list) this.meetings.set(meeting.host_id, list.filter((item) => item !== meeting));
  }

  /** Meeting ids are 10–11 digit numbers, unique across the emulator like Zoom's. */
  allocateMeetingId(random: () => number = Math.random): number {
    for (;;) {
      const id = 81_000_000_000 + Math.floor(random() * 8_999_999_999);
      if (!this.meetingIds.has(id)) {
        this.meetingIds.add(id);
        return id;
      }
    }
  }

  countApiCall(routeKey: string): void {
    this.stats.apiCalls[routeKey] = (this.stats.apiCalls[routeKey] ?? 0) + 1;
  }

  /**
   * The grant type is client-supplied: counted by name it could be `constructor`
   * or `__proto__` and corrupt the stats object, and a caller inventing names
   * would grow it without bound. Only the grants Zoom knows get their own key.
   */
  countTokenRequest(grantType: string | undefined): void {
    const key = grantType === undefined || grantType === '' ? MISSING_GRANT_TYPE : KNOWN_GRANT_TYPES.has(grantType) ? grantType : OTHER_GRANT_TYPE;
    this.stats.tokenRequests[key] = (this.stats.tokenRequests[key] ?? 0) + 1;
  }

  private seedContext(random: () => number): SeedContext {
    return { now: this.now(), baseUrl: this.baseUrl, accountId: this.options.accountId, random, allocateMeetingId: () => this.allocateMeetingId(random) };
  }

  private addUserData(data: UserData): void {
    this.users.set(data.user.id, data.user);
    this.meetings.set(data.user.id, data.meetings);
    this.recordings.set(data.user.id, data.recordings);
    for (const meeting of data.meetings) this.meetingIds.add(meeting.id);
    for (const recording of data.recordings) this.meetingIds.add(recording.id);
  }
}

