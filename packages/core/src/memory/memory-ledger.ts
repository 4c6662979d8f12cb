// The Ledger port in memory: for tests and the simulator.
import { systemClock } from '../defaults.js';
import { ALIVE_RUNNER_STATES } from '../domain.js';
import type { Job, Runner, RunnerState } from '../domain.js';
import type { Clock, JobFilter, Ledger, RunnerFilter, WriteResult } from '../ports.js';
import { throwIfAborted } from './abort.js';

/** Options of a {@link MemoryLedger}. */
export interface MemoryLedgerOptions {
  /** Time source for expiry. Default `systemClock`. */
  readonly clock?: Pick<Clock, 'now'>;
  /** How long completed jobs and terminated/failed runners are kept after their last write (ms). Default 1 day. */
  readonly retention?: number;
  /** How long delivery ids are remembered for dedupe (ms). Default 3 days (GitHub's redelivery window). */
  readonly deliveryRetention?: number;
}

const ALIVE: ReadonlySet<RunnerState> = new Set(ALIVE_RUNNER_STATES);

const DAY = 86_400_000;

/**
 * A {@link Ledger} held in memory. Every method completes within one turn of the event loop, so writes and
 * admissions are atomic with respect to each other; alive counts per pool are kept incrementally. Finished
 * records (completed jobs, terminated or failed runners) and old delivery ids expire after their retention.
 *
 * @example
 * ```ts
 * const ledger = new MemoryLedger({ clock });
 * const admitted = await ledger.admit('linux', [runner], 10, signal);
 * ```
 */
export class MemoryLedger implements Ledger {
  readonly #clock: Pick<Clock, 'now'>;
  readonly #retention: number;
  readonly #deliveryRetention: number;
  readonly #jobs = new Map<number, Job>();
  /** Jobs not completed, by id: what reconciles list most. */
  readonly #openJobs = new Map<number, Job>();
  readonly #runners = new Map<string, Runner>();
  /** Alive runners by pool, then name. */
  readonly #alive = new Map<string, Map<string, Runner>>();
  /** Finished records by key, with the time they finished (insertion order ≈ time order). */
  readonly #finished = new Map<string, number>();
  readonly #deliveries = new Map<string, number>();
  #nextSweep = 0;

  constructor(options: MemoryLedgerOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#retention = options.retention ?? DAY;
    this.#deliveryRetention = options.deliveryRetention ?? 3 * DAY;
  }

  async getJob(id: number, signal: AbortSignal): Promise<Job | undefined> {
    this.#enter(signal, 'getJob');
    return this.#jobs.get(id);
  }

  async putJob(record: Job, signal: AbortSignal): Promise<WriteResult> {
    this.#enter(signal, 'putJob');
    const current = this.#jobs.get(record.id);
    if (!versionFits(current?.version, record.version)) return 'conflict';
    const stored = { ...record };
    this.#jobs.set(record.id, stored);
    if (record.status === 'completed') {
      this.#openJobs.delete(record.id);
      this.#finished.delete(`j:${record.id}`);
      this.#finished.set(`j:${record.id}`, this.#clock.now());
    } else {
      this.#openJobs.set(record.id, stored);
      this.#finished.delete(`j:${record.id}`);
    }
    return 'ok';
  }

  async listJobs(filter: JobFilter, signal: AbortSignal): Promise<readonly Job[]> {
    this.#enter(signal, 'listJobs');
    const statuses = filter.statuses ? new Set(filter.statuses) : undefined;
    const source = statuses && !statuses.has('completed') ? this.#openJobs : this.#jobs;
    const out: Job[] = [];
    for (const job of source.values()) {
      if (filter.poolId !== undefined && job.poolId !== filter.poolId) continue;
      if (statuses && !statuses.has(job.status)) continue;
      out.push(job);
    }
    return out;
  }

  async getRunner(name: string, signal: AbortSignal): Promise<Runner | undefined> {
    this.#enter(signal, 'getRunner');
    return this.#runners.get(name);
  }

