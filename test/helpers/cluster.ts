/**
 * Several real instances of the service side by side, as production runs
 * them: the Zoom emulator in this process, and N children each running
 * `node bin/zoom-connect.js serve` against one PostgreSQL database with the
 * same keys and Zoom app. Their output is captured so a failing test can
 * show what the processes said.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SignJWT } from 'jose';
import pg from 'pg';
import { beforeEach } from 'vitest';
import { startEmulator, type EmulatorOptions, type RunningEmulator } from '../../src/emulator/index.js';
import { freePort } from './net.js';
import { connectOverHttp, type ConnectedView } from './connect-over-http.js';
import { EmulatorControl } from './emulator-control.js';
import { http, loopbackAddress, type HttpOptions, type HttpResult } from './raw-http.js';
import { freshDatabaseUrl } from './store-fixtures.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const CLI = path.join(REPO_ROOT, 'bin', 'zoom-connect.js');
const READY_TIMEOUT_MS = 45_000;
const OUTPUT_LIMIT = 64 * 1024;
const FAILURE_OUTPUT_CHARS = 6_000;

export const CLUSTER_CLIENT_ID = 'cluster-client-id';
export const CLUSTER_CLIENT_SECRET = 'cluster-client-secret-0123456789';
export const CLUSTER_JWT_SECRET = 'cluster-app-jwt-secret-at-least-32-bytes-long';
export const CLUSTER_WEBHOOK_SECRET = 'cluster-webhook-secret';

/** Variables of the runner's environment that must not leak into the children's configuration. */
const INHERITED_BLOCKLIST = [/^ZOOM_/, /^DATABASE_URL$/, /^TOKEN_ENCRYPTION_KEYS$/, /^APP_JW/, /^POST_CONNECT_/, /^NODE_ENV$/, /^VITEST/, /^REFRESH_/, /^SWEEP_/];

export interface ClusterOptions {
  processes: number;
  /** Defaults to a fresh database on the run's shared server. */
  databaseUrl?: string;
  emulator?: Partial<Omit<EmulatorOptions, 'clients' | 'port'>>;
  /** Extra environment for every process. */
  env?: Record<string, string>;
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface AppProcess {
  readonly index: number;
  readonly url: string;
  readonly port: number;
  pid(): number | undefined;
  alive(): boolean;
  /** Resolves when the current child exits. */
  exited(): Promise<ExitStatus>;
  output(): string;
}

export interface Cluster {
  readonly emulator: RunningEmulator;
  readonly zoom: EmulatorControl;
  readonly databaseUrl: string;
  /** TOKEN_ENCRYPTION_KEYS of every process, so a test can read what they stored. */
  readonly encryptionKeys: string;
  readonly apps: AppProcess[];
  url(i: number): string;
  /** Sends a request to process `i`. */
  request(i: number, pathAndQuery: string, options?: HttpOptions & { jwt?: string }): Promise<HttpResult>;
  signIn(userId: string): Promise<string>;
  /** Connects `userId` to `zoomUser` through process 0 (the redirect URI's origin), from its own source address. */
  connect(userId: string, zoomUser: string): Promise<ConnectedView>;
  status(i: number, jwt: string): Promise<ConnectedView>;
  /** Sends `signal` to process `i` and waits for it to exit. */
  kill(i: number, signal: NodeJS.Signals): Promise<ExitStatus>;
  /** Starts process `i` again on its port (after it exited). */
  restart(i: number): Promise<void>;
  /** Runs SQL on the cluster's database from the test. */
  sql<R extends pg.QueryResultRow>(text: string, params?: unknown[]): Promise<R[]>;
  /** Every process's captured output, for failure messages. */
  outputs(): string;
  close(): Promise<void>;
}

let connectSequence = 0;

function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!INHERITED_BLOCKLIST.some((re) => re.test(name))) env[name] = value;
  }
  return { ...env, ...extra };
}

class ChildApp implements AppProcess {
  private child: ChildProcess | undefined;
  private exit: Promise<ExitStatus> = Promise.resolve({ code: null, signal: null });
  private captured = '';
  private generation = 0;

