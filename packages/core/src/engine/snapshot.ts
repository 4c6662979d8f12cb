// Reading the world for the plan: GitHub's registrations (full sweeps) and the ledger's jobs and runners.
import { ALIVE_RUNNER_STATES } from '../domain.js';
import type { Job, Pool, Runner, RunnerScope } from '../domain.js';
import type { Instance } from '../ports.js';
import type { RegistrationList } from '../policy/types.js';
import { runnerScopeOf, scopeKey } from '../scope.js';
import type { EngineContext } from './context.js';
import { ALIVE, OPEN_JOB_STATUSES } from './context.js';
import { forEachLimited } from './limiter.js';

/**
 * Most runners looked up by name per full sweep: names of machines and registrations that the ledger's listing
 * does not show alive (ended runners whose machine outlived them, or alive runners the listing missed).
 */
const NAME_LOOKUP_LIMIT = 200;

export async function listRegistrations(ctx: EngineContext, signal: AbortSignal): Promise<RegistrationList[]> {
  const scopes = new Map<string, RunnerScope>();
  for (const pool of ctx.pools) {
    const scope = runnerScopeOf(pool.scope);
    scopes.set(scopeKey(scope), scope);
  }
  return Promise.all(
    [...scopes.values()].map(async (scope) => ({ scope, runners: await ctx.github.listRunners(scope, signal) })),
  );
}

export async function readLedger(
  ctx: EngineContext,
  pools: readonly Pool[],
  poolIds: ReadonlySet<string>,
  world: { readonly instances?: readonly Instance[]; readonly registrations?: readonly RegistrationList[] },
  signal: AbortSignal,
): Promise<{ jobs: Job[]; runners: Runner[] }> {
  const { instances, registrations } = world;
  if (pools.length === ctx.pools.length) {
    const [jobs, alive] = await Promise.all([
      ctx.ledger.listJobs({ statuses: OPEN_JOB_STATUSES }, signal),
      ctx.ledger.listRunners({ states: ALIVE_RUNNER_STATES }, signal),
    ]);
    // A full sweep looks up by name every machine and registration of ghr's that no listed alive runner owns: the
    // ended runners whose machine outlived them (reaped at once), and alive runners the listing missed (a listing
    // of an eventually consistent index lags writes, and per-state queries are not one snapshot: a runner moving
    // from idle to busy between them is in neither). Point reads are consistent; listing every ended runner
    // would cost a scan of all recent history.
    const found: Runner[] = [];
    if (instances) {
      const aliveNames = new Set(alive.map((r) => r.name));
      const prefix = ctx.options.namePrefix;
      const names = new Set<string>();
      for (const i of instances) if (i.state !== 'terminated' && i.name.startsWith(prefix) && !aliveNames.has(i.name)) names.add(i.name);
      for (const list of registrations ?? []) for (const r of list.runners) if (r.name.startsWith(prefix) && !aliveNames.has(r.name)) names.add(r.name);
      const looked = await forEachLimited([...names].slice(0, NAME_LOOKUP_LIMIT), ctx.options.concurrency * 2, signal, (name) =>
        ctx.ledger.getRunner(name, signal),
      );
      for (const f of looked) if (f.status === 'fulfilled' && f.value) found.push(f.value);
      const missed = found.filter((r) => ALIVE.has(r.state)).length;
      if (missed > 0) ctx.logger.info('alive runners the ledger listing did not show, found by name', { runners: missed });
    }
    // All configured pools: runners of removed pools are included (the policy lets them go).
    return { jobs: jobs.filter((j) => j.poolId !== null && poolIds.has(j.poolId)), runners: [...alive, ...found] };
  }
  const perPool = await Promise.all(
    pools.map(async (pool) => {
      const [jobs, runners] = await Promise.all([
        ctx.ledger.listJobs({ poolId: pool.id, statuses: OPEN_JOB_STATUSES }, signal),
        ctx.ledger.listRunners({ poolId: pool.id, states: ALIVE_RUNNER_STATES }, signal),
      ]);
      return { jobs, runners };
    }),
  );
  return { jobs: perPool.flatMap((p) => p.jobs), runners: perPool.flatMap((p) => p.runners) };
}
