import { EventEmitter } from 'node:events';
import type { IncomingHttpHeaders } from 'node:http';
import { errors as undiciErrors, request, type Dispatcher } from 'undici';

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

export async function attempt(dispatcher: Dispatcher, req: AttemptRequest, timeoutMs: number, maxBodyBytes: number): Promise<AttemptOutcome> {
  // The whole attempt has one deadline: a timer that aborts it, cleared as
  // soon as the answer is in. The abort handle is a bare EventEmitter, which
  // undici's request() accepts as its signal: an AbortController (and its
  // EventTarget signal) per call cost ~3 µs of every Zoom call's CPU.
  // AbortSignal.timeout would keep every signal and its timer alive for the
  // whole timeout, and AbortSignal.any piles dependents onto a long-lived
  // caller signal on Node 20.
  if (req.signal?.aborted) throw req.signal.reason;
  const abort = new EventEmitter();
  let timedOutHere = false;
  const timer = setTimeout(() => {
    timedOutHere = true;
    abort.emit('abort');
  }, timeoutMs);
  const relay = (): void => {
    abort.emit('abort');
  };
  req.signal?.addEventListener('abort', relay, { once: true });
  try {
    const res = await request(req.url, { method: req.method, headers: req.headers, body: req.body, signal: abort, dispatcher });
    const text = await readLimited(res.body, res.headers['content-length'], maxBodyBytes);
    if (text === null) return { kind: 'too_large', limit: maxBodyBytes };
    return { kind: 'answer', status: res.statusCode, headers: res.headers, text };
  } catch (err) {
    if (req.signal?.aborted) throw req.signal.reason ?? err;
    const timedOut = timedOutHere || err instanceof undiciErrors.HeadersTimeoutError || err instanceof undiciErrors.BodyTimeoutError;
    return { kind: 'no_answer', timedOut, cause: errorCode(err) };
  } finally {
    clearTimeout(timer);
    req.signal?.removeEventListener('abort', relay);
  }
}

/**
 * The body as text, or null past `limit` bytes (the rest is not read). A
 * declared length within the limit is read whole by undici (HTTP framing
 * stops it there); one over the limit is refused unread; a body of unknown
 * length is counted chunk by chunk.
 */
async function readLimited(body: Dispatcher.ResponseData['body'], declared: string | string[] | undefined, limit: number): Promise<string | null> {
  const length = typeof declared === 'string' && /^\d{1,15}$/.test(declared) ? Number(declared) : null;
  if (length !== null) {
    if (length > limit) {
      // Not read: the connection is dropped (destroying with no listener would raise its abort as uncaught).
      body.on('error', () => undefined).destroy();
      return null;
    }
    return body.text();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    // Leaving the loop ends the iteration, which destroys the body.
    if (size > limit) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
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
