import type { FastifyReply } from 'fastify';
import type { AppointmentErrorCode } from '../appointments/errors.js';
import type { ConnectErrorCode } from '../connections/errors.js';

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
  | 'webhook_signature_invalid'
  | 'webhooks_disabled';

const STATUS: Record<HttpProblemCode, number> = {
  unauthenticated: 401,
  not_connected: 409,
  needs_reauth: 409,
  connection_inactive: 409,
  invalid_state: 400,
  state_expired: 400,
  state_browser_mismatch: 403,
  state_user_mismatch: 403,
  invalid_code: 400,
  zoom_denied: 400,
  zoom_code_rejected: 400,
  zoom_unavailable: 503,
  zoom_rate_limited: 429,
  zoom_rejected_request: 400,
  zoom_not_found: 404,
  insufficient_scope: 403,
  validation_failed: 400,
  service_unavailable: 503,
  not_found: 404,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  cross_site_request: 403,
  webhook_signature_invalid: 401,
  webhooks_disabled: 404,
  appointment_meeting_not_found: 404,
  no_meeting_provider: 409,
  meeting_provider_unavailable: 503,
  no_start_url: 409,
};

const TITLE: Record<HttpProblemCode, string> = {
  unauthenticated: 'Authentication required',
  not_connected: 'Zoom is not connected',
  needs_reauth: 'Zoom must be connected again',
  connection_inactive: 'Zoom connection is inactive',
  invalid_state: 'Invalid OAuth state',
  state_expired: 'OAuth state expired',
  state_browser_mismatch: 'Connect flow began in another browser',
  state_user_mismatch: 'Connect flow belongs to another user',
  invalid_code: 'Invalid authorization code',
  zoom_denied: 'Zoom authorization was declined',
  zoom_code_rejected: 'Zoom rejected the authorization',
  zoom_unavailable: 'Zoom is unavailable',
  zoom_rate_limited: 'Zoom rate limit reached',
  zoom_rejected_request: 'Zoom rejected the request',
  zoom_not_found: 'Not found at Zoom',
  insufficient_scope: 'Missing Zoom scope',
  validation_failed: 'Validation failed',
  service_unavailable: 'Service temporarily unavailable',
  not_found: 'Not found',
  payload_too_large: 'Payload too large',
  unsupported_media_type: 'Unsupported media type',
  rate_limited: 'Too many requests',
  cross_site_request: 'Cross-site request refused',
  webhook_signature_invalid: 'Invalid webhook signature',
  webhooks_disabled: 'Webhooks are not configured',
  appointment_meeting_not_found: 'Appointment has no meeting',
  no_meeting_provider: 'No meeting provider can serve this host',
  meeting_provider_unavailable: 'Meeting provider unavailable',
  no_start_url: 'Meeting has no start link',
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
  return STATUS[code];
}

export function problem(
  code: HttpProblemCode,
  detail: string,
  extra: { retryAfterSeconds?: number; trackingId?: string; errors?: Array<{ field: string; message: string }> } = {},
): Problem {
  const p: Problem = { type: `urn:zoom-connect:problem:${code}`, title: TITLE[code], status: STATUS[code], code, detail };
  if (extra.retryAfterSeconds !== undefined) p.retryAfter = extra.retryAfterSeconds;
  if (extra.trackingId !== undefined) p.trackingId = extra.trackingId;
  if (extra.errors && extra.errors.length > 0) p.errors = extra.errors;
  return p;
}

/** RFC 9457 response; 429 and 503 carry Retry-After (RFC 9110 §10.2.3). */
export function sendProblem(reply: FastifyReply, p: Problem): FastifyReply {
  if (p.retryAfter !== undefined) void reply.header('retry-after', String(p.retryAfter));
  else if (p.status === 503 || p.status === 429) void reply.header('retry-after', '5');
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
  },
} as const;
