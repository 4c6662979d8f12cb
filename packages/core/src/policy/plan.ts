// The pure scaling policy (DESIGN.md §3, §5): what to launch, drain, terminate, deregister and re-check now.
// One pass over runners, one over jobs, one per sweep listing; no clock, no randomness, no I/O.
import type { Pool, Runner, RunnerScope } from '../domain.js';
import type { GitHubRunner, Instance } from '../ports.js';
import type {
  Deregistration,
  Drain,
  Expiration,
  Overdue,
  Plan,
  PlanOptions,
  PoolLaunch,
  PoolSummary,
  Recheck,
  Retirement,
  RunnerEnd,
  Snapshot,
  StuckDrain,
  Termination,
} from './types.js';
import { runnerScopeOf } from '../scope.js';
import { StaleJobs } from './stale-jobs.js';
import { finishStuckDrains, vanishedBusyRunners } from './repairs.js';
import type { RegistrationsByName } from './repairs.js';
import { warmTarget } from './warm.js';

const MINUTE = 60_000;

/**
 * The defaults of {@link PlanOptions}: re-check after 5 min, 20 re-checks per plan, name prefix `ghr-`,
 * 15 min grace for unknown pools, 1 min before a drain counts as stuck or a busy runner as vanished.
 *
 * @example
 * ```ts
 * plan(snapshot, pools, now, { recheckBudget: PLAN_DEFAULTS.recheckBudget * 2 });
 * ```
 */
export const PLAN_DEFAULTS: Readonly<Required<PlanOptions>> = {
  recheckAfter: 5 * MINUTE,
  recheckBudget: 20,
  namePrefix: 'ghr-',
  unknownPoolGrace: 15 * MINUTE,
  stuckDrainAfter: MINUTE,
  vanishedGrace: MINUTE,
  launchGrace: 2 * MINUTE,
};

interface PoolState {
  readonly pool: Pool;
  readonly scope: RunnerScope;
  queued: number;
  waiting: number;
  inProgress: number;
  launching: number;
  booting: number;
  idle: number;
  busy: number;
  draining: number;
  /** Idle runners past `idleTimeout` and `minimumLifetime`: may be drained beyond the pool's want. */
  readonly drainable: Runner[];
}

type EndReason = 'boot-timeout' | 'max-runtime' | 'interrupted' | 'instance-gone' | 'abandoned';

const isEnded = (runner: Runner): boolean => runner.state === 'terminated' || runner.state === 'failed';

/**
 * Plans what the engine should do now for `pools`, given the ledger's `snapshot` (and, in a full sweep, the
 * cloud's instances and GitHub's registrations). Pure and deterministic: the same input gives the same plan.
 *
 * Per pool: `want = queued + warmTarget(now)` and
 * `launch = min(want − (idle + booting + launching), maxRunners − alive)`, never negative, where `alive`
 * counts launching + booting + idle + busy + draining runners after this plan's terminations. Jobs `waiting`
 * for an environment approval, and jobs without a pool, are not demand. Idle runners past `idleTimeout` and
 * `minimumLifetime` are drained only beyond `want`, in the pool's `drainOrder`. Launching or booting runners
 * past `bootTimeout` are terminated. `maxRuntime` is a hard cap for stuck runners: a launching or booting one
 * is terminated, an idle one drained, but a busy (or draining) one is only reported in `overdue` and its job
 * re-checked — a runner running a job is never drained or terminated (DESIGN §5 rule 2).
 *
 * In a full sweep it also terminates instances no alive runner owns (once older than their pool's
 * `bootTimeout`) or whose runner ended, ends runners whose instance is gone, and deregisters ghr-named
 * registrations that no alive runner owns and that GitHub does not report busy. A runner whose registration
 * GitHub reports busy counts as busy whatever the ledger says (the ledger lags behind `in_progress` events),
 * so it and its machine are left alone. A full sweep also expires runners that never got a machine, re-checks
 * the jobs of busy runners that vanished and retires vanished ephemeral runners that were busy by GitHub's flag
 * only. Every plan finishes drains no reconcile finished, and defers re-checks of stale queued jobs in pools
 * that are full with no idle runner. A termination of an alive runner's machine says how to take the runner
 * down (`end`: the registration to delete first, the state it ends in): the plan is the whole policy, the
 * engine only carries it out safely.
 *
 * @param snapshot the ledger's open jobs and alive runners, plus the sweep listings in a full sweep
 * @param pools the configured pools (ids unique; validate the config first)
 * @param now the current time in epoch milliseconds (from the engine's clock)
 * @param options re-check threshold and budget, name prefix, grace for unknown pools
 * @throws GhrError `invalid-config` when a pool's warm window has an invalid schedule or time zone
 * @example
 * ```ts
 * import { plan } from '@ghr/core';
 *
 * const result = plan({ jobs, runners }, pools, Date.now());
 * for (const launch of result.launches) {
 *   console.log(`${launch.poolId}: launch ${launch.count}`, launch.reason);
 * }
 * ```
 */
