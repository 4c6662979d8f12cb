// Ingest: job events applied to the ledger, and their effect on the runner they name.
import type { Job, JobEvent, Runner } from '../domain.js';
import type { EngineContext } from './context.js';
import { ALIVE, REASON_JOB_COMPLETED, REASON_SPOT, describe, errorFields, shouldRerun } from './context.js';
import { applyJobEvent, updateRunner } from './ledger-writes.js';
import { forEachLimited } from './limiter.js';
import { retireRunners } from './take-down.js';
import type { IngestEventResult, IngestResult } from './types.js';

/** Applies job events to the ledger (per job in order, jobs in parallel) and retires what they finished. */
export async function ingest(ctx: EngineContext, events: readonly JobEvent[], signal: AbortSignal): Promise<IngestResult> {
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
  const jobs = new Map<number, Job>();
  const runners = new Map<string, Runner>();

  await forEachLimited([...groups.values()], ctx.options.concurrency, signal, async (indexes) => {
    for (const index of indexes) {
      const event = events[index] as JobEvent;
      if (signal.aborted) {
        failures.set(index, 'deadline passed before the event was processed');
        continue;
      }
      try {
        const applied = await applyJobEvent(ctx, withPool(ctx, event), signal);
        results[index] = { deliveryId: event.deliveryId, jobId: event.job.id, outcome: applied.outcome };
        jobs.set(applied.job.id, applied.job);
        // A repeated `queued` (SQS redelivery after a crashed run) touches its pool too: the reconcile that
        // should have followed the first delivery may never have run.
        const waiting = applied.outcome === 'duplicate' && applied.job.status === 'queued';
        if ((applied.outcome === 'applied' || waiting) && applied.job.poolId) touched.add(applied.job.poolId);
        const effect = await runnerEffects(ctx, event, applied.job, applied.outcome, signal);
        if (effect?.touchedPool) touched.add(effect.touchedPool);
        if (effect?.retire) retire.push(effect.retire);
        if (effect?.runner) runners.set(effect.runner.name, effect.runner);
      } catch (error) {
        failures.set(index, describe(error));
        ctx.logger.error('job event not applied', {
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

  const retired = await retireRunners(ctx, retire, signal);
  ctx.stats.eventsIngested += results.filter(Boolean).length;
  return {
    events: results.filter((r): r is IngestEventResult => r !== undefined),
    unprocessed: [...failures].sort(([a], [b]) => a - b).map(([index, error]) => ({ event: events[index] as JobEvent, error })),
    touchedPools: [...touched].sort(),
    retired,
    jobs: [...jobs.values()],
    runners: [...runners.values()],
  };
}

/**
 * The event with its pool: an event that reaches ingest unmatched (wired straight from a verifier to the queue)
 * is matched here, and one that no pool serves is said so loudly, not recorded silently without a pool.
 */
function withPool(ctx: EngineContext, event: JobEvent): JobEvent {
  if (event.poolId !== undefined) return event;
  const match = ctx.matcher(event.job.labels, { repository: event.repository });
  if (match.pool === null) {
    ctx.logger.warn('job event matches no pool: recorded without one, no runner will start for it', {
      job: event.job.id,
      delivery: event.deliveryId,
      labels: event.job.labels,
      reason: match.reason,
    });
    ctx.metrics.record('UnmatchedJobs', 1, 'Count');
  }
  return { ...event, poolId: match.pool?.id ?? null };
}

/** Marks the named runner busy (`in_progress`) or frees it (`completed`). Idempotent. */
export async function runnerEffects(
  ctx: EngineContext,
  event: JobEvent,
  job: Job,
  outcome: IngestEventResult['outcome'],
  signal: AbortSignal,
): Promise<{ touchedPool?: string; retire?: Runner; runner?: Runner } | undefined> {
  if (outcome === 'stale') return undefined;
  const name = event.job.runnerName ?? job.runnerName;
  if (!name) return undefined;
  if (event.action === 'in_progress' && job.status === 'in_progress') {
    const startedAt = job.startedAt ?? ctx.clock.now();
    const { runner, changed } = await updateRunner(ctx, name, signal, (r) => {
      if (r.state === 'busy') return r.jobId === job.id ? undefined : { jobId: job.id, busySince: startedAt };
      if (!ALIVE.has(r.state) || (r.state === 'draining' && r.reason === REASON_JOB_COMPLETED)) return undefined;
      return { state: 'busy', jobId: job.id, busySince: startedAt, onlineAt: r.onlineAt ?? startedAt };
    });
    if (changed && runner) ctx.logger.info('runner busy', { runner: name, job: job.id, pool: runner.poolId });
    return changed && runner ? { touchedPool: runner.poolId, runner } : undefined;
  }
  if (event.action === 'completed' && job.status === 'completed') {
    let rerun = false;
    const now = ctx.clock.now();
    const { runner, changed } = await updateRunner(ctx, name, signal, (r) => {
      rerun = false;
      if (!ALIVE.has(r.state)) return undefined;
      if (r.jobId !== undefined && r.jobId !== job.id) return undefined;
      rerun = r.reason === REASON_SPOT && ctx.options.rerunInterruptedJobs && shouldRerun(job.conclusion);
      if (r.ephemeral) {
        if (r.state === 'draining' && r.reason === REASON_JOB_COMPLETED) return undefined;
        return { state: 'draining', reason: REASON_JOB_COMPLETED, jobId: job.id, idleSince: job.completedAt ?? now };
      }
      if (r.state !== 'busy') return undefined;
      return { state: 'idle', jobId: job.id, idleSince: job.completedAt ?? now };
    });
    if (!runner) return undefined;
    if (rerun && changed) await rerunJob(ctx, job, runner, signal);
    if (changed) ctx.logger.info(runner.ephemeral ? 'runner retiring' : 'runner idle', { runner: name, job: job.id, pool: runner.poolId });
    const retire = runner.state === 'draining' && runner.reason === REASON_JOB_COMPLETED ? runner : undefined;
    return { touchedPool: changed ? runner.poolId : undefined, retire, ...(changed ? { runner } : {}) };
  }
  return undefined;
}

export async function rerunJob(ctx: EngineContext, job: Job, runner: Runner, signal: AbortSignal): Promise<boolean> {
  try {
    await ctx.github.rerunJob(job.repository, job.id, signal);
    ctx.logger.info('interrupted job re-run', { job: job.id, runner: runner.name, pool: runner.poolId, conclusion: job.conclusion });
    ctx.metrics.record('JobsRerun', 1, 'Count', { pool: runner.poolId });
    return true;
  } catch (error) {
    ctx.logger.warn('re-run of interrupted job failed', { job: job.id, runner: runner.name, ...errorFields(error) });
    return false;
  }
}
