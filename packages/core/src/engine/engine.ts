// The runner lifecycle engine (DESIGN.md §1, §3–§5): events in, runners out, over the ports. This file wires the
// ports and orchestrates; each step lives in its own module (see docs/architecture.md):
// snapshot.ts (read), ../policy/plan.ts (decide), removals.ts + take-down.ts, launch.ts, repair.ts (execute),
// ingest.ts, interruption.ts, ledger-writes.ts (versioned ledger updates), context.ts (the shared run context).
import { noopMetrics, silentLogger, systemClock } from '../defaults.js';
import type { Job, JobEvent, Runner } from '../domain.js';
import type { Instance } from '../ports.js';
import type { Plan, RegistrationList, Snapshot } from '../policy/types.js';
import { createMatcher } from '../matching/matcher.js';
import type { EngineContext, ReconcileRun } from './context.js';
import { GhrError } from '../errors.js';
import { ALIVE, describe, emptyLog, emptyPlan, machineIndex, recordError, registrationIndex } from './context.js';
import { ingest } from './ingest.js';
import { CallCounter, instrument } from './instrument.js';
import { interrupted } from './interruption.js';
import { executeLaunches } from './launch.js';
import { Limiter } from './limiter.js';
import { resolveOptions } from './options.js';
import { executeRemovals } from './removals.js';
import { executeRechecks, finishStuckDrains, redeliver, syncFromRegistrations } from './repair.js';
import { listRegistrations, readLedger } from './snapshot.js';
import type {
  Engine,
  EngineDependencies,
  EngineStats,
  IngestResult,
  InterruptResult,
  ReconcileRequest,
  ReconcileResult,
} from './types.js';

