import type { IncomingMessage } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { sendGoogleError, sendTokenError } from './replies.js';
import type { GoogleEmulatorState } from './state.js';

const email = z.string().min(3).max(320).includes('@');

export const faultSchema = z
  .object({
    /** Delay before each matching request is processed. */
    latencyMs: z.number().int().min(0).max(120_000).optional(),
    /** Share of matching requests answered with `errorStatus` (default 503) instead of processed. */
    errorRate: z.number().min(0).max(1).optional(),
    errorStatus: z.number().int().min(400).max(599).optional(),
    /** The next `count` matching requests are refused as rate limited. */
    rateLimit: z
      .object({
        count: z.number().int().min(1).max(1_000_000),
        status: z.union([z.literal(429), z.literal(403)]).optional(),
        reason: z.enum(['rateLimitExceeded', 'userRateLimitExceeded']).optional(),
        retryAfter: z.number().int().min(0).max(3600).optional(),
      })
      .strict()
      .optional(),
    /** Path prefixes the faults above hit (default: the Calendar API). */
    paths: z.array(z.string().startsWith('/')).min(1).optional(),
    /** How many answers show a new conference `pending` (the insert answer counts); default 1. */
    pendingReads: z.number().int().min(0).max(1_000).optional(),
    /** New conferences settle as `failure` instead of `success`. */
    conferenceFailure: z.boolean().optional(),
    /** The next N inserts are stored, then the connection is cut instead of answered. */
    cutAfterInsert: z.number().int().min(1).max(1_000).optional(),
    /** The token endpoint answers 503. */
    tokenEndpointDown: z.boolean().optional(),
    /** Domain-wide delegation removed: every token request is `unauthorized_client`. */
    revokeDelegation: z.boolean().optional(),
    /** Addresses in the domain that are not Workspace users: `invalid_grant`. */
    unknownUsers: z.array(email).optional(),
    /** Calendars whose API calls answer 403 `requiredAccessLevel`. */
    forbiddenCalendars: z.array(email).optional(),
  })
  .strict();

export type GoogleFaults = z.infer<typeof faultSchema>;

const DEFAULT_FAULT_PATHS = ['/calendar/'];

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

function isTokenPath(path: string): boolean {
  return path === '/token';
}

/** Runs before every emulated handler: latency, outages, rate-limit bursts, random errors. */
export function faultHook(state: GoogleEmulatorState) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    const path = request.url.split('?')[0] ?? request.url;
    if (path.startsWith('/_emulator/')) return undefined;
    const faults = state.faults;
    const matches = (faults.paths ?? DEFAULT_FAULT_PATHS).some((prefix) => path.startsWith(prefix));
    if (matches && (faults.latencyMs ?? 0) > 0 && !(await waitWhileClientStays(request.raw, faults.latencyMs ?? 0))) {
      return reply.hijack();
    }
    state.countRequest(request.method, request.routeOptions.url ?? path);
    const token = isTokenPath(path);
    if (token && faults.tokenEndpointDown) return sendTokenError(reply, 503, 'temporarily_unavailable', 'Service Unavailable');
    if (matches && faults.rateLimit && state.rateLimitRemaining > 0) {
      state.rateLimitRemaining -= 1;
      const limit = faults.rateLimit;
      if (limit.retryAfter !== undefined) reply.header('retry-after', String(limit.retryAfter));
      const status = limit.status ?? 429;
      const reason = limit.reason ?? 'rateLimitExceeded';
      return token ? sendTokenError(reply, status, 'rate_limit_exceeded', 'Rate Limit Exceeded') : sendGoogleError(reply, status, reason, 'Rate Limit Exceeded', 'usageLimits');
    }
    if (matches && (faults.errorRate ?? 0) > 0 && Math.random() < (faults.errorRate ?? 0)) {
      const status = faults.errorStatus ?? 503;
      const message = STATUS_CODES[status] ?? 'Error';
      return token ? sendTokenError(reply, status, 'internal_failure', message) : sendGoogleError(reply, status, 'backendError', message);
    }
    return undefined;
  };
}
