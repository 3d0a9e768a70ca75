import type { IncomingMessage } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { renderErrorPage } from './consent-page.js';
import type { FaultConfig } from './model.js';
import { oauthErrorForStatus, oauthParam, sendApiError, sendOAuthError } from './replies.js';
import type { EmulatorState } from './state.js';
import { surfaceOf, type Surface } from './surface.js';

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

const QPS_MESSAGE = 'You have reached the maximum per-second rate limit for this API. Try again later.';
const DAILY_MESSAGE = 'You have reached the maximum daily rate limit for this API. Refer to the response header for details on when you can make another request.';
// Reported verbatim on Zoom's forum (devforum.zoom.us/t/18928): the only daily limit most clients meet.
const DAILY_CREATE_MESSAGE =
  'You have exceeded the daily rate limit (100) of Meeting Create/Update API requests permitted for this particular user. You may resume these requests at GMT 00:00:00.';

/** Zoom's daily limits reset at 00:00 UTC; its documentation writes the time in ISO 8601. */
function nextUtcMidnight(now: number): string {
  const next = new Date(now);
  next.setUTCHours(24, 0, 0, 0);
  return next.toISOString().replace('.000Z', 'Z');
}

function rateLimited(reply: FastifyReply, surface: Surface, limit: NonNullable<FaultConfig['rateLimit']>, now: number): FastifyReply {
  if (limit.shape === 'message-only') {
    // As reported: category, limit and remaining of the per-second bucket, no type, no Retry-After.
    reply.header('X-RateLimit-Category', 'Light').header('X-RateLimit-Limit', '6000').header('X-RateLimit-Remaining', '5893');
    return sendFault(reply, surface, 429, DAILY_CREATE_MESSAGE);
  }
  const type = limit.type ?? 'QPS';
  const daily = type !== 'QPS';
  reply
    .header('X-RateLimit-Category', 'Light')
    .header('X-RateLimit-Type', type)
    .header('X-RateLimit-Limit', daily ? '2000' : '30')
    .header('X-RateLimit-Remaining', '0')
    .header('Retry-After', String(limit.retryAfter ?? (daily ? nextUtcMidnight(now) : 1)));
  return sendFault(reply, surface, 429, daily ? DAILY_MESSAGE : QPS_MESSAGE);
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
      return rateLimited(reply, surface, faults.rateLimit, state.now());
    }
    if (matches && faults.errorRate !== undefined && faults.errorRate > 0 && Math.random() < faults.errorRate) {
      const status = faults.errorStatus ?? 500;
      return sendFault(reply, surface, status, STATUS_CODES[status] ?? 'Error');
    }
    return undefined;
  };
}
