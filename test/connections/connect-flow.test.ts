/**
 * ConnectFlow against the emulator over HTTP and a real store: what the
 * callback reports when Zoom accepts the code but will not show the profile.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { createLogger } from '../../src/config/logger.js';
import { AuditLog, ConnectFlow, type RequestContext, DEFAULT_RETRY_AFTER_SECONDS } from '../../src/connections/index.js';
import { startEmulator, type EmulatorClient, type RunningEmulator } from '../../src/emulator/index.js';
import type { ZoomTransport } from '../../src/zoom/index.js';
import { CLIENT, control } from '../emulator/helpers.js';
import { zoomClientsFor } from '../helpers/domain.js';
import { BACKENDS, uniqueUserId, useStore } from '../helpers/store-fixtures.js';

const MEETINGS_ONLY: EmulatorClient = {
  clientId: 'zc_meetings_only',
  clientSecret: 'zc_meetings_only_secret_0123',
  redirectUris: CLIENT.redirectUris,
  scopes: ['meeting:read'],
};
const CTX: RequestContext = { ip: '203.0.113.9', userAgent: 'test' };

describe.each(BACKENDS)('connect flow on %s', (backend) => {
  const fx = useStore(backend);
  let emulator: RunningEmulator;
  const logger = createLogger('silent');
  const transports: ZoomTransport[] = [];

  function flowFor(client: EmulatorClient): ConnectFlow {
    const clock = (): Date => new Date();
    const { transport, oauth, api } = zoomClientsFor(emulator.url, client, logger);
    transports.push(transport);
    return new ConnectFlow({ store: fx.store, oauth, api, audit: new AuditLog(fx.store, clock), clock, logger });
  }

  /** Begins a flow, consents at the emulator as a browser would, and finishes the callback with the code. */
  async function connectThrough(flow: ConnectFlow, userId: string): Promise<unknown> {
    const begun = await flow.begin({ userId, existingBinding: undefined, returnTo: null, ctx: CTX });
    const authorize = new URL(begun.authorizationUrl);
    const form = new URLSearchParams({ ...Object.fromEntries(authorize.searchParams), user: `${userId}@example.test`, decision: 'allow' });
    const consent = await fetch(`${emulator.url}/oauth/authorize`, { method: 'POST', body: form, redirect: 'manual' });
    const back = new URL(consent.headers.get('location') ?? '');
    return flow
      .complete({
        state: back.searchParams.get('state'),
        code: back.searchParams.get('code'),
        error: undefined,
        bindingToken: begun.bindingToken,
        sessionUserId: null,
        ctx: CTX,
      })
      .then(
        () => 'connected',
        (err: unknown) => err,
      );
  }

  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, clients: [CLIENT, MEETINGS_ONLY] });
  });
  afterEach(async () => {
    await control(emulator.url, 'faults', {});
  });
  afterAll(async () => {
    for (const t of transports) await t.close();
    await emulator.close();
  });

  test('Zoom refusing the profile after a good code exchange is zoom_rejected_request, not an outage, and nothing is stored', async () => {
    const userId = uniqueUserId('profile-403');
    await control(emulator.url, 'faults', { errorRate: 1, errorStatus: 403, paths: ['/v2/users/me'] });

    const outcome = await connectThrough(flowFor(CLIENT), userId);

    expect(outcome).toMatchObject({ code: 'zoom_rejected_request' });
    expect(await fx.store.connections.get(userId)).toBeNull();
  });

  test('an app without a profile scope gets insufficient_scope at the callback, and nothing is stored', async () => {
    const userId = uniqueUserId('no-user-read');

    const outcome = await connectThrough(flowFor(MEETINGS_ONLY), userId);

    expect(outcome).toMatchObject({ code: 'insufficient_scope' });
    expect(await fx.store.connections.get(userId)).toBeNull();
  });

  test('a Zoom outage while reading the profile stays zoom_unavailable with a Retry-After', async () => {
    const userId = uniqueUserId('profile-503');
    await control(emulator.url, 'faults', { errorRate: 1, errorStatus: 503, paths: ['/v2/users/me'] });

    const outcome = await connectThrough(flowFor(CLIENT), userId);

    // The one Retry-After rule: Zoom said nothing, so the default.
    expect(outcome).toMatchObject({ code: 'zoom_unavailable', extra: { retryAfterSeconds: DEFAULT_RETRY_AFTER_SECONDS } });
    expect(await fx.store.connections.get(userId)).toBeNull();
  });
});
