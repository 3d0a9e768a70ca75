import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { renderConsentPage, renderErrorPage } from './consent-page.js';
import { issueAccountToken, revokeAccountToken } from './account-grants.js';
import { exchangeCode, grantForToken, issueCode, refreshGrant, revokeUserGrants } from './grants.js';
import { randomUserId } from './ids.js';
import type { AccountTokenResponse, TokenOutcome, TokenResponse } from './model.js';
import type { ResolvedClient, ResolvedServerToServerApp } from './options.js';
import { oauthParam, param, sendOAuthError } from './replies.js';
import type { EmulatorState } from './state.js';
import { sendDeauthorization } from './webhook.js';

const AUTHORIZE_FIELDS = ['response_type', 'client_id', 'redirect_uri', 'state', 'code_challenge', 'code_challenge_method'] as const;
// RFC 7636 §4.2: a challenge has the verifier's alphabet; S256 gives exactly 43 characters.
const CHALLENGE_PATTERN = /^[A-Za-z0-9._~-]{43,128}$/;
const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

interface AuthorizationRequest {
  client: ResolvedClient;
  redirectUri: string;
  state: string | undefined;
  codeChallenge: string | undefined;
  codeChallengeMethod: 'S256' | 'plain';
  fields: Array<[string, string]>;
}

type Checked = { ok: true; request: AuthorizationRequest } | { ok: false; title: string; message: string; code?: number };

/**
 * Everything that must hold before the user is shown a consent page or sent
 * back to the app. Failures never redirect: the redirect URI is not yet trusted.
 */
function checkAuthorizationRequest(state: EmulatorState, query: unknown, body: unknown): Checked {
  const read = (name: string): string | undefined => oauthParam(query, body, name);
  const clientId = read('client_id');
  const client = clientId ? state.client(clientId) : undefined;
  if (!client) return { ok: false, title: 'Invalid client_id', message: `No app is registered with client_id "${clientId ?? ''}".`, code: 4702 };
  const redirectUri = read('redirect_uri');
  if (!redirectUri || !client.redirectUris.includes(redirectUri)) {
    return {
      ok: false,
      title: 'Invalid redirect',
      message: `The redirect_uri "${redirectUri ?? ''}" does not exactly match any redirect URL registered for this app.`,
      code: 4709,
    };
  }
  if (read('response_type') !== 'code') {
    return { ok: false, title: 'Unsupported response_type', message: 'Only response_type=code is supported.' };
  }
  if (read('scope') !== undefined) {
    return {
      ok: false,
      title: 'Invalid scope',
      message: 'Scopes are configured on the app in the Zoom App Marketplace; the authorization URL must not carry a scope parameter.',
    };
  }
  const codeChallenge = read('code_challenge');
  const method = read('code_challenge_method');
  if (method !== undefined && method !== 'S256' && method !== 'plain') {
    return { ok: false, title: 'Invalid code_challenge_method', message: 'code_challenge_method must be S256 or plain.' };
  }
  if (method !== undefined && codeChallenge === undefined) {
    return { ok: false, title: 'Missing code_challenge', message: 'code_challenge_method was sent without code_challenge.' };
  }
  if (codeChallenge !== undefined && !CHALLENGE_PATTERN.test(codeChallenge)) {
    return { ok: false, title: 'Invalid code_challenge', message: 'code_challenge must be 43 to 128 characters of [A-Za-z0-9-._~].' };
  }
  const fields: Array<[string, string]> = [];
  for (const name of AUTHORIZE_FIELDS) {
    const value = read(name);
    if (value !== undefined) fields.push([name, value]);
  }
  return {
    ok: true,
    request: { client, redirectUri, state: read('state'), codeChallenge, codeChallengeMethod: method === 'S256' ? 'S256' : 'plain', fields },
  };
}

function sendHtml(reply: FastifyReply, status: number, html: string): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').header('x-frame-options', 'DENY').send(html);
}

