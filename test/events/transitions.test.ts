/**
 * Every connection transition, driven the way it happens in production
 * (over HTTP, against the Zoom emulator), emits exactly one event of its
 * type, delivered to the app's webhook and verified there with the
 * `standardwebhooks` package.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { OutboxRecord } from '../../src/store/types.js';
import { connectUser } from '../helpers/flow.js';
import { PROFILE, REFRESH, REVOKE, ServiceClient } from '../helpers/http-client.js';
import { SqlStore } from '../../src/store/index.js';
import { EmulatorControl } from '../helpers/emulator-control.js';
import { closeHttpAgents } from '../helpers/raw-http.js';
import { deauthorizationEvent, deliver, signedDelivery } from '../helpers/zoom-webhook.js';
import { startStack, TEST_CLIENT_ID, TEST_WEBHOOK_SECRET, type TestStack } from '../helpers/stack.js';
import { BACKENDS } from '../helpers/store-fixtures.js';
import { APP_WEBHOOK_SECRET, AppReceiver } from './app-receiver.js';

describe.each(BACKENDS)('connection events on %s', (backend) => {
  let stack: TestStack;
  let zoom: EmulatorControl;
  let client: ServiceClient;
  const receiver = new AppReceiver();

  beforeAll(async () => {
    await receiver.up();
    stack = await startStack({
      db: backend,
      rateLimit: false,
      env: {
        APP_WEBHOOK_URL: receiver.url,
        APP_WEBHOOK_SECRET,
        EVENT_POLL_INTERVAL_MS: '100',
        EVENT_RETRY_INITIAL_MS: '20',
        REFRESH_MAX_FAILURES: '5',
      },
    });
    zoom = new EmulatorControl(stack.emulator.url);
    client = new ServiceClient(stack.baseUrl);
  }, 180_000);

  afterAll(async () => {
    await stack?.close();
    await receiver.down();
    await closeHttpAgents();
  });

  let sequence = 0;
  async function connected(label: string): Promise<{ userId: string; zoomUser: string; jwt: string; zoomUserId: string; accountId: string }> {
    sequence += 1;
    const userId = `${label}-${sequence}`;
    const zoomUser = `${userId}@example.test`;
    const jwt = await stack.signIn(userId);
    const res = await connectUser(stack.baseUrl, jwt, zoomUser);
    expect(res.status).toBe(200);
    const view = (await res.json()) as { zoomUserId: string; zoomAccountId: string };
    return { userId, zoomUser, jwt, zoomUserId: view.zoomUserId, accountId: view.zoomAccountId };
  }

  /** The outbox's own record of a user's events, oldest first: the truth about "exactly one". */
  async function recorded(userId: string): Promise<OutboxRecord[]> {
    return (await stack.service.store.outbox.list({ appUserId: userId, limit: 100 })).reverse();
  }

  /** Waits until the app has received every event the outbox holds for the user, then returns their types in order. */
  async function receivedTypes(userId: string): Promise<string[]> {
    const ids = (await recorded(userId)).map((e) => e.id);
    await receiver.until((r) => ids.every((id) => r.deliveries.some((d) => d.webhookId === id)));
    return receiver.deliveries.filter((d) => d.data.appUserId === userId).map((d) => d.type);
  }

  test('connect, then reconnect: connection.connected twice, reconnect false then true', async () => {
    const u = await connected('reconnect');
    expect((await connectUser(stack.baseUrl, u.jwt, u.zoomUser)).status).toBe(200);
    expect(await receivedTypes(u.userId)).toEqual(['connection.connected', 'connection.connected']);
    expect(receiver.deliveries.filter((d) => d.data.appUserId === u.userId).map((d) => d.data.reconnect)).toEqual([false, true]);
    expect(receiver.deliveries.find((d) => d.data.appUserId === u.userId)?.data).toMatchObject({ zoomUserId: u.zoomUserId, zoomAccountId: u.accountId, status: 'active' });
  });

  test('disconnect: one connection.disconnected (Zoom\'s app_deauthorized that follows the revoke adds none)', async () => {
    const u = await connected('revoke');
    expect((await client.post(REVOKE, { jwt: u.jwt })).status).toBe(200);
    expect(await receivedTypes(u.userId)).toEqual(['connection.connected', 'connection.disconnected']);
  });

  test('app_deauthorized: one connection.deauthorized; its replay adds none', async () => {
    const u = await connected('deauth');
    const delivery = signedDelivery(deauthorizationEvent({ zoomUserId: u.zoomUserId, accountId: u.accountId, clientId: TEST_CLIENT_ID }), TEST_WEBHOOK_SECRET);
    expect((await deliver(stack.baseUrl, delivery)).status).toBe(204);
    expect((await deliver(stack.baseUrl, delivery)).status).toBe(204);
    expect((await recorded(u.userId)).map((e) => e.type)).toEqual(['connection.connected', 'connection.deauthorized']);
    expect(await receivedTypes(u.userId)).toEqual(['connection.connected', 'connection.deauthorized']);
    const data = receiver.deliveries.find((d) => d.type === 'connection.deauthorized' && d.data.appUserId === u.userId)?.data;
    expect(data).toMatchObject({ status: 'deauthorized', reason: 'app_deauthorized', zoomUserId: u.zoomUserId, zoomAccountId: null });
  });

  test('invalid_grant on refresh: one connection.needs_reauth', async () => {
    const u = await connected('grant');
    // Zoom processes the refresh and the answer is lost: the retry meets invalid_grant.
    await zoom.faults({ loseTokenResponses: 1 });
    try {
      expect((await client.post(REFRESH, { jwt: u.jwt })).body).toMatchObject({ code: 'needs_reauth' });
    } finally {
      await zoom.faults({});
    }
    expect(await receivedTypes(u.userId)).toEqual(['connection.connected', 'connection.needs_reauth']);
    expect(receiver.deliveries.find((d) => d.type === 'connection.needs_reauth' && d.data.appUserId === u.userId)?.data).toMatchObject({
      status: 'needs_reauth',
      reason: 'invalid_grant',
    });
  });

  test('the fifth failed refresh emits connection.inactive (the four before it nothing); the next success connection.reactivated', async () => {
    const u = await connected('failing');
    await zoom.faults({ tokenEndpointDown: true });
    try {
      for (let i = 0; i < 6; i++) expect((await client.post(REFRESH, { jwt: u.jwt })).status).toBe(503);
    } finally {
      await zoom.faults({});
    }
    expect((await client.post(REFRESH, { jwt: u.jwt })).status).toBe(200);
    expect(await receivedTypes(u.userId)).toEqual(['connection.connected', 'connection.inactive', 'connection.reactivated']);
  });

  test('an access token that no longer decrypts: one connection.needs_reauth with reason token_unreadable', async () => {
    const u = await connected('unreadable');
    const store = stack.service.store;
    if (!(store instanceof SqlStore)) throw new Error('the service runs on the SQL store');
    // One character of the sealed access token changed: its authentication tag no longer matches.
    await store.db.query(
      `UPDATE connections SET access_token_enc = overlay(access_token_enc placing
         CASE WHEN substr(access_token_enc, 30, 1) = 'A' THEN 'B' ELSE 'A' END from 30 for 1)
       WHERE user_id = $1`,
      [u.userId],
    );
    expect((await client.get(PROFILE, { jwt: u.jwt })).body).toMatchObject({ code: 'needs_reauth' });
    expect((await client.get(PROFILE, { jwt: u.jwt })).body).toMatchObject({ code: 'needs_reauth' });
    expect(await receivedTypes(u.userId)).toEqual(['connection.connected', 'connection.needs_reauth']);
    expect(receiver.deliveries.find((d) => d.type === 'connection.needs_reauth' && d.data.appUserId === u.userId)?.data).toMatchObject({
      status: 'needs_reauth',
      reason: 'token_unreadable',
    });
  });

  test('/metrics reports deliveries, their delay, and pending and dead counts', async () => {
    const u = await connected('metrics');
    await receivedTypes(u.userId);
    const metrics = (await client.get('/metrics')).text;
    expect(metrics).toMatch(/zoom_connect_events_delivered_total\{type="connection.connected"\} [1-9]/);
    expect(metrics).toMatch(/zoom_connect_events_delivery_delay_seconds_count [1-9]/);
    expect(metrics).toContain('zoom_connect_events_outbox{status="pending"}');
    expect(metrics).toContain('zoom_connect_events_outbox{status="dead"} 0');
  });
});
