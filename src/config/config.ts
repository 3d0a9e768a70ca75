import { z } from 'zod';
import { parseMeetingProviders, type MeetingProvidersConfig } from './meeting-providers.js';
import { parseWebhookSecret } from '../events/standard-webhooks.js';
import { parseOpsPort, type OpsPort } from './ops-port.js';
import { describeIssue, refusals } from './refusals.js';

/** A key that encrypts tokens at rest; `kid` is stored beside every ciphertext. */
export interface EncryptionKey {
  kid: string;
  key: Buffer;
}

export type AppAuthConfig =
  | { kind: 'secret'; secret: Uint8Array; issuer?: string; audience?: string }
  | { kind: 'jwks'; jwksUrl: string; issuer?: string; audience?: string }
  | { kind: 'demo' };

export interface Config {
  nodeEnv: string;
  production: boolean;
  /** No Zoom credentials outside production: run the emulator in-process. */
  demo: boolean;
  host: string;
  port: number;
  /** Where /metrics, /docs and /openapi.json are served: beside the API, on a port of their own, or nowhere. */
  opsPort: OpsPort;
  logLevel: string;
  zoom: {
    clientId: string;
    clientSecret: string;
    redirectUri: string;
    oauthBaseUrl: string;
    apiBaseUrl: string;
    webhookSecretToken?: string;
    /** Per-request timeout of every Zoom call; must stay below the refresh lock timeout. */
    httpTimeoutMs: number;
  };
  emulatorPort: number;
  databaseUrl?: string;
  /** The PostgreSQL schema our tables live in (also on PGlite), so none can clash with a host app's. */
  databaseSchema: string;
  dataDir: string;
  /** First key is current; the rest only decrypt. Empty in demo mode until the CLI generates one. */
  encryptionKeys: EncryptionKey[];
  appAuth: AppAuthConfig;
  postConnectRedirectUrl: string;
  /** Extra return URLs a caller may ask for with `returnTo`; exact origins+paths. */
  postConnectRedirectAllowList: string[];
  trustProxy: boolean;
  /** HEAP_GROWTH_PERCENT: how far the standalone service lets V8's old generation grow past the last full collection (0: V8's own rule). */
  heapGrowthPercent: number;
  refresh: {
    /** Refresh when less than this much access-token life remains. */
    skewSeconds: number;
    maxConsecutiveFailures: number;
    cooldownSeconds: number;
    sweepIdleDays: number;
    sweepIntervalSeconds: number;
  };
  /** Appointment meetings: the provider chain and its credentials (src/config/meeting-providers.ts). */
  meetingProviders: MeetingProvidersConfig;
  /** Lifecycle events (src/events): outgoing Standard Webhooks and retry policy. */
  events: EventsConfig;
}

