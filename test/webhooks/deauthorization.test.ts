/**
 * Zoom's app_deauthorized: the user removed the app at Zoom (or we revoked),
 * and we must delete that Zoom user's tokens and personal data at once,
 * idempotently, without ever disconnecting a connection made after the event.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, connectUser } from '../helpers/flow.js';
import { EmulatorControl } from '../helpers/emulator-control.js';
import { closeHttpAgents, http } from '../helpers/raw-http.js';
import { deauthorizationEvent, deliver, signedDelivery } from '../helpers/zoom-webhook.js';
import { startStack, TEST_CLIENT_ID, TEST_WEBHOOK_SECRET, type TestStack } from '../helpers/stack.js';

describe('app_deauthorized', () => {
  let stack: TestStack;
  let zoom: EmulatorControl;
  beforeAll(async () => {
    stack = await startStack({ db: 'postgres', rateLimit: false });
    zoom = new EmulatorControl(stack.emulator.url);
  });
  afterAll(async () => {
    await stack?.close();
    await closeHttpAgents();
  });

  interface Connected {
    userId: string;
    zoomUser: string;
    zoomUserId: string;
    accountId: string;
    jwt: string;
  }

  let sequence = 0;
  async function connected(label: string): Promise<Connected> {
    sequence += 1;
    const userId = `${label}-${sequence}`;
    const zoomUser = `${userId}@example.test`;
    const jwt = await stack.signIn(userId);
    const res = await connectUser(stack.baseUrl, jwt, zoomUser);
    expect(res.status).toBe(200);
    const view = (await res.json()) as { zoomUserId: string; zoomAccountId: string };
    return { userId, zoomUser, zoomUserId: view.zoomUserId, accountId: view.zoomAccountId, jwt };
  }

  async function status(jwt: string): Promise<Record<string, unknown>> {
    const res = await http(`${stack.baseUrl}/api/zoom/oauth/user/status`, { headers: bearer(jwt) });
    return res.json as Record<string, unknown>;
  }

  function eventFor(u: Connected, at?: Date): string {
    return deauthorizationEvent({ zoomUserId: u.zoomUserId, accountId: u.accountId, clientId: TEST_CLIENT_ID, at });
  }

  /** Every row of every table, as text: what a database dump would show. */
  async function databaseDump(): Promise<string> {
    const client = new pg.Client({ connectionString: stack.service.config.databaseUrl });
    await client.connect();
    try {
      const { rows: tables } = await client.query<{ table_name: string }>(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'zoom_connect' AND table_type = 'BASE TABLE'",
      );
      const parts: string[] = [];
      for (const { table_name } of tables) {
        const { rows } = await client.query<{ row: string }>(`SELECT t::text AS row FROM zoom_connect."${table_name}" t`);
        parts.push(...rows.map((r) => r.row));
      }
      return parts.join('\n');
    } finally {
      await client.end();
    }
  }

  it("Zoom's own signed app_deauthorized (from the emulator) is accepted with 204 and disconnects the user", async () => {
    const u = await connected('emulated');

    const result = await zoom.deauthorize(u.zoomUser);

    expect(result).toMatchObject({ delivered: true, status: 204 });
    expect(await status(u.jwt)).toMatchObject({ connected: false, status: 'deauthorized', zoomEmail: null, zoomAccountId: null });
  });

  it('deauthorization deletes the tokens and personal data: no email, account id, IP or user agent is left on the connection', async () => {
    const u = await connected('wiped');

    const res = await deliver(stack.baseUrl, signedDelivery(eventFor(u), TEST_WEBHOOK_SECRET));

    expect(res.status).toBe(204);
    const row = await stack.service.store.connections.getWithTokens(u.userId);
    expect(row?.status).toBe('deauthorized');
    expect(row?.tokens).toBeNull();
    expect(row).toMatchObject({ zoomEmail: null, zoomAccountId: null, apiUrl: null });
    const profile = await http(`${stack.baseUrl}/api/zoom/oauth/user/profile`, { headers: bearer(u.jwt) });
    expect(profile.status).toBe(409);
    expect(await databaseDump()).not.toContain(u.zoomUser);
    // Other connected test users share the emulator's account: check this user's own audit trail.
    const audit = await stack.service.store.audit.listForUser(u.userId, 50);
    expect(JSON.stringify(audit)).not.toContain(u.accountId);
  });

  it('a deauthorization that finds a refresh holding the connection gives up after a short wait with 503 (Zoom redelivers), and the redelivery disconnects', async () => {
    const u = await connected('behind-refresh');
    const delivery = signedDelivery(eventFor(u), TEST_WEBHOOK_SECRET);
    let release = (): void => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    let held = (): void => undefined;
    const holding = new Promise<void>((resolve) => (held = resolve));
    const refresh = stack.service.store.connections.withRefreshLock(u.userId, 20_000, async () => {
      held();
      await released;
    });
    await holding;
    // A handler that outwaited the refresh would see it end here and answer 204, long after Zoom gave up.
    const longRefresh = setTimeout(release, 8_000);

    const first = await deliver(stack.baseUrl, delivery);
    release();
    clearTimeout(longRefresh);
    await refresh;

    expect(first.status).toBe(503);
    expect(first.headers['retry-after']).toBeDefined();
    expect((await stack.service.store.connections.get(u.userId))?.status).toBe('active');
    // Zoom redelivers the same event.
    expect((await deliver(stack.baseUrl, delivery)).status).toBe(204);
    expect((await stack.service.store.connections.get(u.userId))?.status).toBe('deauthorized');
  });

  it('deauthorization is recorded in the audit log with the sender\'s IP and user agent, and no token', async () => {
    const u = await connected('audited');

    await deliver(stack.baseUrl, signedDelivery(eventFor(u), TEST_WEBHOOK_SECRET));

    const events = await stack.service.store.audit.listForUser(u.userId, 10);
    const deauthorized = events.filter((e) => e.event === 'deauthorized');
    expect(deauthorized).toHaveLength(1);
    expect(deauthorized[0]).toMatchObject({ ip: '127.0.0.1', userAgent: 'Zoom Marketplace/1.0a' });
    expect(deauthorized[0]?.details).toMatchObject({ zoomUserId: u.zoomUserId });
    expect(JSON.stringify(deauthorized)).not.toMatch(/eyJ|access_token|refresh_token/);
  });

  it('a replayed event is acknowledged with 204 and changes nothing more', async () => {
    const u = await connected('replayed');
    const delivery = signedDelivery(eventFor(u), TEST_WEBHOOK_SECRET);
    expect((await deliver(stack.baseUrl, delivery)).status).toBe(204);
    const afterFirst = await stack.service.store.connections.get(u.userId);
    const auditAfterFirst = await stack.service.store.audit.listForUser(u.userId, 50);

    const replay = await deliver(stack.baseUrl, delivery);

    expect(replay.status).toBe(204);
    expect(await stack.service.store.connections.get(u.userId)).toEqual(afterFirst);
    expect(await stack.service.store.audit.listForUser(u.userId, 50)).toEqual(auditAfterFirst);
  });

  it('a replay of an old event after the user connected again does not disconnect the new connection', async () => {
    const u = await connected('reconnected');
    const delivery = signedDelivery(eventFor(u), TEST_WEBHOOK_SECRET);
    expect((await deliver(stack.baseUrl, delivery)).status).toBe(204);
    expect(await status(u.jwt)).toMatchObject({ status: 'deauthorized' });
    const again = await connectUser(stack.baseUrl, u.jwt, u.zoomUser);
    expect(again.status).toBe(200);

    const replay = await deliver(stack.baseUrl, delivery);

    expect(replay.status).toBe(204);
    expect(await status(u.jwt)).toMatchObject({ connected: true, status: 'active', zoomEmail: u.zoomUser });
    const profile = await http(`${stack.baseUrl}/api/zoom/oauth/user/profile`, { headers: bearer(u.jwt) });
    expect(profile.status).toBe(200);
  });

  it('an event for a Zoom user nobody connected is acknowledged with 204 and changes nothing', async () => {
    const bystander = await connected('bystander');
    const before = await stack.service.store.connections.get(bystander.userId);

    const res = await deliver(
      stack.baseUrl,
      signedDelivery(deauthorizationEvent({ zoomUserId: 'NoSuchZoomUser0001', clientId: TEST_CLIENT_ID }), TEST_WEBHOOK_SECRET),
    );

    expect(res.status).toBe(204);
    expect(await stack.service.store.connections.get(bystander.userId)).toEqual(before);
  });

  it("an event for another Zoom app's client id is acknowledged with 204 and changes nothing", async () => {
    const u = await connected('other-app');
    const body = deauthorizationEvent({ zoomUserId: u.zoomUserId, clientId: 'someone-elses-client' });

    const res = await deliver(stack.baseUrl, signedDelivery(body, TEST_WEBHOOK_SECRET));

    expect(res.status).toBe(204);
    expect(await status(u.jwt)).toMatchObject({ status: 'active' });
  });

  it('app_deauthorized after our own revoke still deletes the personal data the revoke kept', async () => {
    const u = await connected('revoked-first');
    const revoke = await http(`${stack.baseUrl}/api/zoom/oauth/user/revoke`, { method: 'POST', headers: bearer(u.jwt) });
    expect(revoke.status).toBe(200);
    expect(await status(u.jwt)).toMatchObject({ status: 'revoked', zoomEmail: u.zoomUser });

    const res = await deliver(stack.baseUrl, signedDelivery(eventFor(u), TEST_WEBHOOK_SECRET));

    expect(res.status).toBe(204);
    expect(await status(u.jwt)).toMatchObject({ status: 'revoked', zoomEmail: null, zoomAccountId: null });
  });
});
