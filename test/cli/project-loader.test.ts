/**
 * bin/project.js decides whether the CLI runs the compiled build or the
 * TypeScript sources: a stale build must never shadow an edited source.
 */
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isBuildFresh } from '../../bin/project.js';

describe('choosing the compiled build', () => {
  let root: string;
  const at = (seconds: number): Date => new Date(Date.UTC(2026, 0, 1, 0, 0, seconds));

  beforeEach(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'zc-project-'));
    await mkdir(path.join(root, 'src', 'cli'), { recursive: true });
    await writeFile(path.join(root, 'src', 'cli', 'main.ts'), 'export {};\n');
    await utimes(path.join(root, 'src', 'cli', 'main.ts'), at(10), at(10));
    await utimes(path.join(root, 'src', 'cli'), at(10), at(10));
    await utimes(path.join(root, 'src'), at(10), at(10));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  async function stamp(seconds: number): Promise<void> {
    await mkdir(path.join(root, 'dist'), { recursive: true });
    await writeFile(path.join(root, 'dist', '.build-stamp'), 'built\n');
    await utimes(path.join(root, 'dist', '.build-stamp'), at(seconds), at(seconds));
  }

  it('without a build stamp (never built, or the build failed) the sources run', () => {
    expect(isBuildFresh(root)).toBe(false);
  });

  it('a build stamped after every source runs compiled', async () => {
    await stamp(20);
    expect(isBuildFresh(root)).toBe(true);
  });

  it('a source edited after the build (even deep in a folder) makes the sources run', async () => {
    await stamp(20);
    await utimes(path.join(root, 'src', 'cli', 'main.ts'), at(30), at(30));
    expect(isBuildFresh(root)).toBe(false);
  });

  it('a source file added after the build makes the sources run', async () => {
    await stamp(20);
    await writeFile(path.join(root, 'src', 'cli', 'new.ts'), 'export {};\n');
    expect(isBuildFresh(root)).toBe(false);
  });

  it('an installed package (a stamped dist/ and no src/) runs compiled', async () => {
    await stamp(20);
    await rm(path.join(root, 'src'), { recursive: true });
    expect(isBuildFresh(root)).toBe(true);
  });
});
