import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config/config.js';
import type { Logger } from '../config/logger.js';
import type { Connections } from '../connections/index.js';
import type { ServiceMetrics } from '../metrics/index.js';
import type { ZoomConnectPluginOptions } from './plugin-options.js';
import type { BearerAuthenticator } from './auth.js';
import { createEdgeServer } from './edge-server.js';
import { documentHeadersOnHtml, securityHeaders } from './security-headers.js';
import { zoomConnect } from './plugin.js';
import { demoRoutes } from './routes/demo.js';
import { opsRoutes } from './routes/ops.js';
import type { RecentEvents } from '../events/recent-events.js';

/** What the standalone app needs of the composition root (src/service.ts builds it; this module does not import it). */
export interface AppCore {
  config: Config;
  logger: Logger;
  connections: Connections;
  /** Served at /metrics here or on OPS_PORT; the routes add their timings to it. */
  metrics: ServiceMetrics;
  pluginOptions(getUserId: ZoomConnectPluginOptions['getUserId'], extra?: Partial<ZoomConnectPluginOptions>): ZoomConnectPluginOptions;
}

export interface AppDeps {
  core: AppCore;
  authenticate: BearerAuthenticator;
  /** Demo mode: the secret the demo sign-in signs with. */
  demoJwtSecret?: Uint8Array;
  /** Benchmarks turn the connect-route rate limits off. */
  rateLimit?: boolean;
  /** Demo mode: the events feed the demo page shows. */
  recentEvents?: RecentEvents;
}

/** The standalone service: the Zoom Connect plugin plus operations, OpenAPI, security headers and, in demo mode, the demo page. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config } = deps.core;
  const app = createEdgeServer({ logger: deps.core.logger, trustProxy: config.trustProxy });

  securityHeaders(app, { https: config.zoom.redirectUri.startsWith('https:') });

  await app.register(fastifySwagger, {
    // Shared schemas keep their $id as their component name: #/components/schemas/Problem.
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Zoom Connect',
        version: '0.1.0',
        description: 'Connect your app users\' Zoom accounts (user-managed OAuth 2.0), keep their tokens encrypted and fresh, and call Zoom for them. Errors are RFC 9457 problem+json with a stable `code`.',
      },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    },
  });
  // OPS_PORT: beside the API when unset ('main'); a port number moves these to the ops server (service.ts); 'off' serves none.
  const opsHere = config.opsPort === 'main';
  if (opsHere) {
    await app.register(async (docs) => {
      documentHeadersOnHtml(docs);
      await docs.register(fastifySwaggerUi, { routePrefix: '/docs', staticCSP: true });
    });
    app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger());
  }

  opsRoutes(app, deps.core.connections, deps.core.metrics, { serveMetrics: opsHere });

  await app.register(
    zoomConnect,
    deps.core.pluginOptions((request) => deps.authenticate(request.headers.authorization), {
      rateLimit: deps.rateLimit === false ? false : undefined,
      // Bearer tokens live in the frontend's memory, and Zoom's redirect to the
      // callback carries none: there is no session to compare, and asking for
      // one would refuse every callback. The browser binding does the work.
      checkCallbackUser: false,
    }),
  );

  if (config.demo && deps.demoJwtSecret && deps.recentEvents) {
    demoRoutes(app, {
      jwtSecret: deps.demoJwtSecret,
      canonicalOrigin: new URL(config.zoom.redirectUri).origin,
      authenticate: deps.authenticate,
      recentEvents: deps.recentEvents,
    });
  }
  return app;
}
