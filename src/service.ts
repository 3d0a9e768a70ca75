import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { setUpGoogleMeet } from './appointments/google-setup.js';
import { createAppointments, type AppointmentMeetings } from './appointments/index.js';
import type pg from 'pg';
import { parseEncryptionKeys, type Config, type EncryptionKey } from './config/config.js';
import { limitHeapGrowth } from './config/heap-growth.js';
import { createLogger, type Logger } from './config/logger.js';
import { createConnections, systemClock, type Clock, type Connections } from './connections/index.js';
import { generateKeyString, TokenCipher } from './crypto/index.js';
import type { RunningEmulator } from './emulator/index.js';
import type { GoogleAccessTokenFunction } from './google/index.js';
import type { RunningGoogleEmulator } from './google-emulator/index.js';
import { LifecycleEvents } from './events/index.js';
import { RecentEvents } from './events/recent-events.js';
import type { ZoomConnectPluginOptions } from './http/plugin-options.js';
import { createBearerAuthenticator } from './http/auth.js';
import { RefreshSweeper } from './jobs/refresh-sweeper.js';
import { CensusJob, ServiceMetrics } from './metrics/index.js';
import type { RunningOpsServer } from './http/ops-server.js';
import { openStore } from './store/index.js';
import type { Store } from './store/types.js';
import { ZoomApi, ZoomOAuthClient, ZoomTransport } from './zoom/index.js';

export interface ServiceOptions {
  logger?: Logger;
  clock?: Clock;
  /** Benchmarks turn the connect-route rate limits off. */
  rateLimit?: boolean;
  /** Listen on this port instead of config.port (tests pass 0). */
  port?: number;
  poolMax?: number;
  /** Embedded: the host app's own Google access token for a host (instead of a service account key file). */
  googleAccessToken?: GoogleAccessTokenFunction;
  /** This instance's metrics; by default a registry of its own (never prom-client's global one). */
  metrics?: ServiceMetrics;
  /** Share the host app's PostgreSQL pool instead of opening one on DATABASE_URL (never ended by us). */
  pool?: pg.Pool | undefined;
}

/** Everything but HTTP: what an embedding app needs to mount the routes itself. */
export interface ZoomConnect {
  config: Config;
  logger: Logger;
  store: Store;
  connections: Connections;
  appointments: AppointmentMeetings;
  sweeper: RefreshSweeper;
  /** Lifecycle events: `events.on(type, handler)`, then `events.start()` in every instance (startService does). */
  events: LifecycleEvents;
  /** Prometheus metrics of this instance (docs/operations.md). */
  metrics: ServiceMetrics;
  /** Counts connections by status into the metrics; startService starts it, an embedding host calls start() to. */
  census: CensusJob;
  emulator: RunningEmulator | undefined;
  /** Options for the Fastify plugin (src/http/plugin.ts) given the host's way of knowing its user. */
  pluginOptions(getUserId: ZoomConnectPluginOptions['getUserId'], extra?: Partial<ZoomConnectPluginOptions>): ZoomConnectPluginOptions;
  close(): Promise<void>;
}

export interface RunningService extends ZoomConnect {
  app: FastifyInstance;
  url: string;
  /** OPS_PORT set to a port: where /metrics, /docs and /openapi.json are served. */
  opsUrl: string | undefined;
}

/** Demo mode's emulated Server-to-Server app: not a secret, the emulator exists only in this process. */
const DEMO_S2S = { accountId: 'demo-account', clientId: 'demo-s2s-client-id', clientSecret: 'demo-s2s-client-secret' };

/** How long shutdown lets in-flight requests and refreshes finish before abandoning Zoom calls (their transactions roll back). */
const SHUTDOWN_GRACE_MS = 10_000;

/**
 * The composition root: config → store → Zoom clients → domain. In demo
 * mode it also starts the emulator in-process and generates the encryption
 * key and secrets into the data directory, with a warning.
 */
