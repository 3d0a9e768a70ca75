/**
 * Demo mode: the page's events panel reads GET /demo/events, fed by an
 * in-process handler, for the signed-in demo user only.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/config/logger.js';
import { startService, type RunningService } from '../../src/service.js';
import { connectUser } from '../helpers/flow.js';
import { expectProblem, REVOKE, ServiceClient } from '../helpers/http-client.js';
import { freePort } from '../helpers/net.js';
import { freshDatabaseUrl } from '../helpers/store-fixtures.js';
import { eventually } from './event-fixtures.js';

interface Feed {
  cursor: number;
  events: Array<{ id: string; type: string; data: Record<string, unknown> }>;
}

describe('the demo events feed', () => {
  let service: RunningService;
  let client: ServiceClient;
  let dataDir: string;
  let baseUrl: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'zc-demo-events-'));
    const port = await freePort();
    const config = loadConfig({
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: String(port),
      EMULATOR_PORT: String(await freePort()),
      DATA_DIR: dataDir,
      DATABASE_URL: await freshDatabaseUrl(),
      SWEEP_INTERVAL_SECONDS: '0',
    });
    expect(config.demo).toBe(true);
    service = await startService(config, { logger: createLogger('silent'), rateLimit: false });
    baseUrl = `http://localhost:${port}`;
    client = new ServiceClient(baseUrl);
  }, 120_000);

  afterAll(async () => {
    await service?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function signIn(userId: string): Promise<string> {
    const res = await client.post('/demo/session', { json: { userId } });
    return String(res.body.token);
  }

  async function feed(jwt: string, after = 0): Promise<Feed> {
    const res = await client.get(`/demo/events?after=${after}`, { jwt });
    expect(res.status).toBe(200);
    return res.body as unknown as Feed;
  }

  test("shows the signed-in user's connect and disconnect as they arrive, after the cursor, and no one else's", async () => {
    const alice = await signIn('feed-alice');
    const bob = await signIn('feed-bob');
    expect((await connectUser(baseUrl, alice, 'feed-alice@example.test')).status).toBe(200);
    await eventually(async () => (await feed(alice)).events.length === 1);
    const first = await feed(alice);
    expect(first.events.map((e) => e.type)).toEqual(['connection.connected']);

    expect((await client.post(REVOKE, { jwt: alice })).status).toBe(200);
    await eventually(async () => (await feed(alice, first.cursor)).events.length === 1);
    expect((await feed(alice, first.cursor)).events.map((e) => [e.type, e.data.appUserId])).toEqual([['connection.disconnected', 'feed-alice']]);
    expect((await feed(bob)).events).toEqual([]);
  });

  test('without a session it answers 401 unauthenticated; a negative cursor is a 400 naming it', async () => {
    expectProblem(await client.get('/demo/events'), 401, 'unauthenticated');
    const res = await client.get('/demo/events?after=-1', { jwt: await signIn('feed-carol') });
    expectProblem(res, 400, 'validation_failed');
    expect(JSON.stringify(res.body)).toContain('after');
  });
});
