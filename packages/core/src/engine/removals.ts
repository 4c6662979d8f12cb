// Removals: the plan's deregistrations and terminations (paired: deregister first), expirations and drains.
import { runnerScopeOf } from '../scope.js';
import type { Runner } from '../domain.js';
import type { RunnerEnd } from '../policy/types.js';
import type { EngineContext, ReconcileRun, RegistrationsByName, Takedown } from './context.js';
import { ALIVE, recordError } from './context.js';
import { updateRunner } from './ledger-writes.js';
import { forEachLimited } from './limiter.js';
import { takeDown, terminate } from './take-down.js';

/** Carries out the plan's removals; runners go through `takeDown`, bare machines and registrations directly. */
export async function executeRemovals(ctx: EngineContext, run: ReconcileRun): Promise<void> {
  const { plan, runners, regByName, signal, log, machines } = run;
  const runnerByName = new Map(runners.map((r) => [r.name, r]));
  const terminatedNames = new Set<string>();

  // Terminations of an alive ledger runner's machine: take the runner down as the plan says (deregister first).
  const takedowns: Takedown[] = [];
  const bare: { providerId: string; runnerName?: string; reason: string; poolId?: string }[] = [];
  for (const t of plan.terminations) {
    const runner = t.runnerName !== undefined ? runnerByName.get(t.runnerName) : undefined;
    if (runner && ALIVE.has(runner.state) && runner.providerId === t.providerId) {
      // Rule 2 holds whatever the plan: a runner's machine goes only through a take-down, deregistered first.
      const end = t.end ?? safeEnd(ctx, runner, regByName);
      takedowns.push({
        runner,
        scope: end.deregister?.scope,
        githubId: end.deregister?.githubId,
        skipDeregister: end.deregister === undefined,
        endState: end.state,
        reason: t.reason,
      });
      terminatedNames.add(runner.name);
      continue;
    }
    // An orphan or a machine of an ended runner. Never one GitHub reports busy.
    const reg = t.runnerName !== undefined ? regByName?.get(t.runnerName) : undefined;
    if (reg?.reg.busy) {
      ctx.logger.warn('instance kept: GitHub reports its runner busy', { runner: t.runnerName, providerId: t.providerId, reason: t.reason });
      continue;
    }
    bare.push(t);
  }
  // Deregistrations on their own (orphans, runners without a machine); not twice for a runner taken down.
  const lone = plan.deregistrations.filter((d) => !terminatedNames.has(d.runnerName));
  const loneResults = await forEachLimited(lone, ctx.options.concurrency, signal, (d) => ctx.github.deleteRunner(d.scope, d.githubId, signal));
  // A registration GitHub keeps because its runner is busy: that runner runs a job, so its machine stays too.
  const busyNames = new Set<string>();
  lone.forEach((d, i) => {
    const r = loneResults[i];
    if (r?.status === 'fulfilled' && r.value === 'busy') busyNames.add(d.runnerName);
    else if (r?.status === 'fulfilled') {
      log.deletedRegistrations.push(d.githubId);
      if (d.reason === 'orphan-registration') reaped(ctx, 'registration', d.runnerName);
    } else if (r?.status === 'rejected') recordError(ctx, log, 'deregister', r.reason, { runner: d.runnerName });
  });

  const doomed = bare.length > 0 && !signal.aborted ? await stillDoomed(ctx, bare, busyNames, signal) : [];
  if (doomed.length > 0 && !signal.aborted) {
    const result = await terminate(ctx, doomed.map((b) => b.providerId), signal, log);
    for (const b of doomed) {
      if (!result.has(b.providerId)) continue;
      log.terminatedInstances.push(b.providerId);
      if (b.reason === 'orphan-instance') reaped(ctx, 'instance', b.runnerName, b.providerId);
    }
  }

  // Expirations: runners that never got a machine (the plan expires them in full sweeps only).
  await forEachLimited(plan.expirations, ctx.options.concurrency, signal, async (e) => {
    const now = ctx.clock.now();
    const { changed } = await updateRunner(ctx, e.runnerName, signal, (r) =>
      ALIVE.has(r.state) && r.providerId === undefined && r.state !== 'busy' ? { state: 'failed', reason: e.reason, endedAt: now } : undefined,
    );
    if (changed) {
      ctx.logger.warn('runner expired without a machine', { runner: e.runnerName, pool: e.poolId, reason: e.reason });
      ctx.metrics.record('RunnersExpired', 1, 'Count', { pool: e.poolId, reason: e.reason });
    }
  });

  // Drains: idle runners → draining, then the same takedown.
  const drainSettled = await forEachLimited(plan.drains, ctx.options.concurrency, signal, async (d): Promise<Takedown | undefined> => {
    const pool = ctx.poolById.get(d.poolId);
    const found = regByName?.get(d.runnerName);
    const scope = pool ? runnerScopeOf(pool.scope) : found?.scope;
    const current = await ctx.ledger.getRunner(d.runnerName, signal);
    const githubId = current?.githubId ?? found?.reg.id;
    if (!current || current.state !== 'idle') return undefined;
    if (githubId === undefined || !scope) {
      ctx.logger.warn('drain skipped: the runner has no known GitHub registration yet', { runner: d.runnerName, pool: d.poolId });
      return undefined;
    }
    const { runner, changed } = await updateRunner(ctx, d.runnerName, signal, (r) =>
      r.state === 'idle' ? { state: 'draining', reason: d.reason, githubId } : undefined,
    );
    if (!changed || !runner) return undefined;
    ctx.logger.info('runner draining', { runner: d.runnerName, pool: d.poolId, reason: d.reason });
    return { runner, scope, githubId, skipDeregister: false, endState: 'terminated', reason: d.reason };
  });
  for (const s of drainSettled) {
    if (s.status === 'fulfilled' && s.value) takedowns.push(s.value);
    else if (s.status === 'rejected') recordError(ctx, log, 'drain', s.reason);
  }
  if (!signal.aborted) await takeDown(ctx, takedowns, signal, log, undefined, machines);
}

