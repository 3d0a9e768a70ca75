import fastifyRateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import { isAppUserId } from '../connections/index.js';
import { UnauthenticatedError } from './auth.js';
import { EdgeRefusal } from './edge-refusal.js';
import { installErrorHandling } from './error-handler.js';
import { forgeryGuard } from './forgery-guard.js';
import { addSharedSchemas } from './schemas.js';
import type { ResolvedPluginOptions, ZoomConnectPluginOptions } from './plugin-options.js';
import { appointmentRoutes } from './routes/appointments.js';
import { connectRoutes } from './routes/connect.js';
import { userRoutes } from './routes/user.js';
import { webhookRoutes } from './routes/webhooks.js';

export type { ZoomConnectPluginOptions } from './plugin-options.js';

const DEFAULT_RATE_LIMIT = {
  authorize: { max: 30, timeWindow: 60_000 },
  callback: { max: 30, timeWindow: 60_000 },
};

/**
 * Zoom Connect as a Fastify plugin: the connect flow, the user endpoints and
 * the webhook, in their own encapsulated context (their error handler,
 * rate limits and hooks do not leak into the host app).
 */
export const zoomConnect: FastifyPluginAsync<ZoomConnectPluginOptions> = async (app, opts) => {
  // No cookie parser: the connect routes read and write their one cookie
  // themselves (routes/connect.ts), so a host's @fastify/cookie, if any, is left as it is.
  const limits = opts.rateLimit === false ? false : (opts.rateLimit ?? DEFAULT_RATE_LIMIT);
  if (limits) await app.register(fastifyRateLimit, { global: false });
  installErrorHandling(app);
  addSharedSchemas(app);
  app.decorateRequest('appUserId', '');

  const resolved: ResolvedPluginOptions = {
    getUserId: opts.getUserId,
    checkCallbackUser: opts.checkCallbackUser ?? true,
    postConnectRedirectUrl: opts.postConnectRedirectUrl,
    postConnectRedirectAllowList: opts.postConnectRedirectAllowList ?? [],
    secureCookies: opts.secureCookies,
    rateLimit: limits ? limits : { authorize: false, callback: false },
    requireUser: (request, _reply, done) => {
      // Typed, but a JavaScript host's function may answer anything: undefined, a number, a thenable.
      let userId: unknown;
      try {
        userId = opts.getUserId(request);
      } catch (err) {
        done(hostAuthFault(err));
        return;
      }
      // A user id known at once (a remembered bearer token) goes on without a promise; else when it arrives.
      if (isThenable(userId)) userId.then((id) => done(admitUser(request, id)), (err: unknown) => done(hostAuthFault(err)));
      else done(admitUser(request, userId));
    },
  };
  // The app user's routes sit behind the CSRF guard; Zoom's webhook, a cross-site POST by nature, sits beside it.
  // Every answer there is one user's (status, Zoom data, a start_url carrying a credential, the
  // connect flow's state): never cached by a browser or proxy. Set as the request arrives, so
  // errors carry it too, in the one hook the scope has (a hook per concern costs every request).
  const guard = forgeryGuard(opts.trustedOrigins ?? []);
  await app.register((userScope: FastifyInstance, _options, done) => {
    userScope.addHook('onRequest', (request, reply, next) => {
      void reply.header('cache-control', 'no-store');
      guard(request, reply, next);
    });
    connectRoutes(userScope, opts.connections, resolved);
    userRoutes(userScope, opts.connections, resolved);
    if (opts.appointments) appointmentRoutes(userScope, opts.appointments, resolved);
    done();
  });
  await app.register(webhookRoutes, { connections: opts.connections, secret: opts.webhookSecretToken, clientId: opts.clientId });
};

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null | undefined)?.then === 'function';
}

/**
 * What the host's getUserId threw or rejected with, as an Error: `done`
 * without one would let the request through as nobody (a host may throw
 * `undefined`, or reject with a string).
 */
function hostAuthFault(err: unknown): Error {
  return err instanceof Error ? err : new Error(`getUserId failed with ${err === undefined ? 'no error' : typeof err}`);
}

/** Sets the request's app user, or answers why it has none. */
function admitUser(request: FastifyRequest, userId: unknown): Error | undefined {
  if (!userId) return new UnauthenticatedError('Sign in first: this endpoint acts for an app user.');
  if (typeof userId !== 'string' || !isAppUserId(userId)) return new EdgeRefusal('validation_failed', 'The signed-in user id must be 1-256 characters with no control characters.');
  request.appUserId = userId;
  return undefined;
}

export default zoomConnect;
