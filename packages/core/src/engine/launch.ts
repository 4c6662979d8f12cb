// Launches: admit, mint, launch, record; retry retryable failures; release the rest.
import type { Pool, Runner } from '../domain.js';
import { isRetryable } from '../errors.js';
import type { Instance, LaunchErrorCode, LaunchFailure, LaunchRequest, LaunchResult } from '../ports.js';
import type { Plan } from '../policy/types.js';
import { runnerRegistrationUrl } from '../config/github-url.js';
import { runnerScopeOf } from '../scope.js';
import { sealBootstrap } from '../bootstrap.js';
import type { EngineContext, ReconcileLog } from './context.js';
import { cleanupSignal, describe, errorCode, errorFields, recordError } from './context.js';
import { updateRunner } from './ledger-writes.js';
import { forEachLimited } from './limiter.js';

const LAUNCH_CODES: ReadonlySet<string> = new Set(['capacity', 'quota', 'throttled', 'invalid-config', 'internal']);

/** What a launch attempt came to: the provider's answer, plus runners whose outcome is unknown. */
interface LaunchOutcome extends LaunchResult {
  readonly unknown?: readonly string[];
}

function launchCode(error: unknown): LaunchErrorCode {
  const code = errorCode(error);
  if (LAUNCH_CODES.has(code)) return code as LaunchErrorCode;
  if (code === 'aborted' || code === 'timeout') return 'throttled';
  return 'internal';
}

function abortedFailure(name: string): LaunchFailure {
  return { name, code: 'internal', retryable: false, message: 'The deadline passed before the launch.' };
}

// Launches: admit, mint, launch, record; retry retryable failures; release the rest.
/** Carries out the plan's launches, one pool at a time in parallel. */
export async function executeLaunches(ctx: EngineContext, plan: Plan, signal: AbortSignal, log: ReconcileLog): Promise<void> {
  await Promise.all(
    plan.launches.map(async (launch) => {
      const pool = ctx.poolById.get(launch.poolId);
      if (!pool || signal.aborted) return;
      try {
        const count = await unclaimedDemand(ctx, pool, launch.count, launch.reason.alive, signal);
        if (count > 0) await launchPool(ctx, pool, count, signal, log);
      } catch (error) {
        recordError(ctx, log, 'launch', error, { pool: pool.id });
      }
    }),
  );
}

/**
 * The plan's launch count less the runners admitted since the plan's snapshot by other reconcilers (concurrent
 * scale-ups, the sweep): the pool's alive count is read again, consistently, right before admission, and whatever
 * it grew by beyond the snapshot's count already covers demand. Listings lag admissions; the count does not. This
 * keeps concurrent reconcilers from launching twice for the same queued jobs; admission itself keeps `maxRunners`.
 */
async function unclaimedDemand(ctx: EngineContext, pool: Pool, count: number, basis: number, signal: AbortSignal): Promise<number> {
  const aliveNow = await ctx.ledger.alive(pool.id, signal);
  const elsewhere = Math.max(0, aliveNow - basis);
  if (elsewhere > 0) {
    ctx.logger.info('launch reduced: runners were admitted since the snapshot', { pool: pool.id, planned: count, admittedElsewhere: elsewhere });
  }
  return count - elsewhere;
}