export function plan(snapshot: Snapshot, pools: readonly Pool[], now: number, options: PlanOptions = {}): Plan {
  const recheckAfter = options.recheckAfter ?? PLAN_DEFAULTS.recheckAfter;
  const recheckBudget = options.recheckBudget ?? PLAN_DEFAULTS.recheckBudget;
  const namePrefix = options.namePrefix ?? PLAN_DEFAULTS.namePrefix;
  const unknownPoolGrace = options.unknownPoolGrace ?? PLAN_DEFAULTS.unknownPoolGrace;
  const stuckDrainAfter = options.stuckDrainAfter ?? PLAN_DEFAULTS.stuckDrainAfter;
  const vanishedGrace = options.vanishedGrace ?? PLAN_DEFAULTS.vanishedGrace;
  const launchGrace = options.launchGrace ?? PLAN_DEFAULTS.launchGrace;

  const states: PoolState[] = [];
  const byPool = new Map<string, PoolState>();
  for (const pool of pools) {
    if (byPool.has(pool.id)) continue;
    const state: PoolState = {
      pool,
      scope: runnerScopeOf(pool.scope),
      queued: 0,
      waiting: 0,
      inProgress: 0,
      launching: 0,
      booting: 0,
      idle: 0,
      busy: 0,
      draining: 0,
      drainable: [],
    };
    states.push(state);
    byPool.set(pool.id, state);
  }

  const drains: Drain[] = [];
  const terminations: Termination[] = [];
  const expirations: Expiration[] = [];
  const deregistrations: Deregistration[] = [];
  const overdue: Overdue[] = [];

  // Full-sweep indexes. `unclaimed` starts with every live listed instance; the runner pass takes out those an
  // alive runner owns by provider id, so what is left is checked for orphans. Registrations are indexed by id.
  let unclaimed: Map<string, Instance> | undefined;
  if (snapshot.instances) {
    unclaimed = new Map();
    for (const instance of snapshot.instances) {
      if (instance.state !== 'terminated') unclaimed.set(instance.providerId, instance);
    }
  }
  const listed = snapshot.registrations !== undefined;
  const registrationsById = new Map<number, GitHubRunner>();
  const registrationsByName: Map<string, { readonly registration: GitHubRunner; readonly scope: RunnerScope }> = new Map();
  // Names of registrations GitHub reports busy: their runner is running a job, whatever the (lagging) ledger says.
  const busyNames = new Set<string>();
  for (const list of snapshot.registrations ?? []) {
    for (const registration of list.runners) {
      registrationsById.set(registration.id, registration);
      registrationsByName.set(registration.name, { registration, scope: list.scope });
      if (registration.busy) busyNames.add(registration.name);
    }
  }
  const claimedGithubIds = new Set<number>();
  const endedNames = new Set<string>();
  // Runners whose machine this plan terminates: their take-down deregisters them.
  const takenDown = new Set<string>();

  const end = (runner: Runner, reason: EndReason, scope: RunnerScope | undefined): void => {
    endedNames.add(runner.name);
    if (runner.providerId !== undefined) {
      const deregisterScope = scope ?? registrationsByName.get(runner.name)?.scope;
      const runnerEnd: RunnerEnd = {
        state: reason === 'boot-timeout' ? 'failed' : 'terminated',
        ...(runner.githubId !== undefined ? { deregister: { scope: deregisterScope, githubId: runner.githubId } } : {}),
      };
      terminations.push({ providerId: runner.providerId, runnerName: runner.name, poolId: runner.poolId, reason, end: runnerEnd });
      takenDown.add(runner.name);
      return;
    }
    // Only timeouts end a runner without a machine (in full sweeps: see `endable`): `interrupted` and
    // `instance-gone` need its instance.
    expirations.push({ runnerName: runner.name, poolId: runner.poolId, reason: reason as Expiration['reason'] });
    if (runner.githubId !== undefined && scope) {
      deregistrations.push({ scope, githubId: runner.githubId, runnerName: runner.name, reason });
    }
  };

  // A runner without a recorded machine ends in full sweeps only: their listing shows any machine a crashed run
  // did start for it (then terminated as an orphan). Outside one it keeps its slot (see `Expiration`).
  const endable = (runner: Runner): boolean => runner.providerId !== undefined || unclaimed !== undefined;

  // Runners: one pass.
  for (const runner of snapshot.runners) {
    // GitHub's busy flag (full sweep only): by registration id when listed (authoritative), else by name.
    let busyAtGitHub = false;
    if (listed) {
      const registration = runner.githubId === undefined ? undefined : registrationsById.get(runner.githubId);
      busyAtGitHub = registration ? registration.busy : busyNames.has(runner.name);
    }
    let instance: Instance | undefined;
    if (unclaimed && runner.providerId !== undefined) {
      // Claimed: never an orphan, whatever its name tag. A runner GitHub reports busy claims its machine even
      // when the ledger ended it.
      instance = unclaimed.get(runner.providerId);
      if (!isEnded(runner) || busyAtGitHub) unclaimed.delete(runner.providerId);
    }
    if (isEnded(runner)) continue;
    if (listed && runner.githubId !== undefined) claimedGithubIds.add(runner.githubId);
    const since = runner.launchedAt ?? runner.createdAt;
    const age = now - since;
    const state = byPool.get(runner.poolId);
    if (!state) {
      // Its pool is no longer configured: let it go once idle, reap it if it never came up.
      if (busyAtGitHub) continue;
      if (runner.state === 'idle') drains.push({ runnerName: runner.name, poolId: runner.poolId, reason: 'pool-removed' });
      else if ((runner.state === 'launching' || runner.state === 'booting') && endable(runner) && age >= unknownPoolGrace) {
        end(runner, 'boot-timeout', undefined);
      }
      continue;
    }
    const { pool } = state;
    // A fresh instance may not be listed yet (eventually consistent listings): wait for `bootTimeout`.
    const gone = unclaimed !== undefined && runner.providerId !== undefined && instance === undefined && age >= pool.bootTimeout;
    const interrupted = instance?.interruptedAt !== undefined;
    switch (busyAtGitHub && runner.state !== 'draining' ? 'busy' : runner.state) {
      case 'launching':
      case 'booting':
        if (endable(runner) && age >= pool.bootTimeout) end(runner, 'boot-timeout', state.scope);
        else if (listed && isAbandoned(runner, now - runner.createdAt, launchGrace)) end(runner, 'abandoned', state.scope);
        else if (endable(runner) && age >= pool.maxRuntime) end(runner, 'max-runtime', state.scope);
        else if (interrupted) end(runner, 'interrupted', state.scope);
        else if (runner.state === 'launching') state.launching++;
        else state.booting++;
        break;
      case 'idle':
        if (gone) end(runner, 'instance-gone', state.scope);
        else if (interrupted || age >= pool.maxRuntime) {
          drains.push({ runnerName: runner.name, poolId: pool.id, reason: interrupted ? 'interrupted' : 'max-runtime' });
          state.draining++;
        } else {
          state.idle++;
          const idleFor = now - (runner.idleSince ?? runner.onlineAt ?? since);
          if (idleFor >= pool.idleTimeout && age >= pool.minimumLifetime) state.drainable.push(runner);
        }
        break;
      case 'busy':
        state.busy++;
        if (age >= pool.maxRuntime) overdue.push({ runnerName: runner.name, poolId: pool.id, state: 'busy', jobId: runner.jobId, age });
        break;
      case 'draining':
        if (gone && !busyAtGitHub) {
          end(runner, 'instance-gone', state.scope);
          break;
        }
        state.draining++;
        if (age >= pool.maxRuntime) overdue.push({ runnerName: runner.name, poolId: pool.id, state: 'draining', jobId: runner.jobId, age });
        break;
    }
  }

  // Jobs: one pass; stale ones compete for the re-check budget, oldest news first.
  const stale = new StaleJobs(recheckBudget);
  for (const job of snapshot.jobs) {
    const state = job.poolId === null ? undefined : byPool.get(job.poolId);
    if (!state) continue;
    switch (job.status) {
      case 'queued':
      case 'waiting': {
        if (job.status === 'queued') state.queued++;
        else state.waiting++;
        const news = Math.max(job.queuedAt, job.checkedAt ?? 0);
        if (now - news >= recheckAfter) stale.offer(job, news, job.status === 'queued' ? 'stale-queued' : 'stale-waiting');
        break;
      }
      case 'in_progress': {
        state.inProgress++;
        const started = job.startedAt ?? job.queuedAt;
        const checked = job.checkedAt ?? 0;
        if (now - started >= state.pool.maxRuntime && now - checked >= recheckAfter) {
          stale.offer(job, Math.max(started, checked), 'stale-in-progress');
        }
        break;
      }
      case 'completed':
        break;
    }
  }

  // Per pool: voluntary drains beyond want, then launches.
  const launches: PoolLaunch[] = [];
  const summaries: PoolSummary[] = [];
  for (const state of states) {
    const { pool } = state;
    const warm = warmTarget(pool, now);
    const want = state.queued + warm;
    const surplus = state.idle - want;
    if (surplus > 0 && state.drainable.length > 0) {
      const chosen = state.drainable.sort(pool.drainOrder === 'newest-first' ? newestFirst : oldestFirst);
      const count = Math.min(surplus, chosen.length);
      for (let i = 0; i < count; i++) {
        drains.push({ runnerName: (chosen[i] as Runner).name, poolId: pool.id, reason: 'idle-timeout' });
      }
      state.idle -= count;
      state.draining += count;
    }
    const covered = state.idle + state.booting + state.launching;
    const alive = covered + state.busy + state.draining;
    const need = Math.max(0, want - covered);
    const room = Math.max(0, pool.maxRunners - alive);
    const launch = Math.min(need, room);
    if (launch > 0) {
      launches.push({
        poolId: pool.id,
        count: launch,
        reason: { queued: state.queued, warm, want, covered, alive, maxRunners: pool.maxRunners, capped: need > room },
      });
    }
    summaries.push({
      poolId: pool.id,
      queued: state.queued,
      waiting: state.waiting,
      inProgress: state.inProgress,
      warm,
      want,
      launching: state.launching + launch,
      booting: state.booting,
      idle: state.idle,
      busy: state.busy,
      draining: state.draining,
      alive: alive + launch,
      maxRunners: pool.maxRunners,
      launch,
      unmet: need - launch,
    });
  }

  // Full sweep: both-way orphans. Candidates are the instances no alive runner claimed by provider id and the
  // registrations none claimed by GitHub id; their names are then looked up among the runners in one more pass
  // (a small table, instead of indexing every runner by name).
  const instanceCandidates: Instance[] = [];
  for (const instance of unclaimed?.values() ?? []) {
    // An instance without a name is one whose naming was cut off or failed after its launch: its runner cannot
    // find its secret, so it never registers. It is ghr's (the provider lists only ghr's): reaped like an orphan.
    if (instance.name.startsWith(namePrefix) || instance.name === '') instanceCandidates.push(instance);
  }
  const registrationCandidates: { readonly registration: GitHubRunner; readonly scope: RunnerScope }[] = [];
  for (const list of snapshot.registrations ?? []) {
    for (const registration of list.runners) {
      if (registration.name.startsWith(namePrefix) && !registration.busy && !claimedGithubIds.has(registration.id)) {
        registrationCandidates.push({ registration, scope: list.scope });
      }
    }
  }
  if (instanceCandidates.length > 0 || registrationCandidates.length > 0) {
    const byName = new Map<string, Runner | undefined>();
    for (const { name } of instanceCandidates) byName.set(name, undefined);
    for (const { registration } of registrationCandidates) byName.set(registration.name, undefined);
    for (const runner of snapshot.runners) {
      if (byName.has(runner.name)) byName.set(runner.name, runner);
    }
    const owner = (name: string): Runner | undefined => {
      const runner = byName.get(name);
      return runner && !isEnded(runner) && !endedNames.has(name) ? runner : undefined;
    };
    for (const instance of instanceCandidates) {
      const { providerId, name } = instance;
      // GitHub says a runner of that name is running a job: whatever the ledger says, never touch its machine.
      const known = byName.get(name);
      if (busyNames.has(name) || (known?.githubId !== undefined && registrationsById.get(known.githubId)?.busy)) continue;
      const runner = owner(name);
      if (runner) {
        // Its runner has no machine recorded yet (launch in flight): it is that machine.
        if (runner.providerId === undefined) continue;
        // A second machine for the name: never touch it while the runner works.
        if (runner.state === 'busy' || runner.state === 'draining') continue;
      } else if (known) {
        terminations.push({ providerId, runnerName: name, poolId: instance.poolId, reason: 'runner-ended' });
        continue;
      }
      const grace = byPool.get(instance.poolId)?.pool.bootTimeout ?? unknownPoolGrace;
      if (now - instance.launchedAt >= grace) {
        terminations.push({ providerId, ...(name === '' ? {} : { runnerName: name }), poolId: instance.poolId, reason: 'orphan-instance' });
      }
    }
    for (const { registration, scope } of registrationCandidates) {
      // Owned by name by an alive runner whose GitHub id the ledger does not know yet. Or the name of a runner
      // this plan takes down: one take-down per name at a time, a later sweep reaps what is left of it.
      if (owner(registration.name) || takenDown.has(registration.name)) continue;
      deregistrations.push({ scope, githubId: registration.id, runnerName: registration.name, reason: 'orphan-registration' });
    }
  }

  // Re-checks: a stale queued job of a full pool without idle runners waits for capacity, not for a lost event.
  const saturated = new Set(summaries.filter((s) => s.unmet > 0 && s.idle === 0).map((s) => s.poolId));
  const staleJobs = stale.take();
  const rechecks: Recheck[] = [];
  const deferredRechecks: Recheck[] = [];
  for (const { recheck, poolId } of staleJobs) {
    const deferred = recheck.reason === 'stale-queued' && poolId !== null && saturated.has(poolId);
    (deferred ? deferredRechecks : rechecks).push(recheck);
  }
  const retirements: Retirement[] = [];
  if (listed) {
    const registrations: RegistrationsByName = registrationsByName;
    const vanished = vanishedBusyRunners(snapshot, registrations, now, {
      vanishedGrace,
      limit: staleJobs.length + recheckBudget,
      planned: rechecks,
    });
    rechecks.push(...vanished.rechecks);
    retirements.push(...vanished.retirements);
  }
  const planned = new Set<string | undefined>([...terminations.map((t) => t.runnerName), ...drains.map((d) => d.runnerName)]);
  const stuckDrains: StuckDrain[] = finishStuckDrains(snapshot.runners, now, {
    stuckDrainAfter,
    planned,
    scopeOf: (poolId) => byPool.get(poolId)?.scope,
    registrations: listed ? registrationsByName : undefined,
  });

  return {
    at: now,
    launches,
    drains,
    terminations,
    expirations,
    deregistrations,
    rechecks,
    deferredRechecks,
    stuckDrains,
    retirements,
    overdue,
    pools: summaries,
  };
}

/**
 * An admission that nothing carried on: still `launching`, no registration minted and no machine recorded, long
 * after it was admitted. Its run died, or its admission committed while the caller saw an error; either way no
 * launch follows, and its slot holds demand that no runner will meet.
 */
const isAbandoned = (runner: Runner, age: number, launchGrace: number): boolean =>
  runner.state === 'launching' && runner.providerId === undefined && runner.githubId === undefined && age >= launchGrace;

const oldestFirst = (a: Runner, b: Runner): number => a.createdAt - b.createdAt || compareNames(a, b);
const newestFirst = (a: Runner, b: Runner): number => b.createdAt - a.createdAt || compareNames(a, b);
const compareNames = (a: Runner, b: Runner): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
