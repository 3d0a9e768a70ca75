import { describe, expect, test } from 'vitest';
import { BACKENDS, newConnection, uniqueUserId, useStore } from '../helpers/store-fixtures.js';

// Each test authorizes its connections in an era of its own, older than any
// other test's rows, so what one test leaves never qualifies for another's
// claims, whatever order they run in.
const longAgo = (minutes: number) => new Date(Date.UTC(2001, 0, 1, 0, minutes));
const cutoff = new Date(Date.UTC(2001, 11, 31));

describe.each(BACKENDS)('refresh sweeper claims on %s', (backend) => {
  const fx = useStore(backend);

  test('two concurrent claimers never get the same user, and together get them all', async () => {
    const users = Array.from({ length: 40 }, (_, i) => uniqueUserId(`idle-${i}`));
    for (const [i, userId] of users.entries()) {
      await fx.store.connections.saveConnected(newConnection(userId, { now: longAgo(i) }));
    }
    const other = fx.second();
    const now = new Date();
    const claims = await Promise.all([
      ...Array.from({ length: 6 }, () => fx.store.connections.claimIdleForSweep(cutoff, 5, 60_000, now)),
      ...Array.from({ length: 6 }, () => other.connections.claimIdleForSweep(cutoff, 5, 60_000, now)),
    ]);
    const all = claims.flat();
    expect(new Set(all).size).toBe(all.length);
    // Claims that lost every row to SKIP LOCKED come back short; drain the rest.
    let more = await fx.store.connections.claimIdleForSweep(cutoff, 100, 60_000, now);
    while (more.length > 0) {
      all.push(...more);
      more = await fx.store.connections.claimIdleForSweep(cutoff, 100, 60_000, now);
    }
    // Rows of other files' tests in this database may be claimed too; ours must all be, once each.
    const ours = all.filter((u) => users.includes(u));
    expect(ours.sort()).toEqual([...users].sort());
    expect(new Set(all).size).toBe(all.length);
  });

  test('a claimed user stays claimed until its lease ends; recently refreshed and disconnected ones are never claimed', async () => {
    const idle = uniqueUserId('leased');
    const fresh = uniqueUserId('fresh');
    const gone = uniqueUserId('gone');
    // 1990-91: before the other test's era, so its rows never qualify here.
    await fx.store.connections.saveConnected(newConnection(idle, { now: new Date(Date.UTC(1990, 5, 1)) }));
    await fx.store.connections.saveConnected(newConnection(fresh, { now: new Date(Date.UTC(1991, 0, 1)) }));
    await fx.store.connections.saveConnected(newConnection(gone, { now: new Date(Date.UTC(1990, 5, 2)) }));
    await fx.store.connections.disconnect(gone, 'revoked', { wipePersonalData: false, now: new Date() });
    const cutoffAfter = new Date(Date.UTC(1990, 11, 31));
    const t0 = new Date();
    const first = await fx.store.connections.claimIdleForSweep(cutoffAfter, 1000, 60_000, t0);
    expect(first).toContain(idle);
    expect(first).not.toContain(fresh);
    expect(first).not.toContain(gone);
    expect(await fx.store.connections.claimIdleForSweep(cutoffAfter, 1000, 60_000, new Date(t0.getTime() + 30_000))).not.toContain(idle);
    expect(await fx.store.connections.claimIdleForSweep(cutoffAfter, 1000, 60_000, new Date(t0.getTime() + 61_000))).toContain(idle);
  });
});
