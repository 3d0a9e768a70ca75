import type { FastifyInstance } from 'fastify';
import type { Connections } from '../../connections/index.js';
import type { ServiceMetrics } from '../../metrics/index.js';
import { metricsRoute } from '../ops-server.js';
import { problemResponse } from '../schemas.js';

/**
 * Liveness, readiness (the database answers), request timings, and — when
 * OPS_PORT does not move it elsewhere — GET /metrics.
 */
export function opsRoutes(app: FastifyInstance, connections: Pick<Connections, 'ready'>, metrics: ServiceMetrics, options: { serveMetrics: boolean }): void {
  app.addHook('onResponse', (request, reply, done) => {
    metrics.observeHttpRequest(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
    done();
  });

  const tags = ['operations'];
  app.get('/healthz', {
    schema: { operationId: 'getHealth', summary: 'Liveness: the process answers', tags, response: { 200: { type: 'object', properties: { ok: { type: 'boolean' } } } } },
  }, () => ({ ok: true }));
  app.get('/readyz', {
    schema: {
      operationId: 'getReadiness',
      summary: 'Readiness: the database answers',
      tags,
      response: { 200: { type: 'object', properties: { ready: { type: 'boolean' } } }, 503: problemResponse('The database is not reachable') },
    },
  }, async () => {
    await connections.ready();
    return { ready: true };
  });
  if (options.serveMetrics) metricsRoute(app, metrics);
}