export async function createZoomConnect(input: Config, options: Omit<ServiceOptions, 'port' | 'rateLimit'> = {}): Promise<ZoomConnect> {
  const logger = options.logger ?? createLogger(input.logLevel);
  const clock = options.clock ?? systemClock;
  let config = await resolveLocalSecrets(input, logger);

  let emulator: RunningEmulator | undefined;
  let googleEmulator: RunningGoogleEmulator | undefined;
  if (config.demo) {
    // Only demo mode pays for loading the emulator.
    const { startEmulator } = await import('./emulator/index.js');
    // The account's Server-to-Server app, the chain's second provider, exists in the emulator too.
    const s2s = config.meetingProviders.zoomS2S ?? DEMO_S2S;
    config = { ...config, meetingProviders: { ...config.meetingProviders, zoomS2S: s2s } };
    emulator = await startEmulator({
      serverToServer: s2s,
      port: config.emulatorPort,
      host: '127.0.0.1',
      clients: [
        {
          clientId: config.zoom.clientId,
          clientSecret: config.zoom.clientSecret,
          redirectUris: [config.zoom.redirectUri],
          name: 'Zoom Connect demo',
          webhookUrl: `${new URL(config.zoom.redirectUri).origin}/api/zoom/webhooks`,
          webhookSecret: config.zoom.webhookSecretToken,
        },
      ],
    });
    logger.warn({ emulator: emulator.url }, 'demo mode: Zoom is emulated in-process; set ZOOM_USER_MANAGED_CLIENT_ID/SECRET for real Zoom');
    if (!config.meetingProviders.googleServiceAccountKeyFile) {
      // Google Meet, the last provider of the chain, is emulated too, with a key file of its own making.
      const { startGoogleEmulator } = await import('./google-emulator/index.js');
      const keyFile = join(config.dataDir, 'demo-google-service-account.json');
      await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
      googleEmulator = await startGoogleEmulator({ host: '127.0.0.1', serviceAccountOut: keyFile });
      config = { ...config, meetingProviders: { ...config.meetingProviders, googleServiceAccountKeyFile: keyFile, googleCalendarApiBaseUrl: googleEmulator.calendarApiUrl } };
    }
  }

  const metrics = options.metrics ?? new ServiceMetrics();
  const transport = new ZoomTransport({ timeoutMs: config.zoom.httpTimeoutMs, logger, metrics });
  // Two token calls (the one retry when no answer came) plus margin: whoever waits
  // for a connection's lock (a refresh, a connect, a disconnect) outwaits a healthy holder.
  const lockTimeoutMs = transport.longestCallMs * 2 + 5_000;
  let store: Store;
  try {
    store = await openStore({
      databaseUrl: config.databaseUrl,
      pool: options.pool,
      schema: config.databaseSchema,
      dataDir: join(config.dataDir, 'pglite'),
      cipher: new TokenCipher(config.encryptionKeys),
      logger,
      poolMax: options.poolMax,
      lockTimeoutMs,
    });
  } catch (err) {
    await transport.close();
    await emulator?.close();
    await googleEmulator?.close();
    throw err;
  }
  let googleMeet: Awaited<ReturnType<typeof setUpGoogleMeet>>;
  try {
    await store.migrate();
    googleMeet = await setUpGoogleMeet(config.meetingProviders, { logger, timeoutMs: config.zoom.httpTimeoutMs, accessToken: options.googleAccessToken });
  } catch (err) {
    await store.close();
    await transport.close();
    await emulator?.close();
    await googleEmulator?.close();
    throw err;
  }

  const connections = createConnections({
    store,
    oauth: new ZoomOAuthClient(config.zoom, transport),
    api: new ZoomApi(transport, config.zoom.apiBaseUrl),
    clock,
    logger,
    metrics,
    policy: {
      skewSeconds: config.refresh.skewSeconds,
      maxConsecutiveFailures: config.refresh.maxConsecutiveFailures,
      cooldownSeconds: config.refresh.cooldownSeconds,
      lockTimeoutMs,
    },
  });
  const appointments = createAppointments({
    config: config.meetingProviders,
    store,
    tokens: connections.tokens,
    transport,
    zoom: { oauthBaseUrl: config.zoom.oauthBaseUrl, apiBaseUrl: config.zoom.apiBaseUrl },
    clock,
    logger,
    // A holder may call two providers and reconcile a lost create: twice a refresh's wait.
    lockTimeoutMs: lockTimeoutMs * 2,
    googleMeet: googleMeet?.provider,
    metrics,
  });
  const sweeper = new RefreshSweeper(
    { store, tokens: connections.tokens, logger, clock, metrics },
    { idleDays: config.refresh.sweepIdleDays, intervalMs: config.refresh.sweepIntervalSeconds * 1000, batchSize: 100, concurrency: 4 },
  );

  const events = new LifecycleEvents({ outbox: store.outbox, config: config.events, logger, metricsRegistry: metrics.registry });
  const census = new CensusJob({ census: () => store.census(), metrics, logger, clock });

  let closing: Promise<void> | undefined;
  return {
    config,
    logger,
    store,
    connections,
    appointments,
    sweeper,
    events,
    metrics,
    census,
    emulator,
    pluginOptions: (getUserId, extra = {}) => ({
      connections,
      appointments,
      getUserId,
      postConnectRedirectUrl: config.postConnectRedirectUrl,
      postConnectRedirectAllowList: config.postConnectRedirectAllowList,
      secureCookies: config.zoom.redirectUri.startsWith('https:'),
      webhookSecretToken: config.zoom.webhookSecretToken,
      clientId: config.zoom.clientId,
      ...extra,
    }),
    close: () => {
      closing ??= (async () => {
        const abandon = setTimeout(() => connections.tokens.shutdown(), SHUTDOWN_GRACE_MS);
        abandon.unref();
        await sweeper.stop();
        await events.stop();
        await census.stop();
        clearTimeout(abandon);
        await store.close();
        await transport.close();
        await googleMeet?.close();
        await emulator?.close();
        await googleEmulator?.close();
      })();
      return closing;
    },
  };
}

