import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { EdgeRefusal } from './edge-refusal.js';

/** The content types an HTML form (or a no-CORS fetch) on any site can send without a CORS preflight. */
const FORM_ENCODABLE = new Set(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data']);
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** Fetch Metadata values of a request the page itself made (or the user typed). */
const OWN_SITE = new Set(['same-origin', 'none']);

type Hook = (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => void;

/**
 * Cross-site request forgery guard for the app-user routes. Embedded in a
 * host app with cookie sessions, a foreign page could otherwise POST to
 * .../user/revoke in the victim's browser and disconnect them. For a write:
 *
 * - Fetch Metadata: anything but `same-origin` (or `none`, typed by the
 *   user) is another page's request, a sibling subdomain's (`same-site`,
 *   which SameSite=Lax cookies do reach) included: refused.
 * - Browsers without Fetch Metadata still send `Origin` on a cross-origin
 *   POST: one that is not this host (or is `null`) is refused.
 * - Content type: a cross-site write without a preflight can only be a
 *   "simple" request, whose body types are the form-encodable ones. Our
 *   writes take JSON or nothing, so those types are refused outright.
 *
 * `trustedOrigins` (exact origins, such as a frontend on another subdomain
 * that the host already serves with credentialed CORS) pass the first two.
 * Requests with neither header (servers, curl) pass: they carry no browser's
 * ambient credentials. Safe methods pass (the callback is a cross-site GET by
 * design), and the Zoom webhook is registered outside this guard.
 */
export function forgeryGuard(trustedOrigins: readonly string[]): Hook {
  const trusted = new Set(trustedOrigins);
  return (request, _reply, done) => {
    if (SAFE_METHODS.has(request.method)) {
      done();
      return;
    }
    const origin = request.headers.origin;
    if (origin === undefined || !trusted.has(origin)) {
      const site = request.headers['sec-fetch-site'];
      const foreign = site !== undefined ? !OWN_SITE.has(site) : origin !== undefined && !isThisHost(origin, request);
      if (foreign) {
        done(new EdgeRefusal('cross_site_request', 'This request came from another site; it is refused to protect the signed-in user (CSRF).'));
        return;
      }
    }
    const type = mediaType(request.headers['content-type']);
    if (type !== null && FORM_ENCODABLE.has(type)) {
      done(new EdgeRefusal('unsupported_media_type', `${type} is not accepted here: send no body, or JSON with Content-Type: application/json.`));
      return;
    }
    done();
  };
}

/** Whether an Origin names the host this request was sent to (Host, or X-Forwarded-Host behind a trusted proxy). */
function isThisHost(origin: string, request: FastifyRequest): boolean {
  if (origin === 'null') return false;
  try {
    return new URL(origin).host === request.host;
  } catch {
    return false;
  }
}

function mediaType(header: string | undefined): string | null {
  if (header === undefined) return null;
  return (header.split(';')[0] ?? '').trim().toLowerCase();
}
