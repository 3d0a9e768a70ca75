/**
 * The results table, the targets (reported, never asserted) and the machine
 * they were measured on, as JSON and Markdown.
 */
import os from 'node:os';
import type { Measurement } from './load.js';

export type Backend = 'postgres' | 'pglite';

export interface Row {
  /** Stable key, e.g. `postgres status @50` or `baseline b @50`. */
  id: string;
  scenario: string;
  backend: Backend | null;
  /** The id of the row this one is compared with. */
  baselineId: string | null;
  /** What one unit is, when it is not a request (the connect flow). */
  unit: 'req' | 'flow';
  m: Measurement;
  /** Share of all cores used by processes outside the benchmark during the row (warm-up included). */
  foreignCpuPct: number | null;
  /** CPU microseconds per request (or flow) used by each of the benchmark's processes in the measured phase. */
  cpuUsPerUnit: Record<string, number>;
  /** The app's resident set right after the row (VmRSS, MiB); null for baselines. */
  appRssMb: number | null;
}

export interface MemoryRow {
  process: string;
  peakRssMb: number | null;
}

export interface TargetCheck {
  target: string;
  measured: string;
  pass: boolean;
}

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  node: string;
  os: string;
  postgres: string;
  date: string;
}

export interface BenchReport {
  machine: MachineInfo;
  settings: Record<string, number | string>;
  rows: Row[];
  memory: MemoryRow[];
  targets: TargetCheck[];
  notes: string[];
}

export function machineInfo(postgres: string): MachineInfo {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    postgres,
    date: new Date().toISOString(),
  };
}

const ms = (v: number): string => (Number.isFinite(v) ? v.toFixed(2) : '–');
const rate = (v: number): string => (Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : '–');
const ratio = (v: number | null): string => (v === null || !Number.isFinite(v) ? '–' : `${v.toFixed(2)}×`);

function byId(rows: Row[]): Map<string, Row> {
  return new Map(rows.map((r) => [r.id, r]));
}

function tableLines(report: BenchReport): string[][] {
  const rows = byId(report.rows);
  const bareJson = [...rows.values()].find((r) => r.id.startsWith('baseline a '));
  const header = ['scenario', 'db', 'conns', 'req/s', 'p50 ms', 'p95 ms', 'p99 ms', 'baseline', 'baseline req/s', 'ratio', 'vs bare (a)', 'failed', 'other CPU'];
  const lines = [header];
  for (const r of report.rows) {
    const base = r.baselineId ? rows.get(r.baselineId) : undefined;
    const unitRate = r.unit === 'flow' ? `${rate(r.m.rps)} flows/s` : rate(r.m.rps);
    lines.push([
      r.scenario,
      r.backend ?? '–',
      String(r.m.connections),
      unitRate,
      ms(r.m.p50),
      ms(r.m.p95),
      ms(r.m.p99),
      base ? base.scenario : '–',
      base ? rate(base.m.rps) : '–',
      base ? ratio(r.m.rps / base.m.rps) : '–',
      r.backend && bareJson && r.unit === 'req' ? ratio(r.m.rps / bareJson.m.rps) : '–',
      String(r.m.failed),
      r.foreignCpuPct === null ? '–' : `${r.foreignCpuPct.toFixed(0)}%`,
    ]);
  }
  return lines;
}

const CPU_ROLES = ['app', 'baseline', 'emulator', 'postgres', 'load generator'];

function cpuLines(report: BenchReport): string[][] {
  const lines = [['row', 'conns', ...CPU_ROLES, 'total', 'app RSS after (MiB)']];
  for (const r of report.rows) {
    const vals = CPU_ROLES.map((role) => r.cpuUsPerUnit[role]);
    const total = vals.reduce<number>((a, v) => a + (v ?? 0), 0);
    lines.push([r.id, String(r.m.connections), ...vals.map((v) => (v === undefined || !Number.isFinite(v) || v === 0 ? '–' : v.toFixed(0))), total.toFixed(0), r.appRssMb === null ? '–' : r.appRssMb.toFixed(0)]);
  }
  return lines;
}

/** `textColumns` are left-aligned; the rest are numbers, right-aligned. */
export function markdownTable(lines: string[][], textColumns: number[] = [0]): string {
  const [header, ...body] = lines;
  if (!header) return '';
  const numeric = (i: number): boolean => !textColumns.includes(i);
  return [
    `| ${header.join(' | ')} |`,
    `|${header.map((_, i) => (numeric(i) ? '---:' : '---')).join('|')}|`,
    ...body.map((l) => `| ${l.join(' | ')} |`),
  ].join('\n');
}

function consoleTable(lines: string[][]): string {
  const widths = (lines[0] ?? []).map((_, i) => Math.max(...lines.map((l) => (l[i] ?? '').length)));
  return lines.map((l) => l.map((cell, i) => (i >= 2 ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0))).join('  ')).join('\n');
}