async function launchPool(ctx: EngineContext, pool: Pool, count: number, signal: AbortSignal, log: ReconcileLog): Promise<void> {
  const now = ctx.clock.now();
  const records: Runner[] = Array.from({ length: count }, () => ({
    name: ctx.options.runnerName(pool),
    poolId: pool.id,
    state: 'launching',
    labels: pool.labels,
    ephemeral: pool.ephemeral,
    createdAt: now,
    updatedAt: now,
    version: 1,
  }));
  const admitted = await ctx.ledger.admit(pool.id, records, pool.maxRunners, signal);
  log.admitted += admitted.length;
  if (admitted.length < count) {
    ctx.logger.info('admission capped by maxRunners', { pool: pool.id, asked: count, admitted: admitted.length, maxRunners: pool.maxRunners });
  }
  if (admitted.length === 0) return;
  const scope = runnerScopeOf(pool.scope);

  // Bootstrap: a JIT config per ephemeral runner; one registration token for non-ephemeral ones.
  const requests = new Map<string, { request: LaunchRequest; githubId?: number }>();
  if (pool.ephemeral) {
    const minted = await forEachLimited(admitted, ctx.options.concurrency, signal, (r) =>
      ctx.github.createJitConfig(scope, { name: r.name, labels: pool.labels, runnerGroup: pool.scope.runnerGroup }, signal),
    );
    for (const [i, m] of minted.entries()) {
      const r = admitted[i] as Runner;
      if (m.status === 'fulfilled') {
        requests.set(r.name, {
          githubId: m.value.runnerId,
          request: { name: r.name, poolId: pool.id, labels: pool.labels, ephemeral: true, bootstrap: sealBootstrap({ kind: 'jit', encodedJitConfig: m.value.encodedJitConfig }) },
        });
      } else {
        const code = m.status === 'rejected' ? launchCode(m.reason) : 'internal';
        await failLaunch(ctx, pool, r, undefined, code, m.status === 'rejected' ? describe(m.reason) : 'deadline passed before the JIT config', signal, log);
      }
    }
  } else {
    try {
      const { token } = await ctx.github.createRegistrationToken(scope, signal);
      for (const r of admitted) {
        requests.set(r.name, {
          request: {
            name: r.name,
            poolId: pool.id,
            labels: pool.labels,
            ephemeral: false,
            bootstrap: sealBootstrap({ kind: 'registration', url: runnerRegistrationUrl(ctx.options.githubUrl, scope), token, runnerGroup: pool.scope.runnerGroup }),
          },
        });
      }
    } catch (error) {
      for (const r of admitted) await failLaunch(ctx, pool, r, undefined, launchCode(error), describe(error), signal, log);
    }
  }

  let pending = [...requests.values()];
  for (let attempt = 1; pending.length > 0; attempt += 1) {
    let result: LaunchOutcome;
    if (signal.aborted) {
      result = { launched: [], failed: pending.map((p) => abortedFailure(p.request.name)) };
    } else {
      try {
        result = await ctx.provider.launch(pool, pending.map((p) => p.request), signal);
      } catch (error) {
        result = await launchOutcomeAfterError(ctx, pool, pending.map((p) => p.request.name), error, signal);
      }
    }
    const at = ctx.clock.now();
    await Promise.all(
      result.launched.map(async ({ name, providerId }) => {
        const githubId = requests.get(name)?.githubId;
        const { runner } = await updateRunner(ctx, name, cleanupSignal(ctx, signal), (r) => ({
          state: r.state === 'launching' ? 'booting' : r.state,
          providerId,
          githubId: r.githubId ?? githubId,
          launchedAt: at,
        })).catch((error: unknown) => {
          recordError(ctx, log, 'record-launch', error, { runner: name });
          return { runner: undefined };
        });
        log.launched.push(name);
        ctx.stats.runnersLaunched += 1;
        ctx.logger.info('runner launched', { runner: name, pool: pool.id, providerId, attempt, state: runner?.state });
      }),
    );
    if (result.launched.length > 0) ctx.metrics.record('RunnersLaunched', result.launched.length, 'Count', { pool: pool.id });
    await keepUnknownLaunches(ctx, pool, result.unknown ?? [], requests, signal, log);

    const retry: LaunchFailure[] = [];
    const final: LaunchFailure[] = [];
    for (const f of result.failed) (f.retryable && attempt < ctx.options.launchAttempts && !signal.aborted ? retry : final).push(f);
    if (retry.length > 0) {
      const delay = ctx.options.launchBackoff * 2 ** (attempt - 1) * (0.5 + ctx.options.random() / 2);
      ctx.logger.warn('launch failed, retrying', { pool: pool.id, runners: retry.map((f) => f.name), code: retry[0]?.code, attempt, delay });
      try {
        await ctx.clock.sleep(delay, signal);
      } catch {
        final.push(...retry.map((f) => ({ ...f, retryable: false })));
        retry.length = 0;
      }
    }
    for (const f of final) {
      const r = admitted.find((a) => a.name === f.name);
      if (r) await failLaunch(ctx, pool, r, requests.get(f.name)?.githubId, f.code, f.message, signal, log);
    }
    const again = new Set(retry.map((f) => f.name));
    pending = pending.filter((p) => again.has(p.request.name));
  }
}

/**
 * `launch` threw: its outcome is unknown (a timeout may hide machines that started). Ask the provider which of
 * the runners have a machine; those count as launched, the others failed with the error's code. When that
 * question fails too, the outcome stays unknown (`unknown`).
 */
