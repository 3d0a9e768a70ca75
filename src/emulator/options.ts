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
}

export interface ResolvedOptions {
  clients: ResolvedClient[];
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  codeTtlSeconds: number;
  maxAccessTokensPerUser: number | undefined;
  invalidCodeError: 'invalid_grant' | 'invalid_request';
  seed: boolean;
}

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
    };
  });
  return {
    clients,
    accessTokenTtlSeconds: positiveInteger('accessTokenTtlSeconds', options.accessTokenTtlSeconds, 3599),
    refreshTokenTtlSeconds: positiveInteger('refreshTokenTtlSeconds', options.refreshTokenTtlSeconds, NINETY_DAYS_SECONDS),
    codeTtlSeconds: positiveInteger('codeTtlSeconds', options.codeTtlSeconds, 600),
    maxAccessTokensPerUser:
      options.maxAccessTokensPerUser === undefined
        ? undefined
        : positiveInteger('maxAccessTokensPerUser', options.maxAccessTokensPerUser, 1),
    invalidCodeError: options.invalidCodeError ?? 'invalid_grant',
    seed: options.seed ?? true,
  };
}
