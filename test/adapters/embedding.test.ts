/**
 * One-call embedding (zoomConnectExpress, zoomConnectFastify) and the
 * per-user server API, in host apps against the emulator over HTTP, on PGlite.
 */
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zoomConnectExpress, type ZoomConnectExpress } from '../../src/adapters/express/index.js';
import { zoomConnectFastify } from '../../src/adapters/fastify/index.js';
import { ConfigError, loadConfig, loadEmbeddedConfig } from '../../src/config/config.js';
import { ConnectError } from '../../src/connections/errors.js';
import { createLogger } from '../../src/config/logger.js';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { Browser, consent } from '../helpers/flow.js';
import { freePort } from '../helpers/net.js';
import { sessionCookieUser } from '../helpers/express-host.js';
import { offlineEmbedSettings } from '../helpers/embedded.js';
import { EmulatorControl } from '../helpers/emulator-control.js';
import { TEST_CLIENT_ID, TEST_CLIENT_SECRET } from '../helpers/stack.js';

const ALLOWED_RETURN = 'http://app.example.test/after-zoom';

function productionSettings(): Record<string, string> {
  return {
    clientId: 'id',
    clientSecret: 'secret',
    redirectUri: 'https://app.example.com/api/zoom/oauth/user-callback',
    webhookSecretToken: 'webhook-secret',
    tokenEncryptionKeys: `k1:${randomBytes(32).toString('base64')}`,
    postConnectRedirectUrl: 'https://app.example.com/settings',
    databaseUrl: 'postgres://db.example.com/app',
    nodeEnv: 'production',
  };
}

/** The error a promise rejects with (the test fails if it resolves). */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (err: unknown) => err,
  );
}

