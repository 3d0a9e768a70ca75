import type { IncomingHttpHeaders } from 'node:http';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, type Dispatcher } from 'undici';
import type { Logger } from '../config/logger.js';
import { attempt, firstHeader, parseJsonBody, pathOf } from '../net/attempt.js';
import { zoomOperation, type ZoomCallMetrics, type ZoomStatusClass } from '../metrics/index.js';
import { isDailyRateLimit, ZoomRateLimitedError, ZoomUnavailableError } from './errors.js';
import { parseRetryAfter, secondsUntilUtcMidnight } from './retry-after.js';

export interface ZoomTransportOptions {
  /** Whole-request timeout; must stay below the refresh lock timeout. */
  timeoutMs: number;
  logger: Logger;
  /** Extra attempts for idempotent requests after network errors and 5xx. */
  maxRetries?: number;
  /** A 429 whose Retry-After is longer than this surfaces instead of waiting. */
  maxRateLimitWaitMs?: number;
  baseBackoffMs?: number;
  dispatcher?: Dispatcher;
  /** Every exchange by operation, status class and latency; every 429 by limit type. */
  metrics?: ZoomCallMetrics;
}

export interface ZoomRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** The metrics label (zoomOperation's vocabulary) when the caller knows it; derived from the URL otherwise. */
  operation?: string | undefined;
  url: string;
  headers: Record<string, string>;
  body?: string;
  /** Safe to send twice: retried on network errors and 5xx. */
  idempotent: boolean;
  signal?: AbortSignal;
}

export interface ZoomResponse {
  status: number;
  body: unknown;
  /** The body exactly as Zoom sent it (`body` is its parse). */
  text: string;
  trackingId: string | undefined;
}

/** An answer Zoom gave, before the retry policy reads it. */
interface Answer {
  status: number;
  text: string;
  headers: IncomingHttpHeaders;
}

/** What the retry policy reads of a 429 or 5xx. */
interface RawResponse extends ZoomResponse {
  retryAfterSeconds: number | undefined;
  rateLimitType: string | undefined;
}

const MAX_BODY_BYTES = 4 * 1024 * 1024;
const RATE_LIMIT_JITTER_MS = 100;

/**
 * One HTTP exchange with Zoom, with the retry policy every call shares:
 * idempotent requests retry network errors and 5xx with jittered backoff;
 * any request retries a short per-second 429 (Zoom did not process it); a
 * daily 429 never retries. Statuses below 500 other than 429 are returned.
 */
export class ZoomTransport {
  private readonly dispatcher: Dispatcher;
  private readonly maxRetries: number;
  private readonly maxRateLimitWaitMs: number;
  private readonly baseBackoffMs: number;

  constructor(private readonly options: ZoomTransportOptions) {
    this.dispatcher =
      options.dispatcher ?? new Agent({ connections: 64, keepAliveTimeout: 10_000, connect: { timeout: options.timeoutMs } });
    this.maxRetries = options.maxRetries ?? 2;
    this.maxRateLimitWaitMs = options.maxRateLimitWaitMs ?? 2_000;
    this.baseBackoffMs = options.baseBackoffMs ?? 100;
  }

  async send(req: ZoomRequest): Promise<ZoomResponse> {
    const operation = req.operation ?? zoomOperation(req.method, req.url, req.body);
    for (let attempt = 0; ; attempt++) {
      const canRetry = attempt < this.maxRetries;
      let answer: Answer;
      try {
        answer = await this.once(req, operation);
      } catch (err) {
        if (!(err instanceof ZoomUnavailableError) || !req.idempotent || !canRetry || req.signal?.aborted) throw err;
        await this.backoff(attempt, req.signal);
        continue;
      }
      if (answer.status < 429) {
        // Retry-After and the limit type are read only where the policy uses them.
        const plain = responseOf(answer);
        if (plain.status >= 400) this.logFailure(req, plain.status, plain.trackingId);
        return plain;
      }
      const res = rawResponseOf(answer);
      if (res.status === 429) {
        this.options.metrics?.zoomRateLimited(operation, limitTypeOf(res));
        const wait = await this.rateLimitWait(res, req, canRetry);
        await sleep(wait, undefined, { signal: req.signal });
        continue;
      }
      if (res.status >= 500) {
        const failure = new ZoomUnavailableError(
          `Zoom answered HTTP ${res.status} to ${req.method} ${pathOf(req.url)}`,
          false,
          res.status,
          res.trackingId,
          res.retryAfterSeconds,
        );
        this.logFailure(req, res.status, res.trackingId);
        // A Retry-After longer than we would wait means Zoom asked not to be called for a while.
        const asked = (res.retryAfterSeconds ?? 0) * 1000;
        if (!req.idempotent || !canRetry || asked > this.maxRateLimitWaitMs) throw failure;
        await this.backoff(attempt, req.signal, asked);
        continue;
      }
      if (res.status >= 400) this.logFailure(req, res.status, res.trackingId);
      return { status: res.status, body: res.body, text: res.text, trackingId: res.trackingId };
    }
  }

