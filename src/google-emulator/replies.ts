import type { FastifyReply } from 'fastify';

/** Google's canonical status names, which its JSON errors carry next to the HTTP code. */
const STATUS_NAMES: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ALREADY_EXISTS',
  410: 'NOT_FOUND',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  502: 'UNAVAILABLE',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

/** A Calendar API error: `{"error": {"code", "message", "errors": [{domain, reason, message}], "status"}}`. */
export function sendGoogleError(reply: FastifyReply, code: number, reason: string, message: string, domain = 'global'): FastifyReply {
  return reply
    .code(code)
    .type('application/json; charset=UTF-8')
    .send({ error: { code, message, errors: [{ domain, reason, message }], status: STATUS_NAMES[code] ?? 'UNKNOWN' } });
}

/** The OAuth token endpoint's error: `{"error", "error_description"}`. */
export function sendTokenError(reply: FastifyReply, code: number, error: string, description: string): FastifyReply {
  return reply.code(code).type('application/json; charset=UTF-8').send({ error, error_description: description });
}
