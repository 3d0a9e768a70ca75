import { fastifyCookie as cookieCodec } from '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Connections } from '../../connections/index.js';
import { ConnectError } from '../../connections/errors.js';
import { statusViewOf } from '../../connections/status.js';
import { handleError, problemFor } from '../error-handler.js';
import { requestContext } from '../request-context.js';
import { errorResponses, statusSchema } from '../schemas.js';
import type { ResolvedPluginOptions } from '../plugin-options.js';

const BINDING_MAX_AGE_SECONDS = 10 * 60;

const returnToQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { returnTo: { type: 'string', maxLength: 2048, description: 'Post-connect redirect; must be on the allow list.' } },
} as const;

/** GET .../user/authorize (or .../user/connect, a redirect) and GET .../user-callback: the two halves of the connect flow. */
export function connectRoutes(app: FastifyInstance, connections: Connections, opts: ResolvedPluginOptions): void {
  const cookie = bindingCookie(opts.secureCookies, `${app.prefix}/api/zoom/oauth`);

  /** Starts a flow for the signed-in app user: `returnTo` from the allow list only, and the browser-binding cookie. */
  async function begin(request: FastifyRequest<{ Querystring: { returnTo?: string } }>, reply: FastifyReply): Promise<{ authorizationUrl: string; expiresAt: Date }> {
    const returnTo = request.query.returnTo ?? null;
    if (returnTo !== null && !opts.postConnectRedirectAllowList.includes(returnTo)) {
      throw new ConnectError('validation_failed', 'returnTo is not on the configured allow list (POST_CONNECT_REDIRECT_ALLOW_LIST).');
    }
    const result = await connections.flow.begin({
      userId: request.appUserId,
      existingBinding: readCookie(request, cookie.name),
      returnTo,
      ctx: requestContext(request),
    });
    void reply.header('set-cookie', cookieCodec.serialize(cookie.name, result.bindingToken, { ...cookie.options, maxAge: BINDING_MAX_AGE_SECONDS }));
    void reply.header('cache-control', 'no-store');
    return result;
  }

  app.get<{ Querystring: { returnTo?: string } }>(
    '/api/zoom/oauth/user/authorize',
    {
      config: { rateLimit: opts.rateLimit.authorize },
      schema: {
        operationId: 'startZoomConnect',
        summary: 'Start connecting Zoom',
        description: 'Returns the Zoom consent URL to send the browser to, and sets the browser-binding cookie.',
        tags: ['connect'],
        security: [{ bearerAuth: [] }],
        querystring: returnToQuery,
        response: {
          200: {
            type: 'object',
            required: ['authorizationUrl', 'expiresAt'],
            properties: { authorizationUrl: { type: 'string' }, expiresAt: { type: 'string', format: 'date-time' } },
          },
          ...errorResponses,
        },
      },
      // Before validation: an unauthenticated caller gets 401 whatever the query says.
      preValidation: opts.requireUser,
    },
    async (request, reply) => {
      const result = await begin(request, reply);
      return { authorizationUrl: result.authorizationUrl, expiresAt: result.expiresAt.toISOString() };
    },
  );

  // For links and server-rendered pages: the same start, answered with the redirect itself.
  app.get<{ Querystring: { returnTo?: string } }>(
    '/api/zoom/oauth/user/connect',
    {
      config: { rateLimit: opts.rateLimit.authorize },
      schema: {
        operationId: 'startZoomConnectRedirect',
        summary: 'Start connecting Zoom, as a link',
        description: 'Like authorize, but answers 302 to Zoom\'s consent page: usable as a plain link or form action.',
        tags: ['connect'],
        security: [{ bearerAuth: [] }],
        querystring: returnToQuery,
        response: {
          302: { description: 'To Zoom\'s consent page; sets the browser-binding cookie', headers: { location: { type: 'string' } }, type: 'null' },
          ...errorResponses,
        },
      },
      preValidation: opts.requireUser,
    },
    async (request, reply) => {
      const result = await begin(request, reply);
      return reply.redirect(result.authorizationUrl, 302);
    },
  );

  app.get<{ Querystring: { state?: string; code?: string; error?: string } }>(
    '/api/zoom/oauth/user-callback',
    {
      config: { rateLimit: opts.rateLimit.callback },
      // This URL carries Zoom's code and our state: a host Fastify that logs
      // its requests (the default at info) must log the path only.
      logSerializers: { req: withoutQuery },
      schema: {
        operationId: 'completeZoomConnect',
        summary: 'Zoom\'s redirect after consent',
        description:
          'Validates the state and browser binding, exchanges the code, stores the connection, then redirects to POST_CONNECT_REDIRECT_URL with zoom=connected or zoom=error&reason=CODE. With Accept: application/json, answers JSON instead.',
        tags: ['connect'],
        querystring: {
          type: 'object',
          properties: {
            state: { type: 'string', maxLength: 512 },
            code: { type: 'string', maxLength: 4096 },
            error: { type: 'string', maxLength: 256 },
            error_description: { type: 'string', maxLength: 2048 },
          },
        },
        response: {
          200: { description: 'With Accept: application/json: the new connection\'s status', ...statusSchema },
          303: {
            description: 'A browser navigation: to POST_CONNECT_REDIRECT_URL (or the allow-listed returnTo) with ?zoom=connected, or ?zoom=error&reason=CODE on any failure',
            headers: { location: { type: 'string', description: 'Where the browser goes next' } },
            type: 'null',
          },
          ...errorResponses,
        },
      },
      errorHandler: callbackErrorHandler(opts),
    },
    async (request, reply) => {
      // RFC 9700 §4.2.4: the code must not leak through Referer or caches.
      void reply.header('referrer-policy', 'no-referrer').header('cache-control', 'no-store');
      const result = await connections.flow.complete({
        state: request.query.state,
        code: request.query.code,
        error: request.query.error,
        bindingToken: readCookie(request, cookie.name),
        sessionUserId: opts.checkCallbackUser ? ((await opts.getUserId(request)) ?? null) : null,
        ctx: requestContext(request),
      });
      if (prefersJson(request)) return reply.send(statusViewOf(result.connection));
      return redirect(reply, result.returnTo ?? opts.postConnectRedirectUrl, { zoom: 'connected' });
    },
  );
}