  constructor(
    readonly index: number,
    readonly port: number,
    private readonly env: Record<string, string>,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  pid(): number | undefined {
    return this.child?.pid;
  }

  alive(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  exited(): Promise<ExitStatus> {
    return this.exit;
  }

  output(): string {
    return this.captured;
  }

  async start(): Promise<void> {
    this.generation += 1;
    this.captured += `--- start #${this.generation} (port ${this.port}) ---\n`;
    const child = spawn(process.execPath, [CLI, 'serve'], {
      cwd: REPO_ROOT,
      env: childEnv({ ...this.env, PORT: String(this.port) }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    const capture = (chunk: Buffer): void => {
      this.captured += chunk.toString('utf8');
      if (this.captured.length > OUTPUT_LIMIT) this.captured = this.captured.slice(-OUTPUT_LIMIT);
    };
    child.stdout?.on('data', capture);
    child.stderr?.on('data', capture);
    this.exit = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.captured += `--- exited: code ${String(code)}, signal ${String(signal)} ---\n`;
        resolve({ code, signal });
      });
    });
    let spawnError: Error | undefined;
    child.once('error', (err) => {
      spawnError = err;
    });

    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      if (spawnError) throw new Error(`process ${this.index} could not be spawned: ${spawnError.message}`);
      if (!this.alive()) throw new Error(`process ${this.index} exited before it was ready:\n${this.captured}`);
      try {
        const res = await http(`${this.url}/readyz`, { timeoutMs: 2_000 });
        if (res.status === 200) return;
      } catch (err) {
        // Not listening yet (connection refused) or slow: poll again until the deadline.
        if (!(err instanceof Error)) throw err;
      }
      if (Date.now() > deadline) throw new Error(`process ${this.index} was not ready within ${READY_TIMEOUT_MS} ms:\n${this.captured}`);
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
  }

  async signal(signal: NodeJS.Signals): Promise<ExitStatus> {
    if (!this.alive()) return this.exit;
    this.child?.kill(signal);
    return this.exit;
  }
}

/** Starts the emulator and `processes` app processes, all ready. */
export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const ports: number[] = [];
  while (ports.length < options.processes) {
    const port = await freePort();
    if (!ports.includes(port)) ports.push(port);
  }
  const origins = ports.map((p) => `http://127.0.0.1:${p}`);
  const redirectUri = `${origins[0]}/api/zoom/oauth/user-callback`;
  const emulator = await startEmulator({
    ...options.emulator,
    port: 0,
    clients: [
      {
        clientId: CLUSTER_CLIENT_ID,
        clientSecret: CLUSTER_CLIENT_SECRET,
        redirectUris: [redirectUri],
        webhookUrl: `${origins[0]}/api/zoom/webhooks`,
        webhookSecret: CLUSTER_WEBHOOK_SECRET,
      },
    ],
  });
  const databaseUrl = options.databaseUrl ?? (await freshDatabaseUrl());
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'zc-cluster-'));
  const encryptionKeys = `c1:${randomBytes(32).toString('base64')}`;
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    DATABASE_URL: databaseUrl,
    ZOOM_USER_MANAGED_CLIENT_ID: CLUSTER_CLIENT_ID,
    ZOOM_USER_MANAGED_CLIENT_SECRET: CLUSTER_CLIENT_SECRET,
    ZOOM_REDIRECT_URI: redirectUri,
    ZOOM_OAUTH_BASE_URL: emulator.url,
    ZOOM_API_BASE_URL: `${emulator.url}/v2`,
    ZOOM_WEBHOOK_SECRET_TOKEN: CLUSTER_WEBHOOK_SECRET,
    ZOOM_HTTP_TIMEOUT_MS: '3000',
    APP_JWT_SECRET: CLUSTER_JWT_SECRET,
    TOKEN_ENCRYPTION_KEYS: encryptionKeys,
    POST_CONNECT_REDIRECT_URL: 'http://app.example.test/settings/zoom',
    SWEEP_INTERVAL_SECONDS: '0',
    LOG_LEVEL: 'warn',
    ...options.env,
  };
  const apps = ports.map((port, i) => new ChildApp(i, port, env));
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2, options: '-c search_path=zoom_connect' });
  // The dedicated-server tests stop PostgreSQL under this pool: an idle client's error must not crash the runner.
  pool.on('error', () => undefined);
  const zoom = new EmulatorControl(emulator.url);

  const outputs = (): string =>
    apps.map((a) => `===== process ${a.index} (${a.url}), last ${FAILURE_OUTPUT_CHARS} chars =====\n${a.output().slice(-FAILURE_OUTPUT_CHARS)}`).join('\n');
  const close = async (): Promise<void> => {
    await Promise.all(apps.map(async (a) => {
      if (!a.alive()) return;
      const timer = setTimeout(() => void a.signal('SIGKILL'), 10_000);
      await a.signal('SIGTERM');
      clearTimeout(timer);
    }));
    await pool.end();
    await emulator.close();
    await rm(dataDir, { recursive: true, force: true });
  };

  try {
    // Together, as a deployment starts them: the migration lock makes one migrate and the others wait.
    await Promise.all(apps.map((a) => a.start()));
  } catch (err) {
    await close();
    throw err;
  }

  const signIn = (userId: string): Promise<string> =>
    new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(userId)
      .setIssuedAt()
      .setExpirationTime('2h')
      .sign(new TextEncoder().encode(CLUSTER_JWT_SECRET));

  const appAt = (i: number): ChildApp => {
    const app = apps[i];
    if (!app) throw new Error(`no process ${i}`);
    return app;
  };

  const request = (i: number, pathAndQuery: string, opts: HttpOptions & { jwt?: string } = {}): Promise<HttpResult> => {
    const { jwt, ...rest } = opts;
    const headers = { ...(jwt ? { authorization: `Bearer ${jwt}` } : {}), ...rest.headers };
    return http(`${appAt(i).url}${pathAndQuery}`, { ...rest, headers });
  };

  return {
    emulator,
    zoom,
    databaseUrl,
    encryptionKeys,
    apps,
    url: (i) => appAt(i).url,
    request,
    signIn,
    async connect(userId, zoomUser) {
      connectSequence += 1;
      const localAddress = loopbackAddress(connectSequence);
      return connectOverHttp({ appUrl: appAt(0).url, jwt: await signIn(userId), zoomUser, localAddress });
    },
    async status(i, jwt) {
      const res = await request(i, '/api/zoom/oauth/user/status', { jwt });
      if (res.status !== 200) throw new Error(`status on process ${i} answered ${res.status}: ${res.text}`);
      return res.json as ConnectedView;
    },
    kill: (i, signal) => appAt(i).signal(signal),
    restart: (i) => appAt(i).start(),
    async sql<R extends pg.QueryResultRow>(text: string, params: unknown[] = []) {
      const result = await pool.query<R>(text, params);
      return result.rows;
    },
    outputs,
    close,
  };
}

/** Prints every process's output when a test of the enclosing suite fails. */
export function printClusterOutputOnFailure(get: () => Cluster | undefined): void {
  beforeEach((ctx) => {
    ctx.onTestFailed(() => {
      const cluster = get();
      if (cluster) console.error(cluster.outputs());
    });
  });
}
