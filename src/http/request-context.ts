import type { FastifyRequest } from 'fastify';
import type { RequestContext } from '../connections/context.js';

/** Device info for the audit trail; `request.ip` honours the app's trustProxy setting. */
export function requestContext(request: FastifyRequest): RequestContext {
  const ua = request.headers['user-agent'];
  return { ip: request.ip || null, userAgent: typeof ua === 'string' ? ua.slice(0, 512) : null };
}