/** The standalone service: the core plus the HTTP app, listening. */
export async function startService(config: Config, options: ServiceOptions = {}): Promise<RunningService> {
  // The standalone service owns its process (the embedded API never tunes a host's): set before start-up allocates.
  const heap = limitHeapGrowth(config.heapGrowthPercent);
  const core = await createZoomConnect(config, options);
  core.logger.debug({ heapGrowth: heap }, 'V8 heap growth');
  try {
    const demoJwtSecret =
      core.config.appAuth.kind === 'demo' ? await demoSecret(core.config.dataDir, 'demo-jwt.secret', core.logger) : undefined;
    const authenticate = createBearerAuthenticator(
      core.config.appAuth.kind === 'demo' ? { kind: 'secret', secret: demoJwtSecret as Uint8Array } : core.config.appAuth,
    );
    // Demo mode: an in-process handler feeds the page's events panel (registered before the worker starts).
    const recentEvents = core.config.demo ? new RecentEvents() : undefined;
    if (recentEvents) core.events.on('*', recentEvents.record);
    // Loaded here, not at the top: an embedding host never builds the standalone app (OpenAPI UI, metrics).
    const { buildApp } = await import('./http/app.js');
    const app = await buildApp({ core, authenticate, demoJwtSecret, rateLimit: options.rateLimit, recentEvents });
    const url = await app.listen({ host: core.config.host, port: options.port ?? core.config.port });
    const ops = await startOps(core, app);
    core.sweeper.start();
    core.events.start();
    core.census.start();
    let closing: Promise<void> | undefined;
    return {
      ...core,
      app,
      url,
      opsUrl: ops?.url,
      // In-flight requests (and the refreshes inside them) finish before the store closes.
      close: () => {
        closing ??= (async () => {
          const abandon = setTimeout(() => core.connections.tokens.shutdown(), SHUTDOWN_GRACE_MS);
          abandon.unref();
          // Node closes idle keep-alive connections once, when the server
          // closes; one whose in-flight response ends later (a refresh
          // finishing) would hold the process until the client drops it.
          const closeIdle = setInterval(() => app.server.closeIdleConnections(), 100);
          closeIdle.unref();
          await app.close();
          await ops?.close();
          clearInterval(closeIdle);
          clearTimeout(abandon);
          await core.close();
        })();
        return closing;
      },
    };
  } catch (err) {
    await core.close();
    throw err;
  }
}

/** OPS_PORT set to a port: the operations endpoints on a server of their own (docs/operations.md). */
async function startOps(core: ZoomConnect, app: FastifyInstance): Promise<RunningOpsServer | undefined> {
  const port = core.config.opsPort;
  if (typeof port !== 'number') return undefined;
  try {
    // Loaded only when used, like the standalone app: an embedding host never pays for OpenAPI UI.
    const { startOpsServer } = await import('./http/ops-server.js');
    return await startOpsServer({ host: core.config.host, port, metrics: core.metrics, openapi: () => app.swagger(), logger: core.logger });
  } catch (err) {
    await app.close();
    throw err;
  }
}

/**
 * Outside production, a missing encryption key or webhook secret is
 * generated once into the data directory (so restarts can still decrypt)
 * with a warning. Production never gets here without them: config refuses.
 */
async function resolveLocalSecrets(config: Config, logger: Logger): Promise<Config> {
  if (config.production) return config;
  let encryptionKeys: EncryptionKey[] = config.encryptionKeys;
  if (encryptionKeys.length === 0) {
    const keyFile = join(config.dataDir, 'token-encryption.key');
    const raw = await readOrCreate(keyFile, () => generateKeyString('demo1'));
    const parsed = parseEncryptionKeys(raw.trim());
    if (parsed.problems.length > 0) throw new Error(`${keyFile} is malformed: ${parsed.problems.join('; ')}`);
    encryptionKeys = parsed.keys;
    logger.warn({ keyFile }, 'TOKEN_ENCRYPTION_KEYS not set: using a key generated into the data directory (development only)');
  }
  const webhookSecretToken =
    config.zoom.webhookSecretToken ?? (config.demo ? (await demoSecretText(config.dataDir, 'demo-webhook.secret')) : undefined);
  return { ...config, encryptionKeys, zoom: { ...config.zoom, webhookSecretToken } };
}

async function demoSecret(dataDir: string, file: string, logger: Logger): Promise<Uint8Array> {
  logger.warn('APP_JWT_SECRET not set: demo sign-in uses a secret generated into the data directory');
  return new TextEncoder().encode(await demoSecretText(dataDir, file));
}

async function demoSecretText(dataDir: string, file: string): Promise<string> {
  return (await readOrCreate(join(dataDir, file), () => randomBytes(32).toString('base64url'))).trim();
}

async function readOrCreate(path: string, create: () => string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await mkdir(join(path, '..'), { recursive: true, mode: 0o700 });
  const value = create();
  // 'wx': two processes starting together must not overwrite each other's key.
  try {
    await writeFile(path, `${value}\n`, { mode: 0o600, flag: 'wx' });
    return value;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return readFile(path, 'utf8');
    throw err;
  }
}
