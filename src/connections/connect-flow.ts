import type { Logger } from '../config/logger.js';
import type { Connection, Store } from '../store/types.js';
import type { ZoomApi, ZoomOAuthClient } from '../zoom/index.js';
import type { AuditLog } from './audit.js';
import type { Clock, RequestContext } from './context.js';
import { ConnectError } from './errors.js';
import { exchangeFailure } from './zoom-failures.js';
import { isOurToken, pkceChallenge, randomToken, safeEqual, sha256 } from './secrets.js';

export const STATE_TTL_MS = 10 * 60 * 1000;

export interface BeginResult {
  authorizationUrl: string;
  expiresAt: Date;
  /** The browser-binding secret to set as a cookie; reused when the browser already has a valid one. */
  bindingToken: string;
}

export interface CallbackInput {
  state: unknown;
  code: unknown;
  error: unknown;
  /** The binding cookie the browser presented, if any. */
  bindingToken: string | undefined;
  /** Embedded mode: the host app's signed-in user at the callback, when visible. */
  sessionUserId: string | null;
  ctx: RequestContext;
}

export interface CallbackResult {
  userId: string;
  connection: Connection;
  returnTo: string | null;
}

/** Zoom's authorization codes are short opaque strings; anything else is refused before Zoom sees it. */
const CODE_PATTERN = /^[A-Za-z0-9._~-]{1,2048}$/;

/**
 * The authorization-code flow with PKCE (RFC 7636) and a state that is
 * one-time, hashed at rest, and bound to both the app user and the browser
 * that began the flow (draft-ietf-oauth-security-topics-update §2.3:
 * cross-user session fixation; PKCE alone does not stop it).
 */
export class ConnectFlow {
  constructor(
    private readonly deps: {
      store: Store;
      oauth: ZoomOAuthClient;
      api: ZoomApi;
      audit: AuditLog;
      clock: Clock;
      logger: Logger;
    },
  ) {}

  async begin(input: { userId: string; existingBinding: string | undefined; returnTo: string | null; ctx: RequestContext }): Promise<BeginResult> {
    const state = randomToken();
    const verifier = randomToken();
    const bindingToken = isOurToken(input.existingBinding) ? input.existingBinding : randomToken();
    const now = this.deps.clock();
    const expiresAt = new Date(now.getTime() + STATE_TTL_MS);
    await this.deps.store.states.create({
      stateHash: sha256(state),
      userId: input.userId,
      bindingHash: sha256(bindingToken),
      codeVerifier: verifier,
      returnTo: input.returnTo,
      expiresAt,
      createdAt: now,
    });
    await this.deps.audit.record(input.userId, 'connect_started', input.ctx);
    return {
      authorizationUrl: this.deps.oauth.authorizationUrl({ state, codeChallenge: pkceChallenge(verifier) }),
      expiresAt,
      bindingToken,
    };
  }

  async complete(input: CallbackInput): Promise<CallbackResult> {
    // RFC 6749 §10.12: the state is checked before anything the redirect says is believed.
    if (!isOurToken(input.state)) {
      throw new ConnectError('invalid_state', 'The callback\'s state is missing or malformed; start connecting again.');
    }
    const consumed = await this.deps.store.states.consume(sha256(input.state), this.deps.clock());
    if (!consumed.ok) {
      if (consumed.reason === 'expired') {
        throw new ConnectError('state_expired', 'This connect link is older than 10 minutes; start connecting again.');
      }
      throw new ConnectError(
        'invalid_state',
        consumed.reason === 'replayed' ? 'This connect link was already used; start connecting again.' : 'Unknown state; start connecting again.',
      );
    }
    const flow = consumed.state;
    const fail = async (code: ConnectError['code'], message: string, extra: ConstructorParameters<typeof ConnectError>[2] = {}): Promise<never> => {
      await this.deps.audit.record(flow.userId, 'connect_failed', input.ctx, { reason: code });
      throw new ConnectError(code, message, { ...extra, returnTo: flow.returnTo });
    };

    if (input.bindingToken === undefined || !safeEqual(sha256(input.bindingToken), flow.bindingHash)) {
      return fail('state_browser_mismatch', 'This connect link was started in another browser; start connecting again from this one.');
    }
    if (input.sessionUserId !== null && input.sessionUserId !== flow.userId) {
      return fail('state_user_mismatch', 'This connect link belongs to another signed-in user.');
    }
    if (input.error !== undefined) {
      const denied = input.error === 'access_denied';
      return fail(denied ? 'zoom_denied' : 'zoom_code_rejected', denied ? 'The Zoom user declined to connect.' : 'Zoom returned an error instead of a code.');
    }
    if (typeof input.code !== 'string' || !CODE_PATTERN.test(input.code)) {
      return fail('invalid_code', 'The callback\'s authorization code is missing or malformed.');
    }

    let tokens;
    let me;
    try {
      tokens = await this.deps.oauth.exchangeCode(input.code, flow.codeVerifier);
      me = await this.deps.api.getMe({ accessToken: tokens.accessToken, apiBase: tokens.apiBase });
    } catch (err) {
      const failure = exchangeFailure(err);
      return fail(failure.code, failure.message, failure.extra);
    }
    const now = this.deps.clock();
    const connection = await this.deps.store.connections.saveConnected({
      userId: flow.userId,
      zoomUserId: me.id,
      zoomEmail: me.email,
      zoomAccountId: me.account_id,
      apiUrl: tokens.apiBase,
      accessToken: tokens.accessToken,
      refreshToken: tokens.refreshToken,
      accessTokenExpiresAt: new Date(now.getTime() + tokens.expiresInSeconds * 1000),
      grantedScopes: tokens.scopes,
      deviceUserAgent: input.ctx.userAgent?.slice(0, 512) ?? null,
      deviceIp: input.ctx.ip,
      now,
    });
    await this.deps.audit.record(flow.userId, 'connected', input.ctx, { zoomUserId: me.id, scopes: tokens.scopes });
    this.deps.logger.info({ userId: flow.userId, zoomUserId: me.id }, 'Zoom connected');
    return { userId: flow.userId, connection, returnTo: flow.returnTo };
  }
}
