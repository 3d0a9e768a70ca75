import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { EventMetrics } from '../../src/events/index.js';
import { ServiceMetrics } from '../../src/metrics/index.js';

const run = promisify(execFile);
const DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'deploy', 'prometheus');
const RULES = path.join(DIR, 'alerts.yml');
const TESTS = path.join(DIR, 'alerts.test.yml');

async function promtool(...args: string[]): Promise<string> {
  const { stdout, stderr } = await run('promtool', args, { cwd: DIR });
  return stdout + stderr;
}

function alertNames(rules: string): string[] {
  return [...rules.matchAll(/^\s*- alert: (\S+)$/gm)].map((m) => m[1] as string);
}

/** Each test case of alerts.test.yml: which alert it checks and whether it expects it to fire. */
function cases(tests: string): Array<{ alert: string; fires: boolean }> {
  return tests
    .split(/^ {2}- name: /m)
    .slice(1)
    .flatMap((block) =>
      [...block.matchAll(/alertname: (\S+)\s+exp_alerts:(\s*\[\])?/g)].map((m) => ({ alert: m[1] as string, fires: m[2] === undefined })),
    );
}

describe('alert rules', () => {
  it('promtool accepts the rule file', async () => {
    expect(await promtool('check', 'rules', RULES)).toMatch(/SUCCESS: \d+ rules found/);
  });

  it('every rule\'s promtool unit tests pass', async () => {
    expect(await promtool('test', 'rules', TESTS)).toContain('SUCCESS');
  });

  it('every alert has a unit test where it fires and one where it stays quiet', async () => {
    const names = alertNames(await readFile(RULES, 'utf8'));
    const tested = cases(await readFile(TESTS, 'utf8'));
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) {
      expect({ name, fires: tested.some((c) => c.alert === name && c.fires) }).toEqual({ name, fires: true });
      expect({ name, quiet: tested.some((c) => c.alert === name && !c.fires) }).toEqual({ name, quiet: true });
    }
  });

  it('every metric the rules read is one the service exports', async () => {
    const metrics = new ServiceMetrics();
    // The events outbox registers its own metrics on the service's registry (src/service.ts does the same).
    new EventMetrics({ counts: () => Promise.resolve({ pending: 0, dead: 0 }) }, metrics.registry);
    const exported = (await metrics.exposition()).body;
    const read = new Set([...(await readFile(RULES, 'utf8')).matchAll(/\bzoom_connect_[a-z_]+/g)].map((m) => m[0]));
    for (const name of read) expect({ name, exported: exported.includes(`# TYPE ${name} `) }).toEqual({ name, exported: true });
  });
});
