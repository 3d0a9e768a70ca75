import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyBaseLogger } from 'fastify';
import type { ZoomUserApi } from '../../connections/user-api.js';
import { checkOptions, EMBED_OPTION_NAMES, embedZoomConnect, type EmbedOptions, type EmbeddedZoomConnect } from '../../embedded.js';
import { createEdgeServer } from '../../http/edge-server.js';
import { zoomConnect } from '../../http/plugin.js';
import type { ZoomConnectPluginOptions } from '../../http/plugin-options.js';
import type { HostAppointments } from '../../appointments/index.js';

/**
 * An Express middleware (Express's `Request`, `Response` and `NextFunction`
 * fit), typed without Express so the package's types need no `@types/express`.
 */
export type ZoomConnectMiddleware = ((req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void) & {
  /** Closes the router's inner Fastify (not the database: see `close` of what mounted it). */
  close(): Promise<void>;
};

/** The host's signed-in user of a request, or null/undefined for none; `Req` is the host's request type (`express.Request`). */
export type GetUserId<Req> = (req: Req) => string | null | undefined | Promise<string | null | undefined>;

export interface ExpressAdapterOptions<Req extends IncomingMessage = IncomingMessage> extends Omit<ZoomConnectPluginOptions, 'getUserId'> {
  /** The host app's signed-in user for an Express request (its session, its auth), or null. */
  getUserId: GetUserId<Req>;
  logger?: FastifyBaseLogger | undefined;
  trustProxy?: boolean | undefined;
}

/** Express's additions to Node's request that the router reads. */
interface ExpressRequestFields {
  originalUrl?: string;
  baseUrl?: string;
}

/** Path prefixes the plugin serves; everything else falls through to the host app. */
const OUR_PATHS = ['/api/zoom/oauth/', '/api/zoom/webhooks', '/api/appointments/'];

/**
 * Zoom Connect as an Express router, built from the Fastify plugin: one
 * implementation of every route, schema and error, handed the raw Node
 * request through Fastify's router. Mount it at the app's root and before
 * any body parser (the webhook needs the raw bytes it verifies):
 *
 *   app.use(await createZoomConnectRouter(zc.pluginOptions(...)))
 *
 * The host's session is visible at the callback, so (the plugin's default)
 * the user who finishes the flow must be the user who began it
 * (`checkCallbackUser`). The inner Fastify is built like the standalone
 * app's, so both answer alike, and it writes no per-request log lines (they
 * would carry the callback's code and state).
 */
export async function createZoomConnectRouter<Req extends IncomingMessage = IncomingMessage>(
  options: ExpressAdapterOptions<Req>,
): Promise<ZoomConnectMiddleware> {
  const { getUserId, logger, trustProxy, ...pluginOptions } = options;
  const inner = createEdgeServer({ logger, trustProxy: trustProxy ?? false });
  await inner.register(zoomConnect, {
    ...pluginOptions,
    // Fastify's raw request is the very object Express decorated.
    getUserId: (request) => getUserId(request.raw as Req),
  });
  await inner.ready();

  const router = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void): void => {
    const { originalUrl = req.url ?? '', baseUrl = '' } = req as IncomingMessage & ExpressRequestFields;
    if (!OUR_PATHS.some((p) => originalUrl.startsWith(p))) {
      next();
      return;
    }
    if (baseUrl !== '') {
      next(new Error('Mount the Zoom Connect router at the app root: app.use(router), not app.use("/prefix", router).'));
      return;
    }
    if (req.readableEnded && req.method !== 'GET' && req.method !== 'HEAD') {
      next(new Error('The Zoom Connect router must be mounted before body parsers (express.json() consumed the body it needs).'));
      return;
    }
    inner.routing(req, res);
  };
  return Object.assign(router, { close: () => inner.close() });
}

export interface ZoomConnectExpressOptions<Req extends IncomingMessage = IncomingMessage> extends EmbedOptions {
  /** The signed-in user of a request, from the host's session or auth (`req.session.userId`); null when none. */
  getUserId: GetUserId<Req>;
  /** Behind a reverse proxy: trust X-Forwarded-* for the client address in the audit trail. */
  trustProxy?: boolean | undefined;
}

export interface ZoomConnectExpress {
  /** Mount at the app root, after the session middleware and before body parsers: `app.use(zoom.router)`. */
  readonly router: ZoomConnectMiddleware;
  /** One app user's Zoom from server code. */
  user(userId: string): ZoomUserApi;
  /** One host's appointment meetings from server code (docs/appointments.md). */
  appointments(hostId: string): HostAppointments;
  /** The configuration, domain and logger, for what the rest does not cover. */
  readonly zoomConnect: EmbeddedZoomConnect;
  /** Closes the router, then the database pool (ours only) and Zoom connections. Call after your server stops. */
  close(): Promise<void>;
}

/**
 * Zoom Connect in an Express app in one call: configuration from the
 * environment (or `config`), the database, background refresh, and the
 * router to mount.
 *
 *   const zoom = await zoomConnectExpress({ getUserId: (req) => req.session.userId ?? null });
 *   app.use(session(...)); app.use(zoom.router); app.use(express.json());
 */
export async function zoomConnectExpress<Req extends IncomingMessage = IncomingMessage>(
  options: ZoomConnectExpressOptions<Req>,
): Promise<ZoomConnectExpress> {
  checkOptions(options, [...EMBED_OPTION_NAMES, 'getUserId', 'trustProxy'], 'zoomConnectExpress');
  const embedded = await embedZoomConnect(options);
  try {
    const router = await createZoomConnectRouter<Req>({
      ...embedded.pluginOptions(() => null),
      getUserId: options.getUserId,
      logger: embedded.logger,
      trustProxy: options.trustProxy ?? embedded.config.trustProxy,
    });
    let closing: Promise<void> | undefined;
    return {
      router,
      user: (userId) => embedded.user(userId),
      appointments: (hostId) => embedded.appointments(hostId),
      zoomConnect: embedded,
      close: () => {
        closing ??= router.close().finally(() => embedded.close());
        return closing;
      },
    };
  } catch (err) {
    await embedded.close();
    throw err;
  }
}