/**
 * Creates the runner lifecycle engine over the given ports.
 *
 * - `ingest(events)` applies `workflow_job` events to the ledger idempotently (status only moves forward;
 *   duplicates, late and reordered events are absorbed), marks the named runner busy on `in_progress`, frees it
 *   on `completed` (an ephemeral runner is retired: its instance terminated and the runner ended).
 * - `reconcile({ pools, sweep })` reads the ledger (and, in a full sweep, GitHub's registrations and the
 *   provider's instances, once each), calls `plan` (the whole policy: `options.plan` replaces it), and carries
 *   the plan out: removals first (deregister before terminate; a runner GitHub reports busy is left alone), the
 *   plan's stuck drains, then launches (atomic admission, one JIT config per runner, one provider call per pool,
 *   retries with backoff, failed launches deregistered and released), then, in a full sweep only (they cost
 *   GitHub requests), the plan's re-checks and retirements and failed-delivery redelivery (at most once per
 *   `redeliveryInterval` across engines).
 * - `interrupted(providerIds)` handles spot interruption warnings.
 *
 * External calls are bounded (`options.concurrency`, default 8) and counted (`stats()`, metric `ApiCalls`).
 * The `AbortSignal` is checked between steps: once it fires no new work starts, and runners already admitted
 * are failed and deregistered so the ledger stays consistent. Defaults: `ENGINE_DEFAULTS`, `PLAN_DEFAULTS`.
 *
 * @throws GhrError `invalid-config` when the provider's `validatePool` rejects a pool's `instance` section
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
  readonly #ctx: EngineContext;
  readonly #counter = new CallCounter();
  #reportedCalls = new Map<string, number>();

  constructor(deps: EngineDependencies) {
    const options = resolveOptions(deps.options);
    const external = new Limiter(options.concurrency);
    validatePools(deps);
    this.#ctx = {
      ledger: instrument(deps.ledger, 'ledger', this.#counter, new Limiter(options.concurrency * 2)),
      github: instrument(deps.github, 'github', this.#counter, external),
      provider: instrument(deps.provider, 'provider', this.#counter, external),
      clock: deps.clock ?? systemClock,
      logger: deps.logger ?? silentLogger,
      metrics: deps.metrics ?? noopMetrics,
      pools: deps.pools,
      poolById: new Map(deps.pools.map((p) => [p.id, p])),
      matcher: createMatcher(deps.pools),
      stats: { runnersLaunched: 0, launchFailures: 0, orphansReaped: 0, eventsIngested: 0, reconciles: 0 },
      options,
    };
  }

  stats(): EngineStats {
    return {
      apiCalls: Object.fromEntries(this.#counter.calls),
      apiCallsByTarget: Object.fromEntries(this.#counter.byTarget()),
      apiErrors: Object.fromEntries(this.#counter.errors),
      ...this.#ctx.stats,
    };
  }

  async ingest(events: readonly JobEvent[], signal: AbortSignal): Promise<IngestResult> {
    const result = await ingest(this.#ctx, events, signal);
    this.#reportApiCalls();
    return result;
  }

  async interrupted(providerIds: readonly string[], signal: AbortSignal): Promise<InterruptResult> {
    const result = await interrupted(this.#ctx, providerIds, signal);
    this.#reportApiCalls();
    return result;
  }

  async reconcile(request: ReconcileRequest, signal: AbortSignal): Promise<ReconcileResult> {
    const ctx = this.#ctx;
    ctx.stats.reconciles += 1;
    const log = emptyLog();
    // A scheduled sweep lists the world once per listing interval across all engines (the ledger's claim is the
    // token); the others reconcile every pool from the ledger.
    const sweep = request.sweep && (await this.#listingDue(signal));
    const pools = request.sweep || !request.pools ? ctx.pools : request.pools.flatMap((id) => ctx.poolById.get(id) ?? []);
    const poolIds = new Set(pools.map((p) => p.id));

    // Full sweep: list the world first (see Snapshot), once each.
    let instances: readonly Instance[] | undefined;
    let registrations: RegistrationList[] | undefined;
    if (sweep) {
      const listed = await Promise.allSettled([ctx.provider.list({}, signal), listRegistrations(ctx, signal)]);
      if (listed[0].status === 'fulfilled' && listed[1].status === 'fulfilled') {
        instances = listed[0].value;
        registrations = listed[1].value;
      } else {
        for (const r of listed) if (r.status === 'rejected') recordError(ctx, log, 'sweep-listing', r.reason);
        ctx.logger.warn('full sweep degraded to a reconcile: a listing failed', {});
      }
    }

    // The ledger. A deadline that fired before the read leaves nothing to do.
    const now = ctx.clock.now();
    let read: Awaited<ReturnType<typeof readLedger>>;
    try {
      read = await readLedger(ctx, pools, poolIds, { instances, registrations }, signal);
    } catch (error) {
      if (!signal.aborted) throw error;
      ctx.logger.warn('reconcile skipped: the deadline passed before the ledger was read', {});
      return { plan: emptyPlan(now), aborted: true, ...log };
    }
    const { jobs, runners } = withKnown(read, request.known, poolIds);
    const regByName = registrationIndex(registrations);
    const machines = regByName && instances ? machineIndex(instances) : undefined;
    const synced = regByName ? await syncFromRegistrations(ctx, runners, regByName, instances, signal, log) : runners;

    const snapshot: Snapshot = instances && registrations ? { jobs, runners: synced, instances, registrations } : { jobs, runners: synced };
    const plan = ctx.options.plan(snapshot, pools, ctx.clock.now(), ctx.options.planOptions);
    this.#planMetrics(plan);
    for (const o of plan.overdue) {
      ctx.logger.warn('runner past maxRuntime while busy: left alone, its job is re-checked', { runner: o.runnerName, pool: o.poolId, job: o.jobId, age: o.age });
    }

    const step = async (name: string, fn: () => Promise<void>) => {
      if (signal.aborted) return;
      try {
        await fn();
      } catch (error) {
        recordError(ctx, log, name, error);
      }
    };
    const removals = plan.drains.length + plan.terminations.length + plan.expirations.length + plan.deregistrations.length;
    const run: ReconcileRun = { plan, jobs, runners: synced, regByName, machines, signal, log };
    if (removals > 0) await step('removals', () => executeRemovals(ctx, run));
    await step('stuck-drains', () => finishStuckDrains(ctx, run));
    if (plan.launches.length > 0) await step('launches', () => executeLaunches(ctx, plan, signal, log));
    // Re-checks cost GitHub requests: only full sweeps (one per interval) spend the plan's budget on them, not
    // every scale-up run.
    if (sweep) await step('rechecks', () => executeRechecks(ctx, run));
    if (instances) await step('redeliveries', () => redeliver(ctx, signal, log));

    this.#reportApiCalls();
    const result: ReconcileResult = { plan, aborted: signal.aborted, ...log };
    ctx.logger.info('reconcile done', {
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

  async #listingDue(signal: AbortSignal): Promise<boolean> {
    const interval = this.#ctx.options.listingInterval;
    if (interval <= 0) return true;
    const now = this.#ctx.clock.now();
    return (await this.#ctx.ledger.claim(`sweep-listing:${Math.floor(now / interval)}`, now, signal)) === 'claimed';
  }

  #planMetrics(plan: Plan): void {
    const { metrics } = this.#ctx;
    for (const p of plan.pools) {
      const pool = { pool: p.poolId };
      metrics.record('QueuedJobs', p.queued, 'Count', pool);
      metrics.record('InProgressJobs', p.inProgress, 'Count', pool);
      for (const state of ['launching', 'booting', 'idle', 'busy', 'draining'] as const) {
        metrics.record('Runners', p[state], 'Count', { ...pool, state });
      }
      if (p.unmet > 0) metrics.record('UnmetDemand', p.unmet, 'Count', pool);
    }
  }

  #reportApiCalls(): void {
    const now = this.#counter.byTarget();
    for (const [target, n] of now) {
      const delta = n - (this.#reportedCalls.get(target) ?? 0);
      if (delta > 0) this.#ctx.metrics.record('ApiCalls', delta, 'Count', { target });
    }
    this.#reportedCalls = now;
  }
}

/** Lets the provider check every pool's `instance` section now, not at the first launch. */
function validatePools(deps: EngineDependencies): void {
  if (!deps.provider.validatePool) return;
  for (const pool of deps.pools) {
    try {
      deps.provider.validatePool(pool);
    } catch (error) {
      if (error instanceof GhrError) throw error;
      throw new GhrError(`pool ${pool.id}: the provider rejected its instance section (${describe(error)}); fix the pool's instance settings.`, {
        code: 'invalid-config',
        cause: error,
      });
    }
  }
}