export interface EventsConfig {
  /** APP_WEBHOOK_URL: where events are POSTed; absent, only in-process handlers receive them. */
  webhookUrl?: string;
  /** APP_WEBHOOK_SECRET (`whsec_<base64>`), required with the URL. */
  webhookSecret?: string;
  /** How long an event is retried before it is dead-lettered (EVENT_RETRY_PERIOD, default 3 days). */
  retryPeriodMs: number;
  /** The first retry's delay; later ones double up to an hour (EVENT_RETRY_INITIAL_MS). */
  initialRetryMs: number;
  /** How often a worker looks for events other instances committed (EVENT_POLL_INTERVAL_MS). */
  pollIntervalMs: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const DEMO_CLIENT_ID = 'demo-client-id';
const DEMO_CLIENT_SECRET = 'demo-client-secret-not-for-production';

const optionalString = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

const httpUrl = (name: string) =>
  z
    .string()
    .trim()
    .refine((v) => {
      try {
        const u = new URL(v);
        return u.protocol === 'http:' || u.protocol === 'https:';
      } catch {
        return false;
      }
    }, `${name} must be an absolute http(s) URL`);

const intIn = (min: number, max: number) =>
  z.coerce.number().int().min(min).max(max);

const EnvSchema = z.object({
  NODE_ENV: z.string().default('development'),
  HOST: z.string().trim().min(1).default('127.0.0.1'),
  PORT: intIn(0, 65535).default(4000),
  OPS_PORT: optionalString,
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  HEAP_GROWTH_PERCENT: intIn(0, 1000).default(50),
  ZOOM_USER_MANAGED_CLIENT_ID: optionalString,
  ZOOM_USER_MANAGED_CLIENT_SECRET: optionalString,
  ZOOM_REDIRECT_URI: optionalString.pipe(httpUrl('ZOOM_REDIRECT_URI').optional()),
  ZOOM_OAUTH_BASE_URL: optionalString.pipe(httpUrl('ZOOM_OAUTH_BASE_URL').optional()),
  ZOOM_API_BASE_URL: optionalString.pipe(httpUrl('ZOOM_API_BASE_URL').optional()),
  ZOOM_WEBHOOK_SECRET_TOKEN: optionalString,
  ZOOM_HTTP_TIMEOUT_MS: intIn(100, 60_000).default(10_000),
  EMULATOR_PORT: intIn(0, 65535).default(4010),
  DATABASE_URL: optionalString,
  DATABASE_SCHEMA: z
    .string()
    .trim()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case SQL identifier (a-z, 0-9, _; at most 63 characters)')
    .default('zoom_connect'),
  DATA_DIR: z.string().trim().min(1).default('./.data'),
  TOKEN_ENCRYPTION_KEYS: optionalString,
  APP_JWT_SECRET: optionalString,
  APP_JWKS_URL: optionalString.pipe(httpUrl('APP_JWKS_URL').optional()),
  APP_JWT_ISSUER: optionalString,
  APP_JWT_AUDIENCE: optionalString,
  POST_CONNECT_REDIRECT_URL: optionalString,
  POST_CONNECT_REDIRECT_ALLOW_LIST: optionalString,
  TRUST_PROXY: z.enum(['true', 'false', '1', '0']).default('false'),
  REFRESH_SKEW_SECONDS: intIn(0, 3000).default(300),
  REFRESH_MAX_FAILURES: intIn(1, 100).default(5),
  REFRESH_COOLDOWN_SECONDS: intIn(0, 86_400).default(60),
  SWEEP_IDLE_DAYS: intIn(1, 89).default(80),
  SWEEP_INTERVAL_SECONDS: intIn(0, 86_400).default(300),
  APP_WEBHOOK_URL: optionalString.pipe(httpUrl('APP_WEBHOOK_URL').optional()),
  APP_WEBHOOK_SECRET: optionalString,
  EVENT_RETRY_PERIOD: z
    .string()
    .trim()
    .default('3d')
    .transform((v, ctx) => {
      const ms = parseDuration(v);
      if (ms === undefined) ctx.addIssue({ code: 'custom', message: 'a duration like 3d, 12h, 30m or 90s (1 minute to 30 days)' });
      return ms ?? 0;
    }),
  EVENT_RETRY_INITIAL_MS: intIn(10, 3_600_000).default(5_000),
  EVENT_POLL_INTERVAL_MS: intIn(50, 60_000).default(1_000),
});

/** `<n>d|h|m|s` within 1 minute .. 30 days, in milliseconds. */
function parseDuration(v: string): number | undefined {
  const m = /^(\d{1,6})(d|h|m|s)$/.exec(v);
  if (!m) return undefined;
  const unit = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000 }[m[2] as 'd' | 'h' | 'm' | 's'];
  const ms = Number(m[1]) * unit;
  return ms >= 60_000 && ms <= 30 * 86_400_000 ? ms : undefined;
}

/**
 * Parses `TOKEN_ENCRYPTION_KEYS` (`kid:base64-32-bytes`, comma separated, first
 * is current). Messages name the entry's position and kid, never the key.
 */
