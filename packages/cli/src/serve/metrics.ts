// Prometheus text exposition (format 0.0.4) of the Metrics port: counters and sums kept in memory, gauges read
// at scrape time. Small enough not to need a client library: one sample per name and label set.
import type { MetricUnit, Metrics } from '@ghr/core';

/** A gauge read at scrape time. */
export interface Gauge {
  readonly name: string;
  readonly help: string;
  readonly samples: readonly { readonly labels?: Readonly<Record<string, string>>; readonly value: number }[];
}

type Labels = Readonly<Record<string, string>>;

const snake = (name: string) =>
  name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9_]/g, '_')
    .toLowerCase();

const escapeLabel = (value: string) => value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');

function labelText(labels: Labels | undefined): string {
  const entries = Object.entries(labels ?? {}).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return '';
  return `{${entries.map(([k, v]) => `${snake(k)}="${escapeLabel(String(v))}"`).join(',')}}`;
}

/**
 * The engine's and the webhook handler's metrics as Prometheus text: `Count` metrics become counters
 * (`ghr_<name>_total`), durations a sum and a count (`ghr_<name>_seconds_sum`, `_count`), `None` the last value
 * (a gauge). Dimensions become labels (they are low-cardinality by the port's contract).
 *
 * @example
 * ```ts
 * const metrics = new PrometheusMetrics();
 * metrics.record('RunnersLaunched', 2, 'Count', { pool: 'linux' });
 * metrics.render(); // '# TYPE ghr_runners_launched_total counter\nghr_runners_launched_total{pool="linux"} 2\n'
 * ```
 */
export class PrometheusMetrics implements Metrics {
  readonly #series = new Map<string, { type: 'counter' | 'gauge' | 'summary'; samples: Map<string, { sum: number; count: number }> }>();

  record(name: string, value: number, unit: MetricUnit, dimensions?: Labels): void {
    if (!Number.isFinite(value)) return;
    const base = `ghr_${snake(name)}`;
    const [metric, type, v] =
      unit === 'Count'
        ? [`${base}_total`, 'counter' as const, value]
        : unit === 'Milliseconds'
          ? [`${base}_seconds`, 'summary' as const, value / 1000]
          : unit === 'Seconds'
            ? [`${base}_seconds`, 'summary' as const, value]
            : [base, 'gauge' as const, value];
    let series = this.#series.get(metric);
    if (!series) {
      series = { type, samples: new Map() };
      this.#series.set(metric, series);
    }
    const key = labelText(dimensions);
    const sample = series.samples.get(key) ?? { sum: 0, count: 0 };
    if (type === 'gauge') {
      sample.sum = v;
      sample.count = 1;
    } else {
      sample.sum += v;
      sample.count += 1;
    }
    series.samples.set(key, sample);
  }

  async flush(): Promise<void> {
    // Scraped, not pushed.
  }

  /** The exposition text: recorded series, then `gauges`. */
  render(gauges: readonly Gauge[] = []): string {
    const lines: string[] = [];
    for (const [name, series] of [...this.#series].sort(([a], [b]) => a.localeCompare(b))) {
      lines.push(`# TYPE ${name} ${series.type}`);
      for (const [labels, s] of series.samples) {
        if (series.type === 'summary') {
          lines.push(`${name}_sum${labels} ${s.sum}`, `${name}_count${labels} ${s.count}`);
        } else {
          lines.push(`${name}${labels} ${s.sum}`);
        }
      }
    }
    for (const gauge of gauges) {
      const name = `ghr_${snake(gauge.name)}`;
      lines.push(`# HELP ${name} ${gauge.help}`, `# TYPE ${name} gauge`);
      for (const s of gauge.samples) lines.push(`${name}${labelText(s.labels)} ${s.value}`);
    }
    return `${lines.join('\n')}\n`;
  }
}
