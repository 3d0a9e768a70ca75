import { problemSchema } from './problem.js';

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
  400: problemSchema,
  401: problemSchema,
  403: problemSchema,
  404: problemSchema,
  409: problemSchema,
  429: problemSchema,
  503: problemSchema,
} as const;