  /**
   * The longest one non-idempotent call (a token request) can take: per-second
   * 429s waited out and retried, then one attempt up to the timeout. A lock
   * held across such calls must outlast this.
   */
  get longestCallMs(): number {
    return this.options.timeoutMs + this.maxRetries * (this.maxRateLimitWaitMs + RATE_LIMIT_JITTER_MS);
  }

  close(): Promise<void> {
    return this.dispatcher.close();
  }

  /** How long to wait before retrying a 429, or throws when we should not. */
  private rateLimitWait(res: RawResponse, req: ZoomRequest, canRetry: boolean): Promise<number> {
    this.logFailure(req, 429, res.trackingId);
    const daily = isDailyRateLimit(res.rateLimitType, res.body);
    const retryAfter = res.retryAfterSeconds ?? (daily ? secondsUntilUtcMidnight() : 1);
    if (daily || !canRetry || retryAfter * 1000 > this.maxRateLimitWaitMs) {
      return Promise.reject(new ZoomRateLimitedError(retryAfter, daily, res.trackingId));
    }
    return Promise.resolve(retryAfter * 1000 + Math.random() * RATE_LIMIT_JITTER_MS);
  }

  private async backoff(attempt: number, signal: AbortSignal | undefined, atLeastMs = 0): Promise<void> {
    const cap = this.baseBackoffMs * 2 ** attempt;
    // Jitter spreads the retries of many callers hit by one outage.
    await sleep(atLeastMs + cap / 2 + Math.random() * (cap / 2), undefined, { signal });
  }

  private async once(req: ZoomRequest, operation: string): Promise<Answer> {
    const started = performance.now();
    const outcome = await attempt(this.dispatcher, req, this.options.timeoutMs, MAX_BODY_BYTES);
    const seconds = (performance.now() - started) / 1000;
    if (outcome.kind === 'too_large') throw new ZoomUnavailableError(`Zoom response exceeded ${outcome.limit} bytes`, false, undefined, undefined);
    if (outcome.kind === 'answer') {
      this.options.metrics?.zoomCall(operation, statusClassOf(outcome.status), seconds);
      return outcome;
    }
    this.options.metrics?.zoomCall(operation, outcome.timedOut ? 'timeout' : 'network', seconds);
    // An outage's symptom: summarised by the domain, detailed here at debug.
    this.options.logger.debug(
      { zoom: { method: req.method, path: pathOf(req.url), timedOut: outcome.timedOut, cause: outcome.cause } },
      'Zoom request failed before a response',
    );
    throw new ZoomUnavailableError(
      outcome.timedOut
        ? `Zoom did not answer ${req.method} ${pathOf(req.url)} within ${this.options.timeoutMs} ms`
        : `Could not reach Zoom for ${req.method} ${pathOf(req.url)} (${outcome.cause})`,
      outcome.timedOut,
      undefined,
      undefined,
    );
  }

  /**
   * Every failed call is logged with Zoom's tracking id (support asks for it).
   * Outages, rate limits and a refused access token are expected and come in
   * waves: the domain summarises those (one line per outage, per paused
   * connection), so here they are debug. Any other refusal is Zoom telling us
   * something about our request: a warning.
   */
  private logFailure(req: ZoomRequest, status: number, trackingId: string | undefined): void {
    const expected = status >= 500 || status === 429 || status === 401;
    const line = { zoom: { method: req.method, path: pathOf(req.url), status, trackingId } };
    if (expected) this.options.logger.debug(line, 'Zoom call failed');
    else this.options.logger.warn(line, 'Zoom call failed');
  }
}

function responseOf(answer: Answer): ZoomResponse {
  return { status: answer.status, body: parseJsonBody(answer.text), text: answer.text, trackingId: firstHeader(answer.headers['x-zm-trackingid']) };
}

function rawResponseOf(answer: Answer): RawResponse {
  return {
    ...responseOf(answer),
    retryAfterSeconds: parseRetryAfter(answer.headers['retry-after']),
    rateLimitType: firstHeader(answer.headers['x-ratelimit-type']),
  };
}

function statusClassOf(status: number): ZoomStatusClass {
  if (status >= 500) return '5xx';
  if (status >= 400) return '4xx';
  if (status >= 300) return '3xx';
  return '2xx';
}

function limitTypeOf(res: RawResponse): 'qps' | 'daily' | 'unknown' {
  if (isDailyRateLimit(res.rateLimitType, res.body)) return 'daily';
  return res.rateLimitType?.toLowerCase() === 'qps' ? 'qps' : 'unknown';
}
