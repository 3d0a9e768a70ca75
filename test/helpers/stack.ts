import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { SignJWT } from 'jose';
import { loadConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/config/logger.js';
import type { Clock } from '../../src/connections/context.js';
import { startEmulator, type EmulatorOptions, type RunningEmulator } from '../../src/emulator/index.js';
import { startService, type RunningService } from '../../src/service.js';
import { afterAll, beforeAll } from 'vitest';
import { EmulatorControl } from './emulator-control.js';
import { ServiceClient } from './http-client.js';
import { freePort } from './net.js';
import { freshDatabaseUrl } from './store-fixtures.js';

export const TEST_CLIENT_ID = 'test-client-id';
export const TEST_CLIENT_SECRET = 'test-client-secret-0123456789';
export const TEST_JWT_SECRET = 'test-app-jwt-secret-that-is-at-least-32-bytes';
export const TEST_WEBHOOK_SECRET = 'test-webhook-secret-token';
export const AFTER_CONNECT_URL = 'http://app.example.test/settings/zoom';

/** The non-demo environment every test service shares: our test client at `emulatorUrl`, a fresh key. */
export function testEnv(baseUrl: string, emulatorUrl: string, dataDir: string): Record<string, string> {
  return {
    NODE_ENV: 'test',
    ZOOM_USER_MANAGED_CLIENT_ID: TEST_CLIENT_ID,
    ZOOM_USER_MANAGED_CLIENT_SECRET: TEST_CLIENT_SECRET,
    ZOOM_REDIRECT_URI: `${baseUrl}/api/zoom/oauth/user-callback`,
    ZOOM_OAUTH_BASE_URL: emulatorUrl,
    ZOOM_API_BASE_URL: `${emulatorUrl}/v2`,
    ZOOM_WEBHOOK_SECRET_TOKEN: TEST_WEBHOOK_SECRET,
    TOKEN_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
    POST_CONNECT_REDIRECT_URL: AFTER_CONNECT_URL,
    DATA_DIR: dataDir,
  };
}

/** A clock tests can move forward (state expiry, token expiry). */
export class TestClock {
  private offsetMs = 0;
  readonly now: Clock = () => new Date(Date.now() + this.offsetMs);
  advance(ms: number): void {
    this.offsetMs += ms;
  }
}

export interface TestStack {
  service: RunningService;
  emulator: RunningEmulator;
  /** The app's base URL (the redirect URI's origin). */
  baseUrl: string;
  clock: TestClock;
  /** Every log line the service wrote, for "no secret in logs" checks. */
  logs: string[];
  signIn(userId: string, opts?: { expiresInSeconds?: number; secret?: string }): Promise<string>;
  close(): Promise<void>;
}

export interface StackOptions {
  db?: 'pglite' | 'postgres';
  emulator?: Partial<EmulatorOptions>;
  env?: Record<string, string>;
  rateLimit?: boolean;
}

/**
 * The whole system in this process over real sockets: the emulator on a free
 * port, the service (non-demo configuration pointing at it) on another, with
 * PGlite in a temp dir or a fresh database on the run's PostgreSQL server.
 */
/** One stack per test file: started before its tests, closed after, with a client for the service and one for the emulator. */
export interface StackFixture {
  readonly stack: TestStack;
  readonly client: ServiceClient;
  readonly zoom: EmulatorControl;
}

export function useStack(options: StackOptions = {}): StackFixture {
  let running: { stack: TestStack; client: ServiceClient; zoom: EmulatorControl } | undefined;
  beforeAll(async () => {
    const stack = await startStack(options);
    running = { stack, client: new ServiceClient(stack.baseUrl), zoom: new EmulatorControl(stack.emulator.url) };
  });
  afterAll(async () => {
    await running?.stack.close();
  });
  const get = (): NonNullable<typeof running> => {
    if (!running) throw new Error('useStack: the stack is started in beforeAll; use it inside tests and hooks');
    return running;
  };
  return {
    get stack() {
      return get().stack;
    },
    get client() {
      return get().client;
    },
    get zoom() {
      return get().zoom;
    },
  };
}

export async function startStack(options: StackOptions = {}): Promise<TestStack> {
  const port = await freePort();
  const baseUrl = `http://localhost:${port}`;
  const emulator = await startEmulator({
    port: 0,
    ...options.emulator,
    clients: [
      {
        clientId: TEST_CLIENT_ID,
        clientSecret: TEST_CLIENT_SECRET,
        redirectUris: [`${baseUrl}/api/zoom/oauth/user-callback`],
        webhookUrl: `${baseUrl}/api/zoom/webhooks`,
        webhookSecret: TEST_WEBHOOK_SECRET,
        ...options.emulator?.clients?.[0],
      },
    ],
  });
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'zc-stack-'));

  const config = loadConfig({
    ...testEnv(baseUrl, emulator.url, dataDir),
    HOST: '127.0.0.1',
    PORT: String(port),
    LOG_LEVEL: 'info',
    ZOOM_HTTP_TIMEOUT_MS: '2000',
    APP_JWT_SECRET: TEST_JWT_SECRET,
    SWEEP_INTERVAL_SECONDS: '0',
    REFRESH_COOLDOWN_SECONDS: '1',
    ...(options.db === 'postgres' ? { DATABASE_URL: await freshDatabaseUrl() } : {}),
    ...options.env,
  });
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logs.push(chunk.toString('utf8'));
      done();
    },
  });
  const clock = new TestClock();
  const service = await startService(config, { logger: createLogger('debug', sink), clock: clock.now, rateLimit: options.rateLimit });

  return {
    service,
    emulator,
    baseUrl,
    clock,
    logs,
    signIn: (userId, opts = {}) =>
      new SignJWT({})
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(userId)
        .setIssuedAt()
        .setExpirationTime(Math.floor(Date.now() / 1000) + (opts.expiresInSeconds ?? 3600))
        .sign(new TextEncoder().encode(opts.secret ?? TEST_JWT_SECRET)),
    async close() {
      await service.close();
      await emulator.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
