// Reading the world for the plan: GitHub's registrations (full sweeps) and the ledger's jobs and runners.
import { ALIVE_RUNNER_STATES } from '../domain.js';
import type { Job, Pool, Runner, RunnerScope } from '../domain.js';
import type { Instance } from '../ports.js';
import type { RegistrationList } from '../policy/types.js';
import { runnerScopeOf, scopeKey } from '../scope.js';
import type { EngineContext } from './context.js';
import { ALIVE, OPEN_JOB_STATUSES } from './context.js';
import { forEachLimited } from './limiter.js';

/** Most ended runners looked up per full sweep for machines that outlived them. */
const ENDED_LOOKUP_LIMIT = 200;

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
  instances: readonly Instance[] | undefined,
  signal: AbortSignal,
): Promise<{ jobs: Job[]; runners: Runner[] }> {
  if (pools.length === ctx.pools.length) {
    const [jobs, alive] = await Promise.all([
      ctx.ledger.listJobs({ statuses: OPEN_JOB_STATUSES }, signal),
      ctx.ledger.listRunners({ states: ALIVE_RUNNER_STATES }, signal),
    ]);
    // A full sweep shows the policy the ended runners that still have a machine (reaped at once), looked up
    // by name: listing every ended runner would cost a scan of all recent history.
    const ended: Runner[] = [];
    if (instances) {
      const aliveNames = new Set(alive.map((r) => r.name));
      const prefix = ctx.options.namePrefix;
      const unowned = [...new Set(instances.filter((i) => i.state !== 'terminated' && i.name.startsWith(prefix) && !aliveNames.has(i.name)).map((i) => i.name))];
      const found = await forEachLimited(unowned.slice(0, ENDED_LOOKUP_LIMIT), ctx.options.concurrency * 2, signal, (name) =>
        ctx.ledger.getRunner(name, signal),
      );
      for (const f of found) if (f.status === 'fulfilled' && f.value && !ALIVE.has(f.value.state)) ended.push(f.value);
    }
    // All configured pools: runners of removed pools are included (the policy lets them go).
    return { jobs: jobs.filter((j) => j.poolId !== null && poolIds.has(j.poolId)), runners: [...alive, ...ended] };
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