function redirectBack(reply: FastifyReply, request: AuthorizationRequest, params: Record<string, string>): FastifyReply {
  const target = new URL(request.redirectUri);
  for (const [name, value] of Object.entries(params)) target.searchParams.set(name, value);
  if (request.state !== undefined) target.searchParams.set('state', request.state);
  return reply.header('cache-control', 'no-store').redirect(target.toString(), 302);
}

/** Which app the Basic credentials name: a user-managed one or the account's Server-to-Server app. */
type ClientAuth =
  | { ok: true; kind: 'user'; client: ResolvedClient }
  | { ok: true; kind: 'account'; app: ResolvedServerToServerApp }
  | { ok: false; status: 401 | 400 };

/** RFC 6749 §2.3.1: both halves of the Basic credentials are form-encoded before base64. */
function formDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch (error) {
    if (error instanceof URIError) return undefined;
    throw error;
  }
}

function authenticateClient(state: EmulatorState, header: string | undefined): ClientAuth {
  const match = header ? /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header) : null;
  if (!match?.[1]) return { ok: false, status: 401 };
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return { ok: false, status: 401 };
  const clientId = formDecode(decoded.slice(0, colon));
  const secret = formDecode(decoded.slice(colon + 1));
  if (clientId === undefined) return { ok: false, status: 401 };
  const client = state.client(clientId);
  if (client) return secret === client.clientSecret ? { ok: true, kind: 'user', client } : { ok: false, status: client.invalidClientStatus };
  const app = state.options.serverToServer;
  if (app?.clientId === clientId && secret === app.clientSecret) return { ok: true, kind: 'account', app };
  return { ok: false, status: 401 };
}

function unsupportedGrantType(reply: FastifyReply): FastifyReply {
  return sendOAuthError(reply, 400, 'unsupported_grant_type', 'Unsupported grant type');
}

function invalidClient(reply: FastifyReply, status: 401 | 400): FastifyReply {
  return sendOAuthError(reply.header('www-authenticate', 'Basic realm="zoom"'), status, 'invalid_client', 'Invalid client_id or client_secret');
}

/** Zoom reads no parameters from a JSON request, not even the query string's: the grant type is then "unsupported". */
function isJsonRequest(request: FastifyRequest): boolean {
  return /^application\/(?:[\w.+-]+\+)?json\b/i.test(request.headers['content-type'] ?? '');
}

function sendTokenOutcome(state: EmulatorState, reply: FastifyReply, outcome: TokenOutcome<TokenResponse | AccountTokenResponse>): FastifyReply {
  if (state.lostTokenResponsesRemaining > 0) {
    // Processed, then the answer is lost on the way back: the client sees the connection drop.
    state.lostTokenResponsesRemaining -= 1;
    if (!outcome.ok && outcome.error === 'invalid_grant') state.stats.invalidGrant += 1;
    reply.hijack();
    reply.raw.socket?.destroy();
    return reply;
  }
  if (outcome.ok) return reply.header('cache-control', 'no-store').header('pragma', 'no-cache').send(outcome.body);
  if (outcome.error === 'invalid_grant') state.stats.invalidGrant += 1;
  return sendOAuthError(reply, 400, outcome.error, outcome.reason);
}

