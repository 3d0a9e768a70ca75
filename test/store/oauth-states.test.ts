import { describe, expect, test } from 'vitest';
import type { NewOAuthState } from '../../src/store/types.js';
import { BACKENDS, dumpAllTables, fakeToken, uniqueUserId, useStore } from '../helpers/store-fixtures.js';

function newState(overrides: Partial<NewOAuthState> = {}): NewOAuthState {
  const now = new Date();
  return {
    stateHash: uniqueUserId('hash'),
    userId: uniqueUserId('user'),
    bindingHash: 'binding-' + uniqueUserId('b'),
    codeVerifier: fakeToken('access'),
    returnTo: 'https://app.example.test/after',
    expiresAt: new Date(now.getTime() + 600_000),
    createdAt: now,
    ...overrides,
  };
}

describe.each(BACKENDS)('on %s', (backend) => {
  // One store per backend for the file: PGlite takes seconds to start.
  const fx = useStore(backend);

  describe('OAuth states', () => {
    test('a fresh state is consumed once and hands back user, binding, verifier and return URL', async () => {
      const state = newState();
      await fx.store.states.create(state);
      const result = await fx.store.states.consume(state.stateHash, new Date());
      expect(result).toEqual({
        ok: true,
        state: {
          userId: state.userId,
          bindingHash: state.bindingHash,
          codeVerifier: state.codeVerifier,
          returnTo: state.returnTo,
          expiresAt: state.expiresAt,
        },
      });
    });

    test('the code verifier is stored only encrypted', async () => {
      const state = newState();
      await fx.store.states.create(state);
      const dump = await dumpAllTables(fx.store);
      expect(dump).toContain(state.stateHash);
      expect(dump).not.toContain(state.codeVerifier);
      expect(dump).not.toContain(Buffer.from(state.codeVerifier).toString('base64'));
    });

    test('50 parallel consumptions of one state yield exactly one success; the rest are reported replayed', async () => {
      const state = newState();
      await fx.store.states.create(state);
      const now = new Date();
      const results = await Promise.all(Array.from({ length: 50 }, () => fx.store.states.consume(state.stateHash, now)));
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      expect(results.filter((r) => !r.ok && r.reason === 'replayed')).toHaveLength(49);
    });

    test('a replayed state is reported replayed', async () => {
      const state = newState();
      await fx.store.states.create(state);
      expect((await fx.store.states.consume(state.stateHash, new Date())).ok).toBe(true);
      expect(await fx.store.states.consume(state.stateHash, new Date())).toEqual({ ok: false, reason: 'replayed' });
    });

    test('an expired state is refused, and consumed so it cannot be retried', async () => {
      const created = new Date(Date.now() - 700_000);
      const state = newState({ createdAt: created, expiresAt: new Date(created.getTime() + 600_000) });
      await fx.store.states.create(state);
      expect(await fx.store.states.consume(state.stateHash, new Date())).toEqual({ ok: false, reason: 'expired' });
      expect(await fx.store.states.consume(state.stateHash, new Date())).toEqual({ ok: false, reason: 'replayed' });
    });

    test('a state at exactly its expiry instant is expired', async () => {
      const expiresAt = new Date(Date.now() + 1_000);
      const state = newState({ expiresAt });
      await fx.store.states.create(state);
      expect(await fx.store.states.consume(state.stateHash, expiresAt)).toEqual({ ok: false, reason: 'expired' });
    });

    test('an unknown state is reported unknown', async () => {
      expect(await fx.store.states.consume(uniqueUserId('never-issued'), new Date())).toEqual({ ok: false, reason: 'unknown' });
    });

    test('deleteExpired removes states that expired before the cut-off and keeps the rest', async () => {
      const past = newState({ expiresAt: new Date(Date.UTC(2000, 0, 1)) });
      const future = newState();
      await fx.store.states.create(past);
      await fx.store.states.create(future);
      const deleted = await fx.store.states.deleteExpired(new Date(Date.UTC(2000, 0, 2)));
      expect(deleted).toBeGreaterThanOrEqual(1);
      expect(await fx.store.states.consume(past.stateHash, new Date())).toEqual({ ok: false, reason: 'unknown' });
      expect((await fx.store.states.consume(future.stateHash, new Date())).ok).toBe(true);
    });

    test('a second state with the same hash is refused', async () => {
      const state = newState();
      await fx.store.states.create(state);
      await expect(fx.store.states.create({ ...state, userId: uniqueUserId('other') })).rejects.toThrow(/duplicate key/);
    });
  });

  describe('audit events', () => {
    test('events are listed newest first, per user, with their details', async () => {
      const userId = uniqueUserId('audited');
      const t = Date.now();
      await fx.store.audit.record({ userId, event: 'connected', ip: '198.51.100.1', userAgent: 'ua', details: { scopes: ['a'] }, at: new Date(t) });
      await fx.store.audit.record({ userId, event: 'revoked', ip: null, userAgent: null, details: {}, at: new Date(t + 1_000) });
      await fx.store.audit.record({ userId: uniqueUserId('other'), event: 'connected', ip: null, userAgent: null, details: {}, at: new Date(t) });
      await fx.store.audit.record({ userId: null, event: 'webhook_rejected', ip: null, userAgent: null, details: { reason: 'signature' }, at: new Date(t) });
      const events = await fx.store.audit.listForUser(userId, 10);
      expect(events.map((e) => e.event)).toEqual(['revoked', 'connected']);
      expect(events[1]).toEqual({ userId, event: 'connected', ip: '198.51.100.1', userAgent: 'ua', details: { scopes: ['a'] }, at: new Date(t) });
      expect(await fx.store.audit.listForUser(userId, 1)).toHaveLength(1);
    });
  });
});
