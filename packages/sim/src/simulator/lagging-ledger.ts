// A ledger as DynamoDB serves one: point reads, writes and admissions are strongly consistent (the base table),
// while listings read eventually consistent indexes (one query per state or status, run concurrently, each at its
// own moment) that show a write only after an index lag. Wraps any Ledger, so the engine meets in the simulator
// what it meets on AWS: a runner that moves from idle to busy between two per-state queries is in neither, and a
// job just ingested is not listed yet.
import { ALIVE_RUNNER_STATES } from '@ghr/core';
import type { Job, JobFilter, JobStatus, Ledger, Runner, RunnerFilter, RunnerState, WriteResult } from '@ghr/core';
import type { Random } from './random.js';
import type { Scheduler } from './scheduler.js';

const JOB_STATUSES: readonly JobStatus[] = ['waiting', 'queued', 'in_progress', 'completed'];
const RUNNER_STATES: readonly RunnerState[] = [...ALIVE_RUNNER_STATES, 'terminated', 'failed'];

/** Options of {@link LaggingLedger}. */
export interface LaggingLedgerOptions {
  readonly scheduler: Scheduler;
  readonly random: Random;
  /** Most index lag of one write, ms (uniform from 0). Default 2,000. */
  readonly maxIndexLag?: number;
  /** Median latency of one index query, ms (lognormal). Default 15. */
  readonly queryLatency?: number;
}

interface Pending<T> {
  readonly key: string;
  readonly record: T;
  readonly visibleAt: number;
}

/** One eventually consistent index: the records it shows, by the value it is keyed on, and writes on their way. */
class LaggingIndex<T, V extends string> {
  readonly #byValue = new Map<V, Map<string, T>>();
  readonly #valueOf = new Map<string, V>();
  #pending: Pending<T>[] = [];
  /** Per key, when its newest pending write becomes visible (index updates of one item stay in order). */
  readonly #lastVisibleAt = new Map<string, number>();
  readonly #value: (record: T) => V;

  constructor(value: (record: T) => V) {
    this.#value = value;
  }

  write(key: string, record: T, now: number, lag: number): void {
    const visibleAt = Math.max(now + lag, this.#lastVisibleAt.get(key) ?? 0);
    this.#lastVisibleAt.set(key, visibleAt);
    this.#pending.push({ key, record, visibleAt });
  }

  /** The records the index shows at `now` under `value`. */
  query(value: V, now: number): T[] {
    this.#promote(now);
    return [...(this.#byValue.get(value)?.values() ?? [])];
  }

  #promote(now: number): void {
    if (this.#pending.length === 0) return;
    const due = this.#pending.filter((p) => p.visibleAt <= now).sort((a, b) => a.visibleAt - b.visibleAt);
    if (due.length === 0) return;
    this.#pending = this.#pending.filter((p) => p.visibleAt > now);
    for (const { key, record } of due) {
      const before = this.#valueOf.get(key);
      if (before !== undefined) this.#byValue.get(before)?.delete(key);
      const after = this.#value(record);
      this.#valueOf.set(key, after);
      let bucket = this.#byValue.get(after);
      if (!bucket) this.#byValue.set(after, (bucket = new Map()));
      bucket.set(key, record);
    }
  }
}

/**
 * Wraps a {@link Ledger}: `getJob`, `getRunner`, writes, `admit`, `alive` and `claim` go to it unchanged; `listJobs`
 * and `listRunners` run one query per status or state, concurrently, each answered from an index that shows every
 * write only after a random lag (default up to 2 s) — as `DynamoDbLedger` does with its GSIs.
 *
 * @example
 * ```ts
 * const ledger = new LaggingLedger(new MemoryLedger({ clock: scheduler }), { scheduler, random: rng.fork('ledger') });
 * ```
 */
export class LaggingLedger implements Ledger {
  readonly #inner: Ledger;
  readonly #scheduler: Scheduler;
  readonly #random: Random;
  readonly #maxLag: number;
  readonly #latency: number;
  readonly #jobs = new LaggingIndex<Job, JobStatus>((j) => j.status);
  readonly #runners = new LaggingIndex<Runner, RunnerState>((r) => r.state);

  constructor(inner: Ledger, options: LaggingLedgerOptions) {
    this.#inner = inner;
    this.#scheduler = options.scheduler;
    this.#random = options.random;
    this.#maxLag = options.maxIndexLag ?? 2_000;
    this.#latency = options.queryLatency ?? 15;
  }

  getJob(id: number, signal: AbortSignal): Promise<Job | undefined> {
    return this.#inner.getJob(id, signal);
  }

  async putJob(record: Job, signal: AbortSignal): Promise<WriteResult> {
    const result = await this.#inner.putJob(record, signal);
    if (result === 'ok') this.#jobs.write(String(record.id), record, this.#scheduler.now(), this.#lag());
    return result;
  }

  async listJobs(filter: JobFilter, signal: AbortSignal): Promise<readonly Job[]> {
    const statuses = filter.statuses ?? JOB_STATUSES;
    const parts = await Promise.all(statuses.map((s) => this.#query(() => this.#jobs.query(s, this.#scheduler.now()), signal)));
    return parts.flat().filter((j) => filter.poolId === undefined || j.poolId === filter.poolId);
  }

  getRunner(name: string, signal: AbortSignal): Promise<Runner | undefined> {
    return this.#inner.getRunner(name, signal);
  }

  async putRunner(record: Runner, signal: AbortSignal): Promise<WriteResult> {
    const result = await this.#inner.putRunner(record, signal);
    if (result === 'ok') this.#runners.write(record.name, record, this.#scheduler.now(), this.#lag());
    return result;
  }

  async listRunners(filter: RunnerFilter, signal: AbortSignal): Promise<readonly Runner[]> {
    const states = filter.states ?? RUNNER_STATES;
    const parts = await Promise.all(states.map((s) => this.#query(() => this.#runners.query(s, this.#scheduler.now()), signal)));
    return parts.flat().filter((r) => filter.poolId === undefined || r.poolId === filter.poolId);
  }

  async admit(poolId: string, runners: readonly Runner[], maxRunners: number, signal: AbortSignal): Promise<readonly Runner[]> {
    const admitted = await this.#inner.admit(poolId, runners, maxRunners, signal);
    const now = this.#scheduler.now();
    for (const r of admitted) this.#runners.write(r.name, r, now, this.#lag());
    return admitted;
  }

  alive(poolId: string, signal: AbortSignal): Promise<number> {
    return this.#inner.alive(poolId, signal);
  }

  claim(key: string, at: number, signal: AbortSignal): Promise<'claimed' | 'taken'> {
    return this.#inner.claim(key, at, signal);
  }

  /** One index query: it is answered at a moment of its own, after its latency. */
  async #query<T>(read: () => T[], signal: AbortSignal): Promise<T[]> {
    await this.#scheduler.sleep(this.#random.lognormal(this.#latency, 0.5), signal);
    return read();
  }

  #lag(): number {
    return this.#random.uniform(0, this.#maxLag);
  }
}