export function parseEncryptionKeys(raw: string): { keys: EncryptionKey[]; problems: string[] } {
  const keys: EncryptionKey[] = [];
  const problems: string[] = [];
  const seen = new Set<string>();
  raw.split(',').forEach((entry, index) => {
    const trimmed = entry.trim();
    const sep = trimmed.indexOf(':');
    const where = `TOKEN_ENCRYPTION_KEYS entry ${index + 1}`;
    if (sep <= 0) {
      problems.push(`${where}: expected "kid:base64-of-32-bytes"`);
      return;
    }
    const kid = trimmed.slice(0, sep);
    const material = trimmed.slice(sep + 1);
    if (!/^[A-Za-z0-9._-]{1,32}$/.test(kid)) {
      problems.push(`${where}: key id must be 1-32 characters of A-Z a-z 0-9 . _ -`);
      return;
    }
    if (seen.has(kid)) {
      problems.push(`${where}: key id "${kid}" appears twice`);
      return;
    }
    const key = /^[A-Za-z0-9+/]+={0,2}$/.test(material) ? Buffer.from(material, 'base64') : Buffer.alloc(0);
    if (key.length !== 32) {
      problems.push(`${where} ("${kid}"): expected base64 of exactly 32 bytes, got ${key.length} bytes`);
      return;
    }
    seen.add(kid);
    keys.push({ kid, key });
  });
  return { keys, problems };
}

export interface LoadConfigOptions {
  /**
   * Embedded in a host app, which answers who its user is (`getUserId`):
   * the app JWT settings are neither needed nor used, even in production.
   */
  embedded?: boolean;
  /** How problems name a variable (embedding options name their own keys instead of the variables). */
  nameOf?: (variable: string) => string;
  /** The embedding host hands us its own pg.Pool: no DATABASE_URL is needed, even in production. */
  hostPool?: boolean;
}

