import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { asConnectError } from '../connections/index.js';
import { fromConnectError, problem, sendProblem, type Problem } from './problem.js';
import { IdentityProviderUnavailableError, UnauthenticatedError } from './auth.js';
import { EdgeRefusal } from './edge-refusal.js';

/**
 * Maps every error to RFC 9457. Bad input is a 4xx with a stable code; the
 * only 5xx are a dependency's real faults (503 with Retry-After). An error
 * we did not foresee is logged and answered 503, never with its message.
 */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler(handleError);
}

export function handleError(err: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return sendProblem(reply, problemFor(err, request));
}

/**
 * The problem for an error. Logs at error level only what an operator must
 * act on (the domain marks those `alert`, e.g. the database down) and what
 * nobody foresaw; expected outcomes (Zoom down, a paused connection, bad
 * input) are not logged per request: the domain summarises outages once.
 */
export function problemFor(err: unknown, request: FastifyRequest): Problem {
  const domain = asConnectError(err);
  if (domain) {
    if (domain.extra.alert) request.log.error({ code: domain.code, trackingId: domain.extra.trackingId, err: domain.message }, 'request failed');
    return fromConnectError(domain);
  }
  const p = edgeProblem(err);
  if (p.status >= 500 && !(err instanceof IdentityProviderUnavailableError)) request.log.error({ err: describe(err), code: p.code }, 'request failed');
  return p;
}

/** On our own Fastify instances only (the standalone app, the Express adapter's inner one): a plugin embedded in a host's Fastify leaves 404s to the host. */
export function installNotFound(app: FastifyInstance): void {
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, problem('not_found', `No route for ${request.method} ${request.url.split('?')[0] ?? ''}`)),
  );
}

/** Errors of the edge itself (authentication, how the request arrived, Fastify's own), and the unforeseen. */
function edgeProblem(err: unknown): Problem {
  if (err instanceof UnauthenticatedError) return problem('unauthenticated', err.message);
  if (err instanceof EdgeRefusal) return problem(err.problemCode, err.message);
  if (err instanceof IdentityProviderUnavailableError) return problem('service_unavailable', err.message, { retryAfterSeconds: 5 });
  if (isFastifyError(err)) return fastifyProblem(err);
  return problem('service_unavailable', 'The service could not complete this request; try again shortly.', { retryAfterSeconds: 5 });
}

function fastifyProblem(err: FastifyError): Problem {
  if (err.validation) {
    const errors = err.validation.map((v) => {
      const field = fieldOf(v.instancePath, v.params);
      return { field, message: plainMessage(v.keyword, v.params, v.message) };
    });
    const where = err.validationContext === 'querystring' ? 'query' : (err.validationContext ?? 'request');
    return problem('validation_failed', `Invalid ${where}: ${errors.map((e) => `${e.field} ${e.message}`).join('; ')}.`, { errors });
  }
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return problem('payload_too_large', 'The request body is too large.');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return problem('unsupported_media_type', 'Send a JSON body with Content-Type: application/json.');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return problem('validation_failed', 'The request body is not valid JSON.');
    default:
      break;
  }
  const status = err.statusCode ?? 500;
  if (status === 429) return problem('rate_limited', 'Too many requests; slow down.', { retryAfterSeconds: 60 });
  if (status === 413) return problem('payload_too_large', 'The request body is too large.');
  if (status === 415) return problem('unsupported_media_type', 'Unsupported Content-Type.');
  if (status >= 400 && status < 500) return problem('validation_failed', err.message);
  return problem('service_unavailable', 'The service could not complete this request; try again shortly.', { retryAfterSeconds: 5 });
}

/** Validator keywords in words a person (and a frontend) can show as is. */
function plainMessage(keyword: string, params: Record<string, unknown>, fallback: string | undefined): string {
  switch (keyword) {
    case 'required':
      return 'is required';
    case 'additionalProperties':
      return 'is not a known field';
    case 'type':
      return `must be ${article(String(params.type))}`;
    case 'enum':
      return `must be one of: ${Array.isArray(params.allowedValues) ? params.allowedValues.map(String).join(', ') : 'the allowed values'}`;
    case 'pattern':
      return 'has characters or a shape that is not allowed';
    case 'format':
      return params.format === 'date-time' ? 'must be an ISO 8601 date-time such as 2026-12-01T10:00:00Z' : `must be a valid ${String(params.format)}`;
    case 'minLength':
      return Number(params.limit) === 1 ? 'must not be empty' : `must be at least ${String(params.limit)} characters`;
    case 'maxLength':
      return `must be at most ${String(params.limit)} characters`;
    case 'minimum':
      return `must be at least ${String(params.limit)}`;
    case 'maximum':
      return `must be at most ${String(params.limit)}`;
    default:
      return fallback ?? 'is invalid';
  }
}

function article(type: string): string {
  return type === 'integer' ? 'a whole number' : type === 'object' ? 'an object' : type === 'array' ? 'a list' : `a ${type}`;
}

function fieldOf(instancePath: string, params: Record<string, unknown>): string {
  const named = params.missingProperty ?? params.additionalProperty;
  const missing = typeof named === 'string' ? named : undefined;
  const path = instancePath.replace(/^\//, '').replace(/\//g, '.');
  return missing ? (path ? `${path}.${missing}` : missing) : path || 'request';
}

function isFastifyError(err: unknown): err is FastifyError {
  return err instanceof Error && ('statusCode' in err || 'validation' in err || typeof (err as { code?: unknown }).code === 'string');
}

function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : 'non-error thrown';
}
