// Interruption: the cloud's warning that machines are about to go (spot).
import { ALIVE_RUNNER_STATES } from '../domain.js';
import { runnerScopeOf } from '../scope.js';
import type { EngineContext, Takedown } from './context.js';
import { ALIVE, REASON_SPOT, emptyLog, shouldRerun } from './context.js';
import { rerunJob } from './ingest.js';
import { updateRunner } from './ledger-writes.js';
import { forEachLimited } from './limiter.js';
import { takeDown } from './take-down.js';
import type { InterruptResult } from './types.js';

/** Marks the runners of these machines interrupted; takes the ones not busy down at once. */
export async function interrupted(ctx: EngineContext, providerIds: readonly string[], signal: AbortSignal): Promise<InterruptResult> {
  const ids = new Set(providerIds);
  const alive = await ctx.ledger.listRunners({ states: ALIVE_RUNNER_STATES }, signal);
  const hit = alive.filter((r) => r.providerId !== undefined && ids.has(r.providerId));
  const marked: string[] = [];
  const rerunJobs: number[] = [];
  const takedowns: Takedown[] = [];
  const log = emptyLog();
  await forEachLimited(hit, ctx.options.concurrency, signal, async (r) => {
    const { runner, changed } = await updateRunner(ctx, r.name, signal, (cur) => {
      if (!ALIVE.has(cur.state) || cur.reason === REASON_SPOT) return undefined;
      return cur.state === 'busy' ? { reason: REASON_SPOT } : { state: 'draining', reason: REASON_SPOT };
    });
    if (!runner || !changed) return;
    marked.push(r.name);
    ctx.metrics.record('RunnersInterrupted', 1, 'Count', { pool: r.poolId });
    ctx.logger.warn('runner interrupted by the cloud', { runner: r.name, pool: r.poolId, providerId: r.providerId, state: runner.state, job: runner.jobId });
    if (runner.state === 'busy') {
      // Its job may have completed already (the event came first): re-run it now if asked to.
      if (ctx.options.rerunInterruptedJobs && runner.jobId !== undefined) {
        const job = await ctx.ledger.getJob(runner.jobId, signal);
        if (job?.status === 'completed' && shouldRerun(job.conclusion) && (await rerunJob(ctx, job, runner, signal))) rerunJobs.push(job.id);
      }
      return;
    }
    const pool = ctx.poolById.get(runner.poolId);
    takedowns.push({
      runner,
      scope: pool ? runnerScopeOf(pool.scope) : undefined,
      githubId: runner.githubId,
      skipDeregister: false,
      endState: 'terminated',
      reason: REASON_SPOT,
    });
  });
  await takeDown(ctx, takedowns, signal, log, (r) => r.state === 'draining');
  return { runners: marked, ended: log.drained, rerunJobs };
}
