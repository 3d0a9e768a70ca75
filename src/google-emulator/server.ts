import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { registerCalendarRoutes } from './calendar-routes.js';
import { registerControlRoutes } from './control-routes.js';
import { faultHook } from './faults.js';
import { sendGoogleError, sendTokenError } from './replies.js';
import type { GoogleEmulatorState } from './state.js';
import { registerTokenRoute } from './token-route.js';

const BODY_LIMIT_BYTES = 256 * 1024;

/** Framework refusals (bad JSON, wrong content type, too large) in the shape of the endpoint hit. */
function handleError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const raw = error.statusCode;
  const clientFault = typeof raw === 'number' && raw >= 400 && raw < 500;
  if (!clientFault) request.log.error({ err: error }, 'google emulator bug: unexpected error');
  const status = clientFault ? raw : 500;
  const message = clientFault ? (status === 413 ? 'Request Entity Too Large' : 'Parse Error') : 'Internal Error';
  if ((request.url.split('?')[0] ?? '') === '/token') {
    return sendTokenError(reply, clientFault ? 400 : 500, clientFault ? 'invalid_request' : 'internal_failure', message);
  }
  return sendGoogleError(reply, status === 415 ? 400 : status, clientFault ? 'parseError' : 'backendError', message);
}

function readText(body: string | Buffer): string {
  return typeof body === 'string' ? body : body.toString('utf8');
}

/** Where the emulated Meet links land, so a click resolves instead of 404ing. */
function registerMeetPage(app: FastifyInstance): void {
  app.get('/meet/:code', (request, reply) => {
    const code = (request.params as { code: string }).code.replace(/[^a-z-]/g, '');
    return reply.type('text/html; charset=utf-8').send(`<!doctype html><title>Google Meet (emulated)</title><p>This is the Google emulator; meeting ${code} has nobody to meet.</p>`);
  });
}

export function buildGoogleServer(state: GoogleEmulatorState, logger: FastifyBaseLogger | undefined): FastifyInstance {
  const app = Fastify({
    ...(logger ? { loggerInstance: logger } : { logger: false }),
    bodyLimit: BODY_LIMIT_BYTES,
    // Calendar ids are email addresses, event ids up to 1024 characters.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 1100 },
    forceCloseConnections: true,
  });
  // An empty JSON body reads as none, so `POST /_emulator/reset` works from any HTTP client.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = readText(body);
    if (text.trim() === '') {
      done(null, undefined);
      return;
    }
    try {
      done(null, JSON.parse(text));
    } catch {
      done(Object.assign(new Error('Parse Error'), { statusCode: 400 }), undefined);
    }
  });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(readText(body))));
  });
  app.setErrorHandler(handleError);
  app.setNotFoundHandler((request, reply) => sendGoogleError(reply, 404, 'notFound', `Not Found: ${request.method} ${(request.url.split('?')[0] ?? '').slice(0, 200)}`));
  app.addHook('preHandler', faultHook(state));
  registerTokenRoute(app, state);
  registerCalendarRoutes(app, state);
  registerMeetPage(app);
  app.register(
    (control, _options, done) => {
      registerControlRoutes(control, state);
      done();
    },
    { prefix: '/_emulator' },
  );
  return app;
}
