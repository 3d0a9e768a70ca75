import { randomBytes, type KeyObject } from 'node:crypto';
import type { GoogleFaults } from './faults.js';
import type { ServiceAccountKeyFile } from './service-account.js';

export interface EventTime {
  dateTime: string;
  timeZone: string | undefined;
}

export interface StoredConference {
  requestId: string;
  /** How many more answers show it `pending`. */
  pendingAnswers: number;
  outcome: 'success' | 'failure';
  conferenceId: string;
}

export interface StoredEvent {
  id: string;
  calendar: string;
  status: 'confirmed' | 'cancelled';
  summary: string | undefined;
  description: string | undefined;
  start: EventTime;
  end: EventTime;
  created: string;
  updated: string;
  sequence: number;
  conference: StoredConference | undefined;
}

export interface IssuedToken {
  subject: string;
  scopes: string[];
  expiresAt: number;
}

export interface GoogleEmulatorStats {
  tokenRequests: number;
  tokensIssued: number;
  tokensBySubject: Record<string, number>;
  inserts: number;
  apiCalls: number;
  calls: Record<string, number>;
}

function emptyStats(): GoogleEmulatorStats {
  return { tokenRequests: 0, tokensIssued: 0, tokensBySubject: {}, inserts: 0, apiCalls: 0, calls: {} };
}

/** Everything the Google emulator remembers; `reset()` forgets all but the service account. */
export class GoogleEmulatorState {
  /** calendar (the user's address) → event id → event; deleted events stay, as Google keeps their ids. */
  readonly calendars = new Map<string, Map<string, StoredEvent>>();
  readonly tokens = new Map<string, IssuedToken>();
  faults: GoogleFaults = {};
  rateLimitRemaining = 0;
  cutInsertsRemaining = 0;
  stats: GoogleEmulatorStats = emptyStats();

  private account: { baseUrl: string; keyFile: ServiceAccountKeyFile; publicKey: KeyObject } | undefined;

  constructor(
    readonly domain: string,
    readonly tokenLifetimeSeconds: number,
    readonly delegatedScopes: readonly string[],
  ) {}

  /** The URL and key are known only once the server listens (token_uri carries the port). */
  bind(baseUrl: string, keyFile: ServiceAccountKeyFile, publicKey: KeyObject): void {
    this.account = { baseUrl, keyFile, publicKey };
  }

  get baseUrl(): string {
    return this.bound().baseUrl;
  }

  get keyFile(): ServiceAccountKeyFile {
    return this.bound().keyFile;
  }

  get publicKey(): KeyObject {
    return this.bound().publicKey;
  }

  private bound(): { baseUrl: string; keyFile: ServiceAccountKeyFile; publicKey: KeyObject } {
    if (this.account === undefined) throw new Error('google emulator used before it listens');
    return this.account;
  }

  reset(): void {
    this.calendars.clear();
    this.tokens.clear();
    this.setFaults({});
    this.stats = emptyStats();
  }

  setFaults(faults: GoogleFaults): void {
    this.faults = faults;
    this.rateLimitRemaining = faults.rateLimit?.count ?? 0;
    this.cutInsertsRemaining = faults.cutAfterInsert ?? 0;
  }

  countRequest(method: string, route: string): void {
    if (route === '/token') {
      this.stats.tokenRequests += 1;
      return;
    }
    if (!route.startsWith('/calendar/')) return;
    this.stats.apiCalls += 1;
    const key = `${method} ${route.replace(/:(\w+)/g, '{$1}')}`;
    this.stats.calls[key] = (this.stats.calls[key] ?? 0) + 1;
  }

  issueToken(subject: string, scopes: string[]): string {
    const token = `ya29.${randomBytes(36).toString('base64url')}`;
    this.tokens.set(token, { subject, scopes, expiresAt: Date.now() + this.tokenLifetimeSeconds * 1000 });
    this.stats.tokensIssued += 1;
    this.stats.tokensBySubject[subject] = (this.stats.tokensBySubject[subject] ?? 0) + 1;
    return token;
  }

  /** The token's grant, or undefined when it is unknown or expired. */
  tokenGrant(token: string): IssuedToken | undefined {
    const grant = this.tokens.get(token);
    if (grant === undefined || grant.expiresAt <= Date.now()) return undefined;
    return grant;
  }

  /** Every issued token stops working, as if Google had expired or revoked them. */
  expireTokens(): void {
    this.tokens.clear();
  }

  calendar(address: string): Map<string, StoredEvent> {
    let events = this.calendars.get(address);
    if (events === undefined) {
      events = new Map();
      this.calendars.set(address, events);
    }
    return events;
  }

  isDomainUser(address: string): boolean {
    const lower = address.toLowerCase();
    const at = lower.lastIndexOf('@');
    if (at < 1 || lower.slice(at + 1) !== this.domain) return false;
    return !(this.faults.unknownUsers ?? []).some((user) => user.toLowerCase() === lower);
  }
}
