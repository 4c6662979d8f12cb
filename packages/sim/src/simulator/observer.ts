// An independent observer of the simulated GitHub and cloud: it measures what happened (waits, runner time)
// and counts violations of the engine's safety rules from the models' ground truth, never from what the
// policy under test believes.
import type { Pool } from '@ghr/core';
import type { CloudInstance, InstanceEndCause } from './cloud.js';
import { quantile } from './results.js';
import type { Leftovers, PolicyName, SimulationResult, TimelinePoint } from './results.js';

interface JobRecord {
  queuedAt: number;
  startedAt?: number;
  finishedAt?: number;
  cancelledBeforeStart: boolean;
}

interface RunnerRecord {
  busySince?: number;
  busyMs: number;
}

/** What the observer is told at the end of a run. */
export interface ObserverEnd {
  readonly policy: PolicyName;
  readonly seed: number;
  /** Jobs still queued at GitHub that a pool could serve. */
  readonly jobsLost: number;
  /**
   * Orphans (DESIGN.md §5.4) still there two full passes after they became orphans: instances alive without a
   * registration past their pool's `bootTimeout`, and registrations without an alive instance once that
   * instance ended and the registration is past `bootTimeout` (before that its machine may still come up).
   */
  readonly orphansLeft: number;
  readonly githubApiCalls: number;
  readonly cloudApiCalls: number;
  /** Jobs in the trace. */
  readonly totalJobs: number;
  readonly instances: Iterable<CloudInstance>;
}

/** The models' ground truth at the end of a run, for judging what the policy left behind. */
export interface WorldAtEnd {
  /** GitHub's runner registrations. */
  readonly registrations: Iterable<{ readonly name: string; readonly createdAt: number }>;
  /** Cloud instances not terminated (named or not). */
  readonly aliveInstances: Iterable<CloudInstance>;
  /** The instance launched for a runner name, if any. */
  readonly instanceOf: (name: string) => CloudInstance | undefined;
  /** When the runner of that name exited on its own (an ephemeral runner after its job), if it did. */
  readonly exitedAt: (name: string) => number | undefined;
  /** The boot timeout that applies to a runner of that name (or an instance of that pool). */
  readonly bootTimeout: (name: string, poolId?: string) => number;
  /** Jobs queued at GitHub that a configured pool could serve. */
  readonly servableQueuedJobs: Iterable<{ readonly id: number; readonly runAttempt: number; readonly labels: readonly string[]; readonly queuedAt: number }>;
  /**
   * Whether GitHub ever sent (or logged, for redelivery) the `queued` event of this job attempt. One it never sent
   * leaves no trace ghr can see: ghr lists no queued jobs, so such a job counts as unseen, not lost.
   */
  readonly queuedSent: (jobId: number, runAttempt: number) => boolean;
  /** What an orphan is allowed once it is one: two full passes of the policy. */
  readonly grace: number;
  /** How long a machine takes to shut down after its runner exits. */
  readonly shutdownDelay: number;
}

/**
 * Orphans (DESIGN.md §5.4) and lost jobs left at the end of a run, each orphan allowed two full passes once it is
 * one: an instance (named or not) without a registration past its pool's boot timeout; a registration without an
 * alive instance once its instance ended and it is past the boot timeout (before that its machine may still come
 * up, and a fresh listing may miss it). A lost job is one still queued that a pool could serve.
 *
 * @example
 * ```ts
 * const { orphans, jobsLost } = judgeLeftovers(world, scheduler.now());
 * ```
 */
