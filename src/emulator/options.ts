import type { FastifyBaseLogger } from 'fastify';

export const CLASSIC_SCOPES = ['user:read', 'user:write', 'meeting:read', 'meeting:write', 'recording:read'];

export interface EmulatorClient {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
  /** Shown on the consent page; defaults to the client id. */
  name?: string;
  webhookUrl?: string;
  webhookSecret?: string;
  /** Scopes the app was given in the Marketplace; classic or granular names. */
  scopes?: string[];
  /**
   * Where evidence about Zoom conflicts, the alternative this app sees (see
   * docs/emulator.md, "Selectable behaviours"); each defaults to the emulator's
   * long-standing behaviour.
   */
  variants?: ClientVariants;
}

export interface ClientVariants {
  /** `body-or-query` (default, Zoom's docs) or `body-only` (query parameters ignored, as one report suggests). */
  tokenParameters?: 'body-or-query' | 'body-only';
  /** HTTP status for a wrong client secret: 401 (default) or 400 (also seen). */
  invalidClientStatus?: 401 | 400;
  /** Overrides the emulator-wide `invalidCodeError` for this app. */
  invalidCodeError?: 'invalid_grant' | 'invalid_request';
  /** Recordings' default `from`/`to`: yesterday and today (default, as a user saw) or today and tomorrow (the spec text). */
  recordingDefaultDates?: 'yesterday-today' | 'today-tomorrow';
}

/** A Server-to-Server OAuth app of the emulator's one account (Zoom's account-level app type). */
export interface EmulatorServerToServerApp {
  /** The id of the account every emulated user is in; defaults to the seeded account's. */
  accountId?: string;
  clientId: string;
  clientSecret: string;
  /** Defaults to the admin scopes appointments need. */
  scopes?: string[];
}

export interface EmulatorOptions {
  /** 0 picks a free port. */
  port?: number;
  host?: string;
  clients: EmulatorClient[];
  accessTokenTtlSeconds?: number;
  refreshTokenTtlSeconds?: number;
  /** Lifetime of an authorization code; Zoom's is 10 minutes. */
  codeTtlSeconds?: number;
  /** Zoom keeps only so many unexpired access tokens per user and app; older ones stop working. */
  maxAccessTokensPerUser?: number;
  /**
   * The `error` returned for an unknown, expired or reused authorization code.
   * RFC 6749 says `invalid_grant`; Zoom has been seen answering `invalid_request`.
   */
  invalidCodeError?: 'invalid_grant' | 'invalid_request';
  seed?: boolean;
  /** Enables the `account_credentials` grant for this app; every user belongs to its account. */
  serverToServer?: EmulatorServerToServerApp;
  logger?: FastifyBaseLogger;
}

export interface ResolvedClient {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
  name: string;
  webhookUrl: string | undefined;
  webhookSecret: string | undefined;
  scopes: string[];
  tokenParameters: 'body-or-query' | 'body-only';
  invalidClientStatus: 401 | 400;
  invalidCodeError: 'invalid_grant' | 'invalid_request';
  recordingDefaultDates: 'yesterday-today' | 'today-tomorrow';
}

export interface ResolvedServerToServerApp {
  clientId: string;
  clientSecret: string;
  scopes: string[];
}

export interface ResolvedOptions {
  clients: ResolvedClient[];
  /** The one account every emulated user is in. */
  accountId: string;
  serverToServer: ResolvedServerToServerApp | undefined;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  codeTtlSeconds: number;
  maxAccessTokensPerUser: number | undefined;
  seed: boolean;
}

export const ADMIN_SCOPES = ['meeting:write:admin', 'meeting:read:admin', 'user:read:admin'];

/** The seeded users' account; `serverToServer.accountId` renames it. */
export const DEFAULT_ACCOUNT_ID = 'Lq9Zr4ZxR8m0dD6qkTnWbA';
const ACCOUNT_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

const NINETY_DAYS_SECONDS = 90 * 24 * 60 * 60;

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value <= 0) {
    throw new TypeError(`emulator option ${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

export function resolveOptions(options: EmulatorOptions): ResolvedOptions {
  if (options.clients.length === 0) throw new TypeError('emulator needs at least one client');
  const ids = new Set<string>();
  const clients = options.clients.map((client): ResolvedClient => {
    if (!client.clientId || !client.clientSecret) throw new TypeError('every emulator client needs clientId and clientSecret');
    if (ids.has(client.clientId)) throw new TypeError(`duplicate emulator client ${client.clientId}`);
    ids.add(client.clientId);
    if (client.redirectUris.length === 0) throw new TypeError(`client ${client.clientId} needs at least one redirect URI`);
    for (const uri of client.redirectUris) new URL(uri);
    if (client.webhookUrl !== undefined) new URL(client.webhookUrl);
    return {
      clientId: client.clientId,
      clientSecret: client.clientSecret,
      redirectUris: [...client.redirectUris],
      name: client.name ?? client.clientId,
      webhookUrl: client.webhookUrl,
      webhookSecret: client.webhookSecret,
      scopes: client.scopes && client.scopes.length > 0 ? [...client.scopes] : [...CLASSIC_SCOPES],
      tokenParameters: client.variants?.tokenParameters ?? 'body-or-query',
      invalidClientStatus: client.variants?.invalidClientStatus ?? 401,
      invalidCodeError: client.variants?.invalidCodeError ?? options.invalidCodeError ?? 'invalid_grant',
      recordingDefaultDates: client.variants?.recordingDefaultDates ?? 'yesterday-today',
    };
  });
  const s2s = options.serverToServer;
  if (s2s !== undefined) {
    if (!s2s.clientId || !s2s.clientSecret) throw new TypeError('the Server-to-Server app needs clientId and clientSecret');
    // One set of credentials names one app, so the token endpoint can tell which app type is asking.
    if (ids.has(s2s.clientId)) throw new TypeError(`the Server-to-Server app's client id ${s2s.clientId} is also a user-managed app's`);
    if (s2s.accountId !== undefined && !ACCOUNT_ID_PATTERN.test(s2s.accountId)) {
      throw new TypeError(`serverToServer.accountId must be 1-64 characters of [A-Za-z0-9_-], got "${s2s.accountId}"`);
    }
  }
  return {
    clients,
    accountId: s2s?.accountId ?? DEFAULT_ACCOUNT_ID,
    serverToServer:
      s2s === undefined
        ? undefined
        : {
            clientId: s2s.clientId,
            clientSecret: s2s.clientSecret,
            scopes: s2s.scopes && s2s.scopes.length > 0 ? [...s2s.scopes] : [...ADMIN_SCOPES],
          },
    accessTokenTtlSeconds: positiveInteger('accessTokenTtlSeconds', options.accessTokenTtlSeconds, 3599),
    refreshTokenTtlSeconds: positiveInteger('refreshTokenTtlSeconds', options.refreshTokenTtlSeconds, NINETY_DAYS_SECONDS),
    codeTtlSeconds: positiveInteger('codeTtlSeconds', options.codeTtlSeconds, 600),
    maxAccessTokensPerUser:
      options.maxAccessTokensPerUser === undefined
        ? undefined
        : positiveInteger('maxAccessTokensPerUser', options.maxAccessTokensPerUser, 1),
    seed: options.seed ?? true,
  };
}
