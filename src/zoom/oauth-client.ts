import { ZoomOAuthError } from './errors.js';
import { TOKEN_RESPONSE_RULE, ZoomProtocolError } from './protocol-error.js';
import { parseScopes } from './scopes.js';
import type { ZoomResponse, ZoomTransport } from './transport.js';

export interface ZoomOAuthConfig {
  clientId: string;
  clientSecret: string;
  /** From configuration only, never from a request (DESIGN: token lifecycle rules). */
  redirectUri: string;
  oauthBaseUrl: string;
  /** The configured API base; an `api_url` in a token response must be https or this origin. */
  apiBaseUrl: string;
}

export interface TokenSet {
  accessToken: string;
  refreshToken: string;
  expiresInSeconds: number;
  scopes: string[];
  /** Data-residency API base (`${api_url}/v2`) or null to use the configured one. */
  apiBase: string | null;
}

/**
 * Zoom sometimes omits `expires_in`; a short assumed life makes us refresh
 * early rather than use a token believed to live forever.
 */
export const DEFAULT_EXPIRES_IN_SECONDS = 900;

/** The OAuth 2.0 side of Zoom: authorize URL, code exchange, refresh, revoke. */
export class ZoomOAuthClient {
  private readonly basicAuth: string;

  constructor(
    private readonly config: ZoomOAuthConfig,
    private readonly transport: ZoomTransport,
  ) {
    this.basicAuth = `Basic ${Buffer.from(`${config.clientId}:${config.clientSecret}`).toString('base64')}`;
  }

  /**
   * RFC 6749 §4.1.1 with PKCE (RFC 7636 §4.3, S256 always). No `scope`:
   * Zoom takes scopes from the app's Marketplace settings and rejects one here.
   */
  authorizationUrl(params: { state: string; codeChallenge: string }): string {
    const url = new URL('/oauth/authorize', this.config.oauthBaseUrl);
    url.searchParams.set('response_type', 'code');
    url.searchParams.set('client_id', this.config.clientId);
    url.searchParams.set('redirect_uri', this.config.redirectUri);
    url.searchParams.set('state', params.state);
    url.searchParams.set('code_challenge', params.codeChallenge);
    url.searchParams.set('code_challenge_method', 'S256');
    return url.toString();
  }

  /** RFC 6749 §4.1.3: exchanges a code once; never retried (a code is single-use). */
  async exchangeCode(code: string, codeVerifier: string, signal?: AbortSignal): Promise<TokenSet> {
    const res = await this.tokenRequest(
      { grant_type: 'authorization_code', code, redirect_uri: this.config.redirectUri, code_verifier: codeVerifier },
      signal,
    );
    return this.parseTokenResponse(res, undefined);
  }

  /**
   * RFC 6749 §6. Zoom rotates refresh tokens: the response's refresh token
   * replaces the one sent, which is dead from now on. Never retried here: a
   * retry after a lost response would present a dead token.
   */
  async refresh(refreshToken: string, signal?: AbortSignal): Promise<TokenSet> {
    const res = await this.tokenRequest({ grant_type: 'refresh_token', refresh_token: refreshToken }, signal);
    return this.parseTokenResponse(res, refreshToken);
  }

  /** Revokes the whole grant (Zoom also uninstalls the app for that user). */
  async revoke(token: string, signal?: AbortSignal): Promise<void> {
    const url = new URL('/oauth/revoke', this.config.oauthBaseUrl);
    url.searchParams.set('token', token);
    const res = await this.transport.send({
      method: 'POST',
      url: url.toString(),
      headers: { authorization: this.basicAuth, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token }).toString(),
      idempotent: true,
      signal,
    });
    if (res.status >= 400) throw oauthError(res);
  }

  private async tokenRequest(params: Record<string, string>, signal: AbortSignal | undefined): Promise<ZoomResponse> {
    const res = await this.transport.send({
      method: 'POST',
      url: new URL('/oauth/token', this.config.oauthBaseUrl).toString(),
      headers: {
        authorization: this.basicAuth,
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
      },
      body: new URLSearchParams(params).toString(),
      idempotent: false,
      signal,
    });
    if (res.status !== 200) throw oauthError(res);
    return res;
  }

  /**
   * Each field asserted as RFC 6749 §5.1 (and Zoom) define it. A missing
   * `expires_in` is allowed (RFC 6749 makes it RECOMMENDED) and assumed short;
   * a present one that is not a positive number is a malformed answer.
   */
  private parseTokenResponse(res: ZoomResponse, previousRefreshToken: string | undefined): TokenSet {
    const malformed = (field: string, expected: string): ZoomProtocolError =>
      new ZoomProtocolError('token response', field, expected, TOKEN_RESPONSE_RULE, res.status, res.trackingId);
    const body = res.body;
    if (!isObject(body)) throw malformed('(body)', 'a JSON object');
    if (typeof body.access_token !== 'string' || body.access_token === '') throw malformed('access_token', 'a non-empty string');
    if (body.token_type !== undefined && (typeof body.token_type !== 'string' || body.token_type.toLowerCase() !== 'bearer')) {
      throw malformed('token_type', '"bearer" (RFC 6750)');
    }
    if (body.refresh_token !== undefined && (typeof body.refresh_token !== 'string' || body.refresh_token === '')) {
      throw malformed('refresh_token', 'a non-empty string when present');
    }
    const refreshToken = typeof body.refresh_token === 'string' ? body.refresh_token : previousRefreshToken;
    if (refreshToken === undefined) throw malformed('refresh_token', 'present in the answer to a code exchange');
    if (body.expires_in !== undefined && !isPositiveSeconds(body.expires_in)) throw malformed('expires_in', 'a positive number of seconds');
    if (body.scope !== undefined && typeof body.scope !== 'string') throw malformed('scope', 'a space-separated string');
    return {
      accessToken: body.access_token,
      refreshToken,
      expiresInSeconds: body.expires_in === undefined ? DEFAULT_EXPIRES_IN_SECONDS : Math.floor(Number(body.expires_in)),
      scopes: parseScopes(typeof body.scope === 'string' ? body.scope : undefined),
      apiBase: this.acceptApiUrl(body.api_url),
    };
  }

  /** A token response must not be able to send our bearer tokens to an arbitrary plaintext host. */
  private acceptApiUrl(value: unknown): string | null {
    if (typeof value !== 'string' || value === '') return null;
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      return null;
    }
    const configured = new URL(this.config.apiBaseUrl);
    if (url.protocol !== 'https:' && url.origin !== configured.origin) return null;
    const base = `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
    return base.endsWith('/v2') ? base : `${base}/v2`;
  }
}

function oauthError(res: ZoomResponse): ZoomOAuthError {
  const body = isObject(res.body) ? res.body : {};
  const error = typeof body.error === 'string' ? body.error : `http_${res.status}`;
  const reason = typeof body.reason === 'string' ? body.reason : typeof body.error_description === 'string' ? body.error_description : '';
  return new ZoomOAuthError(res.status, error, reason, res.trackingId);
}

/** Zoom sends a JSON number; a numeric string is tolerated, anything else is not a lifetime. */
function isPositiveSeconds(v: unknown): boolean {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : Number.NaN;
  return Number.isFinite(n) && n >= 1;
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
