// The simulation's per-pool load for the timeline: open and running jobs by the pool label matching picks, and
// running jobs by the pool of the runner that runs them (a subset pool's job may run on a larger pool's runner).

/** Counts of one pool at a sample. */
export interface PoolLoadPoint {
  readonly queued: number;
  readonly running: number;
  readonly runners: number;
}

/**
 * Open and running jobs per pool, kept from job transitions.
 *
 * @example
 * ```ts
 * const load = new PoolLoad();
 * load.queued(job.id, 'linux');
 * load.sample(['linux'], aliveByPool); // { linux: { queued: 1, running: 0, runners: 0 } }
 * ```
 */
export class PoolLoad {
  readonly #open = new Map<string, number>();
  readonly #running = new Map<string, number>();
  readonly #runningOnPool = new Map<string, number>();
  readonly #runningOn = new Map<number, string>();

  queued(_jobId: number, poolId: string): void {
    add(this.#open, poolId, 1);
  }

  started(jobId: number, poolId: string, runnerPool: string): void {
    add(this.#running, poolId, 1);
    if (this.#runningOn.has(jobId)) return;
    this.#runningOn.set(jobId, runnerPool);
    add(this.#runningOnPool, runnerPool, 1);
  }

  completed(jobId: number, poolId: string, hadStarted: boolean): void {
    add(this.#open, poolId, -1);
    if (!hadStarted) return;
    add(this.#running, poolId, -1);
    const runnerPool = this.#runningOn.get(jobId);
    if (runnerPool === undefined) return;
    this.#runningOn.delete(jobId);
    add(this.#runningOnPool, runnerPool, -1);
  }

  /** Per pool: jobs waiting, jobs running on its runners, its alive machines. */
  sample(poolIds: Iterable<string>, alive: ReadonlyMap<string, number>): Record<string, PoolLoadPoint> {
    const out: Record<string, PoolLoadPoint> = {};
    for (const poolId of poolIds) {
      const running = this.#running.get(poolId) ?? 0;
      out[poolId] = {
        queued: Math.max(0, (this.#open.get(poolId) ?? 0) - running),
        running: this.#runningOnPool.get(poolId) ?? 0,
        runners: alive.get(poolId) ?? 0,
      };
    }
    return out;
  }
}

function add(counts: Map<string, number>, poolId: string, delta: number): void {
  counts.set(poolId, Math.max(0, (counts.get(poolId) ?? 0) + delta));
}
