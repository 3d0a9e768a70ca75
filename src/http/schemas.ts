import type { FastifyInstance } from 'fastify';
import { problemSchema } from './problem.js';

/** The one problem schema every error answer refers to (components/schemas/Problem in /openapi.json). */
export const PROBLEM_SCHEMA_ID = 'Problem';

/** Registers the shared schemas once per Fastify context tree (a host may register the plugin beside our own app). */
export function addSharedSchemas(app: FastifyInstance): void {
  if (!app.getSchema(PROBLEM_SCHEMA_ID)) app.addSchema({ $id: PROBLEM_SCHEMA_ID, ...problemSchema });
}

/** An error answer: RFC 9457 problem+json with the shared schema. */
export function problemResponse(description: string): { description: string; content: { 'application/problem+json': { schema: { $ref: string } } } } {
  return { description, content: { 'application/problem+json': { schema: { $ref: `${PROBLEM_SCHEMA_ID}#` } } } };
}

/** Zoom objects are passed through as Zoom sends them. */
export const zoomObjectSchema = { type: 'object', additionalProperties: true } as const;

export const statusSchema = {
  type: 'object',
  required: ['connected', 'status'],
  properties: {
    connected: { type: 'boolean' },
    status: { type: 'string', enum: ['not_connected', 'active', 'needs_reauth', 'inactive', 'revoked', 'deauthorized'] },
    zoomUserId: { type: ['string', 'null'] },
    zoomEmail: { type: ['string', 'null'] },
    zoomAccountId: { type: ['string', 'null'] },
    grantedScopes: { type: 'array', items: { type: 'string' } },
    accessTokenExpiresAt: { type: ['string', 'null'], format: 'date-time' },
    authorizedAt: { type: ['string', 'null'], format: 'date-time' },
    lastRefreshedAt: { type: ['string', 'null'], format: 'date-time' },
    lastUsedAt: { type: ['string', 'null'], format: 'date-time' },
    refreshFailureCount: { type: 'integer' },
    lastRefreshError: { type: ['string', 'null'] },
    revokedAt: { type: ['string', 'null'], format: 'date-time' },
  },
} as const;

export const errorResponses = {
  400: problemResponse('Invalid input (validation_failed, ...)'),
  401: problemResponse('Not signed in (unauthenticated)'),
  403: problemResponse('Refused (cross_site_request, insufficient_scope, ...)'),
  404: problemResponse('Not found'),
  409: problemResponse('The connection cannot serve this (not_connected, needs_reauth, connection_inactive)'),
  429: problemResponse('Rate limited (rate_limited, zoom_rate_limited); see Retry-After'),
  502: problemResponse('Zoom answered with malformed data (zoom_invalid_response)'),
  503: problemResponse('A dependency is down (zoom_unavailable, service_unavailable); see Retry-After'),
} as const;
