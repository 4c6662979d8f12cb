// The Metrics port as CloudWatch Embedded Metric Format (EMF) JSON lines: CloudWatch Logs turns each line that a
// Lambda (or the CloudWatch agent) writes into metrics, with no PutMetricData call on the hot path.
import { systemClock } from '@ghr/core';
import type { Clock, Metrics, MetricUnit } from '@ghr/core';

/** EMF's limits: metric definitions per directive, values per metric, dimension keys per set. */
const MAX_METRICS_PER_LINE = 100;
const MAX_VALUES_PER_METRIC = 100;
const MAX_DIMENSIONS = 30;

/** Options of an {@link EmfMetrics}. */
export interface EmfMetricsOptions {
  /** CloudWatch namespace. Default `ghr`. */
  readonly namespace?: string;
  /** Dimensions added to every metric (e.g. `{ environment: 'prod' }`). Default none. */
  readonly defaultDimensions?: Readonly<Record<string, string>>;
  /** Where each JSON line goes (a trailing newline is added). Default `process.stdout.write`. */
  readonly write?: (line: string) => void;
  /** Time stamp of each line. Default `systemClock`. */
  readonly clock?: Pick<Clock, 'now'>;
}

interface Group {
  readonly dimensions: Readonly<Record<string, string>>;
  /** Values by metric name, with the unit of its first record. */
  readonly metrics: Map<string, { readonly unit: MetricUnit; readonly values: number[] }>;
}

/**
 * A {@link Metrics} sink writing CloudWatch EMF lines. Records with the same dimensions are batched into one line
 * (up to 100 metrics, each with up to 100 values); a group is written when it reaches a limit and on `flush`.
 * Invalid records (non-finite values, empty names, more than 30 dimensions, empty dimension values, a dimension
 * named like a metric) are dropped rather than breaking a line CloudWatch would reject.
 *
 * @example
 * ```ts
 * const metrics = new EmfMetrics({ namespace: 'ghr', defaultDimensions: { environment: 'prod' } });
 * metrics.record('RunnersLaunched', 3, 'Count', { pool: 'linux' });
 * await metrics.flush(); // {"_aws":{"Timestamp":…,"CloudWatchMetrics":[…]},"environment":"prod","pool":"linux","RunnersLaunched":3}
 * ```
 */
export class EmfMetrics implements Metrics {
  readonly #namespace: string;
  readonly #defaults: Readonly<Record<string, string>>;
  readonly #write: (line: string) => void;
  readonly #clock: Pick<Clock, 'now'>;
  readonly #groups = new Map<string, Group>();

  constructor(options: EmfMetricsOptions = {}) {
    this.#namespace = options.namespace ?? 'ghr';
    this.#defaults = options.defaultDimensions ?? {};
    this.#write = options.write ?? ((line) => void process.stdout.write(line));
    this.#clock = options.clock ?? systemClock;
  }

  record(name: string, value: number, unit: MetricUnit, dimensions: Readonly<Record<string, string>> = {}): void {
    if (typeof name !== 'string' || name === '' || name.length > 255 || name === '_aws' || !Number.isFinite(value)) return;
    const all: Record<string, string> = { ...this.#defaults, ...dimensions };
    const keys = Object.keys(all).sort();
    if (keys.length > MAX_DIMENSIONS || keys.includes(name) || keys.includes('_aws')) return;
    if (keys.some((k) => typeof all[k] !== 'string' || all[k] === '' || k.length > 255 || all[k]!.length > 1024)) return;
    const signature = JSON.stringify(keys.map((k) => [k, all[k]]));
    let group = this.#groups.get(signature);
    if (!group) this.#groups.set(signature, (group = { dimensions: Object.fromEntries(keys.map((k) => [k, all[k]!])), metrics: new Map() }));
    const metric = group.metrics.get(name);
    if (metric === undefined && group.metrics.size >= MAX_METRICS_PER_LINE) {
      this.#emit(signature, group);
      this.record(name, value, unit, dimensions);
      return;
    }
    if (metric === undefined) group.metrics.set(name, { unit, values: [value] });
    else metric.values.push(value);
    if ((metric?.values.length ?? 1) >= MAX_VALUES_PER_METRIC) this.#emit(signature, group);
  }

  async flush(): Promise<void> {
    for (const [signature, group] of [...this.#groups]) this.#emit(signature, group);
  }

  #emit(signature: string, group: Group): void {
    this.#groups.delete(signature);
    if (group.metrics.size === 0) return;
    const dimensionKeys = Object.keys(group.dimensions);
    const line: Record<string, unknown> = {
      _aws: {
        Timestamp: Math.floor(this.#clock.now()),
        CloudWatchMetrics: [
          {
            Namespace: this.#namespace,
            Dimensions: [dimensionKeys],
            Metrics: [...group.metrics].map(([Name, m]) => ({ Name, Unit: m.unit })),
          },
        ],
      },
      ...group.dimensions,
    };
    for (const [name, m] of group.metrics) line[name] = m.values.length === 1 ? m.values[0] : m.values;
    this.#write(`${JSON.stringify(line)}\n`);
  }
}
