/**
 * Delivery runs beside the request path, never on it: while the app's
 * webhook holds every delivery open (a receiver taking 5 s or more), status
 * and profile requests, and connects that write new events, still complete.
 * Proven by order of events, not by timing: the requests finish while the
 * receiver has not answered a single delivery.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { connectUser } from '../helpers/flow.js';
import { PROFILE, STATUS, ServiceClient } from '../helpers/http-client.js';
import { closeHttpAgents } from '../helpers/raw-http.js';
import { startStack, type TestStack } from '../helpers/stack.js';
import { BACKENDS } from '../helpers/store-fixtures.js';
import { APP_WEBHOOK_SECRET, AppReceiver } from './app-receiver.js';
import { eventually } from './event-fixtures.js';

describe.each(BACKENDS)('a slow webhook receiver on %s', (backend) => {
  let stack: TestStack;
  let client: ServiceClient;
  const receiver = new AppReceiver();
  let release: () => void = () => undefined;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });

  beforeAll(async () => {
    await receiver.up();
    // Every delivery waits until the test lets go: slower than any 5 s receiver.
    receiver.answer = async () => {
      await released;
      return 200;
    };
    stack = await startStack({ db: backend, rateLimit: false, env: { APP_WEBHOOK_URL: receiver.url, APP_WEBHOOK_SECRET, EVENT_POLL_INTERVAL_MS: '100', EVENT_RETRY_INITIAL_MS: '20' } });
    client = new ServiceClient(stack.baseUrl);
  }, 180_000);

  afterAll(async () => {
    release();
    await stack?.close();
    await receiver.down();
    await closeHttpAgents();
  });

  test('status, profile and further connects complete while every delivery is held open', async () => {
    const users = ['slow-a', 'slow-b', 'slow-c'];
    const jwts = await Promise.all(users.map((u) => stack.signIn(u)));
    for (const [i, user] of users.entries()) expect((await connectUser(stack.baseUrl, jwts[i] ?? '', `${user}@example.test`)).status).toBe(200);
    await receiver.until((r) => r.openCount() === users.length);

    for (const jwt of jwts) {
      for (let i = 0; i < 5; i++) {
        expect((await client.get(STATUS, { jwt })).body).toMatchObject({ connected: true, status: 'active' });
        expect((await client.get(PROFILE, { jwt })).status).toBe(200);
      }
    }
    // A reconnect writes another event behind the held one, and answers all the same.
    expect((await connectUser(stack.baseUrl, jwts[0] ?? '', 'slow-a@example.test')).status).toBe(200);

    // Not one delivery has been answered (a held one past the 10 s timeout is retried and held again).
    expect(receiver.openCount()).toBeGreaterThanOrEqual(users.length);
    expect(receiver.deliveries).toEqual([]);
    release();
    const outbox = stack.service.store.outbox;
    await eventually(async () => {
      const records = (await Promise.all(users.map((u) => outbox.list({ appUserId: u, limit: 10 })))).flat();
      return records.length === users.length + 1 && records.every((r) => r.status === 'delivered');
    });
  });
});
