import type { FastifyInstance, FastifyReply } from 'fastify';
import { AssertionRejected, verifyAssertion } from './assertion.js';
import { sendTokenError } from './replies.js';
import type { GoogleEmulatorState } from './state.js';

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const SCOPE = /^https:\/\/www\.googleapis\.com\/auth\/[a-z][a-z.]*$/;
const UNKNOWN_USER = 'Invalid email or User ID';

function formField(body: unknown, name: string): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const value = (body as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : undefined;
}

/** `POST /token`: the RFC 7523 JWT-bearer grant for the one service account this emulator issued. */
export function registerTokenRoute(app: FastifyInstance, state: GoogleEmulatorState): void {
  app.post('/token', (request, reply): FastifyReply => {
    const grantType = formField(request.body, 'grant_type');
    const assertion = formField(request.body, 'assertion');
    if (grantType === undefined) return sendTokenError(reply, 400, 'invalid_request', 'Missing required parameter: grant_type');
    if (grantType !== JWT_BEARER) return sendTokenError(reply, 400, 'unsupported_grant_type', `Invalid grant_type: ${grantType.slice(0, 100)}`);
    if (assertion === undefined || assertion === '') return sendTokenError(reply, 400, 'invalid_request', 'Missing required parameter: assertion');
    let claims;
    try {
      claims = verifyAssertion(assertion, {
        publicKey: state.publicKey,
        keyId: state.keyFile.private_key_id,
        issuer: state.keyFile.client_email,
        audience: state.keyFile.token_uri,
        nowSeconds: Math.floor(Date.now() / 1000),
      });
    } catch (error) {
      if (error instanceof AssertionRejected) return sendTokenError(reply, 400, error.error, error.message);
      throw error;
    }
    const scopes = claims.scope.split(' ').filter((scope) => scope !== '');
    if (scopes.length === 0 || !scopes.every((scope) => SCOPE.test(scope))) {
      return sendTokenError(reply, 400, 'invalid_scope', 'Invalid OAuth scope or ID token audience provided.');
    }
    if (state.faults.revokeDelegation || !scopes.every((scope) => state.delegatedScopes.includes(scope))) {
      return sendTokenError(
        reply,
        401,
        'unauthorized_client',
        'Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested.',
      );
    }
    // This emulator only does domain-wide delegation: a token must act as a user of its Workspace.
    if (claims.sub === undefined || !state.isDomainUser(claims.sub)) return sendTokenError(reply, 400, 'invalid_grant', UNKNOWN_USER);
    const token = state.issueToken(claims.sub.toLowerCase(), scopes);
    return reply.type('application/json; charset=utf-8').send({ access_token: token, expires_in: state.tokenLifetimeSeconds, token_type: 'Bearer' });
  });
}