  async putRunner(record: Runner, signal: AbortSignal): Promise<WriteResult> {
    this.#enter(signal, 'putRunner');
    const current = this.#runners.get(record.name);
    if (!versionFits(current?.version, record.version)) return 'conflict';
    this.#storeRunner(current, { ...record });
    return 'ok';
  }

  async listRunners(filter: RunnerFilter, signal: AbortSignal): Promise<readonly Runner[]> {
    this.#enter(signal, 'listRunners');
    const states = filter.states ? new Set(filter.states) : undefined;
    const aliveOnly = states !== undefined && [...states].every((s) => ALIVE.has(s));
    let source: Iterable<Runner>;
    if (aliveOnly && filter.poolId !== undefined) source = this.#alive.get(filter.poolId)?.values() ?? [];
    else if (aliveOnly) source = [...this.#alive.values()].flatMap((m) => [...m.values()]);
    else source = this.#runners.values();
    const out: Runner[] = [];
    for (const runner of source) {
      if (filter.poolId !== undefined && runner.poolId !== filter.poolId) continue;
      if (states && !states.has(runner.state)) continue;
      out.push(runner);
    }
    return out;
  }

  async admit(poolId: string, runners: readonly Runner[], maxRunners: number, signal: AbortSignal): Promise<readonly Runner[]> {
    this.#enter(signal, 'admit');
    const admitted: Runner[] = [];
    for (const runner of runners) {
      if (this.alivePool(poolId) >= maxRunners) break;
      if (this.#runners.has(runner.name)) continue;
      const stored: Runner = { ...runner, poolId, state: 'launching', version: 1 };
      this.#storeRunner(undefined, stored);
      admitted.push(stored);
    }
    return admitted;
  }

  async alive(poolId: string, signal: AbortSignal): Promise<number> {
    this.#enter(signal, 'alive');
    return this.alivePool(poolId);
  }

  async claim(key: string, at: number, signal: AbortSignal): Promise<'claimed' | 'taken'> {
    this.#enter(signal, 'claim');
    if (this.#deliveries.has(key)) return 'taken';
    this.#deliveries.set(key, at);
    return 'claimed';
  }

  /** Alive runners of a pool, synchronously (for simulators and assertions). */
  alivePool(poolId: string): number {
    return this.#alive.get(poolId)?.size ?? 0;
  }

  /** Sizes of the stores, for tests and memory accounting. */
  get size(): { readonly jobs: number; readonly runners: number; readonly deliveries: number } {
    return { jobs: this.#jobs.size, runners: this.#runners.size, deliveries: this.#deliveries.size };
  }

  #storeRunner(current: Runner | undefined, next: Runner): void {
    this.#runners.set(next.name, next);
    if (current && current.poolId !== next.poolId) this.#alive.get(current.poolId)?.delete(next.name);
    const key = `r:${next.name}`;
    if (ALIVE.has(next.state)) {
      let pool = this.#alive.get(next.poolId);
      if (!pool) this.#alive.set(next.poolId, (pool = new Map()));
      pool.set(next.name, next);
      this.#finished.delete(key);
    } else {
      this.#alive.get(next.poolId)?.delete(next.name);
      this.#finished.delete(key);
      this.#finished.set(key, this.#clock.now());
    }
  }

  #enter(signal: AbortSignal, what: string): void {
    throwIfAborted(signal, `Ledger ${what}`);
    const now = this.#clock.now();
    if (now < this.#nextSweep) return;
    this.#nextSweep = now + Math.max(1, Math.min(this.#retention, this.#deliveryRetention) / 24);
    for (const [key, at] of this.#finished) {
      if (at > now - this.#retention) break; // insertion order is time order
      this.#finished.delete(key);
      if (key.startsWith('j:')) this.#jobs.delete(Number(key.slice(2)));
      else this.#runners.delete(key.slice(2));
    }
    for (const [id, at] of this.#deliveries) {
      if (at <= now - this.#deliveryRetention) this.#deliveries.delete(id);
    }
  }
}

function versionFits(current: number | undefined, next: number): boolean {
  return current === undefined ? next === 1 : next === current + 1;
}
