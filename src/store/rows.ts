import type { Connection, ConnectionAccess, ConnectionStatus, ConnectionSummary, ConnectionTokenState } from './types.js';

/**
 * Row shapes as the drivers return them. `pg` returns bigint as a string and
 * PGlite as a number, so numeric columns are converted here, once.
 */
export interface ConnectionRow {
  user_id: string;
  status: ConnectionStatus;
  zoom_user_id: string | null;
  zoom_email: string | null;
  zoom_account_id: string | null;
  api_url: string | null;
  access_token_expires_at: Date | null;
  granted_scopes: string[] | null;
  refresh_failure_count: number | string;
  last_refresh_attempt_at: Date | null;
  last_refresh_error: string | null;
  last_refreshed_at: Date | null;
  refresh_blocked_until: Date | null;
  last_used_at: Date | null;
  authorized_at: Date | null;
  revoked_at: Date | null;
  device_user_agent: string | null;
  device_ip: string | null;
  version: number | string;
  created_at: Date;
  updated_at: Date;
}

export interface ConnectionTokenRow extends ConnectionRow {
  access_token_enc: string | null;
  refresh_token_enc: string | null;
  token_kid: string | null;
}

export const CONNECTION_COLUMNS = `user_id, status, zoom_user_id, zoom_email, zoom_account_id, api_url,
  access_token_expires_at, granted_scopes, refresh_failure_count, last_refresh_attempt_at,
  last_refresh_error, last_refreshed_at, refresh_blocked_until, last_used_at, authorized_at,
  revoked_at, device_user_agent, device_ip, version, created_at, updated_at`;

/**
 * Scopes as one space-separated text: an OAuth scope token has no space
 * (RFC 6749 §3.3, and parseScopes splits on them), and the driver's array
 * parser costs more than a split.
 */
const SCOPES_TEXT = "array_to_string(granted_scopes, ' ') AS granted_scopes";

export function scopesFromText(text: string | null): string[] {
  return text ? text.split(' ') : [];
}

export interface ConnectionSummaryRow {
  status: ConnectionStatus;
  zoom_user_id: string | null;
  zoom_email: string | null;
  zoom_account_id: string | null;
  granted_scopes: string | null;
  access_token_expires_at: string | null;
  authorized_at: string | null;
  last_refreshed_at: string | null;
  last_used_at: string | null;
  refresh_failure_count: number | string;
  last_refresh_error: string | null;
  revoked_at: string | null;
}

/** A timestamptz as `Date.prototype.toISOString` writes it (UTC, milliseconds truncated as a Date truncates them). */
const iso = (column: string): string => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS ${column}`;

/** The status answer's columns, nothing more (each column costs the driver a parser and a field per row). */
export const CONNECTION_SUMMARY_COLUMNS = [
  'status',
  'zoom_user_id',
  'zoom_email',
  'zoom_account_id',
  SCOPES_TEXT,
  iso('access_token_expires_at'),
  iso('authorized_at'),
  iso('last_refreshed_at'),
  iso('last_used_at'),
  'refresh_failure_count',
  'last_refresh_error',
  iso('revoked_at'),
].join(', ');

export function toConnectionSummary(row: ConnectionSummaryRow): ConnectionSummary {
  return {
    status: row.status,
    zoomUserId: row.zoom_user_id,
    zoomEmail: row.zoom_email,
    zoomAccountId: row.zoom_account_id,
    grantedScopes: scopesFromText(row.granted_scopes),
    accessTokenExpiresAt: row.access_token_expires_at,
    authorizedAt: row.authorized_at,
    lastRefreshedAt: row.last_refreshed_at,
    lastUsedAt: row.last_used_at,
    refreshFailureCount: Number(row.refresh_failure_count),
    lastRefreshError: row.last_refresh_error,
    revokedAt: row.revoked_at,
  };
}

export const CONNECTION_TOKEN_COLUMNS = `${CONNECTION_COLUMNS}, access_token_enc, refresh_token_enc, token_kid`;

export type ConnectionTokenStateRow = Pick<
  ConnectionRow,
  | 'user_id'
  | 'status'
  | 'zoom_user_id'
  | 'api_url'
  | 'access_token_expires_at'
  | 'granted_scopes'
  | 'refresh_failure_count'
  | 'last_refresh_attempt_at'
  | 'last_refresh_error'
  | 'last_refreshed_at'
  | 'refresh_blocked_until'
  | 'authorized_at'
  | 'version'
>;

export type ConnectionAccessTokenRow = ConnectionTokenStateRow & { access_token_enc: string | null };

export interface ConnectionAccessRow {
  status: ConnectionStatus;
  zoom_user_id: string | null;
  api_url: string | null;
  /** Milliseconds since the epoch, whole (PostgreSQL's microseconds cut as a Date would cut them). */
  access_token_expires_ms: number | null;
  granted_scopes: string | null;
  version: number | string;
  access_token_enc: string | null;
}

/** A Zoom call's hot read: the sealed access token and what using it needs. */
// The expiry as a number: no timestamp text formatted by PostgreSQL and parsed back into a Date on every call.
export const CONNECTION_ACCESS_COLUMNS = `status, zoom_user_id, api_url,
  floor(extract(epoch FROM access_token_expires_at) * 1000)::float8 AS access_token_expires_ms, ${SCOPES_TEXT}, version, access_token_enc`;

export function toConnectionAccess(row: ConnectionAccessRow, accessToken: string | null): ConnectionAccess {
  return {
    status: row.status,
    zoomUserId: row.zoom_user_id,
    apiUrl: row.api_url,
    accessTokenExpiresAt: row.access_token_expires_ms === null ? null : new Date(row.access_token_expires_ms),
    grantedScopes: scopesFromText(row.granted_scopes),
    version: Number(row.version),
    accessToken,
  };
}

/** The token state's columns and the sealed access token: every Zoom call reads these, nothing more. */
export const CONNECTION_ACCESS_TOKEN_COLUMNS = `user_id, status, zoom_user_id, api_url, access_token_expires_at, granted_scopes,
  refresh_failure_count, last_refresh_attempt_at, last_refresh_error, last_refreshed_at, refresh_blocked_until, authorized_at,
  version, access_token_enc`;

export function toConnectionTokenState(row: ConnectionTokenStateRow): ConnectionTokenState {
  return {
    userId: row.user_id,
    status: row.status,
    zoomUserId: row.zoom_user_id,
    apiUrl: row.api_url,
    accessTokenExpiresAt: row.access_token_expires_at,
    grantedScopes: row.granted_scopes ?? [],
    refreshFailureCount: Number(row.refresh_failure_count),
    lastRefreshAttemptAt: row.last_refresh_attempt_at,
    lastRefreshError: row.last_refresh_error,
    lastRefreshedAt: row.last_refreshed_at,
    refreshBlockedUntil: row.refresh_blocked_until,
    authorizedAt: row.authorized_at,
    version: Number(row.version),
  };
}

export function toConnection(row: ConnectionRow): Connection {
  return {
    ...toConnectionTokenState(row),
    zoomEmail: row.zoom_email,
    zoomAccountId: row.zoom_account_id,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
    deviceUserAgent: row.device_user_agent,
    deviceIp: row.device_ip,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
