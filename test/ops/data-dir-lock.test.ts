import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { acquireDataDirLock } from '../../src/store/data-dir-lock.js';
import { DataDirInUseError } from '../../src/store/errors.js';
import { openPgliteStore } from '../../src/store/pglite-store.js';
import { cipherOf, testKey } from '../helpers/store-fixtures.js';
import { holdInAnotherProcess, killHard } from './data-dir-helpers.js';
import type { ChildProcess } from 'node:child_process';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function scratchDir(): Promise<string> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'zc-lock-'));
  cleanups.push(() => rm(root, { recursive: true, force: true }));
  return path.join(root, 'pglite');
}

async function holder(dir: string): Promise<ChildProcess> {
  const child = await holdInAnotherProcess(dir);
  cleanups.push(() => killHard(child));
  return child;
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

describe('one process per embedded data directory', () => {
  it('a second process is refused with the holder\'s pid and command', async () => {
    const dir = await scratchDir();
    const child = await holder(dir);
    const refused = acquireDataDirLock(dir, 'zoom-connect migrate');
    await expect(refused).rejects.toThrow(DataDirInUseError);
    await expect(refused).rejects.toThrow(`held by process ${String(child.pid)} ("zoom-connect serve"`);
  }, 60_000);

  it('opening the PGlite store on a directory another process holds is refused before PGlite starts', async () => {
    const dir = await scratchDir();
    const child = await holder(dir);
    const opening = openPgliteStore({ dataDir: dir, cipher: cipherOf(testKey('k1')) });
    await expect(opening).rejects.toThrow(new RegExp(`in use: held by process ${String(child.pid)}`));
    expect(await exists(dir)).toBe(false);
  }, 60_000);

  it('a lock left by a SIGKILLed process is taken over', async () => {
    const dir = await scratchDir();
    const child = await holder(dir);
    await killHard(child);
    const stale = JSON.parse(await readFile(`${dir}.lock`, 'utf8')) as { pid: number };
    expect(stale.pid).toBe(child.pid);

    const lock = await acquireDataDirLock(dir, 'zoom-connect serve');
    cleanups.push(() => lock.release());
    const now = JSON.parse(await readFile(`${dir}.lock`, 'utf8')) as { pid: number };
    expect(now.pid).toBe(process.pid);
  }, 60_000);

  it('a damaged lock file is taken over', async () => {
    const dir = await scratchDir();
    await writeFile(`${dir}.lock`, '{"pid":');
    const lock = await acquireDataDirLock(dir);
    cleanups.push(() => lock.release());
    expect(JSON.parse(await readFile(lock.path, 'utf8'))).toMatchObject({ pid: process.pid, host: os.hostname() });
  });

  it('releasing the lock lets the next process in', async () => {
    const dir = await scratchDir();
    const first = await acquireDataDirLock(dir);
    await first.release();
    expect(await exists(first.path)).toBe(false);
    const second = await acquireDataDirLock(dir);
    cleanups.push(() => second.release());
    expect(await exists(second.path)).toBe(true);
  });

  it('a lock another host holds is never taken over', async () => {
    const dir = await scratchDir();
    await writeFile(`${dir}.lock`, JSON.stringify({ pid: 1, host: 'elsewhere.example', command: 'zoom-connect serve', since: '2026-01-01T00:00:00.000Z' }));
    await expect(acquireDataDirLock(dir)).rejects.toThrow('held by process 1 on host elsewhere.example ("zoom-connect serve"');
  });
});