export function judgeLeftovers(world: WorldAtEnd, now: number): Leftovers {
  const registered = new Set<string>();
  for (const r of world.registrations) registered.add(r.name);
  const alive = new Set<string>();
  const orphans: Leftovers['orphans'][number][] = [];
  const age = (since: number) => Math.round((now - since) / 1000);
  for (const instance of world.aliveInstances) {
    if (instance.name !== '') alive.add(instance.name);
    if (instance.name !== '' && registered.has(instance.name)) continue;
    const exited = world.exitedAt(instance.name);
    if (exited !== undefined && now - exited <= world.shutdownDelay + 5_000) continue;
    if (now - instance.launchedAt > world.bootTimeout(instance.name, instance.poolId) + world.grace) {
      orphans.push({ kind: 'instance', name: instance.name || instance.providerId, ageSeconds: age(instance.launchedAt) });
    }
  }
  for (const runner of world.registrations) {
    if (alive.has(runner.name)) continue;
    const endedAt = world.instanceOf(runner.name)?.terminatedAt ?? 0;
    const since = Math.max(runner.createdAt + world.bootTimeout(runner.name), endedAt);
    if (now - since > world.grace) orphans.push({ kind: 'registration', name: runner.name, ageSeconds: age(runner.createdAt) });
  }
  const jobsLost: Leftovers['jobsLost'][number][] = [];
  const jobsUnseen: Leftovers['jobsLost'][number][] = [];
  for (const j of world.servableQueuedJobs) {
    const job = { id: j.id, runAttempt: j.runAttempt, labels: j.labels, ageSeconds: age(j.queuedAt) };
    (world.queuedSent(j.id, j.runAttempt) ? jobsLost : jobsUnseen).push(job);
  }
  return { orphans, jobsLost, jobsUnseen };
}

/**
 * Watches the models and computes a {@link SimulationResult}.
 *
 * @example
 * ```ts
 * const observer = new Observer(pools, () => scheduler.now());
 * cloud.hooks = { onLaunched: (i) => observer.launched(i, aliveInPool(i.poolId)) };
 * ```
 */
export class Observer {
  readonly #maxRunners = new Map<string, number>();
  readonly #alive = new Map<string, number>();
  readonly #peak = new Map<string, number>();
  readonly #launched = new Map<string, number>();
  readonly #jobs = new Map<number, JobRecord>();
  readonly #runners = new Map<string, RunnerRecord>();
  readonly #now: () => number;
  readonly #start: number;
  readonly timeline: TimelinePoint[] = [];
  maxRunnersExceeded = 0;
  busyRunnerTerminated = 0;
  /** Names of runners whose instance the API terminated while they ran a job (for debugging). */
  readonly busyTerminations: string[] = [];
  /** Each served job's wait, seconds, ascending; filled by `finish`. */
  readonly waits: number[] = [];

  constructor(pools: readonly Pool[], now: () => number) {
    for (const pool of pools) this.#maxRunners.set(pool.id, pool.maxRunners);
    this.#now = now;
    this.#start = now();
  }

