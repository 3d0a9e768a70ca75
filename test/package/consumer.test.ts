/**
 * The package as a consumer gets it: `npm pack` (which builds through
 * prepack), the tarball installed into a fresh directory (never the source
 * tree), then ESM, CommonJS and strict TypeScript hosts import it, and the
 * express-session example runs from it through a whole connect flow against
 * the emulator the package ships, on PostgreSQL.
 */
import { cp, mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Browser, consent } from '../helpers/flow.js';
import { freePort } from '../helpers/net.js';
import { createDatabase } from '../helpers/postgres.js';
import { run, startUntil, type Child } from './child.js';
import { CJS_HOST, ESM_HOST, EXPECTED_EXPORTS, TS_HOST, TS_MISUSE, tsconfig } from './hosts.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const TSC = path.join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const NPM_FLAGS = ['--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'];
/** What `npm pack` needs of the repository to build and pack (the `files` allow-list picks from it). */
const PACKAGE_SOURCES = ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'scripts', 'src', 'bin', 'web', 'docs', 'README.md'];
const CLIENT_ID = 'consumer-client';
const CLIENT_SECRET = 'consumer-secret';

/** The environment a child starts from: nothing of the test runner's that could change its mode. */
function baseEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const name of ['PATH', 'HOME', 'TMPDIR', 'LANG', 'npm_config_cache']) if (process.env[name] !== undefined) env[name] = process.env[name];
  return env;
}

