import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, errors as undiciErrors, request, type Dispatcher } from 'undici';
import type { Logger } from '../config/logger.js';
import { GoogleRateLimitedError, GoogleUnavailableError } from './errors.js';

export interface GoogleHttpOptions {
  /** Per-attempt timeout. */
  timeoutMs: number;
  logger: Logger;
  /** Extra attempts after network errors, 5xx and rate limits. */
  maxRetries?: number;
  baseBackoffMs?: number;
  /** A Retry-After longer than this surfaces as GoogleRateLimitedError instead of waiting. */
  maxRetryAfterMs?: number;
  dispatcher?: Dispatcher;
}

export interface GoogleHttpRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  url: string;
  headers: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
}

export interface GoogleHttpResponse {
  status: number;
  body: unknown;
}

interface RawResponse extends GoogleHttpResponse {
  retryAfterSeconds: number | undefined;
}

const MAX_BODY_BYTES = 4 * 1024 * 1024;
const RATE_LIMIT_REASONS = new Set(['rateLimitExceeded', 'userRateLimitExceeded']);

/**
 * One HTTP exchange with Google, with the retry policy every call shares.
 * Every request this client sends is safe to repeat — token requests mint
 * nothing lasting, inserts carry a client-chosen id (a repeat answers 409),
 * patches set absolute values, deletes of a deleted event answer 410 — so
 * network errors, 5xx and rate limits are all retried with exponential backoff
 * and jitter. Other statuses are returned for the caller to interpret.
 */
export class GoogleHttp {
  private readonly dispatcher: Dispatcher;
  private readonly maxRetries: number;
  private readonly baseBackoffMs: number;
  private readonly maxRetryAfterMs: number;

  constructor(private readonly options: GoogleHttpOptions) {
    this.dispatcher =
      options.dispatcher ?? new Agent({ connections: 64, keepAliveTimeout: 10_000, connect: { timeout: options.timeoutMs } });
    this.maxRetries = options.maxRetries ?? 3;
    this.baseBackoffMs = options.baseBackoffMs ?? 200;
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? 5_000;
  }

  async send(req: GoogleHttpRequest): Promise<GoogleHttpResponse> {
    for (let attempt = 0; ; attempt++) {
      const canRetry = attempt < this.maxRetries;
      let res: RawResponse;
      try {
        res = await this.once(req);
      } catch (err) {
        if (!(err instanceof GoogleUnavailableError) || !canRetry || req.signal?.aborted) throw err;
        await this.backoff(attempt, req.signal);
        continue;
      }
      const limited = rateLimitReason(res);
      if (limited !== undefined) {
        this.logFailure(req, res.status, limited);
        const asked = (res.retryAfterSeconds ?? 0) * 1000;
        if (!canRetry || asked > this.maxRetryAfterMs) throw new GoogleRateLimitedError(res.status, limited, res.retryAfterSeconds);
        await this.backoff(attempt, req.signal, asked);
        continue;
      }
      if (res.status >= 500) {
        this.logFailure(req, res.status, errorReason(res.body));
        if (!canRetry) throw new GoogleUnavailableError(`Google answered HTTP ${res.status} to ${req.method} ${pathOf(req.url)}`, res.status, false);
        await this.backoff(attempt, req.signal, (res.retryAfterSeconds ?? 0) * 1000);
        continue;
      }
      if (res.status >= 400) this.logFailure(req, res.status, errorReason(res.body));
      return { status: res.status, body: res.body };
    }
  }

  close(): Promise<void> {
    return this.dispatcher.close();
  }

  private async backoff(attempt: number, signal: AbortSignal | undefined, atLeastMs = 0): Promise<void> {
    const cap = this.baseBackoffMs * 2 ** attempt;
    // Jitter spreads the retries of many callers hit by one outage.
    await sleep(Math.max(atLeastMs, cap / 2 + Math.random() * (cap / 2)), undefined, { signal });
  }

