import type { FastifyPluginCallback } from 'fastify';
import type { Connections } from '../../connections/index.js';
import { urlValidationAnswer, verifyZoomWebhook } from '../../connections/webhook.js';
import { problem, problemSchema, sendProblem } from '../problem.js';
import { requestContext } from '../request-context.js';

const WEBHOOK_BODY_LIMIT = 64 * 1024;

interface ZoomEvent {
  event: string;
  event_ts?: number;
  payload?: Record<string, unknown>;
}

/**
 * POST /api/zoom/webhooks: Zoom's signed events. Registered in its own
 * encapsulated context so its raw-body JSON parser affects no other route.
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
      summary: 'Zoom webhook events (signed)',
      description: 'Verifies x-zm-signature over the raw body; answers endpoint.url_validation; handles app_deauthorized by deleting that Zoom user\'s tokens and personal data.',
      tags: ['webhooks'],
      response: { 401: problemSchema, 404: problemSchema, 400: problemSchema },
    },
  }, async (request, reply) => {
    if (!secret) return sendProblem(reply, problem('webhooks_disabled', 'Set ZOOM_WEBHOOK_SECRET_TOKEN to receive Zoom webhooks.'));
    if (!Buffer.isBuffer(request.body)) return sendProblem(reply, problem('validation_failed', 'Send the event as application/json.'));
    const verdict = verifyZoomWebhook({
      rawBody: request.body,
      signature: header(request.headers['x-zm-signature']),
      timestamp: header(request.headers['x-zm-request-timestamp']),
      secret,
      now: new Date(),
    });
    if (!verdict.ok) {
      request.log.warn({ reason: verdict.reason }, 'webhook refused');
      return sendProblem(reply, problem('webhook_signature_invalid', `Webhook refused: ${verdict.reason.replace(/_/g, ' ')}.`));
    }
    const event = parseEvent(request.body);
    if (!event) return sendProblem(reply, problem('validation_failed', 'The event is not a JSON object with an "event" name.'));

    if (event.event === 'endpoint.url_validation') {
      const plainToken = event.payload?.plainToken;
      if (typeof plainToken !== 'string' || plainToken.length === 0 || plainToken.length > 256) {
        return sendProblem(reply, problem('validation_failed', 'endpoint.url_validation needs payload.plainToken.'));
      }
      return reply.send(urlValidationAnswer(plainToken, secret));
    }
    if (event.event === 'app_deauthorized') {
      const p = event.payload ?? {};
      const zoomUserId = p.user_id;
      if (p.client_id !== undefined && p.client_id !== clientId) {
        request.log.info('app_deauthorized for another client id ignored');
        return reply.code(204).send();
      }
      if (typeof zoomUserId !== 'string' || zoomUserId.length === 0 || zoomUserId.length > 128) {
        return sendProblem(reply, problem('validation_failed', 'app_deauthorized needs payload.user_id.'));
      }
      const eventTime = parseEventTime(p.deauthorization_time) ?? new Date(verdict.timestamp * 1000);
      const changed = await connections.revocation.deauthorize(zoomUserId, eventTime, requestContext(request), {
        // Zoom asks for the user's data to be deleted: the audit trail keeps only the opaque Zoom user id.
        zoomUserId,
        deauthorizationTime: eventTime.toISOString(),
      });
      request.log.info({ zoomUserId, changed }, 'app_deauthorized handled');
      return reply.code(204).send();
    }
    // Zoom expects a fast 2xx for events we do not act on, or it retries.
    return reply.code(204).send();
  });
  done();
};

function header(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function parseEvent(raw: Buffer): ZoomEvent | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return null;
  const e = parsed as Record<string, unknown>;
  if (typeof e.event !== 'string') return null;
  const payload = typeof e.payload === 'object' && e.payload !== null && !Array.isArray(e.payload) ? (e.payload as Record<string, unknown>) : undefined;
  return { event: e.event, payload };
}

function parseEventTime(v: unknown): Date | null {
  if (typeof v !== 'string' && typeof v !== 'number') return null;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? null : d;
}
