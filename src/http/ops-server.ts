import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { ServiceMetrics } from '../metrics/index.js';
import { createEdgeServer } from './edge-server.js';

export interface OpsServerOptions {
  host: string;
  port: number;
  metrics: ServiceMetrics;
  /** The main app's OpenAPI document (`app.swagger()`, once its routes are registered). */
  openapi: () => object;
  logger?: FastifyBaseLogger;
}

export interface RunningOpsServer {
  url: string;
  close(): Promise<void>;
}

/**
 * OPS_PORT: /metrics, /docs and /openapi.json on a port of their own, so the
 * public port need not expose them (docs/operations.md). The document is the
 * main app's: this server has no API routes of its own.
 */
export async function startOpsServer(options: OpsServerOptions): Promise<RunningOpsServer> {
  const app = createEdgeServer({ logger: options.logger, trustProxy: false });
  const document = { ...options.openapi() };
  // The UI reads the spec through @fastify/swagger; this server's own (empty) one is swapped for the main app's.
  await app.register(fastifySwagger, { openapi: { openapi: '3.1.0', info: { title: 'Zoom Connect operations', version: '0' } } });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs', staticCSP: true, transformSpecification: () => document });
  app.get('/openapi.json', { schema: { hide: true } }, () => document);
  metricsRoute(app, options.metrics);
  try {
    const url = await app.listen({ host: options.host, port: options.port });
    return { url, close: () => app.close() };
  } catch (err) {
    await app.close();
    throw err;
  }
}

/** GET /metrics: the instance's registry, as Prometheus scrapes it. */
export function metricsRoute(app: FastifyInstance, metrics: ServiceMetrics): void {
  app.get('/metrics', {
    schema: {
      operationId: 'getMetrics',
      summary: 'Prometheus metrics (text exposition format)',
      tags: ['operations'],
      response: { 200: { description: 'Prometheus text format', content: { 'text/plain': { schema: { type: 'string' } } } } },
    },
  }, async (_request, reply) => {
    const { contentType, body } = await metrics.exposition();
    return reply.type(contentType).send(body);
  });
}
