import type { Connection, ConnectionStatus, ConnectionSummary } from '../store/types.js';

/** What an app may show about a connection: never a token. */
export interface ConnectionStatusView {
  connected: boolean;
  status: ConnectionStatus | 'not_connected';
  zoomUserId: string | null;
  zoomEmail: string | null;
  zoomAccountId: string | null;
  grantedScopes: string[];
  accessTokenExpiresAt: string | null;
  authorizedAt: string | null;
  lastRefreshedAt: string | null;
  lastUsedAt: string | null;
  refreshFailureCount: number;
  lastRefreshError: string | null;
  revokedAt: string | null;
}

/** The status answer of a full connection row (after a write: connect, refresh, disconnect). */
export function statusViewOf(c: Connection | null): ConnectionStatusView {
  return toStatusView(
    c && {
      status: c.status,
      zoomUserId: c.zoomUserId,
      zoomEmail: c.zoomEmail,
      zoomAccountId: c.zoomAccountId,
      grantedScopes: c.grantedScopes,
      accessTokenExpiresAt: iso(c.accessTokenExpiresAt),
      authorizedAt: iso(c.authorizedAt),
      lastRefreshedAt: iso(c.lastRefreshedAt),
      lastUsedAt: iso(c.lastUsedAt),
      refreshFailureCount: c.refreshFailureCount,
      lastRefreshError: c.lastRefreshError,
      revokedAt: iso(c.revokedAt),
    },
  );
}

/** The one rule of what the status answer shows, from the columns it shows. */
export function toStatusView(c: ConnectionSummary | null): ConnectionStatusView {
  if (!c) {
    return {
      connected: false,
      status: 'not_connected',
      zoomUserId: null,
      zoomEmail: null,
      zoomAccountId: null,
      grantedScopes: [],
      accessTokenExpiresAt: null,
      authorizedAt: null,
      lastRefreshedAt: null,
      lastUsedAt: null,
      refreshFailureCount: 0,
      lastRefreshError: null,
      revokedAt: null,
    };
  }
  const disconnected = c.status === 'revoked' || c.status === 'deauthorized';
  return {
    // `inactive` still holds tokens that may serve; the app can retry refresh.
    connected: c.status === 'active' || c.status === 'inactive',
    status: c.status,
    zoomUserId: c.zoomUserId,
    zoomEmail: c.zoomEmail,
    zoomAccountId: c.zoomAccountId,
    grantedScopes: c.grantedScopes,
    // Wiped tokens have no expiry worth showing.
    accessTokenExpiresAt: disconnected ? null : c.accessTokenExpiresAt,
    authorizedAt: c.authorizedAt,
    lastRefreshedAt: c.lastRefreshedAt,
    lastUsedAt: c.lastUsedAt,
    refreshFailureCount: c.refreshFailureCount,
    lastRefreshError: c.lastRefreshError,
    revokedAt: c.revokedAt,
  };
}

function iso(d: Date | null): string | null {
  return d ? d.toISOString() : null;
}
