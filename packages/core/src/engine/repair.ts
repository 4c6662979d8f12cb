// Repair: what lost events and interrupted runs leave behind. Registration sync, stuck drains, re-checks of stale
// jobs and vanished busy runners, redelivery of failed webhooks.
import type { Job, JobEvent, JobStatus, Runner } from '../domain.js';
import type { GitHubApi, Instance } from '../ports.js';
import type { EngineContext, ReconcileLog, ReconcileRun, RegistrationsByName, Takedown } from './context.js';
import { ALIVE, REASON_JOB_COMPLETED, cleanupSignal, errorCode, recordError } from './context.js';
import { runnerEffects } from './ingest.js';
import { applyJobEvent, markChecked, updateRunner } from './ledger-writes.js';
import { forEachLimited } from './limiter.js';
import { retireRunners, takeDown } from './take-down.js';

/** Most failed deliveries re-requested per interval, whatever the backlog: 150 redeliveries are 750 points of GitHub's 900 per minute and endpoint. */
const REDELIVERY_BUDGET_CAP = 150;

/** The ledger key that claims a failed delivery for one redelivery interval. */
function redeliveryClaim(deliveryId: number, slot: number): string {
  return `redelivery:${deliveryId}@${slot}`;
}

/** A full sweep's registrations move runners forward: online and idle → `idle`, busy → `busy`; ids filled in. */
export async function syncFromRegistrations(
  ctx: EngineContext,
  runners: readonly Runner[],
  regByName: RegistrationsByName,
  instances: readonly Instance[] | undefined,
  signal: AbortSignal,
  log: ReconcileLog,
): Promise<Runner[]> {
  const now = ctx.clock.now();
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
  const settled = await forEachLimited(todo, ctx.options.concurrency, signal, async ([r, i]) => {
    const { runner, changed } = await updateRunner(ctx, r.name, signal, patchFor);
    if (runner) out[i] = runner;
    if (changed && runner) ctx.logger.info('runner state from GitHub', { runner: r.name, pool: r.poolId, from: r.state, state: runner.state });
  });
  for (const s of settled) if (s.status === 'rejected') recordError(ctx, log, 'sync', s.reason);
  return out;
}

/** The plan's stuck drains (a reconcile that died mid-drain, a failed terminate): finish them. */
export async function finishStuckDrains(ctx: EngineContext, run: ReconcileRun): Promise<void> {
  const { plan, runners, signal, log, machines } = run;
  const runnerByName = new Map(runners.map((r) => [r.name, r]));
  const stuck: Takedown[] = [];
  for (const d of plan.stuckDrains) {
    const runner = runnerByName.get(d.runnerName);
    if (runner?.state !== 'draining') continue;
    stuck.push({
      runner,
      scope: d.end.deregister?.scope,
      githubId: d.end.deregister?.githubId,
      skipDeregister: d.end.deregister === undefined,
      endState: d.end.state,
      reason: d.reason,
    });
  }
  if (stuck.length > 0) {
    ctx.logger.info('finishing interrupted drains', { runners: stuck.map((s) => s.runner.name) });
    await takeDown(ctx, stuck, signal, log, (r) => r.state === 'draining', machines);
  }
}

/** The plan's re-checks (stale jobs, vanished runners' jobs) and retirements: ask GitHub, fix the ledger. */
export async function executeRechecks(ctx: EngineContext, run: ReconcileRun): Promise<void> {
  const { plan, signal, log, machines } = run;
  const retire: Runner[] = [];
  if (plan.deferredRechecks.length > 0) {
    ctx.logger.debug('re-checks deferred: their pools are full', { deferred: plan.deferredRechecks.length });
  }
  for (const r of plan.retirements) {
    // Busy by GitHub's flag only (the job's events were lost), and now gone: its one job is over.
    const { runner, changed } = await updateRunner(ctx, r.runnerName, signal, (cur) =>
      cur.state === 'busy' && cur.jobId === undefined ? { state: 'draining', reason: REASON_JOB_COMPLETED } : undefined,
    );
    if (changed && runner) retire.push(runner);
  }
  // A rate-limited answer ends this sweep's re-checks: the others would be refused too.
  let throttled = false;
  const settled = await forEachLimited(plan.rechecks, ctx.options.concurrency, signal, async (w) => {
    if (throttled) return;
    try {
      const runner = await recheckJob(ctx, w.jobId, w.repository, w.reason, signal, log);
      if (runner) retire.push(runner);
    } catch (error) {
      if (errorCode(error) === 'throttled') throttled = true;
      throw error;
    }
  });
  for (const s of settled) if (s.status === 'rejected') recordError(ctx, log, 'recheck', s.reason);
  if (throttled) ctx.logger.warn('re-checks stopped for this sweep: GitHub is rate limiting', {});
  if (retire.length > 0) await retireRunners(ctx, retire, signal, machines);
}

