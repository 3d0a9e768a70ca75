import { randomBytes } from 'node:crypto';
import { link, readFile, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DataDirInUseError } from './errors.js';

/** Who holds a data directory: written into its lock file, shown to whoever is refused. */
export interface LockHolder {
  pid: number;
  host: string;
  command: string;
  since: string;
}

/** A held lock; `release` deletes the lock file if it is still ours. */
export interface DataDirLock {
  readonly path: string;
  release(): Promise<void>;
}

/**
 * One process per embedded data directory: two PGlite instances on one
 * directory corrupt it, and nothing inside PGlite stops the second.
 *
 * The lock is a file beside the directory, created with O_EXCL (atomic on
 * local filesystems). A lock whose process is gone (same host, pid not
 * running, or our own pid left by an earlier life of this container) is
 * stale and taken over; taking over goes through a second O_EXCL file so two
 * processes finding the same stale lock cannot both take it.
 */
export async function acquireDataDirLock(dataDir: string, command = describeCommand()): Promise<DataDirLock> {
  const resolved = path.resolve(dataDir);
  const lockPath = `${resolved}.lock`;
  const me: LockHolder = { pid: process.pid, host: os.hostname(), command, since: new Date().toISOString() };
  for (let attempt = 0; attempt < 3; attempt++) {
    if (await createExclusive(lockPath, me)) return heldLock(lockPath, me);
    const holder = await readHolder(lockPath);
    if (holder === 'gone') continue;
    if (holder !== 'unreadable' && isAlive(holder)) throw new DataDirInUseError(resolved, describeHolder(holder, lockPath));
    await takeOver(lockPath, holder, me);
  }
  throw new DataDirInUseError(resolved, `its lock file ${lockPath} keeps changing under us: another process is starting on it`);
}

function heldLock(lockPath: string, me: LockHolder): DataDirLock {
  let released = false;
  return {
    path: lockPath,
    release: async () => {
      if (released) return;
      released = true;
      const holder = await readHolder(lockPath);
      // Someone took over a lock they thought stale: theirs now, not ours to delete.
      if (holder !== 'gone' && holder !== 'unreadable' && holder.pid === me.pid && holder.host === me.host && holder.since === me.since) {
        await unlink(lockPath);
      }
    },
  };
}

/** A stale lock is replaced by whoever creates the `.takeover` file first; the others go round again. */
async function takeOver(lockPath: string, stale: LockHolder | 'unreadable', me: LockHolder): Promise<void> {
  const guard = `${lockPath}.takeover`;
  if (!(await createExclusive(guard, me))) {
    const guardHolder = await readHolder(guard);
    // A taker-over that died mid-takeover leaves its guard: clear it for the next round.
    if (guardHolder !== 'gone' && (guardHolder === 'unreadable' || !isAlive(guardHolder))) await unlinkIfPresent(guard);
    return;
  }
  try {
    const now = await readHolder(lockPath);
    // Still the lock we judged stale (not a fresh one someone wrote meanwhile): remove it.
    if (now === 'gone' || sameHolder(now, stale)) await unlinkIfPresent(lockPath);
  } finally {
    await unlinkIfPresent(guard);
  }
}

/** Written aside then hard-linked into place, so no reader ever sees a lock file half written. */
async function createExclusive(file: string, holder: LockHolder): Promise<boolean> {
  const draft = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(draft, `${JSON.stringify(holder)}\n`, { flag: 'wx', mode: 0o600 });
  try {
    await link(draft, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    await unlink(draft);
  }
}

async function readHolder(file: string): Promise<LockHolder | 'gone' | 'unreadable'> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    throw err;
  }
  try {
    const parsed = JSON.parse(text) as Partial<LockHolder>;
    if (typeof parsed.pid === 'number' && typeof parsed.host === 'string') {
      return { pid: parsed.pid, host: parsed.host, command: String(parsed.command ?? 'unknown'), since: String(parsed.since ?? '') };
    }
    return 'unreadable';
  } catch (err) {
    // Never half written (see createExclusive): a file that does not parse was damaged, not in progress.
    if (err instanceof SyntaxError) return 'unreadable';
    throw err;
  }
}

function sameHolder(a: LockHolder | 'unreadable', b: LockHolder | 'unreadable'): boolean {
  if (a === 'unreadable' || b === 'unreadable') return a === b;
  return a.pid === b.pid && a.host === b.host && a.since === b.since;
}

/** Another host's process cannot be checked from here: it counts as alive. */
function isAlive(holder: LockHolder): boolean {
  if (holder.host !== os.hostname()) return true;
  // Our own pid in a lock we did not take is a previous life of this process (a restarted container).
  if (holder.pid === process.pid) return false;
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function unlinkIfPresent(file: string): Promise<void> {
  try {
    await unlink(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

function describeHolder(holder: LockHolder, lockPath: string): string {
  const where = holder.host === os.hostname() ? '' : ` on host ${holder.host}`;
  return `held by process ${holder.pid}${where} ("${holder.command}", since ${holder.since}); stop it first, or delete ${lockPath} if that process is not zoom-connect`;
}

/** The program and its first argument only: later arguments may carry secrets (--client-secret). */
function describeCommand(): string {
  const program = process.argv[1] ? path.basename(process.argv[1]) : 'node';
  return [program, process.argv[2]].filter((part) => part !== undefined && part !== '').join(' ');
}
