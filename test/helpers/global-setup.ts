import type { TestProject } from 'vitest/node';
import { startPostgresServer } from './postgres.js';

/**
 * One PostgreSQL server for the whole run; each test file creates its own
 * database on it (createDatabase). Tests that stop the server start their own
 * with startPostgresServer() so they do not pull it from under other files.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startPostgresServer();
  project.provide('pgAdminUrl', server.adminUrl);
  return () => server.destroy();
}
