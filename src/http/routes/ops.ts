import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import type { Connections } from '../../connections/index.js';
import { problemResponse } from '../schemas.js';

/** Liveness, readiness (the database answers) and Prometheus metrics. */
export function opsRoutes(app: FastifyInstance, connections: Pick<Connections, 'ready'>, moreMetrics: Registry[] = []): void {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'zoom_connect_' });
  const duration = new Histogram({
    name: 'zoom_connect_http_request_duration_seconds',
    help: 'HTTP request duration by route and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  app.addHook('onResponse', (request, reply, done) => {
    duration.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
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
  const exposed = Registry.merge([registry, ...moreMetrics]);
  app.get('/metrics', {
    schema: {
      operationId: 'getMetrics',
      summary: 'Prometheus metrics (text exposition format)',
      tags,
      response: { 200: { description: 'Prometheus text format', content: { 'text/plain': { schema: { type: 'string' } } } } },
    },
  }, async (_request, reply) => {
    return reply.type(exposed.contentType).send(await exposed.metrics());
  });
}
