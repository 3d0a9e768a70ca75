import type pg from 'pg';
import { ConfigError, loadEmbeddedConfig, type Config, type ZoomConnectSettings } from './config/config.js';
import { createLogger, type Logger } from './config/logger.js';
import { hostAppointments, type HostAppointments } from './appointments/index.js';
import type { Connections } from './connections/index.js';
import { userApi, type ZoomUserApi } from './connections/user-api.js';
import type { LifecycleEvents } from './events/index.js';
import type { ZoomConnectPluginOptions } from './http/plugin-options.js';
import { createZoomConnect } from './service.js';

/** What every one-call embedding takes besides the host's way of knowing its user. */
export interface EmbedOptions {
  /** Settings instead of the environment (same validation; problems name the key). Default: `process.env`. */
  config?: ZoomConnectSettings | undefined;
  /** Share the host's `pg.Pool` instead of opening our own on DATABASE_URL; we never end it. */
  pool?: pg.Pool | undefined;
  /** A pino logger (the host's, or a child of it); default: pino at LOG_LEVEL on stdout. */
  logger?: Logger | undefined;
  /** Keep idle connections' tokens fresh in the background (default true; safe on every instance). */
  keepFresh?: boolean | undefined;
  /**
   * Exact origins (`https://app.example.com`) of frontends on another origin,
   * served with credentialed CORS, whose pages may POST to our routes.
   */
  trustedOrigins?: string[] | undefined;
  /** Check at the callback that the signed-in user is the one who began (default true). */
  checkCallbackUser?: boolean | undefined;
}

export const EMBED_OPTION_NAMES = ['config', 'pool', 'logger', 'keepFresh', 'trustedOrigins', 'checkCallbackUser'] as const;

/** Zoom Connect inside a host app: the routes are mounted by an adapter; this is everything else. */
export interface EmbeddedZoomConnect {
  readonly config: Config;
  readonly logger: Logger;
  /** The domain, for what the per-user API does not cover. */
  readonly connections: Connections;
  /** Lifecycle events: register handlers with `events.on(type, handler)`, then `events.start()` (docs/events.md). */
  readonly events: Pick<LifecycleEvents, 'on' | 'start'>;
  /** One app user's Zoom from server code; throws `validation_failed` naming `userId` when it is not a non-empty string. */
  user(userId: string): ZoomUserApi;
  /** One host's appointment meetings (docs/appointments.md); throws `validation_failed` naming the field for bad input. */
  appointments(hostId: string): HostAppointments;
  /** The Fastify plugin's options for a given way of knowing the user (what the adapters mount). */
  pluginOptions(getUserId: ZoomConnectPluginOptions['getUserId']): ZoomConnectPluginOptions;
  /** Stops the background refresh, closes our database pool (never the host's) and Zoom connections. Idempotent. */
  close(): Promise<void>;
}

/**
 * Refuses what plain JavaScript could pass unnoticed: an option we do not
 * know (a misspelling would otherwise be ignored) or one of the wrong kind.
 */
export function checkOptions(options: unknown, known: readonly string[], entry: string): asserts options is Record<string, unknown> {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new ConfigError([`${entry}: takes an options object ({ getUserId, ... })`]);
  }
  const problems: string[] = [];
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) problems.push(`${key}: not an option of ${entry} (known: ${known.join(', ')})`);
  }
  const o = options as Record<string, unknown>;
  if (typeof o.getUserId !== 'function') problems.push('getUserId: required, a function (request) => the signed-in user id, or null');
  for (const flag of ['keepFresh', 'checkCallbackUser', 'trustProxy']) {
    if (o[flag] !== undefined && typeof o[flag] !== 'boolean') problems.push(`${flag}: must be true or false`);
  }
  if (o.trustedOrigins !== undefined && !(Array.isArray(o.trustedOrigins) && o.trustedOrigins.every((v) => typeof v === 'string'))) {
    problems.push('trustedOrigins: must be a list of origins ("https://app.example.com")');
  }
  if (o.pool !== undefined && !isPool(o.pool)) problems.push('pool: must be a pg.Pool (from the "pg" package)');
  if (problems.length > 0) throw new ConfigError(problems);
}

function isPool(value: unknown): boolean {
  return typeof value === 'object' && value !== null && typeof (value as { connect?: unknown }).connect === 'function' && typeof (value as { query?: unknown }).query === 'function';
}

/** Configuration, database, Zoom clients and background refresh for an embedding adapter. */
export async function embedZoomConnect(options: EmbedOptions): Promise<EmbeddedZoomConnect> {
  const config = loadEmbeddedConfig(options.config, process.env, options.pool !== undefined);
  const logger = options.logger ?? createLogger(config.logLevel);
  const core = await createZoomConnect(config, { logger, pool: options.pool });
  if (options.keepFresh ?? true) core.sweeper.start();
  return {
    config: core.config,
    logger,
    connections: core.connections,
    events: core.events,
    user: (userId) => userApi(core.connections, userId),
    appointments: (hostId) => hostAppointments(core.appointments, hostId),
    pluginOptions: (getUserId) =>
      core.pluginOptions(getUserId, {
        trustedOrigins: options.trustedOrigins ?? [],
        checkCallbackUser: options.checkCallbackUser ?? true,
      }),
    close: () => core.close(),
  };
}
