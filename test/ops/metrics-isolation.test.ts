import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, connectUser } from '../helpers/flow.js';
import { closeHttpAgents, http } from '../helpers/raw-http.js';
import { startStack, type TestStack } from '../helpers/stack.js';
import { sample, scrape } from './scrape.js';

describe('metrics of two services in one process', () => {
  let first: TestStack;
  let second: TestStack;

  beforeAll(async () => {
    [first, second] = await Promise.all([startStack({ db: 'postgres', rateLimit: false }), startStack({ db: 'postgres', rateLimit: false })]);
  }, 60_000);

  afterAll(async () => {
    await Promise.all([first?.close(), second?.close()]);
    await closeHttpAgents();
  });

  it('a refresh in one service moves only that service\'s counters', async () => {
    const jwt = await first.signIn('isolated-user');
    expect((await connectUser(first.baseUrl, jwt, 'isolated-user@example.test')).status).toBe(200);
    expect((await http(`${first.baseUrl}/api/zoom/oauth/user/refresh`, { method: 'POST', headers: bearer(jwt) })).status).toBe(200);
    const refreshed = { outcome: 'refreshed' };
    expect(sample(await scrape(`${first.baseUrl}/metrics`), 'zoom_connect_token_refreshes_total', refreshed)).toBe(1);
    expect(sample(await scrape(`${second.baseUrl}/metrics`), 'zoom_connect_token_refreshes_total', refreshed)).toBe(0);
  });
});
