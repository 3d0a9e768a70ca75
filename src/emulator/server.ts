import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { registerApiRoutes } from './api-routes.js';
import { escapeHtml, renderErrorPage } from './consent-page.js';
import { registerControlRoutes } from './control-routes.js';
import { faultHook } from './faults.js';
import { trackingId } from './ids.js';
import { registerOAuthRoutes } from './oauth-routes.js';
import { sendApiError, sendOAuthError } from './replies.js';
import type { EmulatorState } from './state.js';

export const BODY_LIMIT_BYTES = 64 * 1024;

type Surface = 'consent' | 'oauth' | 'api';

function surfaceOf(url: string): Surface {
  if (url.startsWith('/oauth/authorize')) return 'consent';
  if (url.startsWith('/oauth/')) return 'oauth';
  return 'api';
}

function httpError(statusCode: number, message: string, code: string): FastifyError {
  return Object.assign(new Error(message), { statusCode, code, name: 'EmulatorBadRequest' });
}

/** Zoom answers bad bodies with 4xx in its own shapes; the framework's errors are translated here. */
function clientErrorMessage(error: FastifyError, status: number): { apiCode: number; message: string } {
  if (status === 413) return { apiCode: 413, message: 'Request body is too large.' };
  if (status === 415) return { apiCode: 300, message: 'Unsupported Content-Type.' };
  if (error.code === 'EMULATOR_INVALID_JSON' || error.code?.startsWith('FST_ERR_CTP')) {
    return { apiCode: 300, message: 'Request Body should be a valid JSON object.' };
  }
  return { apiCode: status === 404 ? 404 : 300, message: error.message };
}

function handleError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const raw = error.statusCode;
  const status = typeof raw === 'number' && raw >= 400 && raw < 500 ? raw : 500;
  if (status === 500) request.log.error({ err: error }, 'emulator bug: unexpected error');
  const { apiCode, message } = status === 500 ? { apiCode: 500, message: 'Internal Error' } : clientErrorMessage(error, status);
  switch (surfaceOf(request.url)) {
    case 'consent':
      return reply.code(status).type('text/html; charset=utf-8').send(renderErrorPage('Bad request', message));
    case 'oauth':
      return sendOAuthError(reply, status, status === 500 ? 'server_error' : 'invalid_request', message);
    case 'api':
      return sendApiError(reply, status, { code: apiCode, message });
  }
}

function registerBodyParsers(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    // An empty JSON body is treated as absent, which the control API reads as {}.
    if (text.trim() === '') {
      done(null, undefined);
      return;
    }
    try {
      done(null, JSON.parse(text));
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      done(httpError(400, `Malformed JSON: ${detail}`, 'EMULATOR_INVALID_JSON'), undefined);
    }
  });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    done(null, Object.fromEntries(new URLSearchParams(text)));
  });
}

/** Where Zoom's links (join, start, recordings) land, so they resolve instead of 404ing. */
function registerLinkPages(app: FastifyInstance): void {
  const page = (title: string) => async (request: FastifyRequest, reply: FastifyReply) => {
    const id = (request.params as Record<string, string>)['id'] ?? '';
    return reply.type('text/html; charset=utf-8').send(
      renderErrorPage(title, `This is the Zoom emulator; nothing to join or play here (${escapeHtml(id)}).`).replace('class="error"', ''),
    );
  };
  app.get('/j/:id', page('Join meeting'));
  app.get('/s/:id', page('Start meeting'));
  app.get('/rec/play/:id', page('Recording'));
  app.get('/rec/download/:id', page('Recording download'));
  app.get('/rec/share/:id', page('Shared recording'));
}

export function buildServer(state: EmulatorState, logger: FastifyBaseLogger | undefined): FastifyInstance {
  const app = Fastify({
    ...(logger ? { loggerInstance: logger } : { logger: false }),
    bodyLimit: BODY_LIMIT_BYTES,
    routerOptions: { ignoreTrailingSlash: true },
    // Test suites start and stop emulators constantly; keep-alive sockets must not hold close() open.
    forceCloseConnections: true,
  });
  registerBodyParsers(app);
  app.setErrorHandler(handleError);
  app.setNotFoundHandler((request, reply) => sendApiError(reply, 404, { code: 404, message: `Not Found: ${request.method} ${request.url.split('?')[0] ?? ''}` }));
  app.addHook('onRequest', (_request, reply, done) => {
    // Support asks for this id with every failure, so every answer carries one.
    reply.header('x-zm-trackingid', trackingId());
    done();
  });
  app.addHook('preHandler', faultHook(state));
  registerOAuthRoutes(app, state);
  registerLinkPages(app);
  app.register(
    (api, _options, done) => {
      registerApiRoutes(api, state);
      done();
    },
    { prefix: '/v2' },
  );
  app.register(
    (control, _options, done) => {
      registerControlRoutes(control, state);
      done();
    },
    { prefix: '/_emulator' },
  );
  return app;
}
