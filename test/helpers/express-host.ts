import type { Server } from 'node:http';
import express from 'express';
import { createZoomConnectRouter, type ExpressAdapterOptions } from '../../src/adapters/express/index.js';
import { startEmbeddedCore, type EmbeddedCore } from './embedded.js';

/** A host app whose own session is a `session` cookie naming the user. */
export function sessionCookieUser(req: express.Request): string | null {
  return /(?:^|;\s*)session=([A-Za-z0-9-]+)/.exec(req.headers.cookie ?? '')?.[1] ?? null;
}

export interface ExpressHost {
  env: EmbeddedCore;
  router: Awaited<ReturnType<typeof createZoomConnectRouter>>;
  /** Server first so no request reaches a closed router, then the router, then the core it uses. */
  close(): Promise<void>;
}

export interface ExpressHostOptions {
  logger?: ExpressAdapterOptions['logger'];
  /**
   * The host app's own middleware and routes. Added after the router, as the
   * adapter asks of a host: a body parser ahead of it would consume the raw
   * bytes the webhook verifies.
   */
  hostRoutes?: (app: express.Express) => void;
}

/**
 * An Express host app with the Zoom Connect router mounted at its root,
 * signed-in users from `sessionCookieUser`, listening on the embedded core's
 * port (the one its redirect URI names).
 */
export async function startExpressHost(options: ExpressHostOptions = {}): Promise<ExpressHost> {
  const env = await startEmbeddedCore();
  let router: ExpressHost['router'] | undefined;
  try {
    router = await createZoomConnectRouter({
      ...env.core.pluginOptions(() => null, { rateLimit: false }),
      getUserId: sessionCookieUser,
      logger: options.logger,
    });
    const app = express();
    app.use(router);
    options.hostRoutes?.(app);
    const server = await new Promise<Server>((resolve) => {
      const listening = app.listen(env.port, '127.0.0.1', () => resolve(listening));
    });
    const mounted = router;
    return {
      env,
      router: mounted,
      async close() {
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await mounted.close();
        await env.close();
      },
    };
  } catch (error) {
    // The suite's afterAll has no host to close, so nothing else would stop the emulator and core.
    await router?.close();
    await env.close();
    throw error;
  }
}