export function registerOAuthRoutes(app: FastifyInstance, state: EmulatorState): void {
  app.get('/oauth/authorize', async (request, reply) => {
    const checked = checkAuthorizationRequest(state, request.query, undefined);
    if (!checked.ok) return sendHtml(reply, 400, renderErrorPage(checked.title, checked.message, checked.code));
    const page = renderConsentPage({ client: checked.request.client, fields: checked.request.fields, users: [...state.users.values()] });
    return sendHtml(reply, 200, page);
  });

  app.post('/oauth/authorize', async (request, reply) => {
    const checked = checkAuthorizationRequest(state, request.query, request.body);
    if (!checked.ok) return sendHtml(reply, 400, renderErrorPage(checked.title, checked.message, checked.code));
    const decision = oauthParam(request.query, request.body, 'decision');
    if (decision === 'deny') return redirectBack(reply, checked.request, { error: 'access_denied' });
    if (decision !== 'allow') return sendHtml(reply, 400, renderErrorPage('Invalid decision', 'decision must be allow or deny.'));
    const who = (oauthParam(request.query, request.body, 'user') ?? '').trim();
    let user = who ? state.findUser(who) : undefined;
    if (!user && EMAIL_PATTERN.test(who)) user = state.createUser({ id: randomUserId(), email: who }, true);
    if (!user) {
      return sendHtml(reply, 400, renderErrorPage('Unknown user', 'Choose a listed user, or enter an email address to create a new user.'));
    }
    const code = issueCode(state, {
      clientId: checked.request.client.clientId,
      userId: user.id,
      redirectUri: checked.request.redirectUri,
      codeChallenge: checked.request.codeChallenge,
      codeChallengeMethod: checked.request.codeChallengeMethod,
    });
    return redirectBack(reply, checked.request, { code });
  });

  app.post('/oauth/token', async (request: FastifyRequest, reply) => {
    const auth = authenticateClient(state, request.headers.authorization);
    if (!auth.ok) return invalidClient(reply, auth.status);
    if (isJsonRequest(request)) return unsupportedGrantType(reply);
    const bodyOnly = auth.kind === 'user' && auth.client.tokenParameters === 'body-only';
    const read = (name: string): string | undefined => (bodyOnly ? param(request.body, name) : oauthParam(request.query, request.body, name));
    const grantType = read('grant_type');
    if (!grantType) return sendOAuthError(reply, 400, 'invalid_request', 'Missing grant_type');
    // Each app type has its own grants; another type's grant is "unsupported", not a credentials failure.
    if (auth.kind === 'account') {
      if (grantType !== 'account_credentials') return unsupportedGrantType(reply);
      return sendTokenOutcome(state, reply, issueAccountToken(state, auth.app, read('account_id')));
    }
    if (grantType === 'authorization_code') {
      const outcome = exchangeCode(state, auth.client, { code: read('code'), redirectUri: read('redirect_uri'), codeVerifier: read('code_verifier') });
      return sendTokenOutcome(state, reply, outcome);
    }
    if (grantType === 'refresh_token') return sendTokenOutcome(state, reply, refreshGrant(state, auth.client, read('refresh_token')));
    return unsupportedGrantType(reply);
  });

  app.post('/oauth/revoke', async (request, reply) => {
    const auth = authenticateClient(state, request.headers.authorization);
    if (!auth.ok) return invalidClient(reply, auth.status);
    const token = oauthParam(request.query, request.body, 'token');
    if (!token) return sendOAuthError(reply, 400, 'invalid_request', 'Missing token');
    if (auth.kind === 'account') {
      if (!revokeAccountToken(state, auth.app, token)) return sendOAuthError(reply, 400, 'invalid_request', 'Invalid Token!');
      state.stats.revocations += 1;
      return reply.header('cache-control', 'no-store').send({ status: 'success' });
    }
    const grant = grantForToken(state, auth.client, token);
    const user = grant ? state.users.get(grant.userId) : undefined;
    if (!grant || !user) return sendOAuthError(reply, 400, 'invalid_request', 'Invalid Token!');
    revokeUserGrants(state, auth.client.clientId, user.id);
    state.stats.revocations += 1;
    if (state.webhookEndpoints.has(auth.client.clientId)) {
      // Zoom notifies after answering; the revoke response does not wait for the webhook.
      sendDeauthorization(state, auth.client, user, request.log).catch((error: unknown) => {
        request.log.error({ err: error }, 'app_deauthorized webhook crashed');
      });
    }
    return reply.header('cache-control', 'no-store').send({ status: 'success' });
  });
}
