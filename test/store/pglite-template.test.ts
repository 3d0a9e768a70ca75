/**
 * A new PGlite directory starts from the build's initialized cluster (the
 * template, loaded through PGlite's loadDataDir) instead of running initdb,
 * which about doubles the first start's memory. A template that is missing or
 * does not load costs only that: initdb runs instead.
 */
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PgliteDriver, pgliteTemplateFile, writePgliteTemplate } from '../../src/store/pglite-driver.js';
import { tempDir } from '../helpers/store-fixtures.js';

async function sharedBuffers(driver: PgliteDriver): Promise<string | undefined> {
  const { rows } = await driver.query<{ value: string }>("SELECT current_setting('shared_buffers') AS value");
  return rows[0]?.value;
}

/** initdb draws a new one for every cluster: copies of one template share it. */
async function systemIdentifier(driver: PgliteDriver): Promise<string | undefined> {
  const { rows } = await driver.query<{ id: string }>('SELECT system_identifier::text AS id FROM pg_control_system()');
  return rows[0]?.id;
}

async function identifierOf(dir: string, template: string | null): Promise<string | undefined> {
  const driver = await PgliteDriver.open(dir, 'public', { template });
  try {
    expect(await sharedBuffers(driver)).toBe('16MB');
    await driver.exec('CREATE TABLE works (id int)');
    return await systemIdentifier(driver);
  } finally {
    await driver.close();
  }
}

describe('the PGlite template', () => {
  let root: string;
  let template: string;

  beforeAll(async () => {
    root = await tempDir('zc-pglite-template-test-');
    template = await writePgliteTemplate(path.join(root, 'template.tar.gz'));
  }, 120_000);

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  test("is named after the installed PGlite's version, in dist/", () => {
    expect(pgliteTemplateFile()).toMatch(/[/\\]dist[/\\]pglite-template-\d+\.\d+\.\d+[^/\\]*\.tar\.gz$/);
  });

  test('a new directory starts from it with our settings, keeps what is written and reopens', async () => {
    const dir = path.join(root, 'from-template');
    const first = await PgliteDriver.open(dir, 'public', { template });
    try {
      expect(await sharedBuffers(first)).toBe('16MB');
      // A copy, not a new initdb: another directory from the template is the same cluster.
      expect(await systemIdentifier(first)).toBe(await identifierOf(path.join(root, 'from-template-too'), template));
      await first.exec('CREATE TABLE kept (id int PRIMARY KEY); INSERT INTO kept VALUES (1), (2)');
    } finally {
      await first.close();
    }
    const reopened = await PgliteDriver.open(dir, 'public', { template });
    try {
      const { rows } = await reopened.query<{ n: number }>('SELECT count(*)::int AS n FROM kept');
      expect(rows[0]?.n).toBe(2);
    } finally {
      await reopened.close();
    }
  }, 60_000);

  test('a template that does not load (a tar cut short) is cleared away and initdb runs instead', async () => {
    // Valid gzip around a truncated tar: PGlite copies the first files, then PostgreSQL cannot start on them.
    const cut = path.join(root, 'cut.tar.gz');
    await writeFile(cut, gzipSync(gunzipSync(await readFile(template)).subarray(0, 1024 * 1024)));
    const fromTemplate = await identifierOf(path.join(root, 'whole'), template);
    expect(await identifierOf(path.join(root, 'from-cut'), cut)).not.toBe(fromTemplate);
  }, 120_000);

  test('a damaged or missing template file runs initdb', async () => {
    const damaged = path.join(root, 'damaged.tar.gz');
    await writeFile(damaged, (await readFile(template)).subarray(0, 4096));
    for (const [name, file] of [['damaged', damaged], ['missing', path.join(root, 'absent.tar.gz')]] as const) {
      const dir = path.join(root, `from-${name}`);
      expect(await identifierOf(dir, file)).toBeDefined();
      expect(await readdir(dir)).toContain('PG_VERSION');
    }
  }, 120_000);
});
