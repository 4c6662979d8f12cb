// The runner lifecycle engine (DESIGN.md §1, §3–§5): events in, runners out, over the ports.
import { noopMetrics, silentLogger, systemClock } from '../defaults.js';
import { ALIVE_RUNNER_STATES, JOB_STATUS_RANK } from '../domain.js';
import type { Job, JobEvent, JobStatus, Pool, Runner, RunnerScope, RunnerState } from '../domain.js';
import { GhrError, isRetryable } from '../errors.js';
import type {
  Clock,
  DeleteRunnerResult,
  GitHubApi,
  GitHubRunner,
  Instance,
  LaunchErrorCode,
  LaunchFailure,
  LaunchRequest,
  LaunchResult,
  Ledger,
  LogFields,
  Logger,
  Metrics,
  RunnerProvider,
} from '../ports.js';
import { plan as defaultPlan } from '../policy/plan.js';
import type { Plan, PlanOptions, RegistrationList, Snapshot } from '../policy/types.js';
import { runnerRegistrationUrl } from '../config/github-url.js';
import { runnerScopeOf, scopeKey } from '../scope.js';
import { createMatcher } from '../matching/matcher.js';
import type { Matcher } from '../matching/matcher.js';
import { CallCounter, instrument } from './instrument.js';
import { Limiter, forEachLimited } from './limiter.js';
import type {
  Engine,
  EngineDependencies,
  EngineStats,
  IngestEventResult,
  IngestResult,
  InterruptResult,
  PlanFunction,
  ReconcileRequest,
  ReconcileResult,
} from './types.js';

const ALIVE: ReadonlySet<RunnerState> = new Set(ALIVE_RUNNER_STATES);
const OPEN_JOB_STATUSES: readonly JobStatus[] = ['waiting', 'queued', 'in_progress'];
/** Most ended runners looked up per full sweep for machines that outlived them. */
const ENDED_LOOKUP_LIMIT = 200;
const LAUNCH_CODES: ReadonlySet<string> = new Set(['capacity', 'quota', 'throttled', 'invalid-config', 'internal']);
/** A draining runner untouched this long is taken to be an interrupted drain and finished by the next reconcile. */
const STUCK_DRAIN_AFTER = 60_000;
/** A busy runner missing from GitHub's listing this long after it became busy has finished (or lost) its job. */
const VANISHED_GRACE = 60_000;
/** Reasons an ended runner's instance gets; busy/other reasons are kept as they are. */
const REASON_JOB_COMPLETED = 'job-completed';
const REASON_SPOT = 'spot-interruption';
/** Most later intervals a successful redelivery is claimed for (bounds ledger writes for long lookbacks). */
const REDELIVERY_CLAIM_SLOTS = 24;

interface ResolvedOptions {
  readonly plan: PlanFunction;
  readonly planOptions: PlanOptions;
  readonly namePrefix: string;
  readonly concurrency: number;
  readonly launchAttempts: number;
  readonly launchBackoff: number;
  readonly conflictAttempts: number;
  readonly rerunInterruptedJobs: boolean;
  readonly redeliveryLookback: number;
  readonly redeliveryBudget: number;
  readonly redeliveryInterval: number;
  readonly githubUrl: string;
  readonly cleanupTimeout: number;
  readonly random: () => number;
}

/** What a launch attempt came to: the provider's answer, plus runners whose outcome is unknown. */
interface LaunchOutcome extends LaunchResult {
  readonly unknown?: readonly string[];
}

/** A runner to take down: deregister (unless `skipDeregister`), then terminate, then end in the ledger. */
interface Takedown {
  readonly runner: Runner;
  readonly scope?: RunnerScope;
  readonly githubId?: number;
  readonly skipDeregister: boolean;
  readonly endState: 'terminated' | 'failed';
  readonly reason: string;
}

/** Mutable counters and lists of one reconcile. */
/** A full sweep's GitHub registrations of ghr's runners, by runner name, with the scope they were listed in. */
type RegistrationsByName = ReadonlyMap<string, { reg: GitHubRunner; scope: RunnerScope }>;

/** What the steps of one reconcile share: its plan, what it read, its deadline and its log. */
interface ReconcileRun {
  readonly plan: Plan;
  readonly jobs: readonly Job[];
  /** The ledger's runners after syncing with a full sweep's registrations. */
  readonly runners: readonly Runner[];
  /** Full sweeps only. */
  readonly regByName: RegistrationsByName | undefined;
  /** Full sweeps only: the instance listing, the only proof that a runner with no recorded machine has none. */
  readonly machines: MachineIndex | undefined;
  readonly signal: AbortSignal;
  readonly log: ReconcileLog;
}

interface ReconcileLog {
  launched: string[];
  launchFailures: { runnerName: string; code: string }[];
  admitted: number;
  drained: string[];
  foundBusy: string[];
  terminatedInstances: string[];
  deletedRegistrations: number[];
  rechecked: number;
  redelivered: number;
  errors: { step: string; code: string; message: string }[];
}

/**
 * Creates the runner lifecycle engine over the given ports.
 *
 * - `ingest(events)` applies `workflow_job` events to the ledger idempotently (status only moves forward;
 *   duplicates, late and reordered events are absorbed), marks the named runner busy on `in_progress`, frees it
 *   on `completed` (an ephemeral runner is retired: its instance terminated and the runner ended).
 * - `reconcile({ pools, sweep })` reads the ledger (and, in a full sweep, GitHub's registrations and the
 *   provider's instances, once each), calls `plan`, and carries the plan out: removals first (deregister
 *   before terminate; a runner GitHub reports busy is left alone), then launches (atomic admission, one JIT
 *   config per runner, one provider call per pool, retries with backoff, failed launches deregistered and
 *   released), then, in a full sweep only (they cost GitHub requests), stale-job re-checks within the plan's
 *   budget and failed-delivery redelivery (at most once per `redeliveryInterval` across engines).
 * - `interrupted(providerIds)` handles spot interruption warnings.
 *
 * External calls are bounded (`options.concurrency`, default 8) and counted (`stats()`, metric `ApiCalls`).
 * The `AbortSignal` is checked between steps: once it fires no new work starts, and runners already admitted
 * are failed and deregistered so the ledger stays consistent.
 *
 * @example
 * ```ts
 * const engine = createEngine({ ledger, github, provider, pools, clock, logger, metrics });
 * const { touchedPools } = await engine.ingest(events, AbortSignal.timeout(20_000));
 * await engine.reconcile({ pools: touchedPools, sweep: false }, AbortSignal.timeout(20_000));
 * ```
 */
export function createEngine(dependencies: EngineDependencies): Engine {
  return new LifecycleEngine(dependencies);
}

class LifecycleEngine implements Engine {
  readonly #ledger: Ledger;
  readonly #github: GitHubApi;
  readonly #provider: RunnerProvider;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #metrics: Metrics;
  readonly #pools: readonly Pool[];
  readonly #poolById: ReadonlyMap<string, Pool>;
  readonly #matcher: Matcher;
  readonly #o: ResolvedOptions;
  readonly #counter = new CallCounter();
  #reportedCalls = new Map<string, number>();
  #stats = { runnersLaunched: 0, launchFailures: 0, orphansReaped: 0, eventsIngested: 0, reconciles: 0 };

