import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/config/logger.js';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { createZoomConnect, type ZoomConnect } from '../../src/service.js';
import { freePort } from './net.js';
import { AFTER_CONNECT_URL, TEST_CLIENT_ID, TEST_CLIENT_SECRET, TEST_WEBHOOK_SECRET } from './stack.js';

export interface EmbeddedCore {
  core: ZoomConnect;
  emulator: RunningEmulator;
  port: number;
  baseUrl: string;
  close(): Promise<void>;
}

/** Emulator + Zoom Connect core (no HTTP of its own) for a host app that will listen on `port`. */
export async function startEmbeddedCore(): Promise<EmbeddedCore> {
  const port = await freePort();
  const baseUrl = `http://localhost:${port}`;
  const emulator = await startEmulator({
    port: 0,
    clients: [{ clientId: TEST_CLIENT_ID, clientSecret: TEST_CLIENT_SECRET, redirectUris: [`${baseUrl}/api/zoom/oauth/user-callback`] }],
  });
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'zc-embedded-'));
  const core = await createZoomConnect(
    loadConfig({
      NODE_ENV: 'test',
      ZOOM_USER_MANAGED_CLIENT_ID: TEST_CLIENT_ID,
      ZOOM_USER_MANAGED_CLIENT_SECRET: TEST_CLIENT_SECRET,
      ZOOM_REDIRECT_URI: `${baseUrl}/api/zoom/oauth/user-callback`,
      ZOOM_OAUTH_BASE_URL: emulator.url,
      ZOOM_API_BASE_URL: `${emulator.url}/v2`,
      ZOOM_WEBHOOK_SECRET_TOKEN: TEST_WEBHOOK_SECRET,
      TOKEN_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
      POST_CONNECT_REDIRECT_URL: AFTER_CONNECT_URL,
      DATA_DIR: dataDir,
    }),
    { logger: createLogger('silent') },
  );
  return {
    core,
    emulator,
    port,
    baseUrl,
    async close() {
      await core.close();
      await emulator.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
