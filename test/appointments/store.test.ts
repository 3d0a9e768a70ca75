import { setImmediate as turn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { SqlStore } from '../../src/store/index.js';
import type { AppointmentRequest } from '../../src/store/types.js';
import { BACKENDS, cipherOf, dumpAllTables, testKey, uniqueUserId, useStore } from '../helpers/store-fixtures.js';

const REQUEST: AppointmentRequest = {
  topic: 'Intro call',
  startTime: new Date('2027-03-01T09:00:00Z'),
  durationMinutes: 30,
  timezone: 'Europe/Berlin',
  agenda: null,
  hostEmail: 'host@example.com',
};

const MEETING = { provider: 'zoom_user', meetingId: '81234567890', joinUrl: 'https://zoom.us/j/81234567890', passcode: 'abc123' } as const;

describe.each(BACKENDS)('appointment meetings in the store (%s)', (backend) => {
  const fixture = useStore(backend);

  it('a pending create is kept beside the request until the meeting is saved', async () => {
    const host = uniqueUserId('pending');
    const repo = fixture.store.appointments;
    const pending = await repo.recordPending(host, 'a1', REQUEST, { provider: 'zoom_user', marker: 'zcmarker1' }, new Date());
    expect(pending).toMatchObject({ meeting: null, pending: { provider: 'zoom_user', marker: 'zcmarker1' }, topic: 'Intro call' });
    const saved = await repo.saveMeeting(host, 'a1', REQUEST, MEETING, null, new Date());
    expect(saved).toMatchObject({ meeting: MEETING, pending: null, fallbackReason: null });
    expect(await repo.get(host, 'a1')).toEqual(saved);
  });

  it('clearing a pending create that made nothing forgets the appointment', async () => {
    const host = uniqueUserId('clear');
    const repo = fixture.store.appointments;
    await repo.recordPending(host, 'a1', REQUEST, { provider: 'google_meet', marker: 'zcmarker2' }, new Date());
    await repo.clearPending(host, 'a1', new Date());
    expect(await repo.get(host, 'a1')).toBeNull();
  });

  it('a pending create beside an existing meeting keeps the meeting', async () => {
    const host = uniqueUserId('move');
    const repo = fixture.store.appointments;
    await repo.saveMeeting(host, 'a1', REQUEST, MEETING, null, new Date());
    await repo.recordPending(host, 'a1', REQUEST, { provider: 'zoom_account', marker: 'zcmarker3' }, new Date());
    await repo.clearPending(host, 'a1', new Date());
    expect(await repo.get(host, 'a1')).toMatchObject({ meeting: MEETING, pending: null });
  });

  it('appointment ids are scoped to their host', async () => {
    const [one, two] = [uniqueUserId('scope'), uniqueUserId('scope')];
    await fixture.store.appointments.saveMeeting(one, 'shared-id', REQUEST, MEETING, null, new Date());
    expect(await fixture.store.appointments.get(two, 'shared-id')).toBeNull();
    expect(await fixture.store.appointments.delete(two, 'shared-id')).toBe(false);
    expect(await fixture.store.appointments.get(one, 'shared-id')).not.toBeNull();
  });

  it('a second holder of one appointment\'s lock waits for the first, from another client too', async () => {
    const host = uniqueUserId('lock');
    const order: string[] = [];
    let open!: () => void;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const first = fixture.store.appointments.withLock(host, 'a1', 10_000, async () => {
      order.push('first in');
      await gate;
      order.push('first out');
    });
    while (order.length === 0) await turn();
    const second = fixture.second().appointments.withLock(host, 'a1', 10_000, () => {
      order.push('second in');
      return Promise.resolve();
    });
    await waitUntilBlocked(fixture.store);
    order.push('gate opened');
    open();
    await Promise.all([first, second]);
    expect(order).toEqual(['first in', 'gate opened', 'first out', 'second in']);
  });

  it('the S2S token is stored sealed and read back', async () => {
    const account = uniqueUserId('acct');
    const token = `s2s-${account}-secret-token-value`;
    await fixture.store.s2sTokens.withLock(account, 5_000, (locked) => {
      expect(locked.current).toBeNull();
      return locked.save({ accessToken: token, expiresAt: new Date(Date.now() + 3_600_000) }, new Date());
    });
    expect((await fixture.second().s2sTokens.get(account))?.accessToken).toBe(token);
    expect(await dumpAllTables(fixture.store)).not.toContain(token);
  });

  it('an S2S token sealed under a key no longer in the ring reads as none (fetch a new one)', async () => {
    const account = uniqueUserId('retired');
    await fixture.store.s2sTokens.withLock(account, 5_000, (locked) => locked.save({ accessToken: 'old-token', expiresAt: new Date(Date.now() + 3_600_000) }, new Date()));
    const otherRing = fixture.store.withCipher(cipherOf(testKey('k9')));
    expect(await otherRing.s2sTokens.get(account)).toBeNull();
  });
});

/**
 * Until the second holder is waiting. PGlite's lock is the in-process mutex,
 * which queues a caller synchronously, before withLock's first await: it is
 * waiting already. On PostgreSQL, until the server shows an ungranted advisory lock.
 */
async function waitUntilBlocked(store: SqlStore): Promise<void> {
  if (store.kind === 'pglite') return;
  for (;;) {
    const { rows } = await store.db.query<{ n: string }>("SELECT count(*)::text AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted");
    if (rows[0]?.n !== '0') return;
    await turn();
  }
}
