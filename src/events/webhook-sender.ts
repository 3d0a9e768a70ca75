import { Agent, request } from 'undici';
import type { ClaimedEvent } from '../store/types.js';
import { DeliveryError } from './delivery-error.js';
import type { StandardWebhookSigner } from './standard-webhooks.js';

export const WEBHOOK_TIMEOUT_MS = 10_000;
/** A receiver's answer is only acknowledged, never read; a little of it is kept to keep the socket reusable. */
const MAX_ANSWER_BYTES = 64 * 1024;

/** The JSON body of a webhook: what Standard Webhooks suggests, `{type, timestamp, data}`. */
export function webhookBody(event: ClaimedEvent): string {
  return JSON.stringify({ type: event.type, timestamp: event.occurredAt.toISOString(), data: event.data });
}

/**
 * Sends events to APP_WEBHOOK_URL, signed. A 2xx acknowledges; any other
 * status, no answer within the timeout, or a refused connection is a
 * DeliveryError, and the worker retries with the same webhook-id.
 */
export class WebhookSender {
  private readonly dispatcher: Agent;

  private readonly timeoutMs = WEBHOOK_TIMEOUT_MS;

  constructor(
    private readonly url: string,
    private readonly signer: StandardWebhookSigner,
  ) {
    this.dispatcher = new Agent({ connectTimeout: WEBHOOK_TIMEOUT_MS, keepAliveTimeout: 10_000 });
  }

  async send(event: ClaimedEvent, signal: AbortSignal): Promise<void> {
    const body = webhookBody(event);
    const headers = { 'content-type': 'application/json', 'user-agent': 'zoom-connect-webhooks', ...this.signer.sign(event.id, Date.now() / 1000, body) };
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new DeliveryError(`no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
    const relay = (): void => controller.abort(new DeliveryError('delivery stopped: the worker is shutting down'));
    if (signal.aborted) relay();
    else signal.addEventListener('abort', relay, { once: true });
    try {
      const res = await request(this.url, { method: 'POST', headers, body, signal: controller.signal, dispatcher: this.dispatcher });
      await drain(res.body);
      if (res.statusCode < 200 || res.statusCode > 299) throw new DeliveryError(`webhook answered HTTP ${res.statusCode}`);
    } catch (err) {
      if (err instanceof DeliveryError) throw err;
      if (controller.signal.aborted && controller.signal.reason instanceof DeliveryError) throw controller.signal.reason;
      throw new DeliveryError(`webhook not reached (${errorCode(err)})`, { cause: err });
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', relay);
    }
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }
}

async function drain(body: AsyncIterable<Buffer>): Promise<void> {
  let read = 0;
  for await (const chunk of body) {
    read += chunk.length;
    if (read > MAX_ANSWER_BYTES) break;
  }
}

function errorCode(err: unknown): string {
  if (err && typeof err === 'object' && 'code' in err && typeof err.code === 'string') return err.code;
  return err instanceof Error ? err.name : 'unknown error';
}
