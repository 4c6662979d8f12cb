// Versioned ledger updates: read-modify-write of runners and jobs, retried on a version conflict.
import { JOB_STATUS_RANK } from '../domain.js';
import type { Job, JobEvent, Runner } from '../domain.js';
import { GhrError } from '../errors.js';
import type { EngineContext } from './context.js';
import { repoName } from './context.js';
import type { IngestEventResult } from './types.js';

/** Read-modify-write of one runner with its version, retried on conflict. `patch` answers undefined for no change. */
export async function updateRunner(
  ctx: EngineContext,
  name: string,
  signal: AbortSignal,
  patch: (r: Runner) => Partial<Runner> | undefined,
): Promise<{ runner: Runner | undefined; changed: boolean }> {
  for (let attempt = 0; attempt < ctx.options.conflictAttempts; attempt += 1) {
    const current = await ctx.ledger.getRunner(name, signal);
    if (!current) return { runner: undefined, changed: false };
    const change = patch(current);
    if (!change) return { runner: current, changed: false };
    const next: Runner = { ...current, ...change, updatedAt: ctx.clock.now(), version: current.version + 1 };
    if ((await ctx.ledger.putRunner(next, signal)) === 'ok') return { runner: next, changed: true };
  }
  throw new GhrError(`Runner ${name} kept changing under concurrent writers; the next reconcile retries.`, { code: 'conflict' });
}

/** Applies one event (or a re-check's answer) to the job record, with versioned writes retried on conflict. */
export async function applyJobEvent(
  ctx: EngineContext,
  event: JobEvent,
  signal: AbortSignal,
  checkedAt?: number,
): Promise<{ outcome: IngestEventResult['outcome']; job: Job }> {
  for (let attempt = 0; attempt < ctx.options.conflictAttempts; attempt += 1) {
    const now = ctx.clock.now();
    const current = await ctx.ledger.getJob(event.job.id, signal);
    if (!current) {
      const job = newJob(event, now, checkedAt);
      if ((await ctx.ledger.putJob(job, signal)) === 'ok') {
        ctx.logger.info('job recorded', { job: job.id, status: job.status, pool: job.poolId, repo: repoName(job) });
        // First heard of when it started (the queued event was lost): only GitHub's creation time tells the wait.
        if (event.job.createdAt !== undefined) jobMetrics(ctx, undefined, job);
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
    if ((await ctx.ledger.putJob(next, signal)) === 'ok') {
      if (outcome === 'applied') {
        ctx.logger.info('job status moved', { job: next.id, from: current.status, status: next.status, pool: next.poolId, runner: next.runnerName });
        jobMetrics(ctx, current, next);
      }
      return { outcome, job: next };
    }
  }
  throw new GhrError(`Job ${event.job.id} kept changing under concurrent writers; the event will be retried.`, { code: 'conflict' });
}

/** Records a re-check attempt on an open job (`checkedAt`), with versioned writes retried on conflict. */
export async function markChecked(ctx: EngineContext, jobId: number, signal: AbortSignal): Promise<void> {
  for (let attempt = 0; attempt < ctx.options.conflictAttempts; attempt += 1) {
    const current = await ctx.ledger.getJob(jobId, signal);
    if (!current || current.status === 'completed') return;
    const now = ctx.clock.now();
    if ((await ctx.ledger.putJob({ ...current, checkedAt: now, updatedAt: now, version: current.version + 1 }, signal)) === 'ok') return;
  }
}

function jobMetrics(ctx: EngineContext, previous: Job | undefined, job: Job): void {
  if (job.status !== 'in_progress' || previous?.status === 'in_progress' || job.poolId === null) return;
  const started = job.startedAt ?? job.updatedAt;
  ctx.metrics.record('JobStartLatency', Math.max(0, started - job.queuedAt), 'Milliseconds', { pool: job.poolId });
}

export function newJob(event: JobEvent, now: number, checkedAt: number | undefined): Job {
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

export function advanceJob(current: Job, event: JobEvent, now: number): Job {
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
