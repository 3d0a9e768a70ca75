import { loadConfig } from '../config/config.js';
import { createLogger } from '../config/logger.js';
import { startService } from '../service.js';
import type { CliIo } from './io.js';

/** `zoom-connect serve`: runs until SIGINT or SIGTERM, then closes gracefully. */
export async function serve(io: CliIo): Promise<number> {
  const config = loadConfig(io.env);
  const logger = createLogger(config.logLevel);
  const service = await startService(config, { logger });
  const page = config.demo ? ` — open ${new URL(config.zoom.redirectUri).origin}/ for the demo page` : '';
  logger.info({ url: service.url, opsUrl: service.opsUrl, demo: config.demo }, `Zoom Connect listening${page}`);
  if (config.demo) io.out(`\n  Zoom Connect demo: ${new URL(config.zoom.redirectUri).origin}/\n  API docs: ${new URL(config.zoom.redirectUri).origin}/docs\n\n`);

  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      logger.info({ signal }, 'shutting down');
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await service.close();
  return 0;
}
