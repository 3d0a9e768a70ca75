import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zoomConnectFastify } from '../../src/adapters/fastify/index.js';
import { createLogger } from '../../src/config/logger.js';
import { offlineEmbedSettings } from '../helpers/embedded.js';

/**
 * The user routes ask the host's `getUserId` who is signed in. It may answer
 * at once or with a promise (the standalone service answers a remembered
 * bearer token at once, issue 15), and a JavaScript host may answer anything:
 * each answer gets the same outcome either way, never a 500.
 */

const STATUS = '/api/zoom/oauth/user/status';

/** What the host's getUserId answers, chosen per request by the x-case header. */
const ANSWERS: Record<string, (request: FastifyRequest) => unknown> = {
  'sync user': () => 'host-user',
  'async user': () => Promise.resolve('host-user'),
  'sync null': () => null,
  'async null': () => Promise.resolve(null),
  'sync undefined': () => undefined,
  'sync empty': () => '',
  'sync number': () => 42,
  'async number': () => Promise.resolve(42),
  'sync control character': () => 'bad\u0000user',
  'sync throw': () => {
    throw new Error('host session store down');
  },
  'async rejection': () => Promise.reject(new Error('host session store down')),
  'sync throw of nothing': () => {
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- a JavaScript host may throw anything
    throw undefined;
  },
  // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- a JavaScript host may reject with anything
  'async rejection with nothing': () => Promise.reject(undefined),
  // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- a JavaScript host may reject with anything
  'async rejection with a string': () => Promise.reject('session store down'),
};

let app: FastifyInstance;
let baseUrl: string;
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'zc-require-user-'));
  app = Fastify();
  await zoomConnectFastify(app, {
    getUserId: (request) => (ANSWERS[String(request.headers['x-case'])] as (r: FastifyRequest) => string | null)(request),
    logger: createLogger('silent'),
    keepFresh: false,
    config: offlineEmbedSettings(dataDir),
  });
  baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });
});

afterAll(async () => {
  await app.close();
  await rm(dataDir, { recursive: true, force: true });
});

async function statusAs(answer: string): Promise<{ status: number; code: unknown; body: Record<string, unknown> }> {
  const res = await fetch(`${baseUrl}${STATUS}`, { headers: { 'x-case': answer } });
  const body = (await res.json()) as Record<string, unknown>;
  return { status: res.status, code: body.code, body };
}

describe("the host's getUserId", () => {
  it('answering a user id at once or by promise reaches the route as that user', async () => {
    for (const answer of ['sync user', 'async user']) {
      expect(await statusAs(answer), answer).toMatchObject({ status: 200, body: { status: 'not_connected' } });
    }
  });

  it('answering no user (null, undefined, an empty string), at once or by promise, is 401 unauthenticated', async () => {
    for (const answer of ['sync null', 'async null', 'sync undefined', 'sync empty']) {
      expect(await statusAs(answer), answer).toMatchObject({ status: 401, code: 'unauthenticated' });
    }
  });

  it('answering something that is no user id (a number, a control character) is 400 validation_failed', async () => {
    for (const answer of ['sync number', 'async number', 'sync control character']) {
      expect(await statusAs(answer), answer).toMatchObject({ status: 400, code: 'validation_failed' });
    }
  });

  it('throwing or rejecting is the host auth\'s fault, the same answer either way and never a 500', async () => {
    const thrown = await statusAs('sync throw');
    const rejected = await statusAs('async rejection');
    expect(thrown.status).toBe(rejected.status);
    expect(thrown.code).toBe(rejected.code);
    expect(thrown.status).toBe(503);
    expect(JSON.stringify(thrown.body)).not.toContain('session store');
  });

  it('throwing or rejecting with no Error at all (undefined, a string) is the same 503, never the route run as nobody', async () => {
    for (const answer of ['sync throw of nothing', 'async rejection with nothing', 'async rejection with a string']) {
      const got = await statusAs(answer);
      expect(got, answer).toMatchObject({ status: 503 });
      expect(JSON.stringify(got.body), answer).not.toContain('session store');
    }
  });
});
