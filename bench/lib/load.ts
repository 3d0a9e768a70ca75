/**
 * Load generation: autocannon for single requests (closed loop, N keep-alive
 * connections), a small closed loop of our own for multi-step flows. Both
 * discard a warm-up and record every measured response time themselves:
 * autocannon's own histogram has 1 ms resolution, too coarse for "adds at
 * most 1 ms".
 */
import autocannon from 'autocannon';

export interface Measurement {
  connections: number;
  /** Measured seconds (warm-up excluded). */
  durationS: number;
  /** 2xx responses (or completed flows). */
  ok: number;
  /** Non-2xx answers, socket errors and timeouts (or failed flows). */
  failed: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  /** A sample of what failed, for the report. */
  failures: string[];
  /** Interleaved loads only: the throughput of each of this side's slices, in the order they ran. */
  sliceRps?: number[];
}

export interface Rotation {
  /** Rotated into the Authorization header, one per request. */
  header?: string[];
  /** Appended to the path, one per request (e.g. user ids). */
  pathSuffix?: string[];
}

export interface LoadSpec {
  url: string;
  method: 'GET' | 'POST';
  path: string;
  connections: number;
  durationS: number;
  warmupS: number;
  rotate?: Rotation;
  headers?: Record<string, string>;
  /** The status a correct answer has (default 200). */
  expectStatus?: number;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

export function summarize(latencies: number[], connections: number, durationS: number, failed: number, failures: string[]): Measurement {
  const sorted = Float64Array.from(latencies).sort();
  return {
    connections,
    durationS,
    ok: latencies.length,
    failed,
    rps: latencies.length / durationS,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.length > 0 ? (sorted[sorted.length - 1] as number) : Number.NaN,
    failures,
  };
}

function requestsOf(spec: LoadSpec): autocannon.Request[] {
  const headers = { ...spec.headers };
  const header = spec.rotate?.header;
  const suffix = spec.rotate?.pathSuffix;
  if (!header && !suffix) return [{ method: spec.method, path: spec.path, headers }];
  // One counter for all connections: consecutive requests go to different users.
  let i = 0;
  return [
    {
      method: spec.method,
      path: spec.path,
      headers,
      setupRequest: (request) => {
        const n = i++;
        return {
          ...request,
          path: suffix ? `${spec.path}${suffix[n % suffix.length] as string}` : spec.path,
          headers: header ? { ...headers, authorization: header[n % header.length] as string } : headers,
        };
      },
    },
  ];
}

async function cannon(spec: LoadSpec, durationS: number, record: boolean): Promise<Measurement> {
  const { latencies, failed, failures, durationS: measuredS } = await cannonSamples(spec, durationS, record);
  return summarize(latencies, spec.connections, measuredS, failed, failures);
}

interface Samples {
  latencies: number[];
  failed: number;
  failures: string[];
  durationS: number;
}

async function cannonSamples(spec: LoadSpec, durationS: number, record: boolean): Promise<Samples> {
  const expected = spec.expectStatus ?? 200;
  const latencies: number[] = [];
  const failures: string[] = [];
  let failed = 0;
  const instance = autocannon({
    url: spec.url,
    connections: spec.connections,
    duration: durationS,
    timeout: 10,
    requests: requestsOf(spec),
  });
  if (record) {
    instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
      if (statusCode === expected) {
        latencies.push(responseTime);
      } else {
        failed++;
        if (failures.length < 5) failures.push(`HTTP ${statusCode}`);
      }
    });
  }
  const result = await instance;
  const socketFailures = result.errors + result.timeouts;
  if (socketFailures > 0 && failures.length < 5) failures.push(`${result.errors} socket errors, ${result.timeouts} timeouts`);
  return { latencies, failed: failed + socketFailures, failures, durationS: result.duration };
}

/** Wraps the measured phase (not the warm-up), e.g. to account the CPU it used. */
export type PhaseWrapper = (phase: () => Promise<Measurement>) => Promise<Measurement>;

const direct: PhaseWrapper = (phase) => phase();

/** Warm-up (discarded), then the measured run. */
export async function runLoad(spec: LoadSpec, measured: PhaseWrapper = direct): Promise<Measurement> {
  if (spec.warmupS > 0) await cannon(spec, spec.warmupS, false);
  return measured(() => cannon(spec, spec.durationS, true));
}

