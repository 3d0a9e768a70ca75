/**
 * The domain's failures, each with a stable machine `code` that the HTTP
 * edge maps to a status (src/http/problem.ts, the one table) and callers can
 * branch on. Failures of the ports (Zoom, database, cipher) become these in
 * one module, ./zoom-failures.ts. Messages are for people and never contain
 * a token, code, verifier or secret.
 */
export type ConnectErrorCode =
  | 'not_connected'
  | 'needs_reauth'
  | 'connection_inactive'
  | 'invalid_state'
  | 'state_expired'
  | 'state_browser_mismatch'
  | 'state_user_mismatch'
  | 'invalid_code'
  | 'zoom_denied'
  | 'zoom_code_rejected'
  | 'zoom_unavailable'
  | 'zoom_invalid_response'
  | 'zoom_rate_limited'
  | 'zoom_rejected_request'
  | 'zoom_not_found'
  | 'insufficient_scope'
  | 'validation_failed'
  | 'webhook_signature_invalid'
  | 'service_unavailable';

export class ConnectError extends Error {
  constructor(
    readonly code: ConnectErrorCode,
    message: string,
    readonly extra: {
      retryAfterSeconds?: number;
      trackingId?: string;
      fieldErrors?: Array<{ field: string; message: string }>;
      /** Where the browser should land after a failed callback. */
      returnTo?: string | null;
      /** A fault an operator must act on (logged at error level), not an expected outcome. */
      alert?: boolean;
    } = {},
  ) {
    super(message);
    this.name = 'ConnectError';
  }
}

export const notConnected = (): ConnectError =>
  new ConnectError('not_connected', 'This user has no Zoom connection; start one with GET /api/zoom/oauth/user/authorize.');

export const needsReauth = (): ConnectError =>
  new ConnectError('needs_reauth', 'Zoom no longer accepts this connection\'s grant; the user must connect Zoom again.');
