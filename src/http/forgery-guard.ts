import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { EdgeRefusal } from './edge-refusal.js';

/** The content types an HTML form (or a no-CORS fetch) on any site can send without a CORS preflight. */
const FORM_ENCODABLE = new Set(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data']);
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Cross-site request forgery guard for the app-user routes. Embedded in a
 * host app with cookie sessions, a foreign page could otherwise POST to
 * .../user/revoke in the victim's browser and disconnect them. Two checks,
 * each enough on its own for the browsers it covers:
 *
 * - Fetch Metadata: a browser that says `Sec-Fetch-Site: cross-site` is
 *   relaying another site's request; refused whatever it carries.
 * - Content type: a cross-site write without a preflight can only be a
 *   "simple" request, whose body types are the form-encodable ones. Our
 *   writes take JSON or nothing, so those types are refused outright; a
 *   JSON body from another origin needs a preflight the host never grants.
 *
 * Safe methods pass (the callback is a cross-site GET by design), and the
 * Zoom webhook is registered outside this guard (Zoom is a foreign site).
 */
export function refuseForgeableWrites(request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void {
  if (SAFE_METHODS.has(request.method)) {
    done();
    return;
  }
  if (request.headers['sec-fetch-site'] === 'cross-site') {
    done(new EdgeRefusal('cross_site_request', 'This request came from another site; it is refused to protect the signed-in user (CSRF).'));
    return;
  }
  const type = mediaType(request.headers['content-type']);
  if (type !== null && FORM_ENCODABLE.has(type)) {
    done(new EdgeRefusal('unsupported_media_type', `${type} is not accepted here: send no body, or JSON with Content-Type: application/json.`));
    return;
  }
  done();
}

function mediaType(header: string | undefined): string | null {
  if (header === undefined) return null;
  return (header.split(';')[0] ?? '').trim().toLowerCase();
}
