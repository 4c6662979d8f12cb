// Take-down, the safety core: deregister at GitHub first (a `busy` answer vetoes), re-read the ledger, terminate
// the machines, end the runners in the ledger. Retiring ephemeral runners whose job completed goes the same way.
import type { Runner } from '../domain.js';
import type { DeleteRunnerResult } from '../ports.js';
import type { EngineContext, MachineIndex, ReconcileLog, Takedown } from './context.js';
import { ALIVE, REASON_JOB_COMPLETED, REASON_SPOT, cleanupSignal, emptyLog, recordError } from './context.js';
import { updateRunner } from './ledger-writes.js';
import { forEachLimited } from './limiter.js';

/**
 * Takes runners down safely: deregister at GitHub first (a `busy` answer marks the runner busy and keeps it),
 * terminate the machines of those GitHub let go (one provider call), then end them in the ledger.
 * `machines`: a full sweep's listing, the only proof that a runner whose machine was never recorded has none.
 */
export async function takeDown(
  ctx: EngineContext,
  list: readonly Takedown[],
  signal: AbortSignal,
  log: ReconcileLog,
  stillValid: (r: Runner) => boolean = (r) => ALIVE.has(r.state) && r.state !== 'busy',
  machines?: MachineIndex,
): Promise<void> {
  if (list.length === 0) return;
  const cleared: Takedown[] = [];
  const settled = await forEachLimited(list, ctx.options.concurrency, signal, async (t): Promise<DeleteRunnerResult> => {
    if (t.skipDeregister) return 'not-found';
    const githubId = t.githubId ?? t.runner.githubId;
    if (githubId === undefined) return 'not-found'; // never registered (no JIT config was minted)
    if (!t.scope) {
      // A runner of a removed pool whose registration no listing shows: nothing to deregister.
      ctx.logger.warn('runner has no known scope: terminating without deregistering', { runner: t.runner.name, pool: t.runner.poolId });
      return 'not-found';
    }
    return ctx.github.deleteRunner(t.scope, githubId, signal);
  });
  for (const [i, s] of settled.entries()) {
    const t = list[i] as Takedown;
    const fields = { runner: t.runner.name, pool: t.runner.poolId, reason: t.reason };
    if (s.status === 'rejected') {
      recordError(ctx, log, 'deregister', s.reason, fields);
      continue;
    }
    if (s.status === 'skipped') continue;
    if (s.value === 'busy') {
      log.foundBusy.push(t.runner.name);
      const now = ctx.clock.now();
      await updateRunner(ctx, t.runner.name, cleanupSignal(ctx, signal), (r) =>
        ALIVE.has(r.state) && r.state !== 'busy' ? { state: 'busy', busySince: now, onlineAt: r.onlineAt ?? now } : undefined,
      ).catch((error: unknown) => recordError(ctx, log, 'mark-busy', error, fields));
      ctx.logger.info('runner kept: GitHub says it is busy', fields);
      continue;
    }
    const githubId = t.githubId ?? t.runner.githubId;
    if (s.value === 'deleted' && githubId !== undefined && !t.skipDeregister) log.deletedRegistrations.push(githubId);
    cleared.push(t);
  }
  if (cleared.length === 0) return;

  // Re-read: a runner that became busy meanwhile (an in_progress event) must not be terminated.
  const fresh = await Promise.all(cleared.map((t) => ctx.ledger.getRunner(t.runner.name, cleanupSignal(ctx, signal))));
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
      const listed = await ctx.provider.list({ names: unrecorded }, cleanupSignal(ctx, signal));
      for (const i of listed) if (i.state !== 'terminated') found.set(i.name, i.providerId);
    } catch (error) {
      lookupFailed = true;
      recordError(ctx, log, 'find-machines', error, { runners: unrecorded.length });
    }
  }
  const machineOf = (r: Runner): string | undefined => r.providerId ?? found.get(r.name);
  const ids = go.flatMap((g) => machineOf(g.runner) ?? []);
  const terminated = ids.length > 0 ? await terminate(ctx, ids, cleanupSignal(ctx, signal), log) : new Set<string>();
  for (const id of ids) if (terminated.has(id)) log.terminatedInstances.push(id);
  const now = ctx.clock.now();
  await Promise.all(
    go.map(async ({ t, runner }) => {
      const providerId = machineOf(runner);
      if (runner.providerId === undefined && lookupFailed) return; // unknown: a later reconcile retries
      if (providerId === undefined && !machines) {
        ctx.logger.info('runner left draining until a full sweep shows it has no machine', { runner: runner.name, pool: runner.poolId, reason: t.reason });
        return;
      }
      if (providerId !== undefined && !terminated.has(providerId)) return; // retried by a later reconcile
      const { changed } = await updateRunner(ctx, runner.name, cleanupSignal(ctx, signal), (r) =>
        stillValid(r) ? { state: t.endState, endedAt: now, reason: r.reason === REASON_SPOT ? REASON_SPOT : t.reason } : undefined,
      ).catch((error: unknown) => {
        recordError(ctx, log, 'end-runner', error, { runner: runner.name });
        return { changed: false };
      });
      if (!changed) return;
      log.drained.push(runner.name);
      ctx.logger.info('runner ended', { runner: runner.name, pool: runner.poolId, state: t.endState, reason: t.reason, providerId });
      ctx.metrics.record('RunnersEnded', 1, 'Count', { pool: runner.poolId, reason: t.reason });
    }),
  );
}

/** One provider call; answers the ids that are gone. */
export async function terminate(ctx: EngineContext, ids: readonly string[], signal: AbortSignal, log: ReconcileLog): Promise<Set<string>> {
  try {
    const result = await ctx.provider.terminate(ids, signal);
    for (const f of result.failed) {
      log.errors.push({ step: 'terminate', code: f.code, message: f.message });
      ctx.logger.warn('terminate failed', { providerId: f.providerId, code: f.code, retryable: f.retryable });
    }
    return new Set(result.terminated);
  } catch (error) {
    recordError(ctx, log, 'terminate', error, { providerIds: ids.length });
    return new Set();
  }
}

/** Terminates the instances of ephemeral runners whose job completed, in one call, and ends them. */
export async function retireRunners(ctx: EngineContext, runners: readonly Runner[], signal: AbortSignal, machines?: MachineIndex): Promise<string[]> {
  const unique = [...new Map(runners.map((r) => [r.name, r])).values()];
  if (unique.length === 0) return [];
  const down: Takedown[] = unique.map((runner) => ({
    runner,
    skipDeregister: true,
    endState: 'terminated',
    reason: REASON_JOB_COMPLETED,
  }));
  const log = emptyLog();
  await takeDown(ctx, down, signal, log, (r) => r.state === 'draining' && r.reason === REASON_JOB_COMPLETED, machines);
  return log.drained;
}