/** Reads the environment once into a typed Config, or throws ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, options: LoadConfigOptions = {}): Config {
  const nameOf = options.nameOf ?? ((variable: string) => variable);
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => renameVariables(describeIssue(issue, env), nameOf)));
  }
  const e = parsed.data;
  const production = e.NODE_ENV === 'production';
  const problems: string[] = refusals(e, { hostPool: options.hostPool === true });

  const hasClient = Boolean(e.ZOOM_USER_MANAGED_CLIENT_ID || e.ZOOM_USER_MANAGED_CLIENT_SECRET);
  const demo = !production && !hasClient;
  if (!demo) {
    if (!e.ZOOM_USER_MANAGED_CLIENT_ID) problems.push('ZOOM_USER_MANAGED_CLIENT_ID: required (your Zoom app\'s client id)');
    if (!e.ZOOM_USER_MANAGED_CLIENT_SECRET) problems.push('ZOOM_USER_MANAGED_CLIENT_SECRET: required (your Zoom app\'s client secret)');
    if (!e.ZOOM_REDIRECT_URI) problems.push('ZOOM_REDIRECT_URI: required (the redirect URL registered on your Zoom app)');
  }

  const host = e.HOST;
  const port = e.PORT;
  const ops = parseOpsPort(e.OPS_PORT, port);
  if (ops.problem) problems.push(ops.problem);
  const localBase = `http://localhost:${port}`;
  const emulatorBase = `http://127.0.0.1:${e.EMULATOR_PORT}`;

  let encryptionKeys: EncryptionKey[] = [];
  if (e.TOKEN_ENCRYPTION_KEYS) {
    const r = parseEncryptionKeys(e.TOKEN_ENCRYPTION_KEYS);
    encryptionKeys = r.keys;
    problems.push(...r.problems);
  } else if (production) {
    problems.push('TOKEN_ENCRYPTION_KEYS: required in production ("kid:base64-of-32-bytes", comma separated, current first)');
  }

  let appAuth: AppAuthConfig = { kind: 'demo' };
  const issuer = e.APP_JWT_ISSUER;
  const audience = e.APP_JWT_AUDIENCE;
  if (options.embedded) {
    // The host's getUserId answers who the user is; JWT settings would go unused.
  } else if (e.APP_JWT_SECRET && e.APP_JWKS_URL) {
    problems.push('APP_JWT_SECRET and APP_JWKS_URL: set one, not both');
  } else if (e.APP_JWT_SECRET) {
    if (Buffer.byteLength(e.APP_JWT_SECRET) < 32) {
      problems.push('APP_JWT_SECRET: must be at least 32 bytes for HS256');
    }
    appAuth = { kind: 'secret', secret: new TextEncoder().encode(e.APP_JWT_SECRET), issuer, audience };
  } else if (e.APP_JWKS_URL) {
    if (production && (!issuer || !audience)) {
      problems.push('APP_JWT_ISSUER and APP_JWT_AUDIENCE: required with APP_JWKS_URL in production');
    }
    appAuth = { kind: 'jwks', jwksUrl: e.APP_JWKS_URL, issuer, audience };
  } else if (production) {
    problems.push('APP_JWT_SECRET or APP_JWKS_URL: required in production (how app users are authenticated)');
  }

  if (production && !e.ZOOM_WEBHOOK_SECRET_TOKEN) {
    problems.push('ZOOM_WEBHOOK_SECRET_TOKEN: required in production (verifies Zoom\'s app_deauthorized events)');
  }

  const postConnect = e.POST_CONNECT_REDIRECT_URL ?? (demo ? `${localBase}/` : undefined);
  if (!postConnect) {
    problems.push('POST_CONNECT_REDIRECT_URL: required outside demo mode (where the browser lands after connecting)');
  } else if (!isAbsoluteHttpUrl(postConnect)) {
    problems.push('POST_CONNECT_REDIRECT_URL: must be an absolute http(s) URL');
  }
  const allowList = (e.POST_CONNECT_REDIRECT_ALLOW_LIST ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const u of allowList) {
    if (!isAbsoluteHttpUrl(u)) problems.push(`POST_CONNECT_REDIRECT_ALLOW_LIST: "${u}" is not an absolute http(s) URL`);
  }

  const meetingProviders = parseMeetingProviders(env);
  problems.push(...meetingProviders.problems);
  if (e.APP_WEBHOOK_URL && !e.APP_WEBHOOK_SECRET) {
    problems.push('APP_WEBHOOK_SECRET: required with APP_WEBHOOK_URL ("whsec_" + base64 of 24-64 random bytes)');
  } else if (e.APP_WEBHOOK_SECRET) {
    try {
      parseWebhookSecret(e.APP_WEBHOOK_SECRET);
    } catch (err) {
      problems.push(`APP_WEBHOOK_SECRET: ${err instanceof Error ? err.message : 'malformed'}`);
    }
  }

  if (problems.length > 0) throw new ConfigError(problems.map((p) => renameVariables(p, nameOf)));

  return {
    nodeEnv: e.NODE_ENV,
    production,
    demo,
    host,
    port,
    opsPort: ops.opsPort,
    logLevel: e.LOG_LEVEL,
    zoom: {
      clientId: e.ZOOM_USER_MANAGED_CLIENT_ID ?? DEMO_CLIENT_ID,
      clientSecret: e.ZOOM_USER_MANAGED_CLIENT_SECRET ?? DEMO_CLIENT_SECRET,
      redirectUri: e.ZOOM_REDIRECT_URI ?? `${localBase}/api/zoom/oauth/user-callback`,
      oauthBaseUrl: stripSlash(e.ZOOM_OAUTH_BASE_URL ?? (demo ? emulatorBase : 'https://zoom.us')),
      apiBaseUrl: stripSlash(e.ZOOM_API_BASE_URL ?? (demo ? `${emulatorBase}/v2` : 'https://api.zoom.us/v2')),
      webhookSecretToken: e.ZOOM_WEBHOOK_SECRET_TOKEN,
      httpTimeoutMs: e.ZOOM_HTTP_TIMEOUT_MS,
    },
    emulatorPort: e.EMULATOR_PORT,
    databaseUrl: e.DATABASE_URL,
    databaseSchema: e.DATABASE_SCHEMA,
    dataDir: e.DATA_DIR,
    encryptionKeys,
    appAuth,
    postConnectRedirectUrl: postConnect as string,
    postConnectRedirectAllowList: allowList,
    trustProxy: e.TRUST_PROXY === 'true' || e.TRUST_PROXY === '1',
    heapGrowthPercent: e.HEAP_GROWTH_PERCENT,
    refresh: {
      skewSeconds: e.REFRESH_SKEW_SECONDS,
      maxConsecutiveFailures: e.REFRESH_MAX_FAILURES,
      cooldownSeconds: e.REFRESH_COOLDOWN_SECONDS,
      sweepIdleDays: e.SWEEP_IDLE_DAYS,
      sweepIntervalSeconds: e.SWEEP_INTERVAL_SECONDS,
    },
    meetingProviders: meetingProviders.config,
    events: {
      webhookUrl: e.APP_WEBHOOK_URL,
      webhookSecret: e.APP_WEBHOOK_SECRET,
      retryPeriodMs: e.EVENT_RETRY_PERIOD,
      initialRetryMs: e.EVENT_RETRY_INITIAL_MS,
      pollIntervalMs: e.EVENT_POLL_INTERVAL_MS,
    },
  };
}

/** Problems name variables in upper snake case; `nameOf` may name them otherwise. */
function renameVariables(problem: string, nameOf: (variable: string) => string): string {
  return problem.replace(/\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b/g, (variable) => nameOf(variable));
}

