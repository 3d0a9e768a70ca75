import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { clientErrorHandler } from './client-errors.js';
import { lazyChildLogger } from './lazy-logger.js';
import { installErrorHandling, installNotFound, problemFor } from './error-handler.js';
import { problem, sendProblem, type Problem } from './problem.js';
import { addSharedSchemas } from './schemas.js';

export const BODY_LIMIT = 64 * 1024;

export interface EdgeServerOptions {
  /** The host's logger; none means no log lines at all. */
  logger?: FastifyBaseLogger;
  trustProxy: boolean;
}

/**
 * The Fastify instance behind both front doors that own their Fastify: the
 * standalone app and the Express adapter's inner router. One factory, so a
 * request gets the same answer through either: the same validator (unknown
 * fields refused, not silently stripped), the same problem+json 404 and
 * error mapping, the same answer to a URL the router cannot even parse.
 */
export function createEdgeServer(opts: EdgeServerOptions): FastifyInstance {
  const app = Fastify({
    loggerInstance: opts.logger,
    trustProxy: opts.trustProxy,
    bodyLimit: BODY_LIMIT,
    // Fastify's per-request lines log the full URL, and the callback's URL
    // carries Zoom's code and our state. They also cost throughput: failures
    // are logged by the error handler, timings go to /metrics.
    logController: new LogController({ disableRequestLogging: true }),
    childLoggerFactory: lazyChildLogger,
    return503OnClosing: true,
    clientErrorHandler,
    ajv: { customOptions: { removeAdditional: false, allErrors: false, coerceTypes: true } },
    routerOptions: { maxParamLength: 200 },
    frameworkErrors: answerFrameworkError,
  });
  installErrorHandling(app);
  installNotFound(app);
  addSharedSchemas(app);
  return app;
}

/** Failures before routing (no route's error handler applies): a malformed URL, an over-long path parameter. */
function answerFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  void sendProblem(reply, frameworkProblem(error, request));
}

function frameworkProblem(error: FastifyError, request: FastifyRequest): Problem {
  switch (error.code) {
    case 'FST_ERR_BAD_URL':
      return problem('validation_failed', 'The URL is malformed (a % not followed by two hex digits, or bytes that are not UTF-8).');
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return problem('validation_failed', 'A path segment of the URL is too long.');
    default:
      return problemFor(error, request);
  }
}
