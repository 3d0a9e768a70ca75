import type { FastifyPluginCallback } from 'fastify';
import type { Connections } from '../../connections/index.js';
import { problem, sendProblem } from '../problem.js';
import { problemResponse } from '../schemas.js';
import { requestContext } from '../request-context.js';

const WEBHOOK_BODY_LIMIT = 64 * 1024;

/**
 * POST /api/zoom/webhooks: Zoom's signed events, handed raw to the domain
 * (src/connections/zoom-events.ts). Registered in its own encapsulated
 * context so its raw-body JSON parser affects no other route.
 */
export const webhookRoutes: FastifyPluginCallback<{ connections: Connections; secret: string | undefined; clientId: string }> = (
  scope,
  { connections, secret, clientId },
  done,
) => {
  scope.removeContentTypeParser('application/json');
  scope.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: WEBHOOK_BODY_LIMIT }, (_req, body, parsed) => {
    parsed(null, body);
  });

  scope.post<{ Body: Buffer }>('/api/zoom/webhooks', {
    bodyLimit: WEBHOOK_BODY_LIMIT,
    schema: {
      operationId: 'receiveZoomWebhook',
      summary: 'Zoom webhook events (signed)',
      description: 'Verifies x-zm-signature over the raw body; answers endpoint.url_validation (200 with the encrypted token); handles app_deauthorized by deleting that Zoom user\'s tokens and personal data (204). Other events: 204.',
      tags: ['webhooks'],
      response: {
        200: {
          description: 'endpoint.url_validation answer',
          type: 'object',
          required: ['plainToken', 'encryptedToken'],
          properties: { plainToken: { type: 'string' }, encryptedToken: { type: 'string' } },
        },
        204: { description: 'Event accepted', type: 'null' },
        400: problemResponse('Not a Zoom event (validation_failed)'),
        401: problemResponse('Signature missing, malformed, stale or wrong (webhook_signature_invalid)'),
        404: problemResponse('ZOOM_WEBHOOK_SECRET_TOKEN is not set (webhooks_disabled)'),
        503: problemResponse('A refresh holds the connection or the database is down: Zoom redelivers'),
      },
    },
  }, async (request, reply) => {
    if (!secret) return sendProblem(reply, problem('webhooks_disabled', 'Set ZOOM_WEBHOOK_SECRET_TOKEN to receive Zoom webhooks.'));
    if (!Buffer.isBuffer(request.body)) return sendProblem(reply, problem('validation_failed', 'Send the event as application/json.'));
    const outcome = await connections.zoomEvents.receive({
      rawBody: request.body,
      signature: header(request.headers['x-zm-signature']),
      timestamp: header(request.headers['x-zm-request-timestamp']),
      secret,
      clientId,
      ctx: requestContext(request),
    });
    if (outcome.kind === 'url_validation') return reply.send(outcome.answer);
    return reply.code(204).send();
  });
  done();
};

function header(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
