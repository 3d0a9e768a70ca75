import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { HotCounter, HotHistogram } from '../../src/metrics/hot-metrics.js';

const BUCKETS = [0.01, 0.025, 0.1, 1, 10];
// Bounds, values between them, one above every bound, and the same series more than once.
const OBSERVATIONS: [number, string, string][] = [
  [0.001, 'GET', '/a'],
  [0.01, 'GET', '/a'],
  [0.0100001, 'GET', '/a'],
  [0.5, 'POST', '/b'],
  [10, 'POST', '/b'],
  [42, 'POST', '/b'],
  [0.02, 'GET', '/a'],
];

function pair(): { ours: Registry; theirs: Registry } {
  return { ours: new Registry(), theirs: new Registry() };
}

describe('hot metrics', () => {
  it('a histogram exposes the same text and JSON as prom-client’s for the same observations', async () => {
    const { ours, theirs } = pair();
    const hot = new HotHistogram('t_seconds', 'Timings "quoted" \\ help', ['method', 'route'], BUCKETS, ours);
    const reference = new Histogram({ name: 't_seconds', help: 'Timings "quoted" \\ help', labelNames: ['method', 'route'], buckets: BUCKETS, registers: [theirs] });
    for (const [value, method, route] of OBSERVATIONS) {
      hot.observe(value, method, route);
      reference.observe({ method, route }, value);
    }
    expect(await ours.metrics()).toBe(await theirs.metrics());
    expect(await ours.getMetricsAsJSON()).toEqual(await theirs.getMetricsAsJSON());
  });

  it('a counter exposes the same text and JSON as prom-client’s for the same increments', async () => {
    const { ours, theirs } = pair();
    const hot = new HotCounter('t_total', 'Calls', ['operation', 'status_class'], ours);
    const reference = new Counter({ name: 't_total', help: 'Calls', labelNames: ['operation', 'status_class'], registers: [theirs] });
    for (const [operation, statusClass] of [['users.me', '2xx'], ['users.me', '2xx'], ['meetings.list', '5xx']] as const) {
      hot.inc(operation, statusClass);
      reference.inc({ operation, status_class: statusClass });
    }
    expect(await ours.metrics()).toBe(await theirs.metrics());
    expect(await ours.getMetricsAsJSON()).toEqual(await theirs.getMetricsAsJSON());
  });

  it('keeps label values apart that would read the same if joined naively', async () => {
    const registry = new Registry();
    const hot = new HotCounter('t_total', 'Calls', ['a', 'b'], registry);
    hot.inc('x y', 'z');
    hot.inc('x', 'y z');
    expect(await registry.metrics()).toContain('t_total{a="x y",b="z"} 1');
    expect(await registry.metrics()).toContain('t_total{a="x",b="y z"} 1');
  });

  it('survives a registry merge and a reset as prom-client metrics do', async () => {
    const registry = new Registry();
    const hot = new HotHistogram('t_seconds', 'Timings', ['route'], BUCKETS, registry);
    hot.observe(0.5, '/a');
    const merged = Registry.merge([registry, new Registry()]);
    expect(await merged.metrics()).toContain('t_seconds_count{route="/a"} 1');
    registry.resetMetrics();
    expect(await registry.metrics()).not.toContain('route="/a"');
  });

  it('refuses label values of the wrong number instead of mixing series', () => {
    const hot = new HotCounter('t_total', 'Calls', ['a', 'b'], new Registry());
    expect(() => {
      hot.inc('only-one');
    }).toThrow(/expected 2 label values/);
  });
});