/** Asks GitHub about one job and applies the answer like an event; answers a runner to retire, if any. */
async function recheckJob(
  ctx: EngineContext,
  jobId: number,
  repository: Job['repository'] | undefined,
  reason: string,
  signal: AbortSignal,
  log: ReconcileLog,
): Promise<Runner | undefined> {
  const known = await ctx.ledger.getJob(jobId, signal);
  if (!known) return undefined;
  let gh: Awaited<ReturnType<GitHubApi['getJob']>>;
  try {
    gh = await ctx.github.getJob(repository ?? known.repository, jobId, signal);
  } catch (error) {
    // The attempt counts as a check: the job is asked about again after `recheckAfter`, not in every sweep
    // (a throttled GitHub would otherwise be asked the same questions until it bans the App).
    await markChecked(ctx, jobId, cleanupSignal(ctx, signal)).catch((e: unknown) => recordError(ctx, log, 'mark-checked', e, { job: jobId }));
    throw error;
  }
  log.rechecked += 1;
  const now = ctx.clock.now();
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
  const applied = await applyJobEvent(ctx, event, signal, now);
  ctx.logger.info('job re-checked', { job: jobId, reason, was: known.status, github: gh?.status ?? 'not-found', outcome: applied.outcome, runner: applied.job.runnerName });
  const effect = await runnerEffects(ctx, event, applied.job, applied.outcome, signal);
  return effect?.retire;
}

// Missed webhooks: re-request failed deliveries. A delivery counts as handled only once `redeliver` succeeded.
export async function redeliver(ctx: EngineContext, signal: AbortSignal, log: ReconcileLog): Promise<void> {
  if (ctx.options.redeliveryBudget <= 0) return;
  // Once per interval across all reconcilers (Lambdas share no memory): the ledger's claim is the token.
  const now = ctx.clock.now();
  const interval = ctx.options.redeliveryInterval;
  const slot = Math.floor(now / interval);
  if ((await ctx.ledger.claim(`redelivery-check:${slot}`, now, signal)) === 'taken') return;
  const since = now - ctx.options.redeliveryLookback;
  const failed = await ctx.github.listFailedDeliveries(since, signal);
  // `queued` first, oldest first: a lost `queued` is demand nothing else reveals, and the oldest age out of the
  // lookback first; the other actions are repaired by sweeps too (re-checks, registration sync) and come after.
  const candidates = failed
    .filter((d) => d.event === 'workflow_job')
    .sort((a, b) => Number(b.action === 'queued') - Number(a.action === 'queued') || a.deliveredAt - b.deliveredAt);
  // The budget follows the backlog (an outage leaves hundreds), up to what GitHub's secondary limit allows.
  const budget = Math.min(REDELIVERY_BUDGET_CAP, Math.max(ctx.options.redeliveryBudget, candidates.length));
  const chosen = candidates.slice(0, budget);
  const settled = await forEachLimited(chosen, ctx.options.concurrency, signal, async (d) => {
    // A claim for this interval only (the ledger has no delete): when the call fails or the deadline cuts it off,
    // the next interval tries again. A success also claims the next interval, while GitHub's new attempt lands;
    // an attempt that fails again (the endpoint still down) is listed again and retried after that.
    if ((await ctx.ledger.claim(redeliveryClaim(d.id, slot), ctx.clock.now(), signal)) === 'taken') return false;
    await ctx.github.redeliver(d.id, signal);
    ctx.logger.info('failed webhook delivery re-requested', { delivery: d.guid, action: d.action, statusCode: d.statusCode });
    await ctx.ledger.claim(redeliveryClaim(d.id, slot + 1), ctx.clock.now(), cleanupSignal(ctx, signal)).catch(() => {
      // Not written: at worst a duplicate redelivery, which ingest absorbs.
    });
    return true;
  });
  settled.forEach((s, i) => {
    if (s.status === 'fulfilled' && s.value) log.redelivered += 1;
    else if (s.status === 'rejected') recordError(ctx, log, 'redeliver', s.reason, { delivery: chosen[i]?.guid });
  });
  if (candidates.length > chosen.length) ctx.logger.warn('failed deliveries left for the next interval', { left: candidates.length - chosen.length });
  if (log.redelivered > 0) ctx.metrics.record('WebhooksRedelivered', log.redelivered, 'Count');
}
