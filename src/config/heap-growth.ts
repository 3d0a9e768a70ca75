import { setFlagsFromString } from 'node:v8';

/** V8's own flag; `node --heap-growing-percent=N` on the command line wins over the setting. */
const FLAG = '--heap-growing-percent';

export type HeapGrowth =
  | { applied: true; percent: number }
  | { applied: false; reason: 'setting_off' | 'node_flag' };

/**
 * The standalone service owns its process, so it sets how far V8 lets the old
 * generation grow past what the last full collection kept: at most
 * `percent`% more, where V8 by default allows up to 4× on a machine with
 * memory to spare. The service's live heap is small (about 30 MB) and its
 * requests hold their objects across young-generation collections while they
 * wait on Zoom and PostgreSQL, so under load V8's default let promoted
 * garbage grow the heap to 100–130 MB before a full collection
 * (docs/performance.md, issue 15). A full collection of so small a heap
 * takes about 10 ms: at 50% they come a few times more often for a fraction
 * of a percent of CPU.
 *
 * `percent` 0 leaves V8's own heuristic. Never applied by the embedded API:
 * a host's process is the host's to tune.
 */
export function limitHeapGrowth(percent: number, execArgv: readonly string[] = process.execArgv): HeapGrowth {
  if (percent === 0) return { applied: false, reason: 'setting_off' };
  if (execArgv.some((arg) => arg === FLAG || arg.startsWith(`${FLAG}=`) || arg.startsWith('--heap_growing_percent'))) {
    return { applied: false, reason: 'node_flag' };
  }
  // V8 reads the flag each time it sets the next full collection's limit, so setting it now takes effect.
  setFlagsFromString(`${FLAG}=${String(percent)}`);
  return { applied: true, percent };
}
