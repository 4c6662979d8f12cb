// Input and output of the pure scaling policy `plan` (DESIGN.md §3).
import type { Job, RepositoryRef, Runner, RunnerScope, RunnerState } from '../domain.js';
import type { GitHubRunner, Instance } from '../ports.js';

/** GitHub's runner registrations of one scope, as listed in a full sweep. */
export interface RegistrationList {
  readonly scope: RunnerScope;
  readonly runners: readonly GitHubRunner[];
}

/**
 * What the policy sees.
 *
 * - `jobs`: the ledger's jobs that are not completed (completed ones are ignored).
 * - `runners`: the ledger's alive runners (`launching`, `booting`, `idle`, `busy`, `draining`). Recently ended
 *   runners (`terminated`, `failed`) may be included: a full sweep then terminates an instance whose runner
 *   ended at once instead of waiting for `bootTimeout`; otherwise they are ignored.
 * - `instances` and `registrations`: present only in a full sweep, each the complete listing for the pools
 *   passed to `plan`. List them **before** reading the ledger, so that a runner admitted during the listing is
 *   in `runners` and its fresh registration or instance is not taken for an orphan.
 */
export interface Snapshot {
  readonly jobs: readonly Job[];
  readonly runners: readonly Runner[];
  readonly instances?: readonly Instance[];
  readonly registrations?: readonly RegistrationList[];
}

/** Tuning of `plan` that is not per pool. */
export interface PlanOptions {
  /** Queued or waiting jobs not heard of for this long (ms since queued or last check) are re-checked. Default 5 min. */
  readonly recheckAfter?: number;
  /** At most this many jobs re-checked per plan (GitHub API budget), oldest first. Default 20. */
  readonly recheckBudget?: number;
  /** Only registrations and instances whose runner name starts with this are ghr's to reap. Default `ghr-`. */
  readonly namePrefix?: string;
  /**
   * Grace for runners and instances of a pool that is not (or no longer) in `pools`, which have no
   * `bootTimeout` of their own: reaped once this old. Default 15 min.
   */
  readonly unknownPoolGrace?: number;
  /**
   * A `launching` runner with neither a registration nor a machine this long after its admission was abandoned
   * (its run died, or the admission committed while the caller saw an error): a full sweep ends it, freeing its
   * slot. Keep it above the scale-up function's timeout. Default 2 min.
   */
  readonly launchGrace?: number;
}

/** Why a pool gets new runners, in numbers (after this plan's terminations and drains). */
export interface LaunchReason {
  readonly queued: number;
  readonly warm: number;
  /** `queued + warm`: runners wanted idle or on the way. */
  readonly want: number;
  /** idle + booting + launching runners already there for the demand. */
  readonly covered: number;
  /** launching + booting + idle + busy + draining: what counts against `maxRunners`. */
  readonly alive: number;
  readonly maxRunners: number;
  /** True when `maxRunners` cut the launch below the demand. */
  readonly capped: boolean;
}

/** New runners for one pool. `count` is always at least 1. */
export interface PoolLaunch {
  readonly poolId: string;
  readonly count: number;
  readonly reason: LaunchReason;
}

/**
 * A runner to drain: deregister at GitHub first (GitHub refuses a busy runner: then leave it), then terminate.
 * Only ever an `idle` runner.
 */
export interface Drain {
  readonly runnerName: string;
  readonly poolId: string;
  /**
   * - `idle-timeout`: idle past `idleTimeout`, alive past `minimumLifetime`, beyond warm target plus demand.
   * - `max-runtime`: alive past `maxRuntime` (a hard cap, regardless of demand).
   * - `interrupted`: the cloud announced the instance's interruption; it must take no new job.
   * - `pool-removed`: its pool is no longer configured.
   */
  readonly reason: 'idle-timeout' | 'max-runtime' | 'interrupted' | 'pool-removed';
}

/**
 * A machine to terminate. Never a `busy` runner's. When the plan also holds a `Deregistration` of the same
 * runner, deregister first and terminate only when GitHub answered `deleted` or `not-found` (not `busy`).
 */
