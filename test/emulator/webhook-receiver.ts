import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  rawBody: string;
}

/** A real HTTP server standing in for the app's webhook endpoint. */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  status = 200;
  /** When set, `endpoint.url_validation` is answered with the token hashed under this secret, as an app must. */
  validationSecret: string | undefined;
  private waiters: Array<(hook: ReceivedWebhook) => void> = [];
  private readonly server: Server;

  constructor() {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const hook = { headers: request.headers, rawBody: Buffer.concat(chunks).toString('utf8') };
        this.received.push(hook);
        for (const waiter of this.waiters.splice(0)) waiter(hook);
        const challenge = this.challenge(hook.rawBody);
        if (challenge !== undefined && this.validationSecret !== undefined) {
          const encryptedToken = createHmac('sha256', this.validationSecret).update(challenge).digest('hex');
          response.writeHead(this.status, { 'content-type': 'application/json' }).end(JSON.stringify({ plainToken: challenge, encryptedToken }));
          return;
        }
        response.writeHead(this.status).end();
      });
    });
  }

  private challenge(rawBody: string): string | undefined {
    const event = JSON.parse(rawBody) as { event?: unknown; payload?: { plainToken?: unknown } };
    return event.event === 'endpoint.url_validation' && typeof event.payload?.plainToken === 'string' ? event.payload.plainToken : undefined;
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/api/zoom/webhooks`;
  }

  next(): Promise<ReceivedWebhook> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  close(): Promise<void> {
    return new Promise((resolve, reject) => this.server.close((error) => (error ? reject(error) : resolve())));
  }
}