  /** An instance now exists; a launch that takes the pool above `maxRunners` is a violation. */
  launched(instance: CloudInstance): void {
    const alive = (this.#alive.get(instance.poolId) ?? 0) + 1;
    this.#alive.set(instance.poolId, alive);
    this.#launched.set(instance.poolId, (this.#launched.get(instance.poolId) ?? 0) + 1);
    if (alive > (this.#peak.get(instance.poolId) ?? 0)) this.#peak.set(instance.poolId, alive);
    const max = this.#maxRunners.get(instance.poolId);
    if (max === undefined || alive > max) this.maxRunnersExceeded++;
  }

  /**
   * An instance ends. `runnerBusy` is GitHub's truth: its runner was running a job. Only a termination by the
   * API counts as a violation (a spot interruption or a self-shutdown is not the autoscaler's doing).
   */
  ending(instance: CloudInstance, cause: InstanceEndCause, runnerBusy: boolean): void {
    this.#alive.set(instance.poolId, (this.#alive.get(instance.poolId) ?? 1) - 1);
    if (cause === 'terminate-api' && runnerBusy) {
      this.busyRunnerTerminated++;
      this.busyTerminations.push(instance.name);
    }
    this.runnerIdle(instance.name);
  }

  jobQueued(jobId: number): void {
    if (!this.#jobs.has(jobId)) this.#jobs.set(jobId, { queuedAt: this.#now(), cancelledBeforeStart: false });
  }

  jobStarted(jobId: number, runnerName: string | undefined): void {
    const job = this.#jobs.get(jobId);
    if (job && job.startedAt === undefined) job.startedAt = this.#now();
    if (runnerName !== undefined) {
      const runner = this.#runner(runnerName);
      if (runner.busySince === undefined) runner.busySince = this.#now();
    }
  }

  jobFinished(jobId: number, runnerName: string | undefined, cancelled: boolean): void {
    const job = this.#jobs.get(jobId);
    if (job && job.finishedAt === undefined) {
      job.finishedAt = this.#now();
      if (cancelled && job.startedAt === undefined) job.cancelledBeforeStart = true;
    }
    if (runnerName !== undefined) this.runnerIdle(runnerName);
  }

  /** The runner stopped running a job (its job finished, or its machine went away). */
  runnerIdle(runnerName: string): void {
    const runner = this.#runners.get(runnerName);
    if (runner?.busySince !== undefined) {
      runner.busyMs += this.#now() - runner.busySince;
      runner.busySince = undefined;
    }
  }

  sample(point: Omit<TimelinePoint, 'at'>): void {
    this.timeline.push({ at: Math.round((this.#now() - this.#start) / 1000), ...point });
  }

  /** Most instances alive at once, per pool, and how many were launched. */
  pools(): { id: string; maxRunners: number; peakAlive: number; launched: number }[] {
    return [...this.#maxRunners].map(([id, maxRunners]) => ({
      id,
      maxRunners,
      peakAlive: this.#peak.get(id) ?? 0,
      launched: this.#launched.get(id) ?? 0,
    }));
  }

  finish(end: ObserverEnd): SimulationResult {
    const now = this.#now();
    const waits: number[] = [];
    let served = 0;
    let cancelled = 0;
    for (const job of this.#jobs.values()) {
      if (job.startedAt !== undefined) {
        served++;
        waits.push((job.startedAt - job.queuedAt) / 1000);
      } else if (job.cancelledBeforeStart) cancelled++;
    }
    waits.sort((a, b) => a - b);
    this.waits.splice(0, this.waits.length, ...waits);
    let busy = 0;
    let idle = 0;
    let booting = 0;
    let launched = 0;
    let withoutJob = 0;
    for (const instance of end.instances) {
      launched++;
      const ran = this.#runners.get(instance.name);
      if (instance.name === '' || !ran || (ran.busyMs === 0 && ran.busySince === undefined)) withoutJob++;
      const ended = instance.terminatedAt ?? now;
      const online = instance.bootedAt;
      if (online === undefined || online > ended) {
        booting += ended - instance.launchedAt;
        continue;
      }
      booting += online - instance.launchedAt;
      const runner = this.#runners.get(instance.name);
      let runnerBusy = runner?.busyMs ?? 0;
      if (runner?.busySince !== undefined) runnerBusy += ended - runner.busySince;
      const up = ended - online;
      busy += Math.min(up, runnerBusy);
      idle += Math.max(0, up - runnerBusy);
    }
    const total = end.totalJobs;
    const round1 = (n: number) => Math.round(n * 10) / 10;
    const round3 = (n: number) => Math.round(n * 1000) / 1000;
    return {
      policy: end.policy,
      seed: end.seed,
      jobs: { total, served, unserved: Math.max(0, total - served - cancelled), cancelled },
      waitSeconds: {
        p50: round1(quantile(waits, 0.5)),
        p95: round1(quantile(waits, 0.95)),
        p99: round1(quantile(waits, 0.99)),
        max: round1(waits[waits.length - 1] ?? 0),
      },
      runnerSeconds: { busy: Math.round(busy / 1000), idle: Math.round(idle / 1000), booting: Math.round(booting / 1000) },
      runnersLaunched: launched,
      runnersWithoutJob: withoutJob,
      githubApiCalls: {
        total: end.githubApiCalls,
        perJob: round3(total === 0 ? 0 : end.githubApiCalls / total),
        perHour: Math.round(end.githubApiCalls / Math.max(1 / 60, (now - this.#start) / 3_600_000)),
      },
      cloudApiCalls: { total: end.cloudApiCalls, perJob: round3(total === 0 ? 0 : end.cloudApiCalls / total) },
      violations: {
        maxRunnersExceeded: this.maxRunnersExceeded,
        busyRunnerTerminated: this.busyRunnerTerminated,
        orphansLeft: end.orphansLeft,
        jobsLost: end.jobsLost,
      },
    };
  }

  #runner(name: string): RunnerRecord {
    let runner = this.#runners.get(name);
    if (!runner) {
      runner = { busyMs: 0 };
      this.#runners.set(name, runner);
    }
    return runner;
  }
}
