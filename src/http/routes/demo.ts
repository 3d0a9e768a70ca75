import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { SignJWT } from 'jose';
import type { RecentEvents } from '../../events/recent-events.js';
import type { BearerAuthenticator } from '../auth.js';
import { problemResponse } from '../schemas.js';
import { documentHeaders } from '../security-headers.js';

const WEB_DIR = join(import.meta.dirname, '..', '..', '..', 'web');
/** A Map, not an object literal: `__proto__` or `constructor` must be a miss, not an inherited hit. */
const ASSETS = new Map<string, string>([
  ['app.js', 'text/javascript; charset=utf-8'],
  ['appointments.js', 'text/javascript; charset=utf-8'],
  ['events.js', 'text/javascript; charset=utf-8'],
  ['styles.css', 'text/css; charset=utf-8'],
]);
const DEMO_USER = /^[A-Za-z0-9._@-]{1,64}$/;
const SESSION_SECONDS = 8 * 60 * 60;

/**
 * Demo mode only: the page at `/` and a sign-in that issues the same kind of
 * JWT a real app would, signed with the demo secret, so the page uses the
 * public endpoints exactly like a real frontend.
 */
export function demoRoutes(
  app: FastifyInstance,
  opts: { jwtSecret: Uint8Array; canonicalOrigin: string; authenticate: BearerAuthenticator; recentEvents: RecentEvents },
): void {
  app.get<{ Querystring: { after: number } }>('/demo/events', {
    schema: {
      operationId: 'listDemoEvents',
      summary: "Demo: the lifecycle events the signed-in user's in-process handler received, after a cursor",
      tags: ['demo'],
      security: [{ bearerAuth: [] }],
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: { after: { type: 'integer', minimum: 0, default: 0 } },
      },
      response: {
        200: {
          type: 'object',
          properties: {
            cursor: { type: 'integer' },
            events: {
              type: 'array',
              items: {
                type: 'object',
                properties: { id: { type: 'string' }, type: { type: 'string' }, timestamp: { type: 'string' }, data: { type: 'object', additionalProperties: true } },
              },
            },
          },
        },
        400: problemResponse('Invalid cursor (validation_failed)'),
        401: problemResponse('Not signed in (unauthenticated)'),
      },
    },
  }, async (request) => {
    const userId = await opts.authenticate(request.headers.authorization);
    const { events, cursor } = opts.recentEvents.since(userId, request.query.after);
    return { cursor, events: events.map((e) => ({ id: e.id, type: e.type, timestamp: e.timestamp, data: e.data })) };
  });

  app.get('/', { schema: { hide: true } }, async (request, reply) => {
    // The binding cookie belongs to the redirect URI's host: keep the page on it.
    const host = request.headers.host;
    if (host && `${request.protocol}://${host}` !== opts.canonicalOrigin) {
      return reply.redirect(`${opts.canonicalOrigin}${request.url}`, 302);
    }
    return documentHeaders(reply).type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(await readFile(join(WEB_DIR, 'index.html')));
  });

  app.get<{ Params: { file: string } }>('/assets/:file', {
    schema: {
      hide: true,
      params: { type: 'object', required: ['file'], properties: { file: { type: 'string', pattern: '^[a-z]+\\.(?:js|css)$' } } },
    },
    // Any name that is not one of our files is simply not found (404), whatever its shape.
    attachValidation: true,
  }, async (request, reply) => {
    const type = request.validationError ? undefined : ASSETS.get(request.params.file);
    if (type === undefined) return reply.callNotFound();
    return reply.type(type).header('cache-control', 'no-cache').send(await readFile(join(WEB_DIR, request.params.file)));
  });

  app.post<{ Body: { userId: string } }>('/demo/session', {
    schema: {
      operationId: 'demoSignIn',
      summary: 'Demo sign-in: a JWT for a demo app user',
      tags: ['demo'],
      body: {
        type: 'object',
        required: ['userId'],
        additionalProperties: false,
        properties: { userId: { type: 'string', pattern: DEMO_USER.source } },
      },
      response: {
        200: {
          type: 'object',
          properties: { token: { type: 'string' }, userId: { type: 'string' }, expiresAt: { type: 'string' } },
        },
      },
    },
  }, async (request, reply) => {
    // The answer is a bearer token: never stored by a cache.
    void reply.header('cache-control', 'no-store');
    const expiresAt = new Date(Date.now() + SESSION_SECONDS * 1000);
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(request.body.userId)
      .setIssuedAt()
      .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
      .sign(opts.jwtSecret);
    return { token, userId: request.body.userId, expiresAt: expiresAt.toISOString() };
  });
}