describe('the packed package, installed into fresh hosts', () => {
  let root: string;
  let host: string;
  let tarball: string;

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'zc-consumer-'));
    // Packed from a copy: prepack rebuilds dist/, which must not vanish under other tests' CLI processes.
    const source = path.join(root, 'source');
    for (const entry of PACKAGE_SOURCES) await cp(path.join(REPO_ROOT, entry), path.join(source, entry), { recursive: true });
    await symlink(path.join(REPO_ROOT, 'node_modules'), path.join(source, 'node_modules'), 'dir');
    await run('npm', ['pack', '--pack-destination', root, '--loglevel=error'], { cwd: source });
    const packed = (await readdir(root)).find((f) => f.endsWith('.tgz'));
    if (!packed) throw new Error('npm pack produced no tarball');
    tarball = path.join(root, packed);
    host = path.join(root, 'host');
    await mkdir(host);
    await writeFile(path.join(host, 'package.json'), JSON.stringify({ name: 'consumer-host', private: true, type: 'module' }));
    // One install shared by every host below: the tarball, an Express app's usual dependencies, and their types.
    await run('npm', ['install', ...NPM_FLAGS, tarball, 'express@^5.1.0', 'express-session@^1.18.1', '@types/express@^5.0.0', '@types/express-session@^1.18.0'], { cwd: host });
  }, 240_000);

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('the tarball holds the build, its types, the CLI and the demo page, and no sources, tests or benchmarks', async () => {
    const listing = await run('tar', ['-tzf', tarball], { cwd: root });
    const files = listing.split('\n').filter(Boolean).map((f) => f.replace(/^package\//, ''));
    expect(files).toEqual(expect.arrayContaining(['dist/index.js', 'dist/index.d.ts', 'dist/adapters/express/index.d.ts', 'bin/zoom-connect.js', 'web/index.html', 'package.json']));
    expect(files.filter((f) => /^(src|test|bench|\.ci|scripts|examples)\//.test(f) || f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
  });

  it('an ESM host imports every entry', async () => {
    await writeFile(path.join(host, 'esm.mjs'), ESM_HOST);
    const out = await run(process.execPath, ['esm.mjs'], { cwd: host, env: baseEnv() });
    expect(JSON.parse(out.trim().split('\n').at(-1) ?? '')).toEqual(EXPECTED_EXPORTS);
  });

  it('a CommonJS host requires every entry', async () => {
    await writeFile(path.join(host, 'cjs.cjs'), CJS_HOST);
    const out = await run(process.execPath, ['cjs.cjs'], { cwd: host, env: baseEnv() });
    expect(JSON.parse(out.trim().split('\n').filter((l) => l.startsWith('{')).at(-1) ?? '')).toEqual(EXPECTED_EXPORTS);
  });

  it.each(['nodenext', 'bundler'] as const)('a strict TypeScript host compiles against the package under moduleResolution %s', async (resolution) => {
    await writeFile(path.join(host, 'host.ts'), TS_HOST);
    await writeFile(path.join(host, `tsconfig.${resolution}.json`), tsconfig(resolution, ['host.ts']));
    await run(process.execPath, [TSC, '-p', `tsconfig.${resolution}.json`], { cwd: host, env: baseEnv() });
  }, 120_000);

  it("the package's types refuse a misspelled option (pageSize for Zoom's page_size)", async () => {
    await writeFile(path.join(host, 'misuse.ts'), TS_MISUSE);
    await writeFile(path.join(host, 'tsconfig.misuse.json'), tsconfig('nodenext', ['misuse.ts']));
    await expect(run(process.execPath, [TSC, '-p', 'tsconfig.misuse.json'], { cwd: host, env: baseEnv() })).rejects.toThrow(/'pageSize' does not exist/);
  }, 120_000);

  describe('the express-session example, run from the tarball against the packaged emulator', () => {
    const children: Child[] = [];
    let baseUrl: string;
    let databaseUrl: string;

    beforeAll(async () => {
      const [port, emulatorPort] = [await freePort(), await freePort()];
      baseUrl = `http://localhost:${port}`;
      const redirectUri = `${baseUrl}/api/zoom/oauth/user-callback`;
      const cli = path.join(host, 'node_modules', 'zoom-connect', 'bin', 'zoom-connect.js');
      children.push(
        await startUntil(process.execPath, [cli, 'emulator', '--port', String(emulatorPort), '--client-id', CLIENT_ID, '--client-secret', CLIENT_SECRET, '--redirect-uri', redirectUri], {
          cwd: host,
          env: baseEnv(),
          ready: /Zoom emulator listening/,
          timeoutMs: 30_000,
        }),
      );
      const example = path.join(host, 'example');
      await cp(path.join(REPO_ROOT, 'examples', 'express-session'), example, { recursive: true, filter: (src) => !/node_modules|\.data/.test(src) });
      databaseUrl = await createDatabase(inject('pgAdminUrl'), 'zc_consumer');
      children.push(
        await startUntil(process.execPath, ['--env-file=example.env', 'server.js'], {
          cwd: example,
          env: {
            ...baseEnv(),
            PORT: String(port),
            ZOOM_USER_MANAGED_CLIENT_ID: CLIENT_ID,
            ZOOM_USER_MANAGED_CLIENT_SECRET: CLIENT_SECRET,
            ZOOM_REDIRECT_URI: redirectUri,
            ZOOM_OAUTH_BASE_URL: `http://127.0.0.1:${emulatorPort}`,
            ZOOM_API_BASE_URL: `http://127.0.0.1:${emulatorPort}/v2`,
            POST_CONNECT_REDIRECT_URL: `${baseUrl}/`,
            DATABASE_URL: databaseUrl,
            DATA_DIR: path.join(root, 'example-data'),
          },
          ready: /Example app on/,
          timeoutMs: 60_000,
        }),
      );
    }, 120_000);

    afterAll(async () => {
      await Promise.all(children.map((c) => c.stop()));
    });

    async function statusShown(browser: Browser): Promise<string | undefined> {
      const page = await (await browser.fetch(`${baseUrl}/`)).text();
      return /<code id="status">([a-z_]+)<\/code>/.exec(page)?.[1];
    }

    it('a signed-in user connects with the link, sees meetings through the server API, and disconnects', async () => {
      const browser = new Browser();
      expect((await browser.fetch(`${baseUrl}/login?user=alice`)).status).toBe(302);
      expect(await statusShown(browser)).toBe('not_connected');

      const connect = await browser.fetch(`${baseUrl}/api/zoom/oauth/user/connect`);
      expect(connect.status).toBe(302);
      const callback = await consent(connect.headers.get('location') ?? '', 'consumer@example.com');
      const landed = await browser.fetch(callback);
      expect(landed.status).toBe(303);
      expect(landed.headers.get('location')).toBe(`${baseUrl}/?zoom=connected`);
      expect(await statusShown(browser)).toBe('active');

      const meetings = await browser.fetch(`${baseUrl}/meetings.json`);
      expect(meetings.status).toBe(200);
      const listed = (await meetings.json()) as { page_size?: unknown; meetings?: unknown };
      expect(listed.page_size).toBe(5);
      expect(Array.isArray(listed.meetings)).toBe(true);

      expect((await browser.fetch(`${baseUrl}/disconnect`, { method: 'POST' })).status).toBe(302);
      expect(await statusShown(browser)).toBe('revoked');
    });

    it("its tables live in the zoom_connect schema, none in the host's public schema", async () => {
      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      try {
        const { rows } = await client.query<{ table_schema: string; table_name: string }>(
          "SELECT table_schema, table_name FROM information_schema.tables WHERE table_schema IN ('public', 'zoom_connect') ORDER BY 1, 2",
        );
        expect(rows.filter((r) => r.table_schema === 'public')).toEqual([]);
        expect(rows.map((r) => r.table_name)).toEqual(expect.arrayContaining(['audit_events', 'connections', 'oauth_states', 'schema_migrations']));
      } finally {
        await client.end();
      }
    });
  });
});
