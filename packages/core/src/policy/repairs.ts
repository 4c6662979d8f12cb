// The repairs a plan decides: drains no reconcile finished, and busy runners that vanished from a full sweep.
import type { Runner, RunnerScope } from '../domain.js';
import type { GitHubRunner } from '../ports.js';
import type { Recheck, Retirement, Snapshot, StuckDrain } from './types.js';

/** A full sweep's registrations, by runner name, with the scope they were listed in. */
export type RegistrationsByName = ReadonlyMap<string, { readonly registration: GitHubRunner; readonly scope: RunnerScope }>;

/** The reason an ephemeral runner is given once its job completed (it is then retired, not drained). */
const JOB_COMPLETED = 'job-completed';

/**
 * Draining runners untouched for `stuckDrainAfter` and not `planned` (terminated or drained by this plan): a
 * reconcile died mid-drain, or a terminate failed. Deregister first unless the runner is an ephemeral one whose
 * job completed (GitHub removed its registration) or a full sweep lists no registration of its name.
 */
export function finishStuckDrains(
  runners: readonly Runner[],
  now: number,
  options: {
    readonly stuckDrainAfter: number;
    readonly planned: ReadonlySet<string | undefined>;
    /** The scope of a configured pool's registrations. */
    readonly scopeOf: (poolId: string) => RunnerScope | undefined;
    /** Full sweeps only. */
    readonly registrations: RegistrationsByName | undefined;
  },
): StuckDrain[] {
  const out: StuckDrain[] = [];
  for (const runner of runners) {
    if (runner.state !== 'draining' || options.planned.has(runner.name) || now - runner.updatedAt < options.stuckDrainAfter) continue;
    const found = options.registrations?.get(runner.name);
    const completed = runner.ephemeral && runner.reason === JOB_COMPLETED;
    const skipDeregister = completed || (options.registrations !== undefined && !found);
    out.push({
      runnerName: runner.name,
      poolId: runner.poolId,
      reason: runner.reason ?? 'drained',
      end: {
        state: 'terminated',
        ...(skipDeregister
          ? {}
          : { deregister: { scope: options.scopeOf(runner.poolId) ?? found?.scope, githubId: runner.githubId ?? found?.registration.id } }),
      },
    });
  }
  return out;
}

/**
 * Full sweeps: busy runners that vanished for `vanishedGrace` since they became busy. Vanished: GitHub lists no
 * registration of the name (the job finished or the runner died, and a lost `completed` event would keep it busy
 * until `maxRuntime`), or the sweep lists no machine of the name while GitHub lists the registration offline
 * and idle (a spot-killed machine: GitHub keeps the offline registration, an orphan to reap). The runner's job is
 * re-checked (unless `planned` already), or, for an ephemeral runner busy by GitHub's flag only (no job known),
 * the runner is retired. Stops once `limit` re-checks are planned in all.
 */
export function vanishedBusyRunners(
  snapshot: Snapshot,
  registrations: RegistrationsByName,
  now: number,
  options: { readonly vanishedGrace: number; readonly limit: number; readonly planned: readonly Recheck[] },
): { rechecks: Recheck[]; retirements: Retirement[] } {
  const machines = snapshot.instances ? new Set(snapshot.instances.filter((i) => i.state !== 'terminated').map((i) => i.name)) : undefined;
  const repositoryOf = new Map(snapshot.jobs.map((j) => [j.id, j.repository]));
  const vanished = (r: Runner): boolean => {
    const listed = registrations.get(r.name);
    if (!listed) return true;
    const machineGone = machines !== undefined && r.providerId !== undefined && !machines.has(r.name);
    return machineGone && listed.registration.status === 'offline' && !listed.registration.busy;
  };
  const planned = new Set(options.planned.map((p) => p.jobId));
  let count = options.planned.length;
  const rechecks: Recheck[] = [];
  const retirements: Retirement[] = [];
  for (const r of snapshot.runners) {
    if (count >= options.limit) break;
    if (r.state !== 'busy' || !vanished(r) || r.githubId === undefined) continue;
    if (now - (r.busySince ?? r.updatedAt) < options.vanishedGrace) continue;
    if (r.jobId !== undefined) {
      if (!planned.has(r.jobId)) {
        const repository = repositoryOf.get(r.jobId);
        rechecks.push({ jobId: r.jobId, ...(repository ? { repository } : {}), reason: 'runner-vanished' });
        count += 1;
      }
      planned.add(r.jobId);
    } else if (r.ephemeral) {
      retirements.push({ runnerName: r.name, poolId: r.poolId, reason: 'runner-vanished' });
    }
  }
  return { rechecks, retirements };
}
