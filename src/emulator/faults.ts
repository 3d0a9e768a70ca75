import type { IncomingMessage } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { renderErrorPage } from './consent-page.js';
import { oauthErrorForStatus, oauthParam, sendApiError, sendOAuthError } from './replies.js';
import { isRetryAfterValue, MAX_DELAY_SECONDS } from './retry-after.js';
import type { EmulatorState } from './state.js';
import { surfaceOf, type Surface } from './surface.js';

export const faultConfigSchema = z
  .object({
    latencyMs: z.number().int().min(0).max(120_000).optional(),
    tokenLatencyMs: z.number().int().min(0).max(120_000).optional(),
    errorRate: z.number().min(0).max(1).optional(),
    errorStatus: z.number().int().min(400).max(599).optional(),
    rateLimit: z
      .object({
        count: z.number().int().min(1).max(1_000_000),
        retryAfter: z
          .union([
            z.number().int().min(0).max(MAX_DELAY_SECONDS),
            z.string().refine(isRetryAfterValue, 'Expected delay-seconds or an IMF-fixdate such as "Sun, 06 Nov 1994 08:49:37 GMT".'),
          ])
          .optional(),
        type: z.enum(['QPS', 'Daily']).optional(),
      })
      .strict()
      .optional(),
    tokenEndpointDown: z.boolean().optional(),
    /**
     * The next N token requests are processed (a refresh rotates the token)
     * and then the connection is cut instead of answered: the lost response
     * ZOOM.md warns about, which no client can recover from.
     */
    loseTokenResponses: z.number().int().min(1).max(1_000).optional(),
    /**
     * The next N meeting creations (`POST /v2/users/{userId}/meetings`) store
     * the meeting and then cut the connection: the client cannot know the
     * meeting exists, and Zoom has no idempotency key to retry with.
     */
    loseMeetingCreateResponses: z.number().int().min(1).max(1_000).optional(),
    paths: z.union([z.string().startsWith('/'), z.array(z.string().startsWith('/'))]).optional(),
  })
  .strict();

export type FaultConfig = z.infer<typeof faultConfigSchema>;

/** Without a filter, general faults hit the API only; the OAuth server has its own switches. */
const DEFAULT_FAULT_PATHS = ['/v2/'];

function matchesPaths(path: string, paths: FaultConfig['paths']): boolean {
  const prefixes = paths === undefined ? DEFAULT_FAULT_PATHS : Array.isArray(paths) ? paths : [paths];
  return prefixes.some((prefix) => path.startsWith(prefix));
}

/** Resolves false as soon as the client goes away, so the request can be dropped unprocessed. */
function waitWhileClientStays(raw: IncomingMessage, ms: number): Promise<boolean> {
  const socket = raw.socket;
  if (socket.destroyed) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onClose = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      socket.off('close', onClose);
      resolve(!socket.destroyed);
    }, ms);
    socket.once('close', onClose);
  });
}

function apiRouteKey(request: FastifyRequest): string | undefined {
  const route = request.routeOptions.url;
  if (route === undefined || !route.startsWith('/v2/')) return undefined;
  return `${request.method} ${route.replace(/:(\w+)/g, '{$1}')}`;
}


function countRequest(state: EmulatorState, request: FastifyRequest, path: string): void {
  if (request.method === 'POST' && path === '/oauth/token') {
    state.countTokenRequest(oauthParam(request.query, request.body, 'grant_type'));
    return;
  }
  const key = apiRouteKey(request);
  if (key !== undefined) state.countApiCall(key);
}

/** An injected failure, in the shape of the door it hit (see surface.ts). */
function sendFault(reply: FastifyReply, surface: Surface, status: number, message: string): FastifyReply {
  switch (surface) {
    case 'consent':
      return reply.code(status).type('text/html; charset=utf-8').send(renderErrorPage(STATUS_CODES[status] ?? 'Error', message));
    case 'oauth':
      return sendOAuthError(reply, status, oauthErrorForStatus(status), message);
    case 'api':
      return sendApiError(reply, status, { code: status, message });
  }
}

function rateLimited(reply: FastifyReply, surface: Surface, limit: NonNullable<FaultConfig['rateLimit']>): FastifyReply {
  const daily = limit.type === 'Daily';
  reply
    .header('X-RateLimit-Category', 'Light')
    .header('X-RateLimit-Type', daily ? 'Daily' : 'QPS')
    .header('X-RateLimit-Limit', daily ? '2000' : '30')
    .header('X-RateLimit-Remaining', '0')
    .header('Retry-After', String(limit.retryAfter ?? 1));
  const message = daily
    ? 'You have reached the maximum daily rate limit for this API. Refer to the response header for details on when you can make another request.'
    : 'You have reached the maximum per-second rate limit for this API. Try again later.';
  return sendFault(reply, surface, 429, message);
}

/**
 * Runs before every emulated Zoom handler, after the body is read: latency
 * first, then a check that the client is still there (a server does not
 * process a request nobody waits for), then outages, 429 bursts, random errors.
 */
export function faultHook(state: EmulatorState) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    const path = request.url.split('?')[0] ?? request.url;
    if (path.startsWith('/_emulator/')) return undefined;
    const faults = state.faults;
    const isToken = request.method === 'POST' && path === '/oauth/token';
    const isOAuthServer = isToken || (request.method === 'POST' && path === '/oauth/revoke');
    const matches = matchesPaths(path, faults.paths);
    const delay = (matches ? (faults.latencyMs ?? 0) : 0) + (isToken ? (faults.tokenLatencyMs ?? 0) : 0);
    const stillThere = delay > 0 ? await waitWhileClientStays(request.raw, delay) : !request.raw.socket.destroyed;
    if (!stillThere) {
      request.log.info({ path }, 'client went away before processing; request dropped');
      return reply.hijack();
    }
    countRequest(state, request, path);
    if (faults.tokenEndpointDown && isOAuthServer) {
      return sendOAuthError(reply, 503, 'temporarily_unavailable', 'Service Unavailable');
    }
    const surface = surfaceOf(path);
    if (matches && faults.rateLimit && state.rateLimitRemaining > 0) {
      state.rateLimitRemaining -= 1;
      return rateLimited(reply, surface, faults.rateLimit);
    }
    if (matches && faults.errorRate !== undefined && faults.errorRate > 0 && Math.random() < faults.errorRate) {
      const status = faults.errorStatus ?? 500;
      return sendFault(reply, surface, status, STATUS_CODES[status] ?? 'Error');
    }
    return undefined;
  };
}
