import type { FastifyReply, FastifyRequest } from 'fastify';
import type { EmulatorState } from './state.js';

/**
 * Zoom's answers carry the caller's rate-limit budget (`X-RateLimit-Category`,
 * `-Type`, `-Limit`, `-Remaining`; developers.zoom.us/docs/api/rate-limits/),
 * so a client can slow down before it meets a 429. The emulator counts calls
 * per category in the current second, at the Pro plan's per-second limits.
 */

export type RateLimitCategory = 'Light' | 'Medium' | 'Heavy';

const PER_SECOND_LIMIT: Record<RateLimitCategory, number> = { Light: 30, Medium: 20, Heavy: 10 };

// Zoom's API reference labels each endpoint; the ones the emulator serves are Light or Medium.
const MEDIUM_ROUTES: ReadonlySet<string> = new Set([
  'GET /v2/users/:userId/meetings',
  'POST /v2/users/:userId/meetings',
  'GET /v2/users/:userId/recordings',
]);

function categoryOf(request: FastifyRequest): RateLimitCategory {
  return MEDIUM_ROUTES.has(`${request.method} ${request.routeOptions.url ?? ''}`) ? 'Medium' : 'Light';
}

/** Counts this call against its category's current second and returns what is left. */
function spend(state: EmulatorState, category: RateLimitCategory): number {
  const second = Math.floor(state.now() / 1000);
  const window = state.rateWindows.get(category);
  const used = window?.second === second ? window.used + 1 : 1;
  state.rateWindows.set(category, { second, used });
  return Math.max(0, PER_SECOND_LIMIT[category] - used);
}

/** An onSend hook for the API: a 429 from the fault injector already carries its own headers. */
export function rateLimitHeaders(state: EmulatorState) {
  return async (request: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> => {
    if (reply.statusCode === 429 || reply.hasHeader('x-ratelimit-category')) return payload;
    const category = categoryOf(request);
    reply
      .header('X-RateLimit-Category', category)
      .header('X-RateLimit-Type', 'QPS')
      .header('X-RateLimit-Limit', String(PER_SECOND_LIMIT[category]))
      .header('X-RateLimit-Remaining', String(spend(state, category)));
    return payload;
  };
}
