/** Public entry point for apps that embed Zoom Connect. */
export { loadConfig, ConfigError, type Config } from './config/config.js';
export { createLogger } from './config/logger.js';
export { createZoomConnect, startService, type ZoomConnect, type RunningService, type ServiceOptions } from './service.js';
export { zoomConnect, type ZoomConnectPluginOptions } from './http/plugin.js';
export { createZoomConnectRouter, type ExpressAdapterOptions } from './adapters/express/index.js';
export { ConnectError, type ConnectErrorCode, type Connections } from './connections/index.js';
export type { ConnectionStatusView } from './connections/index.js';
