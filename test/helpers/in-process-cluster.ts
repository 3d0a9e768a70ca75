/**
 * Several in-process services on one PostgreSQL database and one emulator,
 * each with its own TestClock: two instances of a deployment whose clocks a
 * test can move (the sweeper works on days of idleness).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { SignJWT } from 'jose';
import { loadConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/config/logger.js';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { startService, type RunningService } from '../../src/service.js';
import { Browser, connectUser } from './flow.js';
import { freePort } from './net.js';
import { EmulatorControl } from './emulator-control.js';
import { TestClock } from './stack.js';
import { freshDatabaseUrl } from './store-fixtures.js';

const CLIENT_ID = 'shared-client-id';
const CLIENT_SECRET = 'shared-client-secret-0123456789';
const JWT_SECRET = 'shared-app-jwt-secret-at-least-32-bytes-long';

export interface SharedServices {
  emulator: RunningEmulator;
  zoom: EmulatorControl;
  services: RunningService[];
  clocks: TestClock[];
  /** The base URL of service 0, whose origin is the redirect URI. */
  baseUrl: string;
  signIn(userId: string): Promise<string>;
  /** Connects through service 0 over HTTP; throws unless the callback answered 200. */
  connect(userId: string, zoomUser: string): Promise<void>;
  /** Moves every service's clock forward. */
  advance(ms: number): void;
  close(): Promise<void>;
}

export async function startSharedServices(count: number, env: Record<string, string> = {}): Promise<SharedServices> {
  const port = await freePort();
  const baseUrl = `http://localhost:${port}`;
  const redirectUri = `${baseUrl}/api/zoom/oauth/user-callback`;
  const emulator = await startEmulator({ port: 0, clients: [{ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, redirectUris: [redirectUri] }] });
  const databaseUrl = await freshDatabaseUrl();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'zc-shared-'));
  const config = loadConfig({
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    ZOOM_USER_MANAGED_CLIENT_ID: CLIENT_ID,
    ZOOM_USER_MANAGED_CLIENT_SECRET: CLIENT_SECRET,
    ZOOM_REDIRECT_URI: redirectUri,
    ZOOM_OAUTH_BASE_URL: emulator.url,
    ZOOM_API_BASE_URL: `${emulator.url}/v2`,
    ZOOM_HTTP_TIMEOUT_MS: '3000',
    APP_JWT_SECRET: JWT_SECRET,
    TOKEN_ENCRYPTION_KEYS: `s1:${randomBytes(32).toString('base64')}`,
    POST_CONNECT_REDIRECT_URL: 'http://app.example.test/settings/zoom',
    DATA_DIR: dataDir,
    DATABASE_URL: databaseUrl,
    SWEEP_INTERVAL_SECONDS: '0',
    ...env,
  });
  const clocks = Array.from({ length: count }, () => new TestClock());
  const services: RunningService[] = [];
  for (const [i, clock] of clocks.entries()) {
    services.push(await startService(config, { logger: createLogger('warn'), clock: clock.now, port: i === 0 ? port : 0, rateLimit: false }));
  }
  const signIn = (userId: string): Promise<string> =>
    new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(userId).setIssuedAt().setExpirationTime('2h').sign(new TextEncoder().encode(JWT_SECRET));
  return {
    emulator,
    zoom: new EmulatorControl(emulator.url),
    services,
    clocks,
    baseUrl,
    signIn,
    async connect(userId, zoomUser) {
      const res = await connectUser(baseUrl, await signIn(userId), zoomUser, new Browser());
      if (res.status !== 200) throw new Error(`connecting ${userId} answered ${res.status}: ${await res.text()}`);
    },
    advance(ms) {
      for (const clock of clocks) clock.advance(ms);
    },
    async close() {
      for (const service of services) await service.close();
      await emulator.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
