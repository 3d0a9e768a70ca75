/**
 * The app's webhook endpoint, as a host app would write it: a real HTTP
 * server that verifies every delivery with the `standardwebhooks` package
 * (written by others, so our signer cannot agree with itself by mistake).
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export const APP_WEBHOOK_SECRET = `whsec_${randomBytes(32).toString('base64')}`;

export interface VerifiedDelivery {
  webhookId: string;
  type: string;
  timestamp: string;
  data: Record<string, unknown>;
}

/** How the endpoint answers one delivery: a status now, or later (a slow receiver). */
export type Answer = (delivery: VerifiedDelivery) => number | Promise<number>;

export class AppReceiver {
  /** Every attempt that verified, acknowledged or not, in arrival order. */
  readonly arrivals: VerifiedDelivery[] = [];
  /** Every acknowledged (2xx) delivery, in order (repeats included). */
  readonly deliveries: VerifiedDelivery[] = [];
  /** Deliveries whose signature did not verify. */
  readonly refused: string[] = [];
  /** The most deliveries of one webhook-id that were open at the same moment. */
  maxConcurrentSameId = 0;
  answer: Answer = () => 200;
  private readonly open = new Map<string, number>();
  private readonly verifier = new Webhook(APP_WEBHOOK_SECRET);
  private readonly waiters = new Set<() => void>();
  private server: Server | undefined;
  private port = 0;

  /** Listens on a free port the first time, on the same port after `down()`. */
  async up(): Promise<string> {
    const server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
    return this.url;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/hooks/zoom-connect`;
  }

  /** Stops listening: deliveries meet a refused connection. */
  async down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
  }

  /** Deliveries received and not yet answered. */
  openCount(): number {
    return [...this.open.values()].reduce((a, b) => a + b, 0);
  }

  /** Resolves once `condition` holds for what arrived so far. */
  async until(condition: (receiver: AppReceiver) => boolean): Promise<void> {
    if (condition(this)) return;
    await new Promise<void>((resolve) => {
      const check = (): void => {
        if (!condition(this)) return;
        this.waiters.delete(check);
        resolve();
      };
      this.waiters.add(check);
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const headers = {
      'webhook-id': String(req.headers['webhook-id']),
      'webhook-timestamp': String(req.headers['webhook-timestamp']),
      'webhook-signature': String(req.headers['webhook-signature']),
    };
    let payload: { type: string; timestamp: string; data: Record<string, unknown> };
    try {
      payload = this.verifier.verify(body, headers) as typeof payload;
    } catch (err) {
      this.refused.push(err instanceof Error ? err.message : String(err));
      res.writeHead(400).end();
      return;
    }
    const delivery: VerifiedDelivery = { webhookId: headers['webhook-id'], type: payload.type, timestamp: payload.timestamp, data: payload.data };
    this.arrivals.push(delivery);
    for (const waiter of [...this.waiters]) waiter();
    const openNow = (this.open.get(delivery.webhookId) ?? 0) + 1;
    this.open.set(delivery.webhookId, openNow);
    this.maxConcurrentSameId = Math.max(this.maxConcurrentSameId, openNow);
    try {
      const status = await this.answer(delivery);
      // Recorded as received only when acknowledged: a refused one is retried and seen again.
      if (status >= 200 && status < 300) {
        this.deliveries.push(delivery);
        for (const waiter of [...this.waiters]) waiter();
      }
      res.writeHead(status).end();
    } finally {
      this.open.set(delivery.webhookId, (this.open.get(delivery.webhookId) ?? 1) - 1);
    }
  }
}
