import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ConfigError } from '../../config/config.js';
import type { ZoomUserApi } from '../../connections/user-api.js';
import { checkOptions, EMBED_OPTION_NAMES, embedZoomConnect, type EmbedOptions, type EmbeddedZoomConnect } from '../../embedded.js';
import { zoomConnect } from '../../http/plugin.js';
import type { HostAppointments } from '../../appointments/index.js';

export { zoomConnect, type ZoomConnectPluginOptions } from '../../http/plugin.js';

export interface ZoomConnectFastifyOptions extends EmbedOptions {
  /** The signed-in user of a request, from the host's session or auth; null when none. */
  getUserId: (request: FastifyRequest) => string | null | undefined | Promise<string | null | undefined>;
}

export interface ZoomConnectFastify {
  /** One app user's Zoom from server code. */
  user(userId: string): ZoomUserApi;
  /** One host's appointment meetings from server code (docs/appointments.md). */
  appointments(hostId: string): HostAppointments;
  /** The configuration, domain and logger, for what the rest does not cover. */
  readonly zoomConnect: EmbeddedZoomConnect;
}

/**
 * Zoom Connect in a Fastify 5 app in one call: configuration from the
 * environment (or `config`), the database, background refresh, and the
 * routes registered on `app` in their own encapsulated context. Closing
 * `app` closes the rest.
 *
 *   const zoom = await zoomConnectFastify(app, { getUserId: (request) => request.session.get('userId') ?? null });
 */
export async function zoomConnectFastify(app: FastifyInstance, options: ZoomConnectFastifyOptions): Promise<ZoomConnectFastify> {
  if (typeof (app as Partial<FastifyInstance> | null)?.register !== 'function') {
    throw new ConfigError(['app: zoomConnectFastify(app, options) takes your Fastify instance first']);
  }
  checkOptions(options, [...EMBED_OPTION_NAMES, 'getUserId'], 'zoomConnectFastify');
  const embedded = await embedZoomConnect(options);
  try {
    await app.register(zoomConnect, embedded.pluginOptions(options.getUserId));
    app.addHook('onClose', () => embedded.close());
  } catch (err) {
    await embedded.close();
    throw err;
  }
  return { user: (userId) => embedded.user(userId), appointments: (hostId) => embedded.appointments(hostId), zoomConnect: embedded };
}