function isAbsoluteHttpUrl(v: string): boolean {
  try {
    const u = new URL(v);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

function stripSlash(u: string): string {
  return u.endsWith('/') ? u.slice(0, -1) : u;
}

/**
 * Configuration as an object instead of the environment (embedding): each
 * key stands for the environment variable beside it and goes through the
 * same validation; problems name the key. Lists may be arrays.
 */
export interface ZoomConnectSettings {
  /** ZOOM_USER_MANAGED_CLIENT_ID */
  clientId?: string | undefined;
  /** ZOOM_USER_MANAGED_CLIENT_SECRET */
  clientSecret?: string | undefined;
  /** ZOOM_REDIRECT_URI: `https://your.app/api/zoom/oauth/user-callback`, as registered on the Zoom app. */
  redirectUri?: string | undefined;
  /** ZOOM_OAUTH_BASE_URL */
  oauthBaseUrl?: string | undefined;
  /** ZOOM_API_BASE_URL */
  apiBaseUrl?: string | undefined;
  /** ZOOM_WEBHOOK_SECRET_TOKEN */
  webhookSecretToken?: string | undefined;
  /** ZOOM_HTTP_TIMEOUT_MS */
  httpTimeoutMs?: number | undefined;
  /** DATABASE_URL (absent, and no `pool`: PGlite in `dataDir`) */
  databaseUrl?: string | undefined;
  /** DATABASE_SCHEMA (default `zoom_connect`) */
  databaseSchema?: string | undefined;
  /** DATA_DIR */
  dataDir?: string | undefined;
  /** TOKEN_ENCRYPTION_KEYS: `kid:base64-32-bytes`, current first. */
  tokenEncryptionKeys?: string | string[] | undefined;
  /** POST_CONNECT_REDIRECT_URL */
  postConnectRedirectUrl?: string | undefined;
  /** POST_CONNECT_REDIRECT_ALLOW_LIST */
  postConnectRedirectAllowList?: string | string[] | undefined;
  /** LOG_LEVEL */
  logLevel?: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent' | undefined;
  /** NODE_ENV (default: the process's) */
  nodeEnv?: string | undefined;
  /** PORT: the host's, for the demo-mode redirect URI. */
  port?: number | undefined;
  /** EMULATOR_PORT: demo mode's in-process emulator. */
  emulatorPort?: number | undefined;
  /** REFRESH_SKEW_SECONDS */
  refreshSkewSeconds?: number | undefined;
  /** REFRESH_MAX_FAILURES */
  refreshMaxFailures?: number | undefined;
  /** REFRESH_COOLDOWN_SECONDS */
  refreshCooldownSeconds?: number | undefined;
  /** SWEEP_IDLE_DAYS */
  sweepIdleDays?: number | undefined;
  /** SWEEP_INTERVAL_SECONDS */
  sweepIntervalSeconds?: number | undefined;
  /** APP_WEBHOOK_URL: lifecycle events are POSTed there (docs/events.md). */
  appWebhookUrl?: string | undefined;
  /** APP_WEBHOOK_SECRET: `whsec_<base64>`, required with the URL. */
  appWebhookSecret?: string | undefined;
  /** EVENT_RETRY_PERIOD: e.g. `3d`, `12h`. */
  eventRetryPeriod?: string | undefined;
  /** EVENT_RETRY_INITIAL_MS */
  eventRetryInitialMs?: number | undefined;
  /** EVENT_POLL_INTERVAL_MS */
  eventPollIntervalMs?: number | undefined;
}

const SETTING_VARIABLES: Readonly<Record<keyof ZoomConnectSettings, string>> = {
  clientId: 'ZOOM_USER_MANAGED_CLIENT_ID',
  clientSecret: 'ZOOM_USER_MANAGED_CLIENT_SECRET',
  redirectUri: 'ZOOM_REDIRECT_URI',
  oauthBaseUrl: 'ZOOM_OAUTH_BASE_URL',
  apiBaseUrl: 'ZOOM_API_BASE_URL',
  webhookSecretToken: 'ZOOM_WEBHOOK_SECRET_TOKEN',
  httpTimeoutMs: 'ZOOM_HTTP_TIMEOUT_MS',
  databaseUrl: 'DATABASE_URL',
  databaseSchema: 'DATABASE_SCHEMA',
  dataDir: 'DATA_DIR',
  tokenEncryptionKeys: 'TOKEN_ENCRYPTION_KEYS',
  postConnectRedirectUrl: 'POST_CONNECT_REDIRECT_URL',
  postConnectRedirectAllowList: 'POST_CONNECT_REDIRECT_ALLOW_LIST',
  logLevel: 'LOG_LEVEL',
  nodeEnv: 'NODE_ENV',
  port: 'PORT',
  emulatorPort: 'EMULATOR_PORT',
  refreshSkewSeconds: 'REFRESH_SKEW_SECONDS',
  refreshMaxFailures: 'REFRESH_MAX_FAILURES',
  refreshCooldownSeconds: 'REFRESH_COOLDOWN_SECONDS',
  sweepIdleDays: 'SWEEP_IDLE_DAYS',
  sweepIntervalSeconds: 'SWEEP_INTERVAL_SECONDS',
  appWebhookUrl: 'APP_WEBHOOK_URL',
  appWebhookSecret: 'APP_WEBHOOK_SECRET',
  eventRetryPeriod: 'EVENT_RETRY_PERIOD',
  eventRetryInitialMs: 'EVENT_RETRY_INITIAL_MS',
  eventPollIntervalMs: 'EVENT_POLL_INTERVAL_MS',
};

/**
 * Embedded configuration: from `settings` when given (NODE_ENV still the
 * process's unless `nodeEnv` says), else from `env`. Throws ConfigError
 * naming every unknown key and bad value.
 */
export function loadEmbeddedConfig(settings: ZoomConnectSettings | undefined, env: NodeJS.ProcessEnv = process.env, hostPool = false): Config {
  if (settings === undefined) return loadConfig(env, { embedded: true, hostPool });
  if (typeof settings !== 'object' || settings === null || Array.isArray(settings)) {
    throw new ConfigError(['config: must be an object of settings (or left out to read the environment)']);
  }
  const optionOf = new Map<string, string>(Object.entries(SETTING_VARIABLES).map(([key, variable]) => [variable, key]));
  const fromSettings: NodeJS.ProcessEnv = { NODE_ENV: env.NODE_ENV };
  const problems: string[] = [];
  for (const [key, value] of Object.entries(settings)) {
    const variable = Object.hasOwn(SETTING_VARIABLES, key) ? SETTING_VARIABLES[key as keyof ZoomConnectSettings] : undefined;
    if (variable === undefined) {
      problems.push(`config.${key}: not a setting (known: ${Object.keys(SETTING_VARIABLES).join(', ')})`);
    } else if (Array.isArray(value) && value.every((v) => typeof v === 'string')) {
      fromSettings[variable] = value.join(',');
    } else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      fromSettings[variable] = String(value);
    } else if (value !== undefined) {
      problems.push(`config.${key}: must be a ${Array.isArray(value) ? 'list of strings' : 'string or number'}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return loadConfig(fromSettings, { embedded: true, hostPool, nameOf: (variable) => `config.${optionOf.get(variable) ?? variable}` });
}