export interface Termination {
  readonly providerId: string;
  readonly runnerName?: string;
  readonly poolId?: string;
  /**
   * - `boot-timeout`: launching or booting past `bootTimeout`.
   * - `max-runtime`: launching or booting past `maxRuntime` (only when that is shorter than `bootTimeout`).
   * - `orphan-instance`: no alive runner in the ledger owns it, and it is older than its pool's `bootTimeout`.
   * - `runner-ended`: the ledger says its runner ended (terminated, failed, or ended by this plan).
   * - `interrupted`: a launching or booting runner whose instance the cloud is interrupting.
   * - `instance-gone`: the instance is no longer listed (or listed terminated): the runner is dead; terminating
   *   an unknown id counts as terminated, so the engine can end the runner in the ledger.
   */
  readonly reason: 'boot-timeout' | 'max-runtime' | 'orphan-instance' | 'runner-ended' | 'interrupted' | 'instance-gone' | 'abandoned';
}

/**
 * A runner that never got a machine (no `providerId`) and timed out: end it in the ledger; nothing to
 * terminate. If a machine was in fact started for it, a later full sweep reaps it as an orphan.
 */
export interface Expiration {
  readonly runnerName: string;
  readonly poolId: string;
  /** `abandoned`: admitted, then nothing followed (see `PlanOptions.launchGrace`). */
  readonly reason: 'boot-timeout' | 'max-runtime' | 'abandoned';
}

/** A GitHub registration to delete. Never a registration GitHub reports `busy`. */
export interface Deregistration {
  readonly scope: RunnerScope;
  readonly githubId: number;
  readonly runnerName: string;
  readonly reason: 'orphan-registration' | 'boot-timeout' | 'max-runtime' | 'interrupted' | 'instance-gone' | 'abandoned';
}

/** A job to re-check with GitHub (lost webhooks). */
export interface Recheck {
  readonly jobId: number;
  readonly repository: RepositoryRef;
  /**
   * - `stale-queued` / `stale-waiting`: no news for `recheckAfter` (a lost `in_progress`, `completed` or, after
   *   an approval, `queued` event would leave it so forever).
   * - `stale-in-progress`: running longer than its pool's `maxRuntime` (a lost `completed` event).
   */
  readonly reason: 'stale-queued' | 'stale-waiting' | 'stale-in-progress';
}

/**
 * A busy or draining runner alive past its pool's `maxRuntime`. Not terminated (DESIGN §5 rule 2: never
 * terminate a runner running a job): reported for logs and metrics. A non-ephemeral runner is drained with
 * reason `max-runtime` as soon as it is idle again; its job is re-checked (`stale-in-progress`).
 */
export interface Overdue {
  readonly runnerName: string;
  readonly poolId: string;
  readonly state: Extract<RunnerState, 'busy' | 'draining'>;
  readonly jobId?: number;
  /** ms since the runner was launched (or created). */
  readonly age: number;
}

/** One pool's counts in this plan, for status and metrics. Runner counts are after this plan's removals. */
export interface PoolSummary {
  readonly poolId: string;
  readonly queued: number;
  readonly waiting: number;
  readonly inProgress: number;
  readonly warm: number;
  readonly want: number;
  readonly launching: number;
  readonly booting: number;
  readonly idle: number;
  readonly busy: number;
  readonly draining: number;
  readonly alive: number;
  readonly maxRunners: number;
  readonly launch: number;
  /** Wanted runners this plan could not launch because of `maxRunners`. */
  readonly unmet: number;
}

/** The pure output of `plan`: what the engine should do now. */
export interface Plan {
  readonly at: number;
  readonly launches: readonly PoolLaunch[];
  readonly drains: readonly Drain[];
  readonly terminations: readonly Termination[];
  readonly expirations: readonly Expiration[];
  readonly deregistrations: readonly Deregistration[];
  readonly rechecks: readonly Recheck[];
  readonly overdue: readonly Overdue[];
  /** One entry per configured pool, in the order of `pools`. */
  readonly pools: readonly PoolSummary[];
}
