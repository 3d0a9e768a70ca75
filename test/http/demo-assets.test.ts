import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/config/logger.js';
import { startService, type RunningService } from '../../src/service.js';
import { expectProblem, ServiceClient } from '../helpers/http-client.js';
import { freePort } from '../helpers/net.js';
import { freshDatabaseUrl } from '../helpers/store-fixtures.js';

/** The demo page's static assets (demo mode: no Zoom credentials, the emulator in-process). */

let service: RunningService;
let client: ServiceClient;
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'zc-demo-assets-'));
  const port = await freePort();
  const config = loadConfig({
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: String(port),
    EMULATOR_PORT: String(await freePort()),
    DATA_DIR: dataDir,
    DATABASE_URL: await freshDatabaseUrl(),
    SWEEP_INTERVAL_SECONDS: '0',
  });
  expect(config.demo).toBe(true);
  service = await startService(config, { logger: createLogger('silent') });
  client = new ServiceClient(`http://localhost:${port}`);
});

afterAll(async () => {
  await service?.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('demo assets', () => {
  it('serves the page\'s script and stylesheet with their types', async () => {
    const script = await client.get('/assets/app.js');
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toContain('text/javascript');
    const styles = await client.get('/assets/styles.css');
    expect(styles.status).toBe(200);
    expect(styles.headers.get('content-type')).toContain('text/css');
  });

  it('serves the page with the document headers: its own CSP (scripts from self only), COOP and the rest', async () => {
    const page = await client.get('/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(page.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    expect(page.headers.get('origin-agent-cluster')).toBe('?1');
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
  });

  it('serves the API docs page with the document headers and the CSP Swagger UI sets for itself', async () => {
    const docs = await client.get('/docs/');
    expect(docs.status).toBe(200);
    expect(docs.headers.get('content-type')).toContain('text/html');
    expect(docs.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    expect(docs.headers.get('content-security-policy')).toContain("object-src 'none'");
    expect(docs.headers.get('content-security-policy')).toContain('validator.swagger.io');
  });

  it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'index.html', 'app.js.map', '..%2Fpackage.json'])(
    'a name that is not one of them, even one every object inherits, is 404 problem+json not_found: /assets/%s',
    async (name) => {
      expectProblem(await client.get(`/assets/${name}`), 404, 'not_found');
    },
  );
});
