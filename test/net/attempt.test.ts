import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attempt } from '../../src/net/attempt.js';

/**
 * One outbound HTTP attempt (Zoom's and Google's clients): the body limit
 * whether or not the length is declared, the attempt's own deadline, and
 * the caller's abort told apart from the peer failing.
 */

const LIMIT = 1024;
let server: Server;
let base: string;
const dispatcher = new Agent({ connections: 4 });

const routes: Record<string, (req: IncomingMessage, res: ServerResponse) => void> = {
  '/declared-small': (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'),
  '/declared-large': (_req, res) => res.writeHead(200, { 'content-length': String(LIMIT + 1) }).end('x'.repeat(LIMIT + 1)),
  '/chunked-small': (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{"parts":');
    res.end('[1,2]}');
  },
  '/chunked-large': (_req, res) => {
    res.writeHead(200);
    for (let i = 0; i < 4; i++) res.write('y'.repeat(LIMIT / 2));
    res.end();
  },
  '/never': () => {
    // Holds the request open: no headers, no body.
  },
  '/stalls-mid-body': (_req, res) => {
    res.writeHead(200);
    res.write('{"partial":');
  },
};

beforeAll(async () => {
  server = createServer((req, res) => routes[req.url ?? '']?.(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await dispatcher.destroy();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const get = (path: string, timeoutMs = 2_000, signal?: AbortSignal) => attempt(dispatcher, { method: 'GET', url: `${base}${path}`, headers: {}, signal }, timeoutMs, LIMIT);

describe('one outbound attempt', () => {
  it('reads a body of declared length within the limit as text', async () => {
    expect(await get('/declared-small')).toMatchObject({ kind: 'answer', status: 200, text: '{"ok":true}' });
  });

  it('refuses a body whose declared length is over the limit', async () => {
    expect(await get('/declared-large')).toEqual({ kind: 'too_large', limit: LIMIT });
  });

  it('reads a body of unknown length within the limit as text', async () => {
    expect(await get('/chunked-small')).toMatchObject({ kind: 'answer', status: 200, text: '{"parts":[1,2]}' });
  });

  it('refuses a body of unknown length once it passes the limit', async () => {
    expect(await get('/chunked-large')).toEqual({ kind: 'too_large', limit: LIMIT });
  });

  it('ends an attempt with no answer by its deadline as timed out', async () => {
    expect(await get('/never', 150)).toMatchObject({ kind: 'no_answer', timedOut: true });
  });

  it('ends an attempt whose body stalls by its deadline as timed out', async () => {
    expect(await get('/stalls-mid-body', 150)).toMatchObject({ kind: 'no_answer', timedOut: true });
  });

  it('rethrows the caller\'s own abort reason instead of calling it the peer\'s failure', async () => {
    const controller = new AbortController();
    const pending = get('/never', 5_000, controller.signal);
    setTimeout(() => controller.abort(new Error('shutting down')), 50);
    await expect(pending).rejects.toThrow('shutting down');
  });

  it('answers an attempt still waiting for a connection at its deadline, as timed out', async () => {
    const single = new Agent({ connections: 1 });
    try {
      // The one connection is held by an exchange that never ends.
      const holding = attempt(single, { method: 'GET', url: `${base}/never`, headers: {} }, 400, LIMIT);
      const queued = await attempt(single, { method: 'GET', url: `${base}/declared-small`, headers: {} }, 150, LIMIT);
      expect(queued).toMatchObject({ kind: 'no_answer', timedOut: true });
      expect(await holding).toMatchObject({ kind: 'no_answer', timedOut: true });
    } finally {
      await single.destroy();
    }
  });

  it('rethrows the caller\'s abort of an attempt still waiting for a connection', async () => {
    const single = new Agent({ connections: 1 });
    try {
      const holding = attempt(single, { method: 'GET', url: `${base}/never`, headers: {} }, 500, LIMIT);
      const controller = new AbortController();
      const queued = attempt(single, { method: 'GET', url: `${base}/declared-small`, headers: {}, signal: controller.signal }, 5_000, LIMIT);
      setTimeout(() => controller.abort(new Error('stopping while queued')), 50);
      await expect(queued).rejects.toThrow('stopping while queued');
      await holding;
    } finally {
      await single.destroy();
    }
  });

  it('rethrows a caller\'s abort that came before the attempt started', async () => {
    const controller = new AbortController();
    controller.abort(new Error('already stopped'));
    await expect(get('/declared-small', 5_000, controller.signal)).rejects.toThrow('already stopped');
  });
});
