import type { FastifyReply } from 'fastify';
import type { OAuthErrorCode } from './model.js';

/** The two error shapes Zoom speaks: the API's `{code, message}` and the OAuth server's `{reason, error}`. */

export interface ApiErrorBody {
  code: number;
  message: string;
  errors?: Array<{ field: string; message: string }>;
}

export function sendApiError(reply: FastifyReply, status: number, body: ApiErrorBody): FastifyReply {
  return reply.code(status).type('application/json;charset=UTF-8').send(body);
}

export type OAuthServerError = OAuthErrorCode | 'temporarily_unavailable' | 'server_error';

/**
 * The `error` for a failure that is not a verdict on the request's content
 * (a fault, a framework refusal). RFC 6749 §4.1.2.1 has `temporarily_unavailable`
 * for overload and maintenance, `server_error` for anything unexpected.
 */
export function oauthErrorForStatus(status: number): OAuthServerError {
  if (status === 401) return 'invalid_client';
  if (status === 429 || status === 503) return 'temporarily_unavailable';
  if (status >= 500) return 'server_error';
  return 'invalid_request';
}

export function sendOAuthError(reply: FastifyReply, status: number, error: OAuthServerError, reason: string): FastifyReply {
  return reply.code(status).type('application/json;charset=UTF-8').header('cache-control', 'no-store').send({ reason, error });
}

export function validationFailed(reply: FastifyReply, fields: string[]): FastifyReply {
  return sendApiError(reply, 400, {
    code: 300,
    message: 'Validation Failed.',
    errors: fields.map((field) => ({ field, message: 'Invalid field.' })),
  });
}

/** Query strings may repeat a key; Zoom takes the first, and non-strings count as absent. */
export function param(source: unknown, name: string): string | undefined {
  if (typeof source !== 'object' || source === null) return undefined;
  const value: unknown = (source as Record<string, unknown>)[name];
  const first: unknown = Array.isArray(value) ? (value as unknown[])[0] : value;
  return typeof first === 'string' ? first : undefined;
}

/** OAuth parameters may come in the form body or the query string; the body wins. */
export function oauthParam(query: unknown, body: unknown, name: string): string | undefined {
  return param(body, name) ?? param(query, name);
}