/**
 * The callback is a browser navigation: every failure (refused state, Zoom
 * down, rate limit, database down) lands the user back in the app with a
 * reason code, unless the caller asked for JSON.
 */
function callbackErrorHandler(opts: ResolvedPluginOptions) {
  return (err: unknown, request: FastifyRequest, reply: FastifyReply): void => {
    void reply.header('referrer-policy', 'no-referrer').header('cache-control', 'no-store');
    if (prefersJson(request)) {
      void handleError(err, request, reply);
      return;
    }
    const p = problemFor(err, request);
    request.log.info({ reason: p.code }, 'connect callback refused');
    const returnTo = err instanceof ConnectError ? err.extra.returnTo : null;
    void redirect(reply, returnTo ?? opts.postConnectRedirectUrl, { zoom: 'error', reason: p.code });
  };
}

function withoutQuery(request: { method: string; url: string }): { method: string; url: string } {
  return { method: request.method, url: request.url.split('?')[0] ?? '' };
}

function redirect(reply: FastifyReply, base: string, params: Record<string, string>): FastifyReply {
  const url = new URL(base);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return reply.redirect(url.toString(), 303);
}

function prefersJson(request: FastifyRequest): boolean {
  const accept = request.headers.accept ?? '';
  return accept.includes('application/json') && !accept.includes('text/html');
}

/**
 * The one cookie of the flow, read where it is needed. No cookie parser is
 * registered: its hooks (parse every request's Cookie header, then look for
 * cookies to write) would run on every request of the scope, the user
 * endpoints' included, for the two routes that touch this cookie.
 */
function readCookie(request: FastifyRequest, name: string): string | undefined {
  const header = request.headers.cookie;
  return header ? cookieCodec.parse(header)[name] : undefined;
}

/**
 * The browser-binding cookie. Over https it is `__Host-` prefixed (Secure,
 * Path=/, no Domain), so a sibling subdomain cannot plant one; over plain
 * http (local development) it is scoped to the OAuth paths.
 */
export function bindingCookie(secure: boolean, oauthPath: string): {
  name: string;
  options: { httpOnly: true; secure: boolean; sameSite: 'lax'; path: string };
} {
  return secure
    ? { name: '__Host-zoom_connect_binding', options: { httpOnly: true, secure: true, sameSite: 'lax', path: '/' } }
    : { name: 'zoom_connect_binding', options: { httpOnly: true, secure: false, sameSite: 'lax', path: oauthPath } };
}
