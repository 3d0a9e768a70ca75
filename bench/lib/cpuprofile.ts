/**
 * Reads a V8 `.cpuprofile` (node --cpu-prof) and says where the time went:
 * self time per function, inclusive time per function (recursion counted
 * once), and self time per package or source file.
 */
import { readFile } from 'node:fs/promises';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
}

export interface ProfileSummary {
  totalMs: number;
  /** Time the thread was idle (waiting on I/O). */
  idleMs: number;
  selfTop: Array<{ frame: string; ms: number; pct: number }>;
  inclusiveTop: Array<{ frame: string; ms: number; pct: number }>;
  byOwner: Array<{ owner: string; ms: number; pct: number }>;
}

function frameName(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url ? `${shortUrl(url)}:${lineNumber + 1}` : '';
  return `${functionName || '(anonymous)'}${where ? ` ${where}` : ''}`;
}

function shortUrl(url: string): string {
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) return url.slice(nm + 'node_modules/'.length);
  const src = url.search(/\/(src|bench|test)\//);
  if (src >= 0) return url.slice(src + 1);
  return url.replace(/^file:\/\//, '');
}

/** Who owns a frame: an npm package, one of our source files, Node's internals, or V8 (GC, program). */
function ownerOf(node: ProfileNode): string {
  const { url, functionName } = node.callFrame;
  if (!url) return functionName.startsWith('(') ? functionName : `(native) ${functionName}`;
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1] ?? ''}` : (rest[0] ?? url);
  }
  if (url.startsWith('node:')) return url.split('/')[0] === 'node:internal' ? `node:internal/${url.split('/')[1] ?? ''}` : url;
  return shortUrl(url);
}

export async function summarizeProfile(file: string, top = 25): Promise<ProfileSummary> {
  const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
  const totalMs = (profile.endTime - profile.startTime) / 1000;
  const samples = profile.samples?.length ?? profile.nodes.reduce((n, node) => n + (node.hitCount ?? 0), 0);
  const msPerSample = samples > 0 ? totalMs / samples : 0;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));

  const self = new Map<string, number>();
  const owners = new Map<string, number>();
  let idleMs = 0;
  for (const node of profile.nodes) {
    const t = (node.hitCount ?? 0) * msPerSample;
    if (t === 0) continue;
    if (node.callFrame.functionName === '(idle)') {
      idleMs += t;
      continue;
    }
    self.set(frameName(node), (self.get(frameName(node)) ?? 0) + t);
    owners.set(ownerOf(node), (owners.get(ownerOf(node)) ?? 0) + t);
  }

  // Inclusive: each node's subtree time, added to its frame unless that frame is already an ancestor.
  const inclusive = new Map<string, number>();
  const subtree = (node: ProfileNode, ancestors: Set<string>): number => {
    const name = frameName(node);
    const fresh = !ancestors.has(name);
    if (fresh) ancestors.add(name);
    let t = node.callFrame.functionName === '(idle)' ? 0 : (node.hitCount ?? 0) * msPerSample;
    for (const child of node.children ?? []) {
      const c = byId.get(child);
      if (c) t += subtree(c, ancestors);
    }
    if (fresh) {
      ancestors.delete(name);
      inclusive.set(name, (inclusive.get(name) ?? 0) + t);
    }
    return t;
  };
  const root = profile.nodes[0];
  if (root) subtree(root, new Set());

  const busy = totalMs - idleMs;
  const rank = (m: Map<string, number>, n: number) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, v]) => ({ key: k, ms: v, pct: busy > 0 ? (100 * v) / busy : 0 }));
  return {
    totalMs,
    idleMs,
    selfTop: rank(self, top).map(({ key, ms, pct }) => ({ frame: key, ms, pct })),
    inclusiveTop: rank(
      new Map([...inclusive].filter(([k]) => !k.startsWith('(root)') && !k.startsWith('(program)'))),
      top,
    ).map(({ key, ms, pct }) => ({ frame: key, ms, pct })),
    byOwner: rank(owners, top).map(({ key, ms, pct }) => ({ owner: key, ms, pct })),
  };
}

export function renderProfileSummary(s: ProfileSummary): string {
  const line = (pct: number, ms: number, what: string): string => `${pct.toFixed(1).padStart(5)}%  ${ms.toFixed(0).padStart(7)} ms  ${what}`;
  return [
    `profile: ${s.totalMs.toFixed(0)} ms wall, ${(s.totalMs - s.idleMs).toFixed(0)} ms busy (percentages are of busy time)`,
    '',
    'self time by owner (package / file):',
    ...s.byOwner.map((o) => line(o.pct, o.ms, o.owner)),
    '',
    'top frames by self time:',
    ...s.selfTop.map((f) => line(f.pct, f.ms, f.frame)),
    '',
    'top frames by inclusive time:',
    ...s.inclusiveTop.map((f) => line(f.pct, f.ms, f.frame)),
  ].join('\n');
}