/**
 * The ledger's listings with the records the caller just wrote merged in (newest version wins): jobs of the
 * reconciled pools that are open, runners that are alive (a known ended runner replaces a stale alive listing).
 */
function withKnown(
  read: { readonly jobs: readonly Job[]; readonly runners: readonly Runner[] },
  known: ReconcileRequest['known'],
  poolIds: ReadonlySet<string>,
): { jobs: Job[]; runners: Runner[] } {
  if (!known) return { jobs: [...read.jobs], runners: [...read.runners] };
  const jobs = new Map(read.jobs.map((j) => [j.id, j]));
  for (const j of known.jobs ?? []) {
    const listed = jobs.get(j.id);
    if (listed && listed.version >= j.version) continue;
    if (j.status !== 'completed' && j.poolId !== null && poolIds.has(j.poolId)) jobs.set(j.id, j);
    else jobs.delete(j.id);
  }
  const runners = new Map(read.runners.map((r) => [r.name, r]));
  for (const r of known.runners ?? []) {
    const listed = runners.get(r.name);
    if (listed && listed.version >= r.version) continue;
    if (listed || (ALIVE.has(r.state) && poolIds.has(r.poolId))) runners.set(r.name, r);
  }
  return { jobs: [...jobs.values()], runners: [...runners.values()] };
}
