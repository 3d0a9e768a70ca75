import type { ServiceMetrics } from '../../src/metrics/index.js';

/**
 * The sum of the series of `name` whose labels include `labels` (a
 * histogram's `_count` and `_sum` work too); 0 when none has a sample yet.
 */
export async function metricValue(metrics: ServiceMetrics, name: string, labels: Record<string, string> = {}): Promise<number> {
  const part = /_(count|sum)$/.exec(name);
  const metric = metrics.registry.getSingleMetric(name) ?? (part ? metrics.registry.getSingleMetric(name.slice(0, -part[0].length)) : undefined);
  if (!metric) throw new Error(`no metric ${name}`);
  const { values } = await metric.get();
  return values
    .filter((v) => {
      // Histograms' samples carry their own name (_bucket, _count, _sum); counters' and gauges' do not.
      const sampleName = (v as { metricName?: string }).metricName;
      return sampleName === undefined || sampleName === name;
    })
    .filter((v) => Object.entries(labels).every(([k, want]) => String((v.labels as Record<string, string | number>)[k]) === want))
    .reduce((sum, v) => sum + v.value, 0);
}
