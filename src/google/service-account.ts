import { readFile } from 'node:fs/promises';
import { importPKCS8, SignJWT, type CryptoKey } from 'jose';
import { z } from 'zod';
import { GoogleApiError, GoogleHostNotServableError, GoogleKeyFileError, GoogleUnavailableError, type GoogleHostRefusal } from './errors.js';
import { errorMessage, errorReason, type GoogleHttp } from './http.js';
import type { GoogleTokenSource } from './token-source.js';

export const CALENDAR_EVENTS_SCOPE = 'https://www.googleapis.com/auth/calendar.events';
const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
/** Google refuses assertions living longer than an hour. */
const ASSERTION_LIFETIME_S = 3600;

const keyFileSchema = z.object({
  type: z.literal('service_account'),
  client_email: z.string().min(1),
  private_key: z.string().includes('PRIVATE KEY'),
  private_key_id: z.string().min(1),
  token_uri: z.url({ protocol: /^https?$/ }),
  project_id: z.string().optional(),
  client_id: z.string().optional(),
});

/** The fields of a service account key file this client uses. */
export interface ServiceAccountKey {
  clientEmail: string;
  privateKey: string;
  privateKeyId: string;
  tokenUri: string;
}

/** Reads a key file's JSON; the message names the field, never its value. */
export function parseServiceAccountKey(json: string): ServiceAccountKey {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw new GoogleKeyFileError('Google service account key file: not valid JSON');
  }
  const parsed = keyFileSchema.safeParse(raw);
  if (!parsed.success) {
    const fields = [...new Set(parsed.error.issues.map((issue) => issue.path.join('.') || '(root)'))];
    throw new GoogleKeyFileError(`Google service account key file: invalid or missing ${fields.join(', ')}`);
  }
  const key = parsed.data;
  return { clientEmail: key.client_email, privateKey: key.private_key, privateKeyId: key.private_key_id, tokenUri: key.token_uri };
}

export async function loadServiceAccountKey(path: string): Promise<ServiceAccountKey> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new GoogleKeyFileError(`Google service account key file ${path}: cannot read (${err instanceof Error && 'code' in err ? String(err.code) : 'error'})`);
  }
  return parseServiceAccountKey(text);
}

export interface ServiceAccountTokenSourceOptions {
  key: ServiceAccountKey;
  http: GoogleHttp;
  scopes?: string[];
  /** A cached token is replaced this long before Google's expiry. */
  refreshMarginMs?: number;
}

interface CachedToken {
  token: string;
  expiresAt: number;
}

const tokenAnswer = z.object({ access_token: z.string().min(1), expires_in: z.number().positive(), token_type: z.string().optional() });
const HOST_REFUSALS = new Set<string>(['invalid_grant', 'unauthorized_client', 'invalid_scope']);

/**
 * Domain-wide delegation: signs an RS256 JWT-bearer assertion (RFC 7523) with
 * `sub` = the host and trades it at the key file's `token_uri`. Tokens are
 * cached per host until shortly before expiry, and concurrent callers for one
 * host share a single token request.
 */
export class ServiceAccountTokenSource implements GoogleTokenSource {
  private readonly cache = new Map<string, CachedToken>();
  private readonly inflight = new Map<string, Promise<string>>();
  private signingKey: Promise<CryptoKey> | undefined;
  private readonly scope: string;
  private readonly refreshMarginMs: number;

  constructor(private readonly options: ServiceAccountTokenSourceOptions) {
    this.scope = (options.scopes ?? [CALENDAR_EVENTS_SCOPE]).join(' ');
    this.refreshMarginMs = options.refreshMarginMs ?? 60_000;
  }

  getAccessToken(hostEmail: string, refused?: string): Promise<string> {
    const subject = hostEmail.trim().toLowerCase();
    const cached = this.cache.get(subject);
    if (cached !== undefined && cached.token === refused) this.cache.delete(subject);
    else if (cached !== undefined && Date.now() < cached.expiresAt - this.refreshMarginMs) return Promise.resolve(cached.token);
    const pending = this.inflight.get(subject);
    if (pending !== undefined) return pending;
    const fetching = this.fetchToken(subject).finally(() => this.inflight.delete(subject));
    this.inflight.set(subject, fetching);
    return fetching;
  }

  private async fetchToken(subject: string): Promise<string> {
    const { key, http } = this.options;
    const form = new URLSearchParams({ grant_type: JWT_BEARER, assertion: await this.assertion(subject) });
    const res = await http.send({
      method: 'POST',
      url: key.tokenUri,
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: form.toString(),
    });
    if (res.status === 200) {
      const parsed = tokenAnswer.safeParse(res.body);
      if (!parsed.success) throw new GoogleUnavailableError('Google token endpoint answered 200 without a usable access_token', 200, false);
      this.cache.set(subject, { token: parsed.data.access_token, expiresAt: Date.now() + parsed.data.expires_in * 1000 });
      return parsed.data.access_token;
    }
    const error = errorReason(res.body) ?? `http_${res.status}`;
    if (HOST_REFUSALS.has(error)) throw new GoogleHostNotServableError(error as GoogleHostRefusal, errorMessage(res.body));
    // Anything else below 500 (5xx surfaced from GoogleHttp already) is a request Google will never accept.
    throw new GoogleApiError(res.status, error, errorMessage(res.body));
  }

  private async assertion(subject: string): Promise<string> {
    const { key } = this.options;
    this.signingKey ??= importPKCS8(key.privateKey, 'RS256').catch((err: unknown) => {
      this.signingKey = undefined;
      throw new GoogleKeyFileError(`Google service account key file: private_key is not a usable RSA PKCS#8 key (${err instanceof Error ? err.name : 'error'})`);
    });
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ scope: this.scope })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: key.privateKeyId })
      .setIssuer(key.clientEmail)
      .setSubject(subject)
      .setAudience(key.tokenUri)
      .setIssuedAt(now)
      .setExpirationTime(now + ASSERTION_LIFETIME_S)
      .sign(await this.signingKey);
  }
}
