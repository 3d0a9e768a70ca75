import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { registerApiRoutes } from './api-routes.js';
import { escapeHtml, renderErrorPage } from './consent-page.js';
import { registerControlRoutes } from './control-routes.js';
import { faultHook } from './faults.js';
import { trackingId } from './ids.js';
import { JsonBodyError, parseJsonBody } from './json-body.js';
import { registerOAuthRoutes } from './oauth-routes.js';
import { sendApiError, sendOAuthError, type ApiErrorBody } from './replies.js';
import type { EmulatorState } from './state.js';
import { surfaceOf } from './surface.js';

export const BODY_LIMIT_BYTES = 64 * 1024;

/** What each surface says about a refused request; see surface.ts for who speaks which shape. */
interface ClientError {
  status: number;
  api: ApiErrorBody;
  reason: string;
}

const NOT_A_JSON_OBJECT = 'Request Body should be a valid JSON object.';

/** Zoom answers bad requests with 4xx in its own shapes; the framework's refusals are translated here. */
function describeClientError(error: FastifyError, status: number): ClientError {
  if (error instanceof JsonBodyError && error.code === 'EMULATOR_JSON_TOO_DEEP') {
    return { status, api: { code: 300, message: 'Validation Failed.', errors: [{ field: error.field, message: 'Invalid field.' }] }, reason: error.message };
  }
  if (status === 413) return { status, api: { code: 413, message: 'Request body is too large.' }, reason: 'Request body is too large.' };
  // The API reads JSON only. Zoom does not document its answer to another content type; 400 code 300 is
  // how it answers every body it cannot read, so that is closer than a 415 no Zoom client expects.
  if (status === 415) {
    return {
      status: 400,
      api: { code: 300, message: NOT_A_JSON_OBJECT },
      reason: 'Unsupported Content-Type: send application/x-www-form-urlencoded parameters.',
    };
  }
  if (error.code === 'FST_ERR_BAD_URL') {
    return { status: 400, api: { code: 300, message: 'Invalid URL: the path is not valid percent-encoding.' }, reason: 'Invalid URL: the path is not valid percent-encoding.' };
  }
  if (error instanceof JsonBodyError || error.code?.startsWith('FST_ERR_CTP')) {
    return { status, api: { code: 300, message: NOT_A_JSON_OBJECT }, reason: error.message };
  }
  return { status, api: { code: status === 404 ? 404 : 300, message: error.message }, reason: error.message };
}

function handleError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const raw = error.statusCode;
  const clientFault = typeof raw === 'number' && raw >= 400 && raw < 500;
  if (!clientFault) request.log.error({ err: error }, 'emulator bug: unexpected error');
  const refused = clientFault ? describeClientError(error, raw) : { status: 500, api: { code: 500, message: 'Internal Error' }, reason: 'Internal Error' };
  switch (surfaceOf(request.url)) {
    case 'consent':
      return reply.code(refused.status).type('text/html; charset=utf-8').send(renderErrorPage('Bad request', refused.reason));
    case 'oauth':
      // ZOOM.md: the OAuth server's refusals are all 400 (401 is only for client credentials, decided in the route).
      return clientFault ? sendOAuthError(reply, 400, 'invalid_request', refused.reason) : sendOAuthError(reply, 500, 'server_error', refused.reason);
    case 'api':
      return sendApiError(reply, refused.status, refused.api);
  }
}

/**
 * Errors the router raises before any route or hook runs (a path that is not
 * valid percent-encoding, an over-long parameter). Without this Fastify answers
 * them in its own shape, which no Zoom client expects.
 */
function handleFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  // No hook runs for these, so the tracking id every Zoom answer carries is added here.
  reply.header('x-zm-trackingid', trackingId());
  // The reply is sent synchronously; Fastify expects nothing back from this callback.
  void handleError(error, request, reply);
}

function readText(body: string | Buffer): string {
  return typeof body === 'string' ? body : body.toString('utf8');
}

/** Everything reads JSON; only the OAuth server also takes forms (registered in its own scope below). */
function registerJsonParser(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = readText(body);
    // An empty JSON body is treated as absent, which the control API reads as {}.
    if (text.trim() === '') {
      done(null, undefined);
      return;
    }
    let parsed: unknown;
    try {
      parsed = parseJsonBody(text);
    } catch (error) {
      // JsonBodyError carries its 400; anything else reaches the error handler as the 500 it is.
      done(error instanceof Error ? error : new Error(String(error)), undefined);
      return;
    }
    done(null, parsed);
  });
}

function registerFormParser(app: FastifyInstance): void {
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(readText(body))));
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
    // Zoom takes an email as {userId}; an email may be 254 characters, past Fastify's default of 100.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 320 },
    // Test suites start and stop emulators constantly; keep-alive sockets must not hold close() open.
    forceCloseConnections: true,
    frameworkErrors: handleFrameworkError,
  });
  registerJsonParser(app);
  app.setErrorHandler(handleError);
  app.setNotFoundHandler((request, reply) => sendApiError(reply, 404, { code: 404, message: `Not Found: ${request.method} ${request.url.split('?')[0] ?? ''}` }));
  app.addHook('onRequest', (_request, reply, done) => {
    // Support asks for this id with every failure, so every answer carries one.
    reply.header('x-zm-trackingid', trackingId());
    done();
  });
  app.addHook('preHandler', faultHook(state));
  app.register((oauth, _options, done) => {
    // Zoom's OAuth server takes form bodies (RFC 6749 §4.1.3); the API, only JSON.
    registerFormParser(oauth);
    registerOAuthRoutes(oauth, state);
    done();
  });
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