  constructor(deps: EngineDependencies) {
    const options = deps.options ?? {};
    const concurrency = options.concurrency ?? 8;
    const external = new Limiter(concurrency);
    this.#ledger = instrument(deps.ledger, 'ledger', this.#counter, new Limiter(concurrency * 2));
    this.#github = instrument(deps.github, 'github', this.#counter, external);
    this.#provider = instrument(deps.provider, 'provider', this.#counter, external);
    this.#clock = deps.clock ?? systemClock;
    this.#log = deps.logger ?? silentLogger;
    this.#metrics = deps.metrics ?? noopMetrics;
    this.#pools = deps.pools;
    this.#poolById = new Map(deps.pools.map((p) => [p.id, p]));
    this.#matcher = createMatcher(deps.pools);
    const planOptions = options.planOptions ?? {};
    this.#o = {
      plan: options.plan ?? defaultPlan,
      planOptions,
      namePrefix: planOptions.namePrefix ?? 'ghr-',
      concurrency,
      launchAttempts: Math.max(1, options.launchAttempts ?? 3),
      launchBackoff: options.launchBackoff ?? 2_000,
      conflictAttempts: Math.max(1, options.conflictAttempts ?? 8),
      rerunInterruptedJobs: options.rerunInterruptedJobs ?? false,
      redeliveryLookback: options.redeliveryLookback ?? 3_600_000,
      redeliveryBudget: options.redeliveryBudget ?? 20,
      redeliveryInterval: Math.max(1, options.redeliveryInterval ?? 300_000),
      githubUrl: (options.githubUrl ?? 'https://github.com').replace(/\/+$/, ''),
      cleanupTimeout: options.cleanupTimeout ?? 5_000,
      random: options.random ?? Math.random,
    };
  }

  stats(): EngineStats {
    return {
      apiCalls: Object.fromEntries(this.#counter.calls),
      apiCallsByTarget: Object.fromEntries(this.#counter.byTarget()),
      apiErrors: Object.fromEntries(this.#counter.errors),
      ...this.#stats,
    };
  }

  // -------------------------------------------------------------------------------------------------------
  // ingest

  async ingest(events: readonly JobEvent[], signal: AbortSignal): Promise<IngestResult> {
    const groups = new Map<number, number[]>();
    events.forEach((event, index) => {
      const list = groups.get(event.job.id);
      if (list) list.push(index);
      else groups.set(event.job.id, [index]);
    });
    const results: (IngestEventResult | undefined)[] = events.map(() => undefined);
    const failures = new Map<number, string>();
    const touched = new Set<string>();
    const retire: Runner[] = [];

    await forEachLimited([...groups.values()], this.#o.concurrency, signal, async (indexes) => {
      for (const index of indexes) {
        const event = events[index] as JobEvent;
        if (signal.aborted) {
          failures.set(index, 'deadline passed before the event was processed');
          continue;
        }
        try {
          const applied = await this.#applyJobEvent(this.#withPool(event), signal);
          results[index] = { deliveryId: event.deliveryId, jobId: event.job.id, outcome: applied.outcome };
          // A repeated `queued` (SQS redelivery after a crashed run) touches its pool too: the reconcile that
          // should have followed the first delivery may never have run.
          const waiting = applied.outcome === 'duplicate' && applied.job.status === 'queued';
          if ((applied.outcome === 'applied' || waiting) && applied.job.poolId) touched.add(applied.job.poolId);
          const effect = await this.#runnerEffects(event, applied.job, applied.outcome, signal);
          if (effect?.touchedPool) touched.add(effect.touchedPool);
          if (effect?.retire) retire.push(effect.retire);
        } catch (error) {
          failures.set(index, describe(error));
          this.#log.error('job event not applied', {
            job: event.job.id,
            delivery: event.deliveryId,
            action: event.action,
            ...errorFields(error),
          });
        }
      }
    });
    // Events of groups never started (deadline) are unprocessed too.
    events.forEach((_, index) => {
      if (!results[index] && !failures.has(index)) failures.set(index, 'deadline passed before the event was processed');
    });

    const retired = await this.#retire(retire, signal);
    this.#stats.eventsIngested += results.filter(Boolean).length;
    this.#reportApiCalls();
    return {
      events: results.filter((r): r is IngestEventResult => r !== undefined),
      unprocessed: [...failures].sort(([a], [b]) => a - b).map(([index, error]) => ({ event: events[index] as JobEvent, error })),
      touchedPools: [...touched].sort(),
      retired,
    };
  }

  /**
   * The event with its pool: an event that reaches ingest unmatched (wired straight from a verifier to the queue)
   * is matched here, and one that no pool serves is said so loudly, not recorded silently without a pool.
   */
  #withPool(event: JobEvent): JobEvent {
    if (event.poolId !== undefined) return event;
    const match = this.#matcher(event.job.labels, { repository: event.repository });
    if (match.pool === null) {
      this.#log.warn('job event matches no pool: recorded without one, no runner will start for it', {
        job: event.job.id,
        delivery: event.deliveryId,
        labels: event.job.labels,
        reason: match.reason,
      });
      this.#metrics.record('UnmatchedJobs', 1, 'Count');
    }
    return { ...event, poolId: match.pool?.id ?? null };
  }

  /** Applies one event (or a re-check's answer) to the job record, with versioned writes retried on conflict. */
  async #applyJobEvent(
    event: JobEvent,
    signal: AbortSignal,
    checkedAt?: number,
  ): Promise<{ outcome: IngestEventResult['outcome']; job: Job }> {
    for (let attempt = 0; attempt < this.#o.conflictAttempts; attempt += 1) {
      const now = this.#clock.now();
      const current = await this.#ledger.getJob(event.job.id, signal);
      if (!current) {
        const job = newJob(event, now, checkedAt);
        if ((await this.#ledger.putJob(job, signal)) === 'ok') {
          this.#log.info('job recorded', { job: job.id, status: job.status, pool: job.poolId, repo: repoName(job) });
          // First heard of when it started (the queued event was lost): only GitHub's creation time tells the wait.
          if (event.job.createdAt !== undefined) this.#jobMetrics(undefined, job);
          return { outcome: 'applied', job };
        }
        continue;
      }
      const rank = JOB_STATUS_RANK[event.action];
      const known = JOB_STATUS_RANK[current.status];
      const outcome = rank > known ? 'applied' : rank === known ? 'duplicate' : 'stale';
      let next: Job | undefined;
      if (outcome === 'applied') next = advanceJob(current, event, now);
      if (checkedAt !== undefined) next = { ...(next ?? current), checkedAt };
      if (current.poolId === null && typeof event.poolId === 'string') next = { ...(next ?? current), poolId: event.poolId };
      if (!next) return { outcome, job: current };
      next = { ...next, updatedAt: now, version: current.version + 1 };
      if ((await this.#ledger.putJob(next, signal)) === 'ok') {
        if (outcome === 'applied') {
          this.#log.info('job status moved', { job: next.id, from: current.status, status: next.status, pool: next.poolId, runner: next.runnerName });
          this.#jobMetrics(current, next);
        }
        return { outcome, job: next };
      }
    }
    throw new GhrError(`Job ${event.job.id} kept changing under concurrent writers; the event will be retried.`, { code: 'conflict' });
  }

  #jobMetrics(previous: Job | undefined, job: Job): void {
    if (job.status !== 'in_progress' || previous?.status === 'in_progress' || job.poolId === null) return;
    const started = job.startedAt ?? job.updatedAt;
    this.#metrics.record('JobStartLatency', Math.max(0, started - job.queuedAt), 'Milliseconds', { pool: job.poolId });
  }

  /** Marks the named runner busy (`in_progress`) or frees it (`completed`). Idempotent. */
  async #runnerEffects(
    event: JobEvent,
    job: Job,
    outcome: IngestEventResult['outcome'],
    signal: AbortSignal,
  ): Promise<{ touchedPool?: string; retire?: Runner } | undefined> {
    if (outcome === 'stale') return undefined;
    const name = event.job.runnerName ?? job.runnerName;
    if (!name) return undefined;
    if (event.action === 'in_progress' && job.status === 'in_progress') {
      const startedAt = job.startedAt ?? this.#clock.now();
      const { runner, changed } = await this.#updateRunner(name, signal, (r) => {
        if (r.state === 'busy') return r.jobId === job.id ? undefined : { jobId: job.id, busySince: startedAt };
        if (!ALIVE.has(r.state) || (r.state === 'draining' && r.reason === REASON_JOB_COMPLETED)) return undefined;
        return { state: 'busy', jobId: job.id, busySince: startedAt, onlineAt: r.onlineAt ?? startedAt };
      });
      if (changed && runner) this.#log.info('runner busy', { runner: name, job: job.id, pool: runner.poolId });
      return changed && runner ? { touchedPool: runner.poolId } : undefined;
    }
    if (event.action === 'completed' && job.status === 'completed') {
      let rerun = false;
      const now = this.#clock.now();
      const { runner, changed } = await this.#updateRunner(name, signal, (r) => {
        rerun = false;
        if (!ALIVE.has(r.state)) return undefined;
        if (r.jobId !== undefined && r.jobId !== job.id) return undefined;
        rerun = r.reason === REASON_SPOT && this.#o.rerunInterruptedJobs && shouldRerun(job.conclusion);
        if (r.ephemeral) {
          if (r.state === 'draining' && r.reason === REASON_JOB_COMPLETED) return undefined;
          return { state: 'draining', reason: REASON_JOB_COMPLETED, jobId: job.id, idleSince: job.completedAt ?? now };
        }
        if (r.state !== 'busy') return undefined;
        return { state: 'idle', jobId: job.id, idleSince: job.completedAt ?? now };
      });
      if (!runner) return undefined;
      if (rerun && changed) await this.#rerun(job, runner, signal);
      if (changed) this.#log.info(runner.ephemeral ? 'runner retiring' : 'runner idle', { runner: name, job: job.id, pool: runner.poolId });
      const retire = runner.state === 'draining' && runner.reason === REASON_JOB_COMPLETED ? runner : undefined;
      return { touchedPool: changed ? runner.poolId : undefined, retire };
    }
    return undefined;
  }

  async #rerun(job: Job, runner: Runner, signal: AbortSignal): Promise<boolean> {
    try {
      await this.#github.rerunJob(job.repository, job.id, signal);
      this.#log.info('interrupted job re-run', { job: job.id, runner: runner.name, pool: runner.poolId, conclusion: job.conclusion });
      this.#metrics.record('JobsRerun', 1, 'Count', { pool: runner.poolId });
      return true;
    } catch (error) {
      this.#log.warn('re-run of interrupted job failed', { job: job.id, runner: runner.name, ...errorFields(error) });
      return false;
    }
  }

  /** Terminates the instances of ephemeral runners whose job completed, in one call, and ends them. */
  async #retire(runners: readonly Runner[], signal: AbortSignal, machines?: MachineIndex): Promise<string[]> {
    const unique = [...new Map(runners.map((r) => [r.name, r])).values()];
    if (unique.length === 0) return [];
    const down: Takedown[] = unique.map((runner) => ({
      runner,
      skipDeregister: true,
      endState: 'terminated',
      reason: REASON_JOB_COMPLETED,
    }));
    const log = emptyLog();
    await this.#takeDown(down, signal, log, (r) => r.state === 'draining' && r.reason === REASON_JOB_COMPLETED, machines);
    return log.drained;
  }

  // -------------------------------------------------------------------------------------------------------
  // reconcile

  async reconcile(request: ReconcileRequest, signal: AbortSignal): Promise<ReconcileResult> {
    this.#stats.reconciles += 1;
    const log = emptyLog();
    const sweep = request.sweep;
    const pools = sweep || !request.pools ? this.#pools : request.pools.flatMap((id) => this.#poolById.get(id) ?? []);
    const poolIds = new Set(pools.map((p) => p.id));

    // Full sweep: list the world first (see Snapshot), once each.
    let instances: readonly Instance[] | undefined;
    let registrations: RegistrationList[] | undefined;
    if (sweep) {
      const listed = await Promise.allSettled([this.#provider.list({}, signal), this.#listRegistrations(signal)]);
      if (listed[0].status === 'fulfilled' && listed[1].status === 'fulfilled') {
        instances = listed[0].value;
        registrations = listed[1].value;
      } else {
        for (const r of listed) if (r.status === 'rejected') this.#note(log, 'sweep-listing', r.reason);
        this.#log.warn('full sweep degraded to a reconcile: a listing failed', {});
      }
    }

    // The ledger. A deadline that fired before the read leaves nothing to do.
    const now = this.#clock.now();
    let read: { jobs: Job[]; runners: Runner[] };
    try {
      read = await this.#readLedger(pools, poolIds, instances, signal);
    } catch (error) {
      if (!signal.aborted) throw error;
      this.#log.warn('reconcile skipped: the deadline passed before the ledger was read', {});
      return { plan: emptyPlan(now), aborted: true, ...log };
    }
    const { jobs, runners } = read;
    const regByName = registrationIndex(registrations);
    const machines = regByName && instances ? machineIndex(instances) : undefined;
    const synced = regByName ? await this.#syncFromRegistrations(runners, regByName, instances, signal, log) : runners;

    const snapshot: Snapshot = instances && registrations ? { jobs, runners: synced, instances, registrations } : { jobs, runners: synced };
    const thePlan = this.#o.plan(snapshot, pools, this.#clock.now(), this.#o.planOptions);
    this.#planMetrics(thePlan);
    for (const o of thePlan.overdue) {
      this.#log.warn('runner past maxRuntime while busy: left alone, its job is re-checked', { runner: o.runnerName, pool: o.poolId, job: o.jobId, age: o.age });
    }

    const step = async (name: string, fn: () => Promise<void>) => {
      if (signal.aborted) return;
      try {
        await fn();
      } catch (error) {
        this.#note(log, name, error);
      }
    };
    const removals = thePlan.drains.length + thePlan.terminations.length + thePlan.expirations.length + thePlan.deregistrations.length;
    const run: ReconcileRun = { plan: thePlan, jobs, runners: synced, regByName, machines, signal, log };
    if (removals > 0) await step('removals', () => this.#executeRemovals(run));
    await step('stuck-drains', () => this.#finishStuckDrains(run));
    if (thePlan.launches.length > 0) await step('launches', () => this.#executeLaunches(thePlan, signal, log));
    // Re-checks cost GitHub requests: only full sweeps (one per interval) spend the plan's budget on them, not
    // every scale-up run.
    if (sweep) await step('rechecks', () => this.#executeRechecks(run));
    if (instances) await step('redeliveries', () => this.#redeliver(signal, log));

    this.#reportApiCalls();
    const result: ReconcileResult = { plan: thePlan, aborted: signal.aborted, ...log };
    this.#log.info('reconcile done', {
      sweep: instances !== undefined,
      pools: [...poolIds],
      launched: log.launched.length,
      launchFailures: log.launchFailures.length,
      drained: log.drained.length,
      terminated: log.terminatedInstances.length,
      deregistered: log.deletedRegistrations.length,
      rechecked: log.rechecked,
      redelivered: log.redelivered,
      aborted: signal.aborted,
      errors: log.errors.length,
    });
    return result;
  }

  async #listRegistrations(signal: AbortSignal): Promise<RegistrationList[]> {
    const scopes = new Map<string, RunnerScope>();
    for (const pool of this.#pools) {
      const scope = runnerScopeOf(pool.scope);
      scopes.set(scopeKey(scope), scope);
    }
    return Promise.all(
      [...scopes.values()].map(async (scope) => ({ scope, runners: await this.#github.listRunners(scope, signal) })),
    );
  }

  async #readLedger(
    pools: readonly Pool[],
    poolIds: ReadonlySet<string>,
    instances: readonly Instance[] | undefined,
    signal: AbortSignal,
  ): Promise<{ jobs: Job[]; runners: Runner[] }> {
    if (pools.length === this.#pools.length) {
      const [jobs, alive] = await Promise.all([
        this.#ledger.listJobs({ statuses: OPEN_JOB_STATUSES }, signal),
        this.#ledger.listRunners({ states: ALIVE_RUNNER_STATES }, signal),
      ]);
      // A full sweep shows the policy the ended runners that still have a machine (reaped at once), looked up
      // by name: listing every ended runner would cost a scan of all recent history.
      const ended: Runner[] = [];
      if (instances) {
        const aliveNames = new Set(alive.map((r) => r.name));
        const prefix = this.#o.namePrefix;
        const unowned = [...new Set(instances.filter((i) => i.state !== 'terminated' && i.name.startsWith(prefix) && !aliveNames.has(i.name)).map((i) => i.name))];
        const found = await forEachLimited(unowned.slice(0, ENDED_LOOKUP_LIMIT), this.#o.concurrency * 2, signal, (name) =>
          this.#ledger.getRunner(name, signal),
        );
        for (const f of found) if (f.status === 'fulfilled' && f.value && !ALIVE.has(f.value.state)) ended.push(f.value);
      }
      // All configured pools: runners of removed pools are included (the policy lets them go).
      return { jobs: jobs.filter((j) => j.poolId !== null && poolIds.has(j.poolId)), runners: [...alive, ...ended] };
    }
    const perPool = await Promise.all(
      pools.map(async (pool) => {
        const [jobs, runners] = await Promise.all([
          this.#ledger.listJobs({ poolId: pool.id, statuses: OPEN_JOB_STATUSES }, signal),
          this.#ledger.listRunners({ poolId: pool.id, states: ALIVE_RUNNER_STATES }, signal),
        ]);
        return { jobs, runners };
      }),
    );
    return { jobs: perPool.flatMap((p) => p.jobs), runners: perPool.flatMap((p) => p.runners) };
  }

  /** A full sweep's registrations move runners forward: online and idle → `idle`, busy → `busy`; ids filled in. */
  async #syncFromRegistrations(
    runners: readonly Runner[],
    regByName: RegistrationsByName,
    instances: readonly Instance[] | undefined,
    signal: AbortSignal,
    log: ReconcileLog,
  ): Promise<Runner[]> {
    const now = this.#clock.now();
    const machineByName = instances
      ? new Map(instances.filter((i) => i.state !== 'terminated').map((i) => [i.name, i]))
      : undefined;
    const patchFor = (r: Runner): Partial<Runner> | undefined => {
      const found = regByName.get(r.name);
      if (!ALIVE.has(r.state)) return undefined;
      if (!found) {
        // Not registered (yet): still record a machine a crashed run started for it.
        const machine = r.providerId === undefined ? machineByName?.get(r.name) : undefined;
        if (!machine) return undefined;
        return { providerId: machine.providerId, launchedAt: r.launchedAt ?? machine.launchedAt, ...(r.state === 'launching' ? { state: 'booting' as const } : {}) };
      }
      const { reg } = found;
      const patch: { -readonly [K in keyof Runner]?: Runner[K] } = {};
      if (r.githubId === undefined) patch.githubId = reg.id;
      const machine = r.providerId === undefined ? machineByName?.get(r.name) : undefined;
      if (machine) Object.assign(patch, { providerId: machine.providerId, launchedAt: r.launchedAt ?? machine.launchedAt });
      if ((r.state === 'launching' || r.state === 'booting') && (reg.status === 'online' || reg.busy)) {
        patch.onlineAt = r.onlineAt ?? now;
        if (reg.busy) Object.assign(patch, { state: 'busy', busySince: now });
        else Object.assign(patch, { state: 'idle', idleSince: now });
      } else if (r.state === 'idle' && reg.busy) {
        Object.assign(patch, { state: 'busy', busySince: now });
      }
      if (machine && r.state === 'launching' && patch.state === undefined) patch.state = 'booting';
      return Object.keys(patch).length > 0 ? patch : undefined;
    };
    const out = [...runners];
    const todo = runners.map((r, i) => [r, i] as const).filter(([r]) => patchFor(r) !== undefined);
    const settled = await forEachLimited(todo, this.#o.concurrency, signal, async ([r, i]) => {
      const { runner, changed } = await this.#updateRunner(r.name, signal, patchFor);
      if (runner) out[i] = runner;
      if (changed && runner) this.#log.info('runner state from GitHub', { runner: r.name, pool: r.poolId, from: r.state, state: runner.state });
    });
    for (const s of settled) if (s.status === 'rejected') this.#note(log, 'sync', s.reason);
    return out;
  }

  #planMetrics(thePlan: Plan): void {
    for (const p of thePlan.pools) {
      const pool = { pool: p.poolId };
      this.#metrics.record('QueuedJobs', p.queued, 'Count', pool);
      this.#metrics.record('InProgressJobs', p.inProgress, 'Count', pool);
      for (const state of ['launching', 'booting', 'idle', 'busy', 'draining'] as const) {
        this.#metrics.record('Runners', p[state], 'Count', { ...pool, state });
      }
      if (p.unmet > 0) this.#metrics.record('UnmetDemand', p.unmet, 'Count', pool);
    }
  }

  // Removals: deregistrations and terminations of the plan (paired: deregister first), expirations, drains.
  async #executeRemovals(run: ReconcileRun): Promise<void> {
    const { plan: thePlan, runners, regByName, signal, log, machines } = run;
    const runnerByName = new Map(runners.map((r) => [r.name, r]));
    const deregisterByName = new Map(thePlan.deregistrations.map((d) => [d.runnerName, d]));
    const terminatedNames = new Set<string>();

    // Terminations that belong to a ledger runner still alive: take the runner down (deregister first).
    const takedowns: Takedown[] = [];
    const bare: { providerId: string; runnerName?: string; reason: string; poolId?: string }[] = [];
    for (const t of thePlan.terminations) {
      const runner = t.runnerName !== undefined ? runnerByName.get(t.runnerName) : undefined;
      if (runner && ALIVE.has(runner.state) && runner.providerId === t.providerId) {
        const d = deregisterByName.get(runner.name);
        const pool = this.#poolById.get(runner.poolId);
        takedowns.push({
          runner,
          scope: d?.scope ?? (pool ? runnerScopeOf(pool.scope) : regByName?.get(runner.name)?.scope),
          githubId: d?.githubId,
          skipDeregister: d === undefined && t.reason === 'instance-gone',
          endState: t.reason === 'boot-timeout' ? 'failed' : 'terminated',
          reason: t.reason,
        });
        terminatedNames.add(runner.name);
        continue;
      }
      // An orphan or a machine of an ended runner. Never one GitHub reports busy.
      const reg = t.runnerName !== undefined ? regByName?.get(t.runnerName) : undefined;
      if (reg?.reg.busy) {
        this.#log.warn('instance kept: GitHub reports its runner busy', { runner: t.runnerName, providerId: t.providerId, reason: t.reason });
        continue;
      }
      bare.push(t);
    }
    // Deregistrations without a termination of an alive runner: orphans and runners without a machine.
    const lone = thePlan.deregistrations.filter((d) => !terminatedNames.has(d.runnerName));
    const loneResults = await forEachLimited(lone, this.#o.concurrency, signal, (d) => this.#github.deleteRunner(d.scope, d.githubId, signal));
    lone.forEach((d, i) => {
      const r = loneResults[i];
      if (r?.status === 'fulfilled' && r.value !== 'busy') {
        log.deletedRegistrations.push(d.githubId);
        if (d.reason === 'orphan-registration') this.#reaped('registration', d.runnerName);
      } else if (r?.status === 'rejected') this.#note(log, 'deregister', r.reason, { runner: d.runnerName });
    });

    if (bare.length > 0 && !signal.aborted) {
      const result = await this.#terminate(bare.map((b) => b.providerId), signal, log);
      for (const b of bare) {
        if (!result.has(b.providerId)) continue;
        log.terminatedInstances.push(b.providerId);
        if (b.reason === 'orphan-instance') this.#reaped('instance', b.runnerName, b.providerId);
      }
    }

    // Expirations: runners that never got a machine. Only in a full sweep, whose listing shows any machine a
    // crashed run did start for them (the plan then terminates it): outside one, keeping the slot a little
    // longer is safer than freeing it while an unknown machine may run.
    const expirations = regByName ? thePlan.expirations : [];
    await forEachLimited(expirations, this.#o.concurrency, signal, async (e) => {
      const now = this.#clock.now();
      const { changed } = await this.#updateRunner(e.runnerName, signal, (r) =>
        ALIVE.has(r.state) && r.providerId === undefined && r.state !== 'busy' ? { state: 'failed', reason: e.reason, endedAt: now } : undefined,
      );
      if (changed) {
        this.#log.warn('runner expired without a machine', { runner: e.runnerName, pool: e.poolId, reason: e.reason });
        this.#metrics.record('RunnersExpired', 1, 'Count', { pool: e.poolId, reason: e.reason });
      }
    });

    // Drains: idle runners → draining, then the same takedown.
    const drainSettled = await forEachLimited(thePlan.drains, this.#o.concurrency, signal, async (d): Promise<Takedown | undefined> => {
      const pool = this.#poolById.get(d.poolId);
      const found = regByName?.get(d.runnerName);
      const scope = pool ? runnerScopeOf(pool.scope) : found?.scope;
      const current = await this.#ledger.getRunner(d.runnerName, signal);
      const githubId = current?.githubId ?? found?.reg.id;
      if (!current || current.state !== 'idle') return undefined;
      if (githubId === undefined || !scope) {
        this.#log.warn('drain skipped: the runner has no known GitHub registration yet', { runner: d.runnerName, pool: d.poolId });
        return undefined;
      }
      const { runner, changed } = await this.#updateRunner(d.runnerName, signal, (r) =>
        r.state === 'idle' ? { state: 'draining', reason: d.reason, githubId } : undefined,
      );
      if (!changed || !runner) return undefined;
      this.#log.info('runner draining', { runner: d.runnerName, pool: d.poolId, reason: d.reason });
      return { runner, scope, githubId, skipDeregister: false, endState: 'terminated', reason: d.reason };
    });
    for (const s of drainSettled) {
      if (s.status === 'fulfilled' && s.value) takedowns.push(s.value);
      else if (s.status === 'rejected') this.#note(log, 'drain', s.reason);
    }
    if (!signal.aborted) await this.#takeDown(takedowns, signal, log, undefined, machines);
  }

  /** Draining runners nobody finished (a reconcile that died mid-drain, a failed terminate): finish them. */
  async #finishStuckDrains(run: ReconcileRun): Promise<void> {
    const { plan: thePlan, runners, regByName, signal, log, machines } = run;
    const now = this.#clock.now();
    const planned = new Set([...thePlan.terminations.map((t) => t.runnerName), ...thePlan.drains.map((d) => d.runnerName)]);
    const stuck: Takedown[] = [];
    for (const r of runners) {
      if (r.state !== 'draining' || planned.has(r.name) || now - r.updatedAt < STUCK_DRAIN_AFTER) continue;
      const pool = this.#poolById.get(r.poolId);
      const found = regByName?.get(r.name);
      const scope = pool ? runnerScopeOf(pool.scope) : found?.scope;
      const completed = r.ephemeral && r.reason === REASON_JOB_COMPLETED;
      stuck.push({
        runner: r,
        scope,
        githubId: r.githubId ?? found?.reg.id,
        // A sweep that lists no registration of this name shows there is nothing to deregister.
        skipDeregister: completed || (regByName !== undefined && !found),
        endState: 'terminated',
        reason: r.reason ?? 'drained',
      });
    }
    if (stuck.length > 0) {
      this.#log.info('finishing interrupted drains', { runners: stuck.map((s) => s.runner.name) });
      await this.#takeDown(stuck, signal, log, (r) => r.state === 'draining', machines);
    }
  }

  /**
   * Takes runners down safely: deregister at GitHub first (a `busy` answer marks the runner busy and keeps it),
   * terminate the machines of those GitHub let go (one provider call), then end them in the ledger.
   * `machines`: a full sweep's listing, the only proof that a runner whose machine was never recorded has none.
   */
  async #takeDown(
    list: readonly Takedown[],
    signal: AbortSignal,
    log: ReconcileLog,
    stillValid: (r: Runner) => boolean = (r) => ALIVE.has(r.state) && r.state !== 'busy',
    machines?: MachineIndex,
  ): Promise<void> {
    if (list.length === 0) return;
    const cleared: Takedown[] = [];
    const settled = await forEachLimited(list, this.#o.concurrency, signal, async (t): Promise<DeleteRunnerResult> => {
      if (t.skipDeregister) return 'not-found';
      const githubId = t.githubId ?? t.runner.githubId;
      if (githubId === undefined) return 'not-found'; // never registered (no JIT config was minted)
      if (!t.scope) {
        // A runner of a removed pool whose registration no listing shows: nothing to deregister.
        this.#log.warn('runner has no known scope: terminating without deregistering', { runner: t.runner.name, pool: t.runner.poolId });
        return 'not-found';
      }
      return this.#github.deleteRunner(t.scope, githubId, signal);
    });
    for (const [i, s] of settled.entries()) {
      const t = list[i] as Takedown;
      const fields = { runner: t.runner.name, pool: t.runner.poolId, reason: t.reason };
      if (s.status === 'rejected') {
        this.#note(log, 'deregister', s.reason, fields);
        continue;
      }
      if (s.status === 'skipped') continue;
      if (s.value === 'busy') {
        log.foundBusy.push(t.runner.name);
        const now = this.#clock.now();
        await this.#updateRunner(t.runner.name, this.#cleanupSignal(signal), (r) =>
          ALIVE.has(r.state) && r.state !== 'busy' ? { state: 'busy', busySince: now, onlineAt: r.onlineAt ?? now } : undefined,
        ).catch((error: unknown) => this.#note(log, 'mark-busy', error, fields));
        this.#log.info('runner kept: GitHub says it is busy', fields);
        continue;
      }
      const githubId = t.githubId ?? t.runner.githubId;
      if (s.value === 'deleted' && githubId !== undefined && !t.skipDeregister) log.deletedRegistrations.push(githubId);
      cleared.push(t);
    }
    if (cleared.length === 0) return;

    // Re-read: a runner that became busy meanwhile (an in_progress event) must not be terminated.
    const fresh = await Promise.all(cleared.map((t) => this.#ledger.getRunner(t.runner.name, this.#cleanupSignal(signal))));
    const go: { t: Takedown; runner: Runner }[] = [];
    cleared.forEach((t, i) => {
      const r = fresh[i];
      if (r && stillValid(r)) go.push({ t, runner: r });
      else if (r?.state === 'busy') log.foundBusy.push(r.name);
    });
    // A runner whose machine was never recorded (a run crashed after launching) may still have one: find it by
    // name, so that the slot is not freed while the machine runs. A full sweep's listing answers; outside one,
    // a lookup by name finds the machine to terminate, but its silence proves nothing (a listing may lag a
    // launch): such a runner stays draining until a full sweep confirms it has no machine.
    const unrecorded = go.filter((g) => g.runner.providerId === undefined).map((g) => g.runner.name);
    const found = new Map<string, string>();
    let lookupFailed = false;
    if (unrecorded.length > 0 && machines) {
      for (const name of unrecorded) {
        const machine = machines.get(name);
        if (machine) found.set(name, machine.providerId);
      }
    } else if (unrecorded.length > 0) {
      try {
        const listed = await this.#provider.list({ names: unrecorded }, this.#cleanupSignal(signal));
        for (const i of listed) if (i.state !== 'terminated') found.set(i.name, i.providerId);
      } catch (error) {
        lookupFailed = true;
        this.#note(log, 'find-machines', error, { runners: unrecorded.length });
      }
    }
    const machineOf = (r: Runner): string | undefined => r.providerId ?? found.get(r.name);
    const ids = go.flatMap((g) => machineOf(g.runner) ?? []);
    const terminated = ids.length > 0 ? await this.#terminate(ids, this.#cleanupSignal(signal), log) : new Set<string>();
    for (const id of ids) if (terminated.has(id)) log.terminatedInstances.push(id);
    const now = this.#clock.now();
    await Promise.all(
      go.map(async ({ t, runner }) => {
        const providerId = machineOf(runner);
        if (runner.providerId === undefined && lookupFailed) return; // unknown: a later reconcile retries
        if (providerId === undefined && !machines) {
          this.#log.info('runner left draining until a full sweep shows it has no machine', { runner: runner.name, pool: runner.poolId, reason: t.reason });
          return;
        }
        if (providerId !== undefined && !terminated.has(providerId)) return; // retried by a later reconcile
        const { changed } = await this.#updateRunner(runner.name, this.#cleanupSignal(signal), (r) =>
          stillValid(r) ? { state: t.endState, endedAt: now, reason: r.reason === REASON_SPOT ? REASON_SPOT : t.reason } : undefined,
        ).catch((error: unknown) => {
          this.#note(log, 'end-runner', error, { runner: runner.name });
          return { changed: false };
        });
        if (!changed) return;
        log.drained.push(runner.name);
        this.#log.info('runner ended', { runner: runner.name, pool: runner.poolId, state: t.endState, reason: t.reason, providerId });
        this.#metrics.record('RunnersEnded', 1, 'Count', { pool: runner.poolId, reason: t.reason });
      }),
    );
  }

  /** One provider call; answers the ids that are gone. */
  async #terminate(ids: readonly string[], signal: AbortSignal, log: ReconcileLog): Promise<Set<string>> {
    try {
      const result = await this.#provider.terminate(ids, signal);
      for (const f of result.failed) {
        log.errors.push({ step: 'terminate', code: f.code, message: f.message });
        this.#log.warn('terminate failed', { providerId: f.providerId, code: f.code, retryable: f.retryable });
      }
      return new Set(result.terminated);
    } catch (error) {
      this.#note(log, 'terminate', error, { providerIds: ids.length });
      return new Set();
    }
  }

  #reaped(kind: 'instance' | 'registration', runnerName?: string, providerId?: string): void {
    this.#stats.orphansReaped += 1;
    this.#metrics.record('OrphansReaped', 1, 'Count', { kind });
    this.#log.info('orphan reaped', { kind, runner: runnerName, providerId });
  }

  // Launches: admit, mint, launch, record; retry retryable failures; release the rest.
  async #executeLaunches(thePlan: Plan, signal: AbortSignal, log: ReconcileLog): Promise<void> {
    await Promise.all(
      thePlan.launches.map(async (launch) => {
        const pool = this.#poolById.get(launch.poolId);
        if (!pool || signal.aborted) return;
        try {
          await this.#launchPool(pool, launch.count, signal, log);
        } catch (error) {
          this.#note(log, 'launch', error, { pool: pool.id });
        }
      }),
    );
  }

  async #launchPool(pool: Pool, count: number, signal: AbortSignal, log: ReconcileLog): Promise<void> {
    const now = this.#clock.now();
    const records: Runner[] = Array.from({ length: count }, () => ({
      name: this.#runnerName(pool),
      poolId: pool.id,
      state: 'launching',
      labels: pool.labels,
      ephemeral: pool.ephemeral,
      createdAt: now,
      updatedAt: now,
      version: 1,
    }));
    const admitted = await this.#ledger.admit(pool.id, records, pool.maxRunners, signal);
    log.admitted += admitted.length;
    if (admitted.length < count) {
      this.#log.info('admission capped by maxRunners', { pool: pool.id, asked: count, admitted: admitted.length, maxRunners: pool.maxRunners });
    }
    if (admitted.length === 0) return;
    const scope = runnerScopeOf(pool.scope);

    // Bootstrap: a JIT config per ephemeral runner; one registration token for non-ephemeral ones.
    const requests = new Map<string, { request: LaunchRequest; githubId?: number }>();
    if (pool.ephemeral) {
      const minted = await forEachLimited(admitted, this.#o.concurrency, signal, (r) =>
        this.#github.createJitConfig(scope, { name: r.name, labels: pool.labels, runnerGroup: pool.scope.runnerGroup }, signal),
      );
      for (const [i, m] of minted.entries()) {
        const r = admitted[i] as Runner;
        if (m.status === 'fulfilled') {
          requests.set(r.name, {
            githubId: m.value.runnerId,
            request: { name: r.name, poolId: pool.id, labels: pool.labels, ephemeral: true, bootstrap: { kind: 'jit', encodedJitConfig: m.value.encodedJitConfig } },
          });
        } else {
          const code = m.status === 'rejected' ? launchCode(m.reason) : 'internal';
          await this.#failLaunch(pool, r, undefined, code, m.status === 'rejected' ? describe(m.reason) : 'deadline passed before the JIT config', signal, log);
        }
      }
    } else {
      try {
        const { token } = await this.#github.createRegistrationToken(scope, signal);
        for (const r of admitted) {
          requests.set(r.name, {
            request: {
              name: r.name,
              poolId: pool.id,
              labels: pool.labels,
              ephemeral: false,
              bootstrap: { kind: 'registration', url: runnerRegistrationUrl(this.#o.githubUrl, scope), token, runnerGroup: pool.scope.runnerGroup },
            },
          });
        }
      } catch (error) {
        for (const r of admitted) await this.#failLaunch(pool, r, undefined, launchCode(error), describe(error), signal, log);
      }
    }

    let pending = [...requests.values()];
    for (let attempt = 1; pending.length > 0; attempt += 1) {
      let result: LaunchOutcome;
      if (signal.aborted) {
        result = { launched: [], failed: pending.map((p) => abortedFailure(p.request.name)) };
      } else {
        try {
          result = await this.#provider.launch(pool, pending.map((p) => p.request), signal);
        } catch (error) {
          result = await this.#launchOutcomeAfterError(pool, pending.map((p) => p.request.name), error, signal);
        }
      }
      const at = this.#clock.now();
      await Promise.all(
        result.launched.map(async ({ name, providerId }) => {
          const githubId = requests.get(name)?.githubId;
          const { runner } = await this.#updateRunner(name, this.#cleanupSignal(signal), (r) => ({
            state: r.state === 'launching' ? 'booting' : r.state,
            providerId,
            githubId: r.githubId ?? githubId,
            launchedAt: at,
          })).catch((error: unknown) => {
            this.#note(log, 'record-launch', error, { runner: name });
            return { runner: undefined };
          });
          log.launched.push(name);
          this.#stats.runnersLaunched += 1;
          this.#log.info('runner launched', { runner: name, pool: pool.id, providerId, attempt, state: runner?.state });
        }),
      );
      if (result.launched.length > 0) this.#metrics.record('RunnersLaunched', result.launched.length, 'Count', { pool: pool.id });
      await this.#keepUnknownLaunches(pool, result.unknown ?? [], requests, signal, log);

      const retry: LaunchFailure[] = [];
      const final: LaunchFailure[] = [];
      for (const f of result.failed) (f.retryable && attempt < this.#o.launchAttempts && !signal.aborted ? retry : final).push(f);
      if (retry.length > 0) {
        const delay = this.#o.launchBackoff * 2 ** (attempt - 1) * (0.5 + this.#o.random() / 2);
        this.#log.warn('launch failed, retrying', { pool: pool.id, runners: retry.map((f) => f.name), code: retry[0]?.code, attempt, delay });
        try {
          await this.#clock.sleep(delay, signal);
        } catch {
          final.push(...retry.map((f) => ({ ...f, retryable: false })));
          retry.length = 0;
        }
      }
      for (const f of final) {
        const r = admitted.find((a) => a.name === f.name);
        if (r) await this.#failLaunch(pool, r, requests.get(f.name)?.githubId, f.code, f.message, signal, log);
      }
      const again = new Set(retry.map((f) => f.name));
      pending = pending.filter((p) => again.has(p.request.name));
    }
  }

  /**
   * `launch` threw: its outcome is unknown (a timeout may hide machines that started). Ask the provider which of
   * the runners have a machine; those count as launched, the others failed with the error's code. When that
   * question fails too, the outcome stays unknown (`unknown`).
   */
  async #launchOutcomeAfterError(pool: Pool, names: readonly string[], error: unknown, signal: AbortSignal): Promise<LaunchOutcome> {
    const code = launchCode(error);
    const retryable = isRetryable(error);
    let found: readonly Instance[];
    try {
      found = (await this.#provider.list({ poolIds: [pool.id], names }, this.#cleanupSignal(signal))).filter((i) => i.state !== 'terminated');
    } catch (listError) {
      this.#log.warn('launch outcome unknown: the machines could not be listed', { pool: pool.id, runners: names, ...errorFields(listError) });
      return { launched: [], failed: [], unknown: names };
    }
    const started = new Map(found.map((i) => [i.name, i.providerId]));
    return {
      launched: [...started].map(([name, providerId]) => ({ name, providerId })),
      failed: names.filter((n) => !started.has(n)).map((name) => ({ name, code, retryable, message: describe(error) })),
    };
  }

  /**
   * Runners whose launch may or may not have started a machine: not failed (that would free their slots while
   * a machine may run) and not retried (that could start a second one). They stay `launching`, with their
   * registration recorded, like the runners of a crashed run: a full sweep records the machine its listing shows,
   * or ends the runner past `bootTimeout` when it shows none (its registration is then reaped as an orphan).
   */
  async #keepUnknownLaunches(
    pool: Pool,
    names: readonly string[],
    requests: ReadonlyMap<string, { githubId?: number }>,
    signal: AbortSignal,
    log: ReconcileLog,
  ): Promise<void> {
    await Promise.all(
      names.map(async (name) => {
        const githubId = requests.get(name)?.githubId;
        if (githubId !== undefined) {
          await this.#updateRunner(name, this.#cleanupSignal(signal), (r) => (r.githubId === undefined ? { githubId } : undefined)).catch(
            (error: unknown) => this.#note(log, 'record-launch', error, { runner: name }),
          );
        }
        this.#log.warn('runner left launching: a full sweep settles whether its machine started', { runner: name, pool: pool.id });
      }),
    );
  }

  /** A launch failed for good: delete the registration, end the runner (`failed`, releasing its slot). */
  async #failLaunch(
    pool: Pool,
    runner: Runner,
    githubId: number | undefined,
    code: string,
    message: string,
    signal: AbortSignal,
    log: ReconcileLog,
  ): Promise<void> {
    const cleanup = this.#cleanupSignal(signal);
    log.launchFailures.push({ runnerName: runner.name, code });
    this.#stats.launchFailures += 1;
    this.#metrics.record('LaunchFailures', 1, 'Count', { pool: pool.id, code });
    this.#log.warn('runner launch failed', { runner: runner.name, pool: pool.id, code, message });
    if (githubId !== undefined) {
      try {
        const deleted = await this.#github.deleteRunner(runnerScopeOf(pool.scope), githubId, cleanup);
        if (deleted === 'deleted') log.deletedRegistrations.push(githubId);
      } catch (error) {
        this.#note(log, 'deregister-failed-launch', error, { runner: runner.name });
      }
    }
    const now = this.#clock.now();
    await this.#updateRunner(runner.name, cleanup, (r) =>
      r.state === 'launching' ? { state: 'failed', reason: code, endedAt: now } : undefined,
    ).catch((error: unknown) => this.#note(log, 'end-failed-launch', error, { runner: runner.name }));
  }

  #runnerName(pool: Pool): string {
    let suffix = '';
    for (let i = 0; i < 8; i += 1) suffix += 'abcdefghijklmnopqrstuvwxyz0123456789'[Math.floor(this.#o.random() * 36)] ?? 'x';
    return `${this.#o.namePrefix}${pool.id}-${suffix}`;
  }

  // Stale jobs: ask GitHub, fix the ledger.
  async #executeRechecks(run: ReconcileRun): Promise<void> {
    const { plan: thePlan, jobs, runners, regByName, signal, log, machines } = run;
    const retire: Runner[] = [];
    // A stale queued job of a pool that is full (demand unmet) and has no idle runner changes nothing now: it
    // waits for capacity, not for a lost event. Its re-check waits until the pool has room or idle runners.
    const saturated = new Set(thePlan.pools.filter((p) => p.unmet > 0 && p.idle === 0).map((p) => p.poolId));
    const poolOfJob = new Map(jobs.map((j) => [j.id, j.poolId]));
    const rechecks = thePlan.rechecks.filter((rc) => {
      const poolId = poolOfJob.get(rc.jobId);
      return !(rc.reason === 'stale-queued' && poolId != null && saturated.has(poolId));
    });
    if (rechecks.length < thePlan.rechecks.length) {
      this.#log.debug('re-checks deferred: their pools are full', { deferred: thePlan.rechecks.length - rechecks.length });
    }
    const work: { jobId: number; repository?: Job['repository']; reason: string }[] = rechecks.map((rc) => ({ ...rc }));
    // A busy runner whose registration is gone from a full sweep finished its job (or died): a lost `completed`
    // event would keep it busy until maxRuntime. So did one whose machine the sweep's listing no longer shows
    // while GitHub lists its registration offline and idle (a spot-killed machine: GitHub keeps the offline
    // registration, and that registration is an orphan to reap). Ask GitHub about its job now, within the same budget.
    if (regByName) {
      const now = this.#clock.now();
      const planned = new Set(work.map((w) => w.jobId));
      const budget = this.#o.planOptions.recheckBudget ?? 20;
      const vanished = (r: Runner): boolean => {
        const listed = regByName.get(r.name);
        if (!listed) return true;
        const machineGone = machines !== undefined && r.providerId !== undefined && !machines.has(r.name);
        return machineGone && listed.reg.status === 'offline' && !listed.reg.busy;
      };
      for (const r of runners) {
        if (work.length >= thePlan.rechecks.length + budget) break;
        if (r.state !== 'busy' || !vanished(r) || r.githubId === undefined) continue;
        if (now - (r.busySince ?? r.updatedAt) < VANISHED_GRACE) continue;
        if (r.jobId !== undefined) {
          if (!planned.has(r.jobId)) work.push({ jobId: r.jobId, reason: 'runner-vanished' });
          planned.add(r.jobId);
        } else if (r.ephemeral) {
          // Busy by GitHub's flag only (the job's events were lost), and now gone: its one job is over.
          const { runner, changed } = await this.#updateRunner(r.name, signal, (cur) =>
            cur.state === 'busy' && cur.jobId === undefined ? { state: 'draining', reason: REASON_JOB_COMPLETED } : undefined,
          );
          if (changed && runner) retire.push(runner);
        }
      }
    }
    // A rate-limited answer ends this sweep's re-checks: the others would be refused too.
    let throttled = false;
    const settled = await forEachLimited(work, this.#o.concurrency, signal, async (w) => {
      if (throttled) return;
      try {
        const runner = await this.#recheckJob(w.jobId, w.repository, w.reason, signal, log);
        if (runner) retire.push(runner);
      } catch (error) {
        if (errorCode(error) === 'throttled') throttled = true;
        throw error;
      }
    });
    for (const s of settled) if (s.status === 'rejected') this.#note(log, 'recheck', s.reason);
    if (throttled) this.#log.warn('re-checks stopped for this sweep: GitHub is rate limiting', {});
    if (retire.length > 0) await this.#retire(retire, signal, machines);
  }

  /** Asks GitHub about one job and applies the answer like an event; answers a runner to retire, if any. */
  async #recheckJob(
    jobId: number,
    repository: Job['repository'] | undefined,
    reason: string,
    signal: AbortSignal,
    log: ReconcileLog,
  ): Promise<Runner | undefined> {
    const known = await this.#ledger.getJob(jobId, signal);
    if (!known) return undefined;
    let gh: Awaited<ReturnType<GitHubApi['getJob']>>;
    try {
      gh = await this.#github.getJob(repository ?? known.repository, jobId, signal);
    } catch (error) {
      // The attempt counts as a check: the job is asked about again after `recheckAfter`, not in every sweep
      // (a throttled GitHub would otherwise be asked the same questions until it bans the App).
      await this.#markChecked(jobId, this.#cleanupSignal(signal)).catch((e: unknown) => this.#note(log, 'mark-checked', e, { job: jobId }));
      throw error;
    }
    log.rechecked += 1;
    const now = this.#clock.now();
    const action: JobStatus =
      gh === undefined ? 'completed' : gh.status === 'requested' || gh.status === 'pending' ? 'queued' : gh.status;
    const event: JobEvent = {
      deliveryId: `recheck-${jobId}-${now}`,
      action,
      job: {
        id: jobId,
        runId: gh?.runId ?? known.runId,
        runAttempt: known.runAttempt,
        labels: gh?.labels ?? known.labels,
        conclusion: gh === undefined ? 'not-found' : gh.conclusion,
        startedAt: gh?.startedAt,
        completedAt: gh?.completedAt ?? (gh === undefined ? now : undefined),
        runnerName: gh?.runnerName,
      },
      repository: repository ?? known.repository,
      receivedAt: now,
    };
    const applied = await this.#applyJobEvent(event, signal, now);
    this.#log.info('job re-checked', { job: jobId, reason, was: known.status, github: gh?.status ?? 'not-found', outcome: applied.outcome, runner: applied.job.runnerName });
    const effect = await this.#runnerEffects(event, applied.job, applied.outcome, signal);
    return effect?.retire;
  }

  /** Records a re-check attempt on an open job (`checkedAt`), with versioned writes retried on conflict. */
  async #markChecked(jobId: number, signal: AbortSignal): Promise<void> {
    for (let attempt = 0; attempt < this.#o.conflictAttempts; attempt += 1) {
      const current = await this.#ledger.getJob(jobId, signal);
      if (!current || current.status === 'completed') return;
      const now = this.#clock.now();
      if ((await this.#ledger.putJob({ ...current, checkedAt: now, updatedAt: now, version: current.version + 1 }, signal)) === 'ok') return;
    }
  }

  // Missed webhooks: re-request failed deliveries. A delivery counts as handled only once `redeliver` succeeded.
  async #redeliver(signal: AbortSignal, log: ReconcileLog): Promise<void> {
    if (this.#o.redeliveryBudget <= 0) return;
    // Once per interval across all reconcilers (Lambdas share no memory): the ledger's dedupe is the token.
    const now = this.#clock.now();
    const interval = this.#o.redeliveryInterval;
    const slot = Math.floor(now / interval);
    if ((await this.#ledger.claim(`redelivery-check:${slot}`, now, signal)) === 'taken') return;
    const since = now - this.#o.redeliveryLookback;
    const failed = await this.#github.listFailedDeliveries(since, signal);
    const candidates = failed.filter((d) => d.event === 'workflow_job');
    let budget = this.#o.redeliveryBudget;
    for (const d of candidates) {
      if (budget <= 0 || signal.aborted) break;
      // A claim that lasts this interval only (the ledger has no delete): when the call fails or the deadline
      // cuts it off, the next interval claims the delivery again. A success claims the delivery for every later
      // interval in which GitHub may still list it, so it is not re-requested while GitHub's new attempt lands.
      if ((await this.#ledger.claim(redeliveryClaim(d.id, slot), this.#clock.now(), signal)) === 'taken') continue;
      budget -= 1;
      try {
        await this.#github.redeliver(d.id, signal);
      } catch (error) {
        this.#note(log, 'redeliver', error, { delivery: d.guid });
        continue;
      }
      log.redelivered += 1;
      this.#log.info('failed webhook delivery re-requested', { delivery: d.guid, action: d.action, statusCode: d.statusCode });
      const lastSlot = Math.min(slot + REDELIVERY_CLAIM_SLOTS, Math.floor((d.deliveredAt + this.#o.redeliveryLookback) / interval));
      const later = Array.from({ length: Math.max(0, lastSlot - slot) }, (_, i) => slot + 1 + i);
      const claimed = await Promise.allSettled(
        later.map((s) => this.#ledger.claim(redeliveryClaim(d.id, s), this.#clock.now(), this.#cleanupSignal(signal))),
      );
      // A claim not written only risks a duplicate redelivery, which ingest absorbs.
      if (claimed.some((c) => c.status === 'rejected')) this.#log.warn('redelivery claims not all written', { delivery: d.guid });
    }
    if (log.redelivered > 0) this.#metrics.record('WebhooksRedelivered', log.redelivered, 'Count');
  }

  // -------------------------------------------------------------------------------------------------------
  // interrupted

  async interrupted(providerIds: readonly string[], signal: AbortSignal): Promise<InterruptResult> {
    const ids = new Set(providerIds);
    const alive = await this.#ledger.listRunners({ states: ALIVE_RUNNER_STATES }, signal);
    const hit = alive.filter((r) => r.providerId !== undefined && ids.has(r.providerId));
    const marked: string[] = [];
    const rerunJobs: number[] = [];
    const takedowns: Takedown[] = [];
    const log = emptyLog();
    await forEachLimited(hit, this.#o.concurrency, signal, async (r) => {
      const { runner, changed } = await this.#updateRunner(r.name, signal, (cur) => {
        if (!ALIVE.has(cur.state) || cur.reason === REASON_SPOT) return undefined;
        return cur.state === 'busy' ? { reason: REASON_SPOT } : { state: 'draining', reason: REASON_SPOT };
      });
      if (!runner || !changed) return;
      marked.push(r.name);
      this.#metrics.record('RunnersInterrupted', 1, 'Count', { pool: r.poolId });
      this.#log.warn('runner interrupted by the cloud', { runner: r.name, pool: r.poolId, providerId: r.providerId, state: runner.state, job: runner.jobId });
      if (runner.state === 'busy') {
        // Its job may have completed already (the event came first): re-run it now if asked to.
        if (this.#o.rerunInterruptedJobs && runner.jobId !== undefined) {
          const job = await this.#ledger.getJob(runner.jobId, signal);
          if (job?.status === 'completed' && shouldRerun(job.conclusion) && (await this.#rerun(job, runner, signal))) rerunJobs.push(job.id);
        }
        return;
      }
      const pool = this.#poolById.get(runner.poolId);
      takedowns.push({
        runner,
        scope: pool ? runnerScopeOf(pool.scope) : undefined,
        githubId: runner.githubId,
        skipDeregister: false,
        endState: 'terminated',
        reason: REASON_SPOT,
      });
    });
    await this.#takeDown(takedowns, signal, log, (r) => r.state === 'draining');
    this.#reportApiCalls();
    return { runners: marked, ended: log.drained, rerunJobs };
  }

  // -------------------------------------------------------------------------------------------------------
  // helpers

  /** Read-modify-write of one runner with its version, retried on conflict. `patch` answers undefined for no change. */
  async #updateRunner(
    name: string,
    signal: AbortSignal,
    patch: (r: Runner) => Partial<Runner> | undefined,
  ): Promise<{ runner: Runner | undefined; changed: boolean }> {
    for (let attempt = 0; attempt < this.#o.conflictAttempts; attempt += 1) {
      const current = await this.#ledger.getRunner(name, signal);
      if (!current) return { runner: undefined, changed: false };
      const change = patch(current);
      if (!change) return { runner: current, changed: false };
      const next: Runner = { ...current, ...change, updatedAt: this.#clock.now(), version: current.version + 1 };
      if ((await this.#ledger.putRunner(next, signal)) === 'ok') return { runner: next, changed: true };
    }
    throw new GhrError(`Runner ${name} kept changing under concurrent writers; the next reconcile retries.`, { code: 'conflict' });
  }

  /** The caller's signal while it holds; after it fired, a short fresh one for writes that restore consistency. */
  #cleanupSignal(signal: AbortSignal): AbortSignal {
    return signal.aborted ? AbortSignal.timeout(this.#o.cleanupTimeout) : signal;
  }

  #note(log: ReconcileLog, step: string, error: unknown, fields: LogFields = {}): void {
    const code = errorCode(error);
    log.errors.push({ step, code, message: describe(error) });
    this.#log.warn(`${step} failed`, { step, ...fields, ...errorFields(error) });
  }

  #reportApiCalls(): void {
    const now = this.#counter.byTarget();
    for (const [target, n] of now) {
      const delta = n - (this.#reportedCalls.get(target) ?? 0);
      if (delta > 0) this.#metrics.record('ApiCalls', delta, 'Count', { target });
    }
    this.#reportedCalls = now;
  }
}

// ---------------------------------------------------------------------------------------------------------

/** The ledger key that claims a failed delivery for one redelivery interval. */
function redeliveryClaim(deliveryId: number, slot: number): string {
  return `redelivery:${deliveryId}@${slot}`;
}

function emptyPlan(at: number): Plan {
  return { at, launches: [], drains: [], terminations: [], expirations: [], deregistrations: [], rechecks: [], overdue: [], pools: [] };
}

function emptyLog(): ReconcileLog {
  return {
    launched: [],
    launchFailures: [],
    admitted: 0,
    drained: [],
    foundBusy: [],
    terminatedInstances: [],
    deletedRegistrations: [],
    rechecked: 0,
    redelivered: 0,
    errors: [],
  };
}

function newJob(event: JobEvent, now: number, checkedAt: number | undefined): Job {
  const { job } = event;
  const started = event.action === 'in_progress' || event.action === 'completed';
  return {
    id: job.id,
    runId: job.runId,
    runAttempt: job.runAttempt,
    repository: event.repository,
    installationId: event.installationId,
    labels: job.labels,
    status: event.action,
    conclusion: event.action === 'completed' ? job.conclusion : undefined,
    poolId: event.poolId ?? null,
    runnerName: job.runnerName,
    queuedAt: job.createdAt ?? event.receivedAt,
    startedAt: started ? (job.startedAt ?? (event.action === 'in_progress' ? event.receivedAt : undefined)) : undefined,
    completedAt: event.action === 'completed' ? (job.completedAt ?? event.receivedAt) : undefined,
    checkedAt,
    updatedAt: now,
    version: 1,
  };
}

function advanceJob(current: Job, event: JobEvent, now: number): Job {
  const { job } = event;
  switch (event.action) {
    case 'queued':
      // From `waiting`: the approval came; demand starts now.
      return { ...current, status: 'queued', queuedAt: Math.max(current.queuedAt, event.receivedAt), updatedAt: now };
    case 'in_progress':
      return {
        ...current,
        status: 'in_progress',
        runnerName: job.runnerName ?? current.runnerName,
        startedAt: job.startedAt ?? event.receivedAt,
        updatedAt: now,
      };
    case 'completed':
      return {
        ...current,
        status: 'completed',
        conclusion: job.conclusion ?? current.conclusion,
        runnerName: job.runnerName ?? current.runnerName,
        startedAt: current.startedAt ?? job.startedAt,
        completedAt: job.completedAt ?? event.receivedAt,
        updatedAt: now,
      };
    case 'waiting':
      return current; // rank 0: never a forward move
  }
}

function shouldRerun(conclusion: string | undefined): boolean {
  return conclusion !== 'success' && conclusion !== 'cancelled' && conclusion !== 'skipped';
}

/** A full sweep's instances that are not terminated, by name. */
type MachineIndex = ReadonlyMap<string, Instance>;

function machineIndex(instances: readonly Instance[]): MachineIndex {
  return new Map(instances.filter((i) => i.state !== 'terminated').map((i) => [i.name, i]));
}

function registrationIndex(
  lists: readonly RegistrationList[] | undefined,
): Map<string, { reg: GitHubRunner; scope: RunnerScope }> | undefined {
  if (!lists) return undefined;
  const out = new Map<string, { reg: GitHubRunner; scope: RunnerScope }>();
  for (const list of lists) for (const reg of list.runners) out.set(reg.name, { reg, scope: list.scope });
  return out;
}

function repoName(job: Job): string {
  return `${job.repository.owner}/${job.repository.repo}`;
}

function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'internal';
}

function launchCode(error: unknown): LaunchErrorCode {
  const code = errorCode(error);
  if (LAUNCH_CODES.has(code)) return code as LaunchErrorCode;
  if (code === 'aborted' || code === 'timeout') return 'throttled';
  return 'internal';
}

function abortedFailure(name: string): LaunchFailure {
  return { name, code: 'internal', retryable: false, message: 'The deadline passed before the launch.' };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function errorFields(error: unknown): LogFields {
  return { code: errorCode(error), retryable: isRetryable(error), error: describe(error) };
}
