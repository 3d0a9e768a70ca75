import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, connectUser } from '../helpers/flow.js';
import { EmulatorControl } from '../helpers/emulator-control.js';
import { closeHttpAgents, http } from '../helpers/raw-http.js';
import { signedDelivery, deliver } from '../helpers/zoom-webhook.js';
import { startStack, type TestStack } from '../helpers/stack.js';
import { sample, scrape } from './scrape.js';

describe('domain metrics move with what they count', () => {
  let stack: TestStack;
  let zoom: EmulatorControl;
  let sequence = 0;

  beforeAll(async () => {
    stack = await startStack({ db: 'postgres', rateLimit: false });
    zoom = new EmulatorControl(stack.emulator.url);
  }, 60_000);

  afterAll(async () => {
    await stack?.close();
    await closeHttpAgents();
  });

  async function connected(label: string): Promise<{ jwt: string; zoomUser: string }> {
    sequence += 1;
    const userId = `${label}-${sequence}`;
    const zoomUser = `${userId}@example.test`;
    const jwt = await stack.signIn(userId);
    expect((await connectUser(stack.baseUrl, jwt, zoomUser)).status).toBe(200);
    return { jwt, zoomUser };
  }

  const metrics = (): Promise<string> => scrape(`${stack.baseUrl}/metrics`);

  it('a successful refresh raises the refreshed counter and times its lock wait', async () => {
    const { jwt } = await connected('refresh-ok');
    const before = await metrics();
    const res = await http(`${stack.baseUrl}/api/zoom/oauth/user/refresh`, { method: 'POST', headers: bearer(jwt) });
    expect(res.status).toBe(200);
    const after = await metrics();
    const refreshed = { trigger: 'manual', outcome: 'refreshed', reason: 'none' };
    expect(sample(after, 'zoom_connect_token_refreshes_total', refreshed) - sample(before, 'zoom_connect_token_refreshes_total', refreshed)).toBe(1);
    expect(sample(after, 'zoom_connect_refresh_lock_wait_seconds_count') - sample(before, 'zoom_connect_refresh_lock_wait_seconds_count')).toBe(1);
    expect(
      sample(after, 'zoom_connect_zoom_requests_total', { operation: 'oauth.token.refresh_token', status_class: '2xx' }) -
        sample(before, 'zoom_connect_zoom_requests_total', { operation: 'oauth.token.refresh_token', status_class: '2xx' }),
    ).toBe(1);
  });

  it('a refresh failure raises the failure counter with its reason', async () => {
    const { jwt } = await connected('refresh-down');
    const failed = { trigger: 'manual', outcome: 'failed', reason: 'zoom_unavailable' };
    const before = sample(await metrics(), 'zoom_connect_token_refreshes_total', failed);
    await zoom.faults({ tokenEndpointDown: true });
    try {
      const res = await http(`${stack.baseUrl}/api/zoom/oauth/user/refresh`, { method: 'POST', headers: bearer(jwt) });
      expect(res.status).toBe(503);
    } finally {
      await zoom.faults({});
    }
    expect(sample(await metrics(), 'zoom_connect_token_refreshes_total', failed) - before).toBe(1);
  });

  it('a refresh Zoom answers with invalid_grant is counted with that reason', async () => {
    const { jwt } = await connected('refresh-lost');
    const grantDead = { trigger: 'manual', outcome: 'failed', reason: 'invalid_grant' };
    const before = sample(await metrics(), 'zoom_connect_token_refreshes_total', grantDead);
    // Zoom processes the refresh and the answer never arrives: the retry presents a rotated token.
    await zoom.faults({ loseTokenResponses: 1 });
    try {
      const res = await http(`${stack.baseUrl}/api/zoom/oauth/user/refresh`, { method: 'POST', headers: bearer(jwt) });
      expect((res.json as { code: string }).code).toBe('needs_reauth');
    } finally {
      await zoom.faults({});
    }
    expect(sample(await metrics(), 'zoom_connect_token_refreshes_total', grantDead) - before).toBe(1);
  });

  it('a deauthorization lowers active and raises deauthorized', async () => {
    const { zoomUser } = await connected('deauth');
    await stack.service.census.countNow();
    const before = await metrics();
    await zoom.deauthorize(zoomUser);
    await stack.service.census.countNow();
    const after = await metrics();
    const count = (text: string, status: string): number => sample(text, 'zoom_connect_connections', { status });
    expect(count(after, 'active') - count(before, 'active')).toBe(-1);
    expect(count(after, 'deauthorized') - count(before, 'deauthorized')).toBe(1);
    expect(
      sample(after, 'zoom_connect_webhooks_received_total', { event: 'app_deauthorized', verification: 'ok' }) -
        sample(before, 'zoom_connect_webhooks_received_total', { event: 'app_deauthorized', verification: 'ok' }),
    ).toBe(1);
  });

  it('a webhook with a bad signature counts as unverified with its reason', async () => {
    const before = sample(await metrics(), 'zoom_connect_webhooks_received_total', { event: 'unverified', verification: 'bad_signature' });
    const res = await deliver(stack.baseUrl, signedDelivery('{"event":"app_deauthorized"}', 'not-the-secret'));
    expect(res.status).toBe(401);
    expect(sample(await metrics(), 'zoom_connect_webhooks_received_total', { event: 'unverified', verification: 'bad_signature' }) - before).toBe(1);
  });

  it('a sweeper pass counts its run and what it refreshed', async () => {
    const before = await metrics();
    await stack.service.sweeper.sweepOnce();
    const after = await metrics();
    expect(sample(after, 'zoom_connect_sweeper_runs_total', { result: 'completed' }) - sample(before, 'zoom_connect_sweeper_runs_total', { result: 'completed' })).toBe(1);
    expect(sample(after, 'zoom_connect_sweeper_last_run_timestamp_seconds')).toBeGreaterThan(0);
  });

  it('the count reports the database up and the oldest connection\'s age, and no label names a user', async () => {
    await stack.service.census.countNow();
    const text = await metrics();
    expect(sample(text, 'zoom_connect_database_up')).toBe(1);
    expect(sample(text, 'zoom_connect_oldest_unrefreshed_connection_age_seconds')).toBeGreaterThanOrEqual(0);
    expect(text).not.toMatch(/user_id|refresh-ok-|deauth-/);
  });
});
