import type { FastifyInstance, FastifyReply } from 'fastify';

/**
 * Security headers, computed once. Every answer carries the set that acts on
 * an API answer (OWASP REST Security Cheat Sheet, "Security Headers"): a CSP
 * that forbids everything and any framing, nosniff, X-Frame-Options,
 * Cross-Origin-Resource-Policy (no cross-origin page reads the JSON through a
 * no-cors load), Referrer-Policy (it governs a redirect too: the callback's
 * 303 must not leak its URL) and, over https, HSTS.
 *
 * The headers that only act on a document a browser renders (the page's own
 * CSP, COOP, Origin-Agent-Cluster, DNS prefetch, IE's download and XSS
 * switches, Adobe's cross-domain policies) are added to HTML answers only:
 * on JSON they protect nothing, and they were half of every API answer's
 * header bytes, built by Fastify and Node and parsed by every client (issue 15).
 */
const API_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'cross-origin-resource-policy': 'same-origin',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
};

/** The same set as helmet's defaults, with a CSP tight enough for the demo page: scripts and styles from 'self' only. */
const DOCUMENT_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: https:",
    "connect-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "object-src 'none'",
    "base-uri 'none'",
    "script-src-attr 'none'",
    "font-src 'self' data:",
  ].join('; '),
  'cross-origin-opener-policy': 'same-origin',
  'origin-agent-cluster': '?1',
  'x-dns-prefetch-control': 'off',
  'x-download-options': 'noopen',
  'x-permitted-cross-domain-policies': 'none',
  'x-xss-protection': '0',
};

const HSTS = 'max-age=31536000; includeSubDomains';

export function securityHeaders(app: FastifyInstance, opts: { https: boolean }): void {
  // Only over https: HSTS on a plain-http demo would pin localhost to https.
  const headers = opts.https ? { ...API_HEADERS, 'strict-transport-security': HSTS } : API_HEADERS;
  app.addHook('onRequest', (_request, reply, done) => {
    void reply.headers(headers);
    done();
  });
}

/** An HTML answer: the document headers on top of the API set (its own CSP replacing the API one). */
export function documentHeaders(reply: FastifyReply): FastifyReply {
  return reply.headers(DOCUMENT_HEADERS);
}

/**
 * For a scope whose HTML a plugin makes (Swagger UI): the document headers on
 * its text/html answers. Add it before registering the plugin: a CSP the
 * plugin sets in its own onSend hook (Swagger UI's, with its script hashes) runs later and wins.
 */
export function documentHeadersOnHtml(scope: FastifyInstance): void {
  scope.addHook('onSend', (_request, reply, payload, done) => {
    const type = reply.getHeader('content-type');
    if (typeof type === 'string' && type.startsWith('text/html')) void documentHeaders(reply);
    done(null, payload);
  });
}