/**
 * The machines of `bare` that may still go, judged on fresh state right before terminating: never one whose
 * runner GitHub just called busy, nor one whose runner the ledger (read by name, consistently) now shows alive and
 * owning it (the snapshot's listing may have missed the runner, or it became busy since).
 */
async function stillDoomed<T extends { readonly providerId: string; readonly runnerName?: string }>(
  ctx: EngineContext,
  bare: readonly T[],
  busyNames: ReadonlySet<string>,
  signal: AbortSignal,
): Promise<T[]> {
  const fresh = await forEachLimited(bare, ctx.options.concurrency, signal, (b) =>
    b.runnerName ? ctx.ledger.getRunner(b.runnerName, signal) : Promise.resolve(undefined),
  );
  return bare.filter((b, i) => {
    const f = fresh[i];
    if (b.runnerName && busyNames.has(b.runnerName)) {
      ctx.logger.warn('instance kept: GitHub refused to delete its runner, which is busy', { runner: b.runnerName, providerId: b.providerId });
      return false;
    }
    if (f?.status !== 'fulfilled') return false; // unknown now: a later sweep decides
    const runner = f.value;
    if (runner && ALIVE.has(runner.state) && (runner.providerId === undefined || runner.providerId === b.providerId)) {
      ctx.logger.warn('instance kept: its runner is alive in the ledger', { runner: runner.name, state: runner.state, providerId: b.providerId });
      return false;
    }
    return true;
  });
}

export function reaped(ctx: EngineContext, kind: 'instance' | 'registration', runnerName?: string, providerId?: string): void {
  ctx.stats.orphansReaped += 1;
  ctx.metrics.record('OrphansReaped', 1, 'Count', { kind });
  ctx.logger.info('orphan reaped', { kind, runner: runnerName, providerId });
}

/** The take-down of an alive runner's machine the plan gave no `end` for: deregister first, end `terminated`. */
function safeEnd(ctx: EngineContext, runner: Runner, regByName: RegistrationsByName | undefined): RunnerEnd {
  const pool = ctx.poolById.get(runner.poolId);
  const scope = pool ? runnerScopeOf(pool.scope) : regByName?.get(runner.name)?.scope;
  return { state: 'terminated', deregister: { scope, githubId: runner.githubId } };
}
