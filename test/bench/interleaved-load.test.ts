import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { interleaving, runInterleaved, sliceSeconds, slicePairRatios, summarize } from '../../bench/lib/load.js';

function counting(): { server: Server; hits: () => number; url: () => string } {
  let hits = 0;
  const server = createServer((_req, res) => {
    hits++;
    res.end('ok');
  });
  return { server, hits: () => hits, url: () => `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe('interleaved load (bench)', () => {
  const a = counting();
  const b = counting();
  beforeAll(async () => {
    await Promise.all([a, b].map((s) => new Promise<void>((resolve) => s.server.listen(0, '127.0.0.1', resolve))));
  });
  afterAll(async () => {
    await Promise.all([a, b].map((s) => new Promise<void>((resolve) => s.server.close(() => resolve()))));
  });

  it('orders the slices A B B A, repeated', () => {
    expect(interleaving(1)).toEqual([0, 1]);
    expect(interleaving(4)).toEqual([0, 1, 1, 0, 0, 1, 1, 0]);
  });

  it('makes each slice whole seconds, at least its share, as autocannon ends runs on a second', () => {
    expect(sliceSeconds(10, 4)).toBe(3);
    expect(sliceSeconds(8, 4)).toBe(2);
    expect(sliceSeconds(1, 4)).toBe(1);
  });

  it('measures each side only in its own slices and pools them into one measurement per side', async () => {
    const seen: { side: 0 | 1; hitsA: number; hitsB: number }[] = [];
    const spec = (url: string) => ({ url, method: 'GET' as const, path: '/', connections: 2, durationS: 2, warmupS: 0 });
    const [ma, mb] = await runInterleaved([spec(a.url()), spec(b.url())], 2, async (side, slice) => {
      const before = { a: a.hits(), b: b.hits() };
      await slice();
      seen.push({ side, hitsA: a.hits() - before.a, hitsB: b.hits() - before.b });
    });
    expect(seen.map((s) => s.side)).toEqual([0, 1, 1, 0]);
    // A slice loads its own side's server; the other sees at most the last slice's stragglers (one per connection).
    for (const s of seen) {
      expect(s.side === 0 ? s.hitsA : s.hitsB).toBeGreaterThan(0);
      expect(s.side === 0 ? s.hitsB : s.hitsA).toBeLessThanOrEqual(2);
    }
    // Each side's measurement pools its two slices: no more answers than its server gave, and most of them.
    expect(ma.ok).toBeLessThanOrEqual(a.hits());
    expect(ma.ok).toBeGreaterThan(a.hits() * 0.9);
    expect(mb.ok).toBeLessThanOrEqual(b.hits());
    expect(mb.ok).toBeGreaterThan(b.hits() * 0.9);
    expect(ma.durationS).toBeGreaterThan(0.9);
    expect(ma.failed + mb.failed).toBe(0);
    // Each slice's own throughput is kept, one figure per slice of the side, and they add up to the pooled count.
    expect(ma.sliceRps).toHaveLength(2);
    expect(mb.sliceRps).toHaveLength(2);
    for (const rps of [...(ma.sliceRps ?? []), ...(mb.sliceRps ?? [])]) expect(rps).toBeGreaterThan(0);
  });

  it('compares each slice with the one that ran beside it (A B B A: first with first, second with second)', () => {
    const side = (sliceRps: number[]) => ({ ...summarize([], 1, 1, 0, []), sliceRps });
    expect(slicePairRatios(side([100, 200, 400]), side([50, 300, 400]))).toEqual([0.5, 1.5, 1]);
    expect(slicePairRatios(side([0]), side([10]))).toEqual([Number.NaN]);
    expect(slicePairRatios(side([]), side([]))).toEqual([]);
  });
});
