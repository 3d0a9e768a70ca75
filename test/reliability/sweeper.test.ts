/**
 * The refresh sweeper keeps idle users connected (Zoom refresh tokens die
 * after 90 days unused) and, like every refresh, refreshes each connection
 * once however many instances sweep at the same time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer } from '../helpers/flow.js';
import { startSharedServices, type SharedServices } from '../helpers/in-process-cluster.js';

const DAY_MS = 86_400_000;
const IDLE_DAYS = 80;

async function lastRefreshedAt(shared: SharedServices, userId: string): Promise<Date | null> {
  return (await shared.services[0]?.store.connections.get(userId))?.lastRefreshedAt ?? null;
}

describe('one service sweeping', () => {
  let shared: SharedServices;
  beforeAll(async () => {
    shared = await startSharedServices(1, { SWEEP_IDLE_DAYS: String(IDLE_DAYS) });
  });
  afterAll(async () => {
    await shared?.close();
  });

  it(`a connection not refreshed for more than SWEEP_IDLE_DAYS (${IDLE_DAYS}) is refreshed by a sweep, and only once`, async () => {
    await shared.connect('idle-user', 'idle-user@example.test');
    const sweeper = shared.services[0]?.sweeper;
    if (!sweeper) throw new Error('no service');
    expect(await sweeper.sweepOnce()).toBe(0);

    shared.advance((IDLE_DAYS + 1) * DAY_MS);
    const snapshot = await shared.zoom.snapshot();
    expect(await sweeper.sweepOnce()).toBe(1);
    expect(await sweeper.sweepOnce()).toBe(0);

    const delta = await snapshot.delta();
    expect(delta.refreshGrants).toBe(1);
    expect(delta.invalidGrant).toBe(0);
    const refreshed = await lastRefreshedAt(shared, 'idle-user');
    expect(refreshed?.getTime()).toBeGreaterThan(Date.now() + IDLE_DAYS * DAY_MS);
    const connection = await shared.services[0]?.store.connections.get('idle-user');
    expect(connection?.status).toBe('active');
  });
});

describe('two services sweeping one database', () => {
  let shared: SharedServices;
  beforeAll(async () => {
    shared = await startSharedServices(2, { SWEEP_IDLE_DAYS: String(IDLE_DAYS) });
  });
  afterAll(async () => {
    await shared?.close();
  });

  it('two services sweeping at the same moment refresh each idle connection exactly once', async () => {
    const users = Array.from({ length: 12 }, (_, i) => `swept-${i}`);
    for (const u of users) await shared.connect(u, `${u}@example.test`);
    shared.advance((IDLE_DAYS + 1) * DAY_MS);
    await shared.zoom.faults({ tokenLatencyMs: 50 });
    const snapshot = await shared.zoom.snapshot();

    const counts = await Promise.all(shared.services.map((s) => s.sweeper.sweepOnce()));

    await shared.zoom.faults({});
    expect(counts.reduce((a, b) => a + b, 0)).toBe(users.length);
    const delta = await snapshot.delta();
    expect(delta.refreshGrants).toBe(users.length);
    expect(delta.invalidGrant).toBe(0);
    for (const u of users) expect(await lastRefreshedAt(shared, u)).not.toBeNull();
    expect(await Promise.all(shared.services.map((s) => s.sweeper.sweepOnce()))).toEqual([0, 0]);
  });
});

describe('a sweep racing request-driven refreshes', () => {
  let shared: SharedServices;
  beforeAll(async () => {
    shared = await startSharedServices(2, { SWEEP_IDLE_DAYS: String(IDLE_DAYS) });
  });
  afterAll(async () => {
    await shared?.close();
  });

  it('a sweep racing with requests that need the same refreshes makes one refresh per connection', async () => {
    const users = Array.from({ length: 8 }, (_, i) => `raced-${i}`);
    for (const u of users) await shared.connect(u, `${u}@example.test`);
    // Idle for long, and the access tokens long expired by our clocks: both the sweeper and a request want a refresh.
    shared.advance((IDLE_DAYS + 1) * DAY_MS);
    await shared.zoom.faults({ tokenLatencyMs: 50 });
    const snapshot = await shared.zoom.snapshot();
    const other = shared.services[1];
    if (!other) throw new Error('no second service');

    const [swept, responses] = await Promise.all([
      shared.services[0]?.sweeper.sweepOnce(),
      Promise.all(users.map(async (u) => fetch(`${other.url}/api/zoom/oauth/user/profile`, { headers: bearer(await shared.signIn(u)) }))),
    ]);

    await shared.zoom.faults({});
    expect(responses.map((r) => r.status)).toEqual(users.map(() => 200));
    expect(swept).toBeLessThanOrEqual(users.length);
    const delta = await snapshot.delta();
    expect(delta.invalidGrant).toBe(0);
    for (const u of users) expect(await lastRefreshedAt(shared, u)).not.toBeNull();
    // Whoever won each race, the other used its result.
    expect(delta.refreshGrants).toBe(users.length);
  });
});

describe('a sweep whose claim went stale', () => {
  let shared: SharedServices;
  beforeAll(async () => {
    shared = await startSharedServices(2, { SWEEP_IDLE_DAYS: String(IDLE_DAYS) });
  });
  afterAll(async () => {
    await shared?.close();
  });

  it('a connection that a request refreshed after the sweeper claimed it is not refreshed again by the sweep', async () => {
    await shared.connect('claimed-then-used', 'claimed-then-used@example.test');
    shared.advance((IDLE_DAYS + 1) * DAY_MS);
    const [sweeping, serving] = shared.services;
    const clock = shared.clocks[0];
    if (!sweeping || !serving || !clock) throw new Error('no services');
    // The sweeper's claim, as its pass makes it before refreshing the batch one by one.
    const now = clock.now();
    const idleBefore = new Date(now.getTime() - IDLE_DAYS * DAY_MS);
    expect(await sweeping.store.connections.claimIdleForSweep(idleBefore, 100, 60_000, now)).toEqual(['claimed-then-used']);
    // Meanwhile the user comes back: the expired access token is refreshed by a request.
    const snapshot = await shared.zoom.snapshot();
    const profile = await fetch(`${serving.url}/api/zoom/oauth/user/profile`, { headers: bearer(await shared.signIn('claimed-then-used')) });
    expect(profile.status).toBe(200);
    expect((await snapshot.delta()).refreshGrants).toBe(1);

    // The sweeper now gets to its claimed row, which is no longer idle.
    await sweeping.connections.tokens.refreshIdle('claimed-then-used', idleBefore);

    expect((await snapshot.delta()).refreshGrants).toBe(1);
  });
});

