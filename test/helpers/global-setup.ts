import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { TestProject } from 'vitest/node';
import { startPostgresServer } from './postgres.js';

/**
 * One PostgreSQL server for the whole run; each test file creates its own
 * database on it (createDatabase). Tests that stop the server start their own
 * with startPostgresServer() so they do not pull it from under other files.
 *
 * Also one empty PGlite cluster: initdb is most of PGlite's start-up cost
 * (seconds; far more on a busy machine), reopening a copy takes a fraction
 * of a second, so each test file copies this template (see store-fixtures.ts).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const templateRoot = await mkdtemp(path.join(os.tmpdir(), 'zc-pglite-template-'));
  const templateDir = path.join(templateRoot, 'data');
  const [server] = await Promise.all([
    startPostgresServer(),
    PGlite.create(templateDir).then((pg) => pg.close()),
  ]);
  project.provide('pgAdminUrl', server.adminUrl);
  project.provide('pgliteTemplateDir', templateDir);
  return async () => {
    try {
      await server.destroy();
    } finally {
      await rm(templateRoot, { recursive: true, force: true });
    }
  };
}
