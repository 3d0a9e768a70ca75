import type { IncomingHttpHeaders } from 'node:http';
import { errors as undiciErrors, type Dispatcher } from 'undici';

/**
 * One HTTP attempt of an outbound client (Zoom's, Google's): a timeout of its
 * own, the body read up to a limit, and every way of getting no answer told
 * apart from an answer. Retries, error types and logging stay with each
 * client; this is only the part that is the same for both.
 */

export interface AttemptRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string | undefined;
  /** The caller's own signal: aborting it (shutdown) rethrows, it is not the peer failing. */
  signal?: AbortSignal | undefined;
}

export type AttemptOutcome =
  | { kind: 'answer'; status: number; headers: IncomingHttpHeaders; text: string }
  | { kind: 'no_answer'; timedOut: boolean; cause: string }
  | { kind: 'too_large'; limit: number };

/**
 * One attempt as an undici dispatch handler: the answer's chunks are
 * collected as they arrive, with no response stream in between (undici's
 * request() wraps every answer in a Readable stream and an AsyncResource, and
 * reading it costs a round of stream ticks: ~8 µs of every Zoom call's CPU,
 * issue 15). The attempt has one deadline, a timer that aborts it, cleared
 * when the attempt settles. AbortSignal.timeout would keep every signal and
 * its timer alive for the whole timeout, and AbortSignal.any piles dependents
 * onto a long-lived caller signal on Node 20.
 */
class Exchange implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | null = null;
  private status = 0;
  private headers: IncomingHttpHeaders = {};
  private readonly chunks: Buffer[] = [];
  private size = 0;
  private settled = false;
  private timedOut = false;
  private readonly timer: NodeJS.Timeout;
  private readonly onCallerAbort = (): void => this.stop(new Error('aborted by the caller'));

  constructor(
    private readonly resolve: (outcome: AttemptOutcome) => void,
    private readonly reject: (reason: Error) => void,
    private readonly signal: AbortSignal | undefined,
    timeoutMs: number,
    private readonly limit: number,
  ) {
    this.timer = setTimeout(() => {
      this.timedOut = true;
      this.stop(new Error(`timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    signal?.addEventListener('abort', this.onCallerAbort, { once: true });
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    // Timed out or abandoned while it waited for a connection: it goes no further.
    if (this.settled) controller.abort(new Error('attempt already over'));
  }

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    if (statusCode < 200) return;
    this.status = statusCode;
    this.headers = headers;
    const declared = headers['content-length'];
    // A declared length over the limit is refused unread.
    if (typeof declared === 'string' && Number(declared) > this.limit) this.tooLarge(controller);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.settled) return;
    this.size += chunk.length;
    if (this.size > this.limit) {
      this.tooLarge(controller);
      return;
    }
    this.chunks.push(chunk);
  }

  onResponseEnd(): void {
    const text = this.chunks.length === 1 ? (this.chunks[0] as Buffer).toString('utf8') : Buffer.concat(this.chunks).toString('utf8');
    this.settle({ kind: 'answer', status: this.status, headers: this.headers, text });
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    this.failed(err);
  }

  /** No answer: the caller's abort rethrown, anything else told as a timeout or its cause. */
  failed(err: Error): void {
    if (this.settled) return;
    if (this.signal?.aborted) {
      this.finish();
      this.reject(callerReason(this.signal));
      return;
    }
    const timedOut = this.timedOut || err instanceof undiciErrors.HeadersTimeoutError || err instanceof undiciErrors.BodyTimeoutError;
    this.settle({ kind: 'no_answer', timedOut, cause: errorCode(err) });
  }

  /** Ends the attempt from our side (deadline, caller): the exchange is dropped, and answered as undici reports it. */
  private stop(reason: Error): void {
    if (this.settled) return;
    if (this.controller) {
      this.controller.abort(reason);
      return;
    }
    // Still waiting for a connection: answered now, dropped when undici starts it.
    if (this.signal?.aborted) {
      this.finish();
      this.reject(callerReason(this.signal));
      return;
    }
    this.settle({ kind: 'no_answer', timedOut: this.timedOut, cause: reason.message });
  }

  private tooLarge(controller: Dispatcher.DispatchController): void {
    this.settle({ kind: 'too_large', limit: this.limit });
    controller.abort(new Error(`response over ${this.limit} bytes`));
  }

  private settle(outcome: AttemptOutcome): void {
    if (this.settled) return;
    this.finish();
    this.resolve(outcome);
  }

  private finish(): void {
    this.settled = true;
    clearTimeout(this.timer);
    this.signal?.removeEventListener('abort', this.onCallerAbort);
  }
}

export function attempt(dispatcher: Dispatcher, req: AttemptRequest, timeoutMs: number, maxBodyBytes: number): Promise<AttemptOutcome> {
  if (req.signal?.aborted) return Promise.reject(callerReason(req.signal));
  return new Promise<AttemptOutcome>((resolve, reject) => {
    const exchange = new Exchange(resolve, reject, req.signal, timeoutMs, maxBodyBytes);
    let url: URL;
    try {
      url = new URL(req.url);
    } catch (err) {
      exchange.failed(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    dispatcher.dispatch(
      { origin: url.origin, path: `${url.pathname}${url.search}`, method: req.method, headers: req.headers, body: req.body ?? null },
      exchange,
    );
  });
}

/** What the caller aborted with, as the error the attempt rejects with. */
function callerReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new Error(String(reason));
}

/** JSON when it parses; the raw text otherwise (an HTML error page); undefined for an empty body. */
export function parseJsonBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** Only a URL's path is ever logged: a query may carry a token (Zoom's revoke takes it there). */
export function pathOf(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return '(invalid url)';
  }
}

export function firstHeader(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function errorCode(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as Error & { code?: unknown }).code;
    return typeof code === 'string' ? code : err.name;
  }
  return 'unknown error';
}
