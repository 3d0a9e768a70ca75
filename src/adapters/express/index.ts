import type { FastifyBaseLogger } from 'fastify';
import type { NextFunction, Request, Response, Router } from 'express';
import { Router as createRouter } from 'express';
import { createEdgeServer } from '../../http/edge-server.js';
import { zoomConnect } from '../../http/plugin.js';
import type { ZoomConnectPluginOptions } from '../../http/plugin-options.js';

export interface ExpressAdapterOptions extends Omit<ZoomConnectPluginOptions, 'getUserId'> {
  /** The host app's signed-in user for an Express request (its session, its auth), or null. */
  getUserId: (req: Request) => string | null | Promise<string | null>;
  logger?: FastifyBaseLogger;
  trustProxy?: boolean;
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
export async function createZoomConnectRouter(options: ExpressAdapterOptions): Promise<Router & { close(): Promise<void> }> {
  const { getUserId, logger, trustProxy, ...pluginOptions } = options;
  const inner = createEdgeServer({ logger, trustProxy: trustProxy ?? false });
  await inner.register(zoomConnect, {
    ...pluginOptions,
    // Fastify's raw request is the very object Express decorated.
    getUserId: (request) => getUserId(request.raw as Request),
  });
  await inner.ready();

  const router = createRouter();
  router.use((req: Request, res: Response, next: NextFunction) => {
    if (!OUR_PATHS.some((p) => req.originalUrl.startsWith(p))) {
      next();
      return;
    }
    if (req.baseUrl !== '') {
      next(new Error('Mount the Zoom Connect router at the app root: app.use(router), not app.use("/prefix", router).'));
      return;
    }
    if (req.readableEnded && req.method !== 'GET' && req.method !== 'HEAD') {
      next(new Error('The Zoom Connect router must be mounted before body parsers (express.json() consumed the body it needs).'));
      return;
    }
    inner.routing(req, res);
  });
  return Object.assign(router, { close: () => inner.close() });
}
