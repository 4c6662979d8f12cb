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
   * A draining runner untouched this long (ms) is taken to be a drain a reconcile never finished (it died
   * mid-drain, or a terminate failed): the plan finishes it (`stuckDrains`). Default 1 min.
   */
  readonly stuckDrainAfter?: number;
  /**
   * Full sweeps: a busy runner that vanished (its registration is gone, or its machine is gone while GitHub
   * lists it offline and idle) this long (ms) after it became busy has finished or lost its job: its job is
   * re-checked (`runner-vanished`), or, an ephemeral runner busy by GitHub's flag only, it is retired. Default 1 min.
   */
  readonly vanishedGrace?: number;
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
 * How to take down an alive runner (DESIGN §5 rule 2): delete its registration first, terminate its machine only
 * when GitHub answered `deleted` or `not-found` (a `busy` answer keeps runner and machine), then end the runner
 * in the ledger.
 */
export interface RunnerEnd {
  /** The state the runner ends in: `failed` when it never came up (`boot-timeout`), else `terminated`. */
  readonly state: 'terminated' | 'failed';
  /**
   * The registration to delete first. Absent: nothing to deregister (no registration is known, the ephemeral
   * runner's job completed so GitHub removed it, or a full sweep lists none of that name). A `scope` that is
   * absent (a runner of a removed pool no listing shows) means the registration cannot be reached: the machine
   * is terminated without it, and a later sweep reaps the registration as an orphan.
   */
  readonly deregister?: { readonly scope?: RunnerScope; readonly githubId?: number };
}

/**
 * A machine to terminate. Never a `busy` runner's. With `end`, the machine is an alive runner's: take the
 * runner down as `end` says (deregister first). Without, a bare machine (an orphan, or an ended runner's).
 */
export interface Termination {
  readonly providerId: string;
  readonly runnerName?: string;
  readonly poolId?: string;
  readonly end?: RunnerEnd;
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
 * terminate. Planned in full sweeps only: their listing shows any machine a crashed run did start for it (the
 * plan then terminates that machine instead); outside one, keeping the slot a little longer is safer than
 * freeing it while an unknown machine may run.
 */
export interface Expiration {
  readonly runnerName: string;
  readonly poolId: string;
  /** `abandoned`: admitted, then nothing followed (see `PlanOptions.launchGrace`). */
  readonly reason: 'boot-timeout' | 'max-runtime' | 'abandoned';
}

/**
 * A GitHub registration to delete on its own (an orphan, or the registration of a runner that never got a
 * machine). The registration of a runner whose machine is terminated is part of that `Termination`'s `end`.
 * Never a registration GitHub reports `busy`.
 */
export interface Deregistration {
  readonly scope: RunnerScope;
  readonly githubId: number;
  readonly runnerName: string;
  readonly reason: 'orphan-registration' | 'boot-timeout' | 'max-runtime' | 'interrupted' | 'instance-gone' | 'abandoned';
}

/** A job to re-check with GitHub (lost webhooks). */
export interface Recheck {
  readonly jobId: number;
  /** Absent for a vanished runner's job the snapshot does not hold: the ledger's record of the job names it. */
  readonly repository?: RepositoryRef;
  /**
   * - `stale-queued` / `stale-waiting`: no news for `recheckAfter` (a lost `in_progress`, `completed` or, after
   *   an approval, `queued` event would leave it so forever).
   * - `stale-in-progress`: running longer than its pool's `maxRuntime` (a lost `completed` event).
   * - `runner-vanished` (full sweeps): the busy runner running it vanished for `vanishedGrace` (registration
   *   gone, or machine gone while GitHub lists it offline and idle): a lost `completed` event would keep it busy
   *   until `maxRuntime`.
   */
  readonly reason: 'stale-queued' | 'stale-waiting' | 'stale-in-progress' | 'runner-vanished';
}

/**
 * A draining runner no reconcile finished (`stuckDrainAfter`): take it down as `end` says. Not one this plan
 * terminates or drains already.
 */
export interface StuckDrain {
  readonly runnerName: string;
  readonly poolId: string;
  /** The runner's own reason for draining (`drained` when it has none). */
  readonly reason: string;
  readonly end: RunnerEnd;
}

/**
 * Full sweeps: an ephemeral runner busy by GitHub's flag only (the events of its job were lost) that vanished
 * for `vanishedGrace`: its one job is over. Mark it draining (`job-completed`) and take it down without
 * deregistering (GitHub removed the registration with the job).
 */
export interface Retirement {
  readonly runnerName: string;
  readonly poolId: string;
  readonly reason: 'runner-vanished';
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
  /**
   * Jobs to re-check, within `recheckBudget` (stale jobs) plus as many vanished runners' jobs. The engine asks
   * GitHub in full sweeps only (they cost requests).
   */
  readonly rechecks: readonly Recheck[];
  /**
   * Stale queued jobs of pools that are full (demand unmet) with no idle runner: a re-check changes nothing
   * while they wait for capacity, not for a lost event, so it waits until the pool has room or idle runners.
   */
  readonly deferredRechecks: readonly Recheck[];
  readonly stuckDrains: readonly StuckDrain[];
  readonly retirements: readonly Retirement[];
  readonly overdue: readonly Overdue[];
  /** One entry per configured pool, in the order of `pools`. */
  readonly pools: readonly PoolSummary[];
}