/**
 * Errors that prove the provider refused the request before acting on it. Any other error (a timeout, a dropped
 * connection, an internal error) may hide machines that started.
 */
const REFUSALS: ReadonlySet<string> = new Set(['capacity', 'quota', 'throttled', 'invalid-config']);

async function launchOutcomeAfterError(ctx: EngineContext, pool: Pool, names: readonly string[], error: unknown, signal: AbortSignal): Promise<LaunchOutcome> {
  const code = launchCode(error);
  const retryable = isRetryable(error);
  const refused = REFUSALS.has(errorCode(error));
  let found: readonly Instance[];
  try {
    found = (await ctx.provider.list({ poolIds: [pool.id], names }, cleanupSignal(ctx, signal))).filter((i) => i.state !== 'terminated');
  } catch (listError) {
    ctx.logger.warn('launch outcome unknown: the machines could not be listed', { pool: pool.id, runners: names, ...errorFields(listError) });
    return { launched: [], failed: [], unknown: names };
  }
  const started = new Map(found.map((i) => [i.name, i.providerId]));
  const missing = names.filter((n) => !started.has(n));
  const launched = [...started].map(([name, providerId]) => ({ name, providerId }));
  // A listing shows machines that exist; its silence proves nothing (listings lag launches). Unless the provider
  // refused the request outright, a runner not listed may still have a machine: its outcome stays unknown.
  if (!refused && missing.length > 0) {
    ctx.logger.warn('launch outcome unknown: the listing does not show these machines yet', { pool: pool.id, runners: missing, ...errorFields(error) });
    return { launched, failed: [], unknown: missing };
  }
  return { launched, failed: missing.map((name) => ({ name, code, retryable, message: describe(error) })) };
}

/**
 * Runners whose launch may or may not have started a machine: not failed (that would free their slots while
 * a machine may run) and not retried (that could start a second one). They stay `launching`, with their
 * registration recorded, like the runners of a crashed run: a full sweep records the machine its listing shows,
 * or ends the runner past `bootTimeout` when it shows none (its registration is then reaped as an orphan).
 */
async function keepUnknownLaunches(
  ctx: EngineContext,
  pool: Pool,
  names: readonly string[],
  requests: ReadonlyMap<string, { githubId?: number }>,
  signal: AbortSignal,
  log: ReconcileLog,
): Promise<void> {
  await Promise.all(
    names.map(async (name) => {
      const githubId = requests.get(name)?.githubId;
      if (githubId !== undefined) {
        await updateRunner(ctx, name, cleanupSignal(ctx, signal), (r) => (r.githubId === undefined ? { githubId } : undefined)).catch(
          (error: unknown) => recordError(ctx, log, 'record-launch', error, { runner: name }),
        );
      }
      ctx.logger.warn('runner left launching: a full sweep settles whether its machine started', { runner: name, pool: pool.id });
    }),
  );
}

/** A launch failed for good: delete the registration, end the runner (`failed`, releasing its slot). */
async function failLaunch(
  ctx: EngineContext,
  pool: Pool,
  runner: Runner,
  githubId: number | undefined,
  code: string,
  message: string,
  signal: AbortSignal,
  log: ReconcileLog,
): Promise<void> {
  const cleanup = cleanupSignal(ctx, signal);
  log.launchFailures.push({ runnerName: runner.name, code });
  ctx.stats.launchFailures += 1;
  ctx.metrics.record('LaunchFailures', 1, 'Count', { pool: pool.id, code });
  ctx.logger.warn('runner launch failed', { runner: runner.name, pool: pool.id, code, message });
  if (githubId !== undefined) {
    try {
      const deleted = await ctx.github.deleteRunner(runnerScopeOf(pool.scope), githubId, cleanup);
      if (deleted === 'deleted') log.deletedRegistrations.push(githubId);
    } catch (error) {
      recordError(ctx, log, 'deregister-failed-launch', error, { runner: runner.name });
    }
  }
  const now = ctx.clock.now();
  await updateRunner(ctx, runner.name, cleanup, (r) =>
    r.state === 'launching' ? { state: 'failed', reason: code, endedAt: now } : undefined,
  ).catch((error: unknown) => recordError(ctx, log, 'end-failed-launch', error, { runner: runner.name }));
}
