import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, type ZoomConnectSettings } from '../../src/config/config.js';
import { createLogger } from '../../src/config/logger.js';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { createZoomConnect, type ZoomConnect } from '../../src/service.js';
import { freePort } from './net.js';
import { TEST_CLIENT_ID, TEST_CLIENT_SECRET, testEnv } from './stack.js';

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
    loadConfig(testEnv(baseUrl, emulator.url, dataDir)),
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

/**
 * Settings for a host that embeds Zoom Connect with no Zoom behind it (the
 * routes answer; nothing calls Zoom): PGlite in `dataDir`, a fresh key.
 */
export function offlineEmbedSettings(dataDir: string): ZoomConnectSettings {
  return {
    clientId: TEST_CLIENT_ID,
    clientSecret: TEST_CLIENT_SECRET,
    redirectUri: 'http://localhost:1/api/zoom/oauth/user-callback',
    oauthBaseUrl: 'http://127.0.0.1:1',
    apiBaseUrl: 'http://127.0.0.1:1/v2',
    tokenEncryptionKeys: `k1:${randomBytes(32).toString('base64')}`,
    postConnectRedirectUrl: 'http://localhost:1/',
    dataDir,
    nodeEnv: 'test',
  };
}
