/**
 * How busy the machine is, and with whose work. The benchmark shares its
 * cores with whatever else runs (a test suite, a compiler); a row measured
 * while other processes took half the CPU is not comparable with one that
 * was not, so every row reports the CPU share taken by processes outside the
 * benchmark, and runs wait (briefly) for the machine to be quiet.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

interface Jiffies {
  busy: number;
  total: number;
}

function machineJiffies(): Jiffies {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const fields = line.trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = fields;
  // irq and softirq are left out of "busy": loopback networking runs there on behalf of whoever sends, us included.
  const busy = user + nice + system + steal;
  return { busy, total: busy + idle + iowait + irq + softirq };
}

interface ProcStat {
  name: string;
  ppid: number;
  jiffies: number;
}

function procStat(pid: number): ProcStat | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: split after the last ')'.
    const close = text.lastIndexOf(')');
    const rest = text.slice(close + 2).split(' ');
    return { name: text.slice(text.indexOf('(') + 1, close), ppid: Number(rest[1]), jiffies: Number(rest[11]) + Number(rest[12]) };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ESRCH') return null;
    throw err;
  }
}

function allStats(): Map<number, ProcStat> {
  const stats = new Map<number, ProcStat>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const s = procStat(Number(entry));
    if (s) stats.set(Number(entry), s);
  }
  return stats;
}

/** `root`, plus all its descendants when `tree` (PostgreSQL backends are children of the postmaster). */
function pidsOf(stats: Map<number, ProcStat>, root: number, tree: boolean): Set<number> {
  const inTree = new Set([root]);
  if (!tree) return inTree;
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, s] of stats) {
      if (!inTree.has(pid) && inTree.has(s.ppid)) {
        inTree.add(pid);
        grew = true;
      }
    }
  }
  return inTree;
}

interface Role {
  pid: number;
  tree: boolean;
}

export interface CpuUse<T> {
  value: T;
  /** Share of all cores used by processes outside the benchmark, in percent. */
  foreignPct: number;
  /** CPU milliseconds each of the benchmark's processes used meanwhile, by role. */
  cpuMs: Record<string, number>;
  /** The busiest processes outside the benchmark meanwhile ("name pid: ms"), when any used a noticeable share. */
  foreignTop: string[];
}

const MS_PER_JIFFY = 10; // USER_HZ is 100 on Linux

export class CpuWatch {
  /** The benchmark's own processes by role: the load generator (this process), the children, PostgreSQL. */
  private readonly roles = new Map<string, Role>([['load generator', { pid: process.pid, tree: false }]]);

  role(name: string, pid: number, tree = false): void {
    this.roles.set(name, { pid, tree });
  }

  forget(name: string): void {
    this.roles.delete(name);
  }

  /** Busy share of the whole machine over `ms`, in percent. */
  async busyPct(ms: number): Promise<number> {
    const a = machineJiffies();
    await sleep(ms);
    const b = machineJiffies();
    return b.total > a.total ? (100 * (b.busy - a.busy)) / (b.total - a.total) : 0;
  }

  /**
   * Waits until the machine is nearly idle (our processes are idle between
   * runs, so whatever is busy is someone else), at most `maxWaitMs`.
   * Returns the last busy share seen.
   */
  async waitForQuiet(thresholdPct = 15, maxWaitMs = 10_000): Promise<number> {
    const deadline = Date.now() + maxWaitMs;
    let busy = await this.busyPct(500);
    while (busy > thresholdPct && Date.now() < deadline) busy = await this.busyPct(500);
    return busy;
  }

  /** Jiffies of every process of each role, by pid (a role's tree gains and loses processes: PostgreSQL backends). */
  private snapshot(): { byRole: Map<string, Map<number, number>>; others: Map<number, ProcStat> } {
    const stats = allStats();
    const byRole = new Map<string, Map<number, number>>();
    const ours = new Set<number>();
    for (const [name, r] of this.roles) {
      const pids = new Map<number, number>();
      for (const pid of pidsOf(stats, r.pid, r.tree)) {
        ours.add(pid);
        pids.set(pid, stats.get(pid)?.jiffies ?? 0);
      }
      byRole.set(name, pids);
    }
    for (const pid of ours) stats.delete(pid);
    return { byRole, others: stats };
  }

  /** Runs `fn`, reporting the CPU our processes used and the share used by everything else meanwhile. */
  async measure<T>(fn: () => Promise<T>): Promise<CpuUse<T>> {
    const a = machineJiffies();
    const oursA = this.snapshot();
    const value = await fn();
    const b = machineJiffies();
    const oursB = this.snapshot();
    const cpuMs: Record<string, number> = {};
    let ours = 0;
    for (const [name, after] of oursB.byRole) {
      // Per process: one that started meanwhile counts from zero, one that ended (an idle pool's
      // backend closing) takes its whole past with it, which must not be subtracted from the rest.
      const before = oursA.byRole.get(name) ?? new Map<number, number>();
      let used = 0;
      for (const [pid, jiffies] of after) used += Math.max(0, jiffies - (before.get(pid) ?? 0));
      cpuMs[name] = used * MS_PER_JIFFY;
      ours += used;
    }
    const total = b.total - a.total;
    const foreign = b.busy - a.busy - ours;
    const foreignTop = [...oursB.others]
      .map(([pid, st]) => ({ pid, name: st.name, used: st.jiffies - (oursA.others.get(pid)?.jiffies ?? 0) }))
      .filter((p) => p.used * MS_PER_JIFFY >= 200)
      .sort((x, y) => y.used - x.used)
      .slice(0, 3)
      .map((p) => `${p.name} ${p.pid}: ${p.used * MS_PER_JIFFY} ms`);
    return { value, foreignPct: total > 0 ? Math.max(0, (100 * foreign) / total) : 0, cpuMs, foreignTop };
  }
}

/** The postmaster's pid, from the first line of postmaster.pid in its data directory. */
export function postmasterPid(dataDir: string): number | null {
  try {
    const pid = Number(readFileSync(`${dataDir}/postmaster.pid`, 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'EACCES') return null;
    throw err;
  }
}
