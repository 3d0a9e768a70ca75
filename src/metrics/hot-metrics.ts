import type { Metric, Registry } from 'prom-client';

/**
 * A counter and a histogram for the metrics observed on every request (each
 * Zoom exchange, each HTTP answer), kept as plain numbers per series and
 * handed to prom-client's registry only when it is scraped. prom-client's own
 * `observe({ labels }, v)` validates the label object, sorts and joins it
 * into a key and looks the series up on every call (three such calls per
 * profile request cost ~5 µs under load, issue 15); here the label values are
 * passed in their declared order, a series is found by one map lookup, and
 * the exposition is prom-client's own (this class gives the registry the same
 * values a prom-client metric gives it). Label values must be strings of a
 * fixed, small vocabulary: the callers pass route templates, operations and
 * status classes, never user input.
 */
abstract class HotMetric<S extends { labels: Record<string, string> }> {
  readonly aggregator = 'sum';
  protected readonly series = new Map<string, S>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly string[],
    registry: Registry,
  ) {
    // The registry asks a metric only for name, help, type, get() and reset(), which this class has.
    registry.registerMetric(this as unknown as Metric);
  }

  reset(): void {
    this.series.clear();
  }

  /** A new series' zeroed values. */
  protected abstract newSeries(labels: Record<string, string>): S;

  /** The series of these label values, in `labelNames` order. */
  protected seriesOf(values: readonly [string, ...string[]]): S {
    if (values.length !== this.labelNames.length) throw new Error(`${this.name}: expected ${String(this.labelNames.length)} label values`);
    const key = values.length === 1 ? values[0] : values.join('\u0000');
    let series = this.series.get(key);
    if (series === undefined) {
      const labels: Record<string, string> = {};
      this.labelNames.forEach((name, i) => {
        labels[name] = values[i] as string;
      });
      series = this.newSeries(labels);
      this.series.set(key, series);
    }
    return series;
  }
}

interface CounterSeries {
  labels: Record<string, string>;
  value: number;
}

export class HotCounter extends HotMetric<CounterSeries> {
  readonly type = 'counter';

  inc(...labelValues: [string, ...string[]]): void {
    this.seriesOf(labelValues).value += 1;
  }

  protected newSeries(labels: Record<string, string>): CounterSeries {
    return { labels, value: 0 };
  }

  get(): { name: string; help: string; type: 'counter'; aggregator: 'sum'; values: { labels: Record<string, string>; value: number }[] } {
    const values = [...this.series.values()].map((s) => ({ labels: { ...s.labels }, value: s.value }));
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}

interface HistogramSeries {
  labels: Record<string, string>;
  /** Observations per bucket (not cumulative); the last slot is above the highest bound. */
  counts: Float64Array;
  sum: number;
  count: number;
}

interface HistogramValue {
  labels: Record<string, string | number>;
  sharedLabels: Record<string, string>;
  value: number;
  metricName: string;
  /** prom-client's buckets carry one (null without exemplars); its JSON shows it. */
  exemplar?: null;
}

export class HotHistogram extends HotMetric<HistogramSeries> {
  readonly type = 'histogram';
  private readonly bounds: Float64Array;

  constructor(name: string, help: string, labelNames: readonly string[], buckets: readonly number[], registry: Registry) {
    super(name, help, labelNames, registry);
    this.bounds = Float64Array.from(buckets).sort();
  }

  observe(value: number, ...labelValues: [string, ...string[]]): void {
    if (!Number.isFinite(value)) return;
    const series = this.seriesOf(labelValues);
    let i = 0;
    while (i < this.bounds.length && value > (this.bounds[i] as number)) i++;
    series.counts[i] = (series.counts[i] as number) + 1;
    series.sum += value;
    series.count += 1;
  }

  protected newSeries(labels: Record<string, string>): HistogramSeries {
    return { labels, counts: new Float64Array(this.bounds.length + 1), sum: 0, count: 0 };
  }

  /** For the text exposition: the series' labels apart, as prom-client's histogram gives them. */
  getForPromString(): { name: string; help: string; type: 'histogram'; aggregator: 'sum'; values: HistogramValue[] } {
    const values: HistogramValue[] = [];
    const bucketName = `${this.name}_bucket`;
    for (const s of this.series.values()) {
      let cumulative = 0;
      this.bounds.forEach((le, i) => {
        cumulative += s.counts[i] as number;
        values.push({ labels: { le }, sharedLabels: s.labels, value: cumulative, metricName: bucketName, exemplar: null });
      });
      values.push({ labels: { le: '+Inf' }, sharedLabels: s.labels, value: s.count, metricName: bucketName, exemplar: null });
      values.push({ labels: {}, sharedLabels: s.labels, value: s.sum, metricName: `${this.name}_sum` });
      values.push({ labels: {}, sharedLabels: s.labels, value: s.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  /** For JSON (and a merged registry): every value's labels in one object. */
  get(): { name: string; help: string; type: 'histogram'; aggregator: 'sum'; values: Omit<HistogramValue, 'sharedLabels'>[] } {
    const data = this.getForPromString();
    return {
      ...data,
      values: data.values.map(({ labels, sharedLabels, ...rest }) => ({ ...rest, labels: { ...labels, ...sharedLabels } })),
    };
  }
}
