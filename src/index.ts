/** Public entry point for apps that embed Zoom Connect. Express: `zoom-connect/express`; Fastify: `zoom-connect/fastify`. */
export { loadConfig, loadEmbeddedConfig, ConfigError, type Config, type ZoomConnectSettings } from './config/config.js';
export { createLogger, type Logger } from './config/logger.js';
export { createZoomConnect, startService, type ZoomConnect, type RunningService, type ServiceOptions } from './service.js';
export { embedZoomConnect, type EmbedOptions, type EmbeddedZoomConnect } from './embedded.js';
export { zoomConnect, type ZoomConnectPluginOptions } from './http/plugin.js';
export { zoomConnectFastify, type ZoomConnectFastifyOptions, type ZoomConnectFastify } from './adapters/fastify/index.js';
export {
  createZoomConnectRouter,
  zoomConnectExpress,
  type ExpressAdapterOptions,
  type ZoomConnectExpressOptions,
  type ZoomConnectExpress,
  type ZoomConnectMiddleware,
  type GetUserId,
} from './adapters/express/index.js';
export { ConnectError, type ConnectErrorCode, type Connections } from './connections/index.js';
export { AppointmentError, type AppointmentMeetingInput, type AppointmentMeetingView, type EnsureResult, type HostAppointments } from './appointments/index.js';
export type { ConnectionStatusView } from './connections/index.js';
export type { ZoomUserApi, ZoomCall, MeetingsQuery, RecordingsQuery, NewMeeting, DisconnectResult } from './connections/user-api.js';
export type { CreateMeetingInput, ZoomMethod, ZoomObject } from './zoom/index.js';