export function renderMarkdown(report: BenchReport): string {
  const m = report.machine;
  const memory = report.memory.map((r) => `| ${r.process} | ${r.peakRssMb === null ? '–' : r.peakRssMb.toFixed(0)} |`);
  const targets = report.targets.map((t) => `| ${t.pass ? 'PASS' : 'MISS'} | ${t.target} | ${t.measured} |`);
  return [
    '# Benchmark results (latest run)',
    '',
    `Written by \`npm run bench\` on ${m.date}. See docs/performance.md for what each row means.`,
    '',
    `**Machine:** ${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB RAM; ${m.os}; Node ${m.node}; PostgreSQL ${m.postgres}.`,
    '',
    `**Settings:** ${Object.entries(report.settings).map(([k, v]) => `${k}=${v}`).join(', ')}.`,
    '',
    markdownTable(tableLines(report), [0, 1, 7]),
    '',
    '## CPU per request, by process (µs)',
    '',
    'CPU time each process used in the measured phase divided by the requests (or flows) completed: where the machine\'s cores went. Resolution 10 ms of CPU per process, so small numbers on short runs are rough.',
    '',
    markdownTable(cpuLines(report)),
    '',
    '## Peak memory (VmHWM) per process',
    '',
    '| process | peak RSS MiB |',
    '|---|---:|',
    ...memory,
    '',
    '## Targets (reported, not asserted)',
    '',
    '| result | target | measured |',
    '|---|---|---|',
    ...targets,
    '',
    ...(report.notes.length > 0 ? ['## Notes', '', ...report.notes.map((n) => `- ${n}`), ''] : []),
  ].join('\n');
}

export function renderConsole(report: BenchReport): string {
  const m = report.machine;
  return [
    '',
    `${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node}, PostgreSQL ${m.postgres}, ${m.date}`,
    '',
    consoleTable(tableLines(report)),
    '',
    'CPU µs per request (or flow), by process:',
    consoleTable(cpuLines(report)),
    '',
    'Peak RSS (VmHWM): ' + report.memory.map((r) => `${r.process} ${r.peakRssMb === null ? '–' : r.peakRssMb.toFixed(0)} MiB`).join(', '),
    '',
    ...report.targets.map((t) => `${t.pass ? 'PASS' : 'MISS'}  ${t.target}  —  ${t.measured}`),
    ...report.notes.map((n) => `note: ${n}`),
    '',
  ].join('\n');
}

/** The targets from the issue, evaluated on the PostgreSQL rows. */
export function evaluateTargets(rows: Row[], memory: MemoryRow[], info: string[] = []): TargetCheck[] {
  const get = byId(rows);
  const checks: TargetCheck[] = [];
  const status50 = get.get('postgres status @50');
  const b50 = get.get('baseline b @50');
  if (status50 && b50) {
    const r = status50.m.rps / b50.m.rps;
    checks.push({
      target: 'status throughput ≥ 0.9× baseline (b) at 50 connections',
      measured: `${rate(status50.m.rps)} vs ${rate(b50.m.rps)} req/s = ${ratio(r)}`,
      pass: r >= 0.9,
    });
    const p = status50.m.p99 / b50.m.p99;
    checks.push({
      target: 'status p99 ≤ 1.25× baseline (b) p99 at 50 connections',
      measured: `${ms(status50.m.p99)} vs ${ms(b50.m.p99)} ms = ${ratio(p)}`,
      pass: p <= 1.25,
    });
  }
  const status10 = get.get('postgres status @10');
  if (status10) {
    checks.push({ target: 'status p99 < 8 ms at 10 connections', measured: `${ms(status10.m.p99)} ms`, pass: status10.m.p99 < 8 });
  }
  const profile1 = get.get('postgres profile @1');
  const c1 = get.get('baseline c @1');
  if (profile1 && c1) {
    const added = profile1.m.p50 - c1.m.p50;
    checks.push({
      target: 'profile adds ≤ 1 ms p50 over baseline (c) at 1 connection',
      measured: `${ms(profile1.m.p50)} − ${ms(c1.m.p50)} = ${ms(added)} ms`,
      pass: added <= 1,
    });
  }
  const profile50 = get.get('postgres profile @50');
  const d50 = get.get('baseline d @50');
  if (profile50 && d50) {
    const r = profile50.m.rps / d50.m.rps;
    checks.push({
      target: 'profile throughput ≥ 0.9× baseline (d) at 50 connections',
      measured: `${rate(profile50.m.rps)} vs ${rate(d50.m.rps)} req/s = ${ratio(r)}`,
      pass: r >= 0.9,
    });
  }
  const c50 = get.get('baseline c @50');
  const d1 = get.get('baseline d @1');
  if (profile50 && c50) {
    info.push(`profile at 50 connections is ${ratio(profile50.m.rps / c50.m.rps)} of the emulator alone, baseline (c) (${rate(profile50.m.rps)} vs ${rate(c50.m.rps)} req/s): every profile request is also a database read, a decrypt and a second process's work`);
  }
  if (profile1 && d1) {
    info.push(`profile at 1 connection adds ${ms(profile1.m.p50 - d1.m.p50)} ms p50 over baseline (d) (${ms(profile1.m.p50)} vs ${ms(d1.m.p50)} ms)`);
  }
  const app = memory.find((r) => r.process === 'app (postgres)');
  if (app?.peakRssMb != null) {
    // VmHWM is in KiB; the target is in MB (10^6 bytes).
    const mb = (app.peakRssMb * 1024 * 1024) / 1e6;
    checks.push({
      target: 'peak RSS ≤ 200 MB per instance on PostgreSQL',
      measured: `${app.peakRssMb.toFixed(0)} MiB = ${mb.toFixed(0)} MB`,
      pass: mb <= 200,
    });
  }
  const failing = rows.filter((r) => r.m.failed > 0);
  checks.push({
    target: 'every measured request succeeded (not a target: a sanity check)',
    measured: failing.length === 0 ? 'no failures' : failing.map((r) => `${r.id}: ${r.m.failed} (${r.m.failures.join('; ')})`).join(', '),
    pass: failing.length === 0,
  });
  return checks;
}
