import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/config/logger.js';
import { ZoomApi, zoomJsonText, ZoomTransport } from '../../src/zoom/index.js';

/**
 * Answers the service hands on unchanged (profile, meeting and recording
 * listings) are sent as Zoom's own text, not serialised a second time. The
 * text must be exactly what Zoom sent for exactly the object returned, and
 * absent for anything the client built itself.
 */

// Spacing and key order JSON.stringify would not produce: a re-serialisation would show.
const BODIES: Record<string, string> = {
  '/v2/users/me': '{ "id" : "u-1", "email": "a@example.test", "account_id": "acc-1", "extra": [1, 2] }',
  '/v2/users/me/meetings': '{"meetings": [ {"id": 1} ],  "page_size": 30}',
};
const NO_EMAIL = '{ "id": "u-2", "account_id": "acc-2" }';

let server: Server;
let api: ZoomApi;
let transport: ZoomTransport;
let meBody = BODIES['/v2/users/me'] as string;

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0] ?? '';
    const body = path === '/v2/users/me' ? meBody : BODIES[path];
    if (body === undefined) return res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/json' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  transport = new ZoomTransport({ timeoutMs: 2_000, logger: createLogger('silent') });
  api = new ZoomApi(transport, `http://127.0.0.1:${(server.address() as AddressInfo).port}/v2`);
});

afterAll(async () => {
  await transport.close();
  await new Promise((resolve) => server.close(resolve));
});

const auth = { accessToken: 'not-a-real-token', apiBase: null };

describe('Zoom answers handed on as Zoom sent them', () => {
  it('a listing carries Zoom\'s exact text', async () => {
    const meetings = await api.listMeetings(auth, {});
    expect(meetings).toEqual({ meetings: [{ id: 1 }], page_size: 30 });
    expect(zoomJsonText(meetings)).toBe(BODIES['/v2/users/me/meetings']);
  });

  it('a user already of the promised shape is the parsed answer itself, with its text', async () => {
    meBody = BODIES['/v2/users/me'] as string;
    const me = await api.getMe(auth);
    expect(zoomJsonText(me)).toBe(meBody);
    expect(me).toEqual(JSON.parse(meBody));
  });

  it('a user the client had to complete (no email) is a new object with no text, so it is serialised with email null', async () => {
    meBody = NO_EMAIL;
    const me = await api.getMe(auth);
    expect(me).toEqual({ id: 'u-2', email: null, account_id: 'acc-2' });
    expect(zoomJsonText(me)).toBeUndefined();
  });

  it('an object the caller built has no text', () => {
    expect(zoomJsonText({ id: 'made-here' })).toBeUndefined();
  });
});