describe('embedded configuration', () => {
  it('embedded in production needs no app JWT settings, which the standalone service requires', () => {
    const env = { NODE_ENV: 'production' };
    expect(loadEmbeddedConfig(productionSettings(), env).production).toBe(true);
    const asVariables = {
      NODE_ENV: 'production',
      ZOOM_USER_MANAGED_CLIENT_ID: 'id',
      ZOOM_USER_MANAGED_CLIENT_SECRET: 'secret',
      ZOOM_REDIRECT_URI: 'https://app.example.com/api/zoom/oauth/user-callback',
      ZOOM_WEBHOOK_SECRET_TOKEN: 'w',
      TOKEN_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
      POST_CONNECT_REDIRECT_URL: 'https://app.example.com/settings',
      DATABASE_URL: 'postgres://db.example.com/app',
    };
    expect(() => loadConfig(asVariables)).toThrow(/APP_JWT_SECRET or APP_JWKS_URL/);
    expect(loadConfig(asVariables, { embedded: true }).production).toBe(true);
  });

  it('a bad setting is named by its key, not its environment variable', () => {
    const err = (() => {
      try {
        loadEmbeddedConfig({ ...productionSettings(), redirectUri: 'not a url' }, {});
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems).toEqual(['config.redirectUri: must be an absolute http(s) URL']);
  });

  it('a schema name that is not a plain lower-case identifier is refused by name', () => {
    expect(() => loadConfig({ DATABASE_SCHEMA: 'zoom"; DROP SCHEMA public; --' })).toThrow(/DATABASE_SCHEMA: must be a lower-case SQL identifier/);
    expect(() => loadEmbeddedConfig({ databaseSchema: 'Zoom-Connect' }, {})).toThrow(/config\.databaseSchema: must be a lower-case SQL identifier/);
  });

  it('an unknown setting is refused by name', () => {
    expect(() => loadEmbeddedConfig({ ...productionSettings(), clientSecert: 'typo' } as never, {})).toThrow(/config\.clientSecert: not a setting/);
  });

  it('an unknown option to zoomConnectExpress is refused by name before anything starts', async () => {
    const err = await rejection(zoomConnectExpress({ getUserId: () => null, getUserID: () => null } as never));
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems).toEqual([expect.stringMatching(/^getUserID: not an option of zoomConnectExpress/)]);
  });

  it('a missing getUserId is refused by name', async () => {
    const err = await rejection(zoomConnectExpress({} as never));
    expect((err as ConfigError).problems).toEqual([expect.stringMatching(/^getUserId: required/)]);
  });
});

describe('an Express host embedded in one call', () => {
  let emulator: RunningEmulator;
  let control: EmulatorControl;
  let zoom: ZoomConnectExpress;
  let server: Server;
  let baseUrl: string;
  let dataDir: string;

  beforeAll(async () => {
    const port = await freePort();
    baseUrl = `http://localhost:${port}`;
    const redirectUri = `${baseUrl}/api/zoom/oauth/user-callback`;
    emulator = await startEmulator({ port: 0, clients: [{ clientId: TEST_CLIENT_ID, clientSecret: TEST_CLIENT_SECRET, redirectUris: [redirectUri] }] });
    control = new EmulatorControl(emulator.url);
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'zc-embedding-'));
    zoom = await zoomConnectExpress({
      getUserId: sessionCookieUser,
      logger: createLogger('silent'),
      keepFresh: false,
      config: {
        clientId: TEST_CLIENT_ID,
        clientSecret: TEST_CLIENT_SECRET,
        redirectUri,
        oauthBaseUrl: emulator.url,
        apiBaseUrl: `${emulator.url}/v2`,
        tokenEncryptionKeys: [`k1:${randomBytes(32).toString('base64')}`],
        postConnectRedirectUrl: `${baseUrl}/`,
        postConnectRedirectAllowList: [ALLOWED_RETURN],
        dataDir,
        nodeEnv: 'test',
      },
    });
    const app = express();
    app.use(zoom.router);
    server = await new Promise<Server>((resolve) => {
      const listening = app.listen(port, '127.0.0.1', () => resolve(listening));
    });
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await zoom.close();
    await emulator.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  /** Connects `userId` through the redirecting connect link, as a server-rendered page's link would. */
  async function connect(userId: string): Promise<void> {
    const browser = new Browser();
    browser.cookies.set('session', userId);
    const start = await browser.fetch(`${baseUrl}/api/zoom/oauth/user/connect`);
    const callback = await consent(start.headers.get('location') ?? '', `${userId}@example.test`);
    const landed = await browser.fetch(callback);
    if (landed.status !== 303) throw new Error(`callback answered ${landed.status}`);
  }

  it("the connect link answers 302 to Zoom's consent page and sets the browser-binding cookie", async () => {
    const browser = new Browser();
    browser.cookies.set('session', 'link-user');
    const res = await browser.fetch(`${baseUrl}/api/zoom/oauth/user/connect?returnTo=${encodeURIComponent(ALLOWED_RETURN)}`);
    expect(res.status).toBe(302);
    expect(new URL(res.headers.get('location') ?? '').origin + new URL(res.headers.get('location') ?? '').pathname).toBe(`${emulator.url}/oauth/authorize`);
    expect(browser.cookies.has('zoom_connect_binding')).toBe(true);
  });

  it('the connect link refuses a returnTo off the allow list, as authorize does', async () => {
    const res = await fetch(`${baseUrl}/api/zoom/oauth/user/connect?returnTo=${encodeURIComponent('https://evil.example/')}`, {
      headers: { cookie: 'session=link-user' },
      redirect: 'manual',
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { code: string }).code).toBe('validation_failed');
  });

  it('the connect link without a signed-in user answers 401', async () => {
    const res = await fetch(`${baseUrl}/api/zoom/oauth/user/connect`, { redirect: 'manual' });
    expect(res.status).toBe(401);
  });

  it("the server API lists meetings with Zoom's own query names", async () => {
    await connect('lister');
    const page = await zoom.user('lister').listMeetings({ page_size: 1 });
    expect(page.page_size).toBe(1);
  });

  it('a misspelled option (pageSize) is a validation_failed error naming it, never ignored', async () => {
    const err = await rejection(zoom.user('lister').listMeetings({ pageSize: 3 } as never));
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).code).toBe('validation_failed');
    expect((err as ConnectError).extra.fieldErrors?.map((f) => f.field)).toEqual(['query.pageSize']);
  });

  it('a value of the wrong type is a validation_failed error naming the field', async () => {
    const err = await rejection(zoom.user('lister').listMeetings({ page_size: '3' } as never));
    expect((err as ConnectError).extra.fieldErrors?.map((f) => f.field)).toEqual(['query.page_size']);
  });

  it('a missing user is a validation_failed error naming userId', () => {
    const err = (() => {
      try {
        return zoom.user(undefined as never);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).code).toBe('validation_failed');
    expect((err as ConnectError).extra.fieldErrors?.map((f) => f.field)).toEqual(['userId']);
  });

  it("the generic request reaches any endpoint and, after Zoom's 401 124, refreshes once and retries", async () => {
    await connect('generic');
    await control.expire('generic@example.test');
    const before = await control.snapshot();
    const me = await zoom.user('generic').request({ method: 'GET', path: '/users/me' });
    expect(me?.email).toBe('generic@example.test');
    expect((await before.delta()).refreshGrants).toBe(1);
  });

  it("the generic request maps Zoom's 404 to zoom_not_found", async () => {
    await connect('missing');
    const err = await rejection(zoom.user('missing').request({ method: 'GET', path: '/meetings/1' }));
    expect((err as ConnectError).code).toBe('zoom_not_found');
  });

  it('a generic request path that leaves the API base is refused naming request.path', async () => {
    const err = await rejection(zoom.user('generic').request({ method: 'GET', path: '/users/../../oauth/token' }));
    expect((err as ConnectError).extra.fieldErrors?.map((f) => f.field)).toEqual(['request.path']);
  });

  it('the server API makes, reads and cancels an appointment meeting through the host\'s own Zoom', async () => {
    await connect('booker');
    const appointments = zoom.appointments('booker');
    const made = await appointments.ensure('appt-1', { topic: 'Checkup', startTime: '2031-01-02T10:00:00+01:00', durationMinutes: 30, timezone: 'Europe/Berlin' });
    expect(made.created).toBe(true);
    expect(made.meeting).toMatchObject({ appointmentId: 'appt-1', provider: 'zoom_user', topic: 'Checkup', fallbackReason: null });
    expect(await appointments.get('appt-1')).toMatchObject({ meetingId: made.meeting.meetingId });
    await appointments.cancel('appt-1');
    await appointments.cancel('appt-1');
    expect(await rejection(appointments.get('appt-1'))).toMatchObject({ code: 'appointment_meeting_not_found' });
  });

  it('bad appointment input through the server API is validation_failed naming the field', async () => {
    const appointments = zoom.appointments('booker');
    const local = await rejection(appointments.ensure('appt-2', { topic: 'x', startTime: '2031-01-02T10:00:00', durationMinutes: 30, timezone: 'Europe/Berlin' }));
    expect(local).toMatchObject({ code: 'validation_failed', extra: { fieldErrors: [{ field: 'startTime' }] } });
    const unknown = await rejection(appointments.ensure('appt-2', { topic: 'x', startTime: '2031-01-02T10:00:00Z', durationMinutes: 30, timezone: 'UTC', color: 'blue' } as never));
    expect(unknown).toMatchObject({ extra: { fieldErrors: [{ field: 'color' }] } });
    expect(await rejection(appointments.get('no spaces allowed'))).toMatchObject({ extra: { fieldErrors: [{ field: 'appointmentId' }] } });
    expect(() => zoom.appointments('bad\u0000host')).toThrow(/hostId/);
  });

  it('disconnect through the server API revokes at Zoom and the status says so', async () => {
    await connect('leaver');
    const result = await zoom.user('leaver').disconnect();
    expect(result).toMatchObject({ connected: false, status: 'revoked', revokedAtZoom: true });
    expect((await zoom.user('leaver').status()).status).toBe('revoked');
  });
});

describe('a Fastify host embedded in one call', () => {
  it('serves the user routes for the host\'s user, and closing the app closes Zoom Connect', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'zc-embedding-fastify-'));
    const app = Fastify();
    try {
      const zoom = await zoomConnectFastify(app, {
        getUserId: (request) => {
          const user = request.headers['x-user'];
          return typeof user === 'string' ? user : null;
        },
        logger: createLogger('silent'),
        keepFresh: false,
        config: offlineEmbedSettings(dataDir),
      });
      const signedIn = await app.inject({ method: 'GET', url: '/api/zoom/oauth/user/status', headers: { 'x-user': 'fastify-user' } });
      expect(signedIn.statusCode).toBe(200);
      expect(signedIn.json<{ status: string }>().status).toBe('not_connected');
      expect((await app.inject({ method: 'GET', url: '/api/zoom/oauth/user/status' })).statusCode).toBe(401);

      await app.close();
      await expect(zoom.user('fastify-user').status()).rejects.toThrow();
    } finally {
      await app.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
