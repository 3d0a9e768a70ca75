import type { FastifyReply } from 'fastify';
import type { AppointmentErrorCode } from '../appointments/errors.js';
import { DEFAULT_RETRY_AFTER_SECONDS, type ConnectError, type ConnectErrorCode } from '../connections/index.js';

/** Codes the HTTP edge adds to the domain's own. */
export type HttpProblemCode =
  | ConnectErrorCode
  | AppointmentErrorCode
  | 'unauthenticated'
  | 'not_found'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'rate_limited'
  | 'cross_site_request'
  | 'webhooks_disabled';

/**
 * The one table from an error code to HTTP: status and title. The domain's
 * codes come from src/connections/errors.ts (where port failures were already
 * turned into them, src/connections/zoom-failures.ts); the rest are the
 * edge's own. A 5xx is only ever a dependency's fault.
 */
const PROBLEMS: Record<HttpProblemCode, { status: number; title: string }> = {
  unauthenticated: { status: 401, title: 'Authentication required' },
  not_connected: { status: 409, title: 'Zoom is not connected' },
  needs_reauth: { status: 409, title: 'Zoom must be connected again' },
  connection_inactive: { status: 409, title: 'Zoom connection is inactive' },
  invalid_state: { status: 400, title: 'Invalid OAuth state' },
  state_expired: { status: 400, title: 'OAuth state expired' },
  state_browser_mismatch: { status: 403, title: 'Connect flow began in another browser' },
  state_user_mismatch: { status: 403, title: 'Connect flow belongs to another user' },
  invalid_code: { status: 400, title: 'Invalid authorization code' },
  zoom_denied: { status: 400, title: 'Zoom authorization was declined' },
  zoom_code_rejected: { status: 400, title: 'Zoom rejected the authorization' },
  zoom_unavailable: { status: 503, title: 'Zoom is unavailable' },
  zoom_invalid_response: { status: 502, title: 'Zoom answered with malformed data' },
  zoom_rate_limited: { status: 429, title: 'Zoom rate limit reached' },
  zoom_rejected_request: { status: 400, title: 'Zoom rejected the request' },
  zoom_not_found: { status: 404, title: 'Not found at Zoom' },
  insufficient_scope: { status: 403, title: 'Missing Zoom scope' },
  validation_failed: { status: 400, title: 'Validation failed' },
  service_unavailable: { status: 503, title: 'Service temporarily unavailable' },
  not_found: { status: 404, title: 'Not found' },
  payload_too_large: { status: 413, title: 'Payload too large' },
  unsupported_media_type: { status: 415, title: 'Unsupported media type' },
  rate_limited: { status: 429, title: 'Too many requests' },
  cross_site_request: { status: 403, title: 'Cross-site request refused' },
  webhook_signature_invalid: { status: 401, title: 'Invalid webhook signature' },
  webhooks_disabled: { status: 404, title: 'Webhooks are not configured' },
  appointment_meeting_not_found: { status: 404, title: 'Appointment has no meeting' },
  no_meeting_provider: { status: 409, title: 'No meeting provider can serve this host' },
  meeting_provider_unavailable: { status: 503, title: 'Meeting provider unavailable' },
  no_start_url: { status: 409, title: 'Meeting has no start link' },
};

export interface Problem {
  type: string;
  title: string;
  status: number;
  code: HttpProblemCode;
  detail: string;
  retryAfter?: number;
  trackingId?: string;
  errors?: Array<{ field: string; message: string }>;
}

export function statusOf(code: HttpProblemCode): number {
  return PROBLEMS[code].status;
}

export function problem(
  code: HttpProblemCode,
  detail: string,
  extra: { retryAfterSeconds?: number; trackingId?: string; errors?: Array<{ field: string; message: string }> } = {},
): Problem {
  const { status, title } = PROBLEMS[code];
  const p: Problem = { type: `urn:zoom-connect:problem:${code}`, title, status, code, detail };
  if (extra.retryAfterSeconds !== undefined) p.retryAfter = extra.retryAfterSeconds;
  if (extra.trackingId !== undefined) p.trackingId = extra.trackingId;
  if (extra.errors && extra.errors.length > 0) p.errors = extra.errors;
  return p;
}

export function fromConnectError(err: ConnectError): Problem {
  return problem(err.code, err.message, {
    retryAfterSeconds: err.extra.retryAfterSeconds,
    trackingId: err.extra.trackingId,
    errors: err.extra.fieldErrors,
  });
}

/** RFC 9457 response; 429 and 503 carry Retry-After (RFC 9110 §10.2.3). */
export function sendProblem(reply: FastifyReply, p: Problem): FastifyReply {
  if (p.retryAfter !== undefined) void reply.header('retry-after', String(p.retryAfter));
  else if (p.status === 503 || p.status === 429) void reply.header('retry-after', String(DEFAULT_RETRY_AFTER_SECONDS));
  return reply.code(p.status).type('application/problem+json').send(p);
}

export const problemSchema = {
  type: 'object',
  required: ['type', 'title', 'status', 'code', 'detail'],
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    code: { type: 'string' },
    detail: { type: 'string' },
    retryAfter: { type: 'integer' },
    trackingId: { type: 'string' },
    errors: {
      type: 'array',
      items: { type: 'object', properties: { field: { type: 'string' }, message: { type: 'string' } } },
    },
    reasons: {
      description: 'Appointment meetings: why each meeting provider could not serve (no_meeting_provider, meeting_provider_unavailable).',
      type: 'array',
      items: { type: 'object', properties: { provider: { type: 'string' }, reason: { type: 'string' } } },
    },
  },
} as const;