  private async once(req: GoogleHttpRequest): Promise<RawResponse> {
    // One controller per attempt, its timer cleared as soon as the answer is in
    // (see src/zoom/transport.ts for why not AbortSignal.timeout/any).
    const controller = new AbortController();
    let timedOutHere = false;
    const timer = setTimeout(() => {
      timedOutHere = true;
      controller.abort(new Error(`timed out after ${this.options.timeoutMs} ms`));
    }, this.options.timeoutMs);
    const relay = (): void => controller.abort(req.signal?.reason);
    if (req.signal?.aborted) relay();
    else req.signal?.addEventListener('abort', relay, { once: true });
    try {
      const res = await request(req.url, {
        method: req.method,
        headers: req.headers,
        body: req.body,
        signal: controller.signal,
        dispatcher: this.dispatcher,
      });
      const text = await readLimited(res.body, MAX_BODY_BYTES);
      return { status: res.statusCode, body: parseJson(text), retryAfterSeconds: parseRetryAfter(res.headers['retry-after']) };
    } catch (err) {
      if (req.signal?.aborted || err instanceof GoogleUnavailableError) throw err;
      const timedOut = timedOutHere || err instanceof undiciErrors.HeadersTimeoutError || err instanceof undiciErrors.BodyTimeoutError;
      this.options.logger.warn(
        { google: { method: req.method, path: pathOf(req.url), timedOut, cause: errorCode(err) } },
        'Google request failed before a response',
      );
      throw new GoogleUnavailableError(
        timedOut
          ? `Google did not answer ${req.method} ${pathOf(req.url)} within ${this.options.timeoutMs} ms`
          : `Could not reach Google for ${req.method} ${pathOf(req.url)} (${errorCode(err)})`,
        undefined,
        timedOut,
      );
    } finally {
      clearTimeout(timer);
      req.signal?.removeEventListener('abort', relay);
    }
  }

  private logFailure(req: GoogleHttpRequest, status: number, reason: string | undefined): void {
    this.options.logger.warn({ google: { method: req.method, path: pathOf(req.url), status, reason } }, 'Google call failed');
  }
}

/** Google's `errors[0].reason` (Calendar) or `error` (OAuth), when the body has one. */
export function errorReason(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const error = (body as { error?: unknown }).error;
  if (typeof error === 'string') return error;
  if (typeof error !== 'object' || error === null) return undefined;
  const errors = (error as { errors?: unknown }).errors;
  const first: unknown = Array.isArray(errors) ? errors[0] : undefined;
  const reason = typeof first === 'object' && first !== null ? (first as { reason?: unknown }).reason : undefined;
  if (typeof reason === 'string') return reason;
  const status = (error as { status?: unknown }).status;
  return typeof status === 'string' ? status : undefined;
}

/** Google's human-readable message, when the body has one. */
export function errorMessage(body: unknown): string {
  if (typeof body !== 'object' || body === null) return '';
  const error = (body as { error?: unknown; error_description?: unknown }).error;
  const description = (body as { error_description?: unknown }).error_description;
  if (typeof description === 'string') return description;
  if (typeof error === 'object' && error !== null) {
    const message = (error as { message?: unknown }).message;
    if (typeof message === 'string') return message;
  }
  return '';
}

function rateLimitReason(res: RawResponse): string | undefined {
  if (res.status === 429) return errorReason(res.body) ?? 'rateLimitExceeded';
  if (res.status !== 403) return undefined;
  const reason = errorReason(res.body);
  return reason !== undefined && RATE_LIMIT_REASONS.has(reason) ? reason : undefined;
}

/** Seconds from a Retry-After header (delta-seconds or an HTTP date). */
function parseRetryAfter(value: string | string[] | undefined): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined || raw.trim() === '') return undefined;
  if (/^\d+$/.test(raw.trim())) return Number(raw.trim());
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

/** Only the path is logged: query strings are not ours to vouch for. */
function pathOf(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return '(invalid url)';
  }
}

function errorCode(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as Error & { code?: unknown }).code;
    return typeof code === 'string' ? code : err.name;
  }
  return 'unknown error';
}

async function readLimited(body: AsyncIterable<Buffer | Uint8Array>, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > limit) throw new GoogleUnavailableError(`Google response exceeded ${limit} bytes`, undefined, false);
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
