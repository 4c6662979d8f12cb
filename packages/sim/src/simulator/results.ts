// What a simulation reports: the result object of `ghr simulate --json`, and a timeline for charts.

/** The policy that drove the runners: ghr's engine, or the stateless per-event baseline. */
export type PolicyName = 'ghr' | 'baseline';

/** The result of one simulation, exactly as `ghr simulate --json` prints it. */
export interface SimulationResult {
  readonly policy: PolicyName;
  readonly seed: number;
  readonly jobs: {
    readonly total: number;
    /** Jobs that started on a runner. */
    readonly served: number;
    /** Jobs that neither started nor were cancelled. */
    readonly unserved: number;
    /** Jobs cancelled before they started. */
    readonly cancelled: number;
  };
  /** From `queued` to `in_progress`, over served jobs, seconds. */
  readonly waitSeconds: { readonly p50: number; readonly p95: number; readonly p99: number; readonly max: number };
  /** Machine time by what the runner was doing, seconds. */
  readonly runnerSeconds: { readonly busy: number; readonly idle: number; readonly booting: number };
  readonly runnersLaunched: number;
  /** Runners launched that never ran a job (launched twice for one demand, stolen, cancelled, or warm). */
  readonly runnersWithoutJob: number;
  /** GitHub calls: in all, per trace job, and per simulated hour. */
  readonly githubApiCalls: { readonly total: number; readonly perJob: number; readonly perHour: number };
  readonly cloudApiCalls: { readonly total: number; readonly perJob: number };
  /** Measured by an observer of the GitHub and cloud models, not reported by the policy. */
  readonly violations: {
    /** Launches that took a pool's alive instances above its `maxRunners`. */
    readonly maxRunnersExceeded: number;
    /** Instances terminated through the API while their runner was running a job. */
    readonly busyRunnerTerminated: number;
    /** Instances without a registration, and registrations without an instance, left after the drain. */
    readonly orphansLeft: number;
    /** Jobs still queued at the end although a pool could serve them. */
    readonly jobsLost: number;
  };
}

/** One sample of the simulation's state (every simulated minute). */
export interface TimelinePoint {
  /** Seconds from the start of the simulation. */
  readonly at: number;
  /** Jobs queued at GitHub. */
  readonly queued: number;
  /** Jobs running. */
  readonly running: number;
  /** Instances alive (booting, idle or busy). */
  readonly runners: number;
  /** The same per pool: queued jobs by the pool label matching picks (jobs no pool serves are left out), running jobs
   * by the pool of the runner that runs them, alive instances of the pool. */
  readonly pools?: Readonly<Record<string, { readonly queued: number; readonly running: number; readonly runners: number }>>;
}

/** A simulation's result plus what a reader needs to understand it. */
export interface SimulationReport {
  readonly result: SimulationResult;
  readonly timeline: readonly TimelinePoint[];
  /** Simulated seconds from the start to the end of the drain. */
  readonly simulatedSeconds: number;
  /** Events the loop ran. */
  readonly steps: number;
  /** Per pool: most instances alive at once, and the pool's `maxRunners`. */
  readonly pools: readonly { readonly id: string; readonly maxRunners: number; readonly peakAlive: number; readonly launched: number }[];
  /** Errors that escaped a scale-up, reconcile or baseline run (each is retried by the schedule), by message. */
  readonly errors: Readonly<Record<string, number>>;
  /** API calls by method: GitHub (`METHOD /route`) and cloud (`launch`, `list`, `terminate`, `throttled`). */
  readonly calls: { readonly github: Readonly<Record<string, number>>; readonly cloud: Readonly<Record<string, number>> };
  /** Median boot time of the instances that booted, seconds. */
  readonly bootSecondsP50: number;
  /** 95th percentile boot time of the instances that booted, seconds. */
  readonly bootSecondsP95: number;
  /** Each served job's wait from `queued` to `in_progress`, seconds, ascending (for a wait distribution). */
  readonly waits: readonly number[];
  /** What the `orphansLeft` and `jobsLost` violations counted, one entry each (empty when there are none). */
  readonly leftovers: Leftovers;
}

/** The orphans and lost jobs behind a result's violations, for whoever debugs them. Ages in seconds at the end. */
export interface Leftovers {
  readonly orphans: readonly {
    readonly kind: 'instance' | 'registration';
    readonly name: string;
    readonly ageSeconds: number;
  }[];
  readonly jobsLost: readonly { readonly id: number; readonly runAttempt: number; readonly labels: readonly string[]; readonly ageSeconds: number }[];
  /**
   * Jobs still queued whose `queued` event GitHub never sent nor logged: no webhook, no failed delivery to
   * redeliver; ghr lists no queued jobs, so it had no way to see them. Not counted in `jobsLost`.
   */
  readonly jobsUnseen?: Leftovers['jobsLost'];
  /** Runners whose machine the policy terminated while GitHub had them running a job. */
  readonly busyTerminated?: readonly string[];
}

/**
 * The `q`-quantile (0..1) of `values` by nearest rank; 0 for no values.
 *
 * @example
 * ```ts
 * quantile([1, 2, 3, 4], 0.5); // 2
 * ```
 */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1] as number;
}

/**
 * Errors met by the runs of a simulation, counted by kind (`step: code`, or the error's code or message).
 *
 * @example
 * ```ts
 * const errors = new ErrorTally();
 * errors.steps(result.errors);
 * report.errors = errors.byCount();
 * ```
 */
export class ErrorTally {
  readonly #counts = new Map<string, number>();

  /** The per-step errors a reconcile reported. */
  steps(errors: readonly { readonly step: string; readonly code: string }[]): void {
    for (const e of errors) this.count(`${e.step}: ${e.code}`);
  }

  /** An error a run threw. */
  error(error: unknown): void {
    const code = (error as { code?: unknown }).code;
    this.count(typeof code === 'string' ? code : ((error as Error).message ?? String(error)).slice(0, 80));
  }

  count(key: string): void {
    this.#counts.set(key, (this.#counts.get(key) ?? 0) + 1);
  }

  /** Counts by kind, most frequent first. */
  byCount(): Record<string, number> {
    return Object.fromEntries([...this.#counts].sort((a, b) => b[1] - a[1]));
  }
}