/** Wraps one measured slice of an interleaved pair, e.g. to account the CPU it used. */
export type SliceWrapper = (side: 0 | 1, slice: () => Promise<void>) => Promise<void>;

/** The order of the slices: A B B A, repeated, so a speed that drifts steadily over the pair's time falls on both sides alike. */
export function interleaving(slices: number): (0 | 1)[] {
  return Array.from({ length: 2 * slices }, (_, i) => ((i % 4 === 0 || i % 4 === 3 ? 0 : 1)));
}

/** autocannon ends a run on its once-a-second tick: a slice is a whole number of seconds, at least the share asked. */
export function sliceSeconds(durationS: number, slices: number): number {
  return Math.max(1, Math.ceil(durationS / slices));
}

/**
 * Two loads measured in alternating slices (`slices` each, `sliceSeconds`
 * apiece, in the order `interleaving` gives) after one
 * warm-up each: on a shared machine whose speed moves by a quarter within a
 * minute, a row measured after its baseline compares two different
 * machines; slices of a few seconds put both under the same ones. Each side's
 * figures are over all its slices (requests and latencies pooled); each
 * slice's own throughput is kept too (`sliceRps`), to show the spread.
 */
export async function runInterleaved(specs: [LoadSpec, LoadSpec], slices: number, wrap: SliceWrapper): Promise<[Measurement, Measurement]> {
  for (const spec of specs) if (spec.warmupS > 0) await cannonSamples(spec, spec.warmupS, false);
  const pooled: [Samples, Samples] = [
    { latencies: [], failed: 0, failures: [], durationS: 0 },
    { latencies: [], failed: 0, failures: [], durationS: 0 },
  ];
  const sliceRps: [number[], number[]] = [[], []];
  for (const side of interleaving(slices)) {
    const spec = specs[side];
    await wrap(side, async () => {
      const got = await cannonSamples(spec, sliceSeconds(spec.durationS, slices), true);
      const into = pooled[side];
      for (const latency of got.latencies) into.latencies.push(latency);
      into.failed += got.failed;
      into.failures.push(...got.failures.slice(0, Math.max(0, 5 - into.failures.length)));
      into.durationS += got.durationS;
      sliceRps[side].push(got.durationS > 0 ? got.latencies.length / got.durationS : 0);
    });
  }
  return [0, 1].map((side) => {
    const p = pooled[side as 0 | 1];
    return { ...summarize(p.latencies, specs[side as 0 | 1].connections, p.durationS, p.failed, p.failures), sliceRps: sliceRps[side as 0 | 1] };
  }) as [Measurement, Measurement];
}

/**
 * The ratio of each adjacent pair of slices, second side over first: in the
 * order A B B A A B B A the k-th slice of one side ran right beside the k-th
 * of the other, so each pair saw the same moment of the machine.
 */
export function slicePairRatios(first: Measurement, second: Measurement): number[] {
  const a = first.sliceRps ?? [];
  const b = second.sliceRps ?? [];
  return a.slice(0, b.length).map((rps, k) => (rps > 0 ? (b[k] as number) / rps : Number.NaN));
}

export interface FlowSpec {
  concurrency: number;
  durationS: number;
  warmupS: number;
  /** One complete flow; `n` is unique across the whole run (warm-up included). */
  flow(n: number): Promise<void>;
}

/** Closed loop: `concurrency` workers each start the next flow as soon as theirs completes. */
export async function runFlows(spec: FlowSpec, measured: PhaseWrapper = direct): Promise<Measurement> {
  let next = 0;
  const phase = async (seconds: number): Promise<Measurement> => {
    const latencies: number[] = [];
    const failures: string[] = [];
    let failed = 0;
    const started = performance.now();
    const deadline = started + seconds * 1000;
    const worker = async (): Promise<void> => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        try {
          await spec.flow(next++);
          latencies.push(performance.now() - t0);
        } catch (err) {
          failed++;
          if (failures.length < 5) failures.push(err instanceof Error ? err.message.slice(0, 200) : String(err));
        }
      }
    };
    await Promise.all(Array.from({ length: spec.concurrency }, worker));
    return summarize(latencies, spec.concurrency, (performance.now() - started) / 1000, failed, failures);
  };
  if (spec.warmupS > 0) await phase(spec.warmupS);
  return measured(() => phase(spec.durationS));
}
