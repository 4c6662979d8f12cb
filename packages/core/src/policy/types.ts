// Input and output of the pure scaling policy `plan` (DESIGN.md §3).
import type { Job, Runner, RunnerScope } from '../domain.js';
import type { GitHubRunner, Instance } from '../ports.js';

/** GitHub's runner registrations of one scope, as listed in a full sweep. */
export interface RegistrationList {
  readonly scope: RunnerScope;
  readonly runners: readonly GitHubRunner[];
}

/**
 * What the policy sees. `jobs` are the ledger's jobs that are not completed; `runners` its runners that are
 * alive. `instances` and `registrations` are present only in a full sweep (listed once each per sweep).
 */
export interface Snapshot {
  readonly jobs: readonly Job[];
  readonly runners: readonly Runner[];
  readonly instances?: readonly Instance[];
  readonly registrations?: readonly RegistrationList[];
}

/** Tuning of `plan` that is not per pool. */
export interface PlanOptions {
  /** Queued jobs older than this (ms since queued or last check) are re-checked with GitHub. Default 5 min. */
  readonly recheckAfter?: number;
  /** At most this many jobs re-checked per plan (API budget). Default 20. */
  readonly recheckBudget?: number;
  /** Only registrations and instances whose runner name starts with this are ghr's to reap. Default `ghr-`. */
  readonly namePrefix?: string;
}

/** Why a pool gets new runners, in numbers. */
export interface LaunchReason {
  readonly queued: number;
  readonly warm: number;
  readonly want: number;
  /** idle + booting + launching runners already there for the demand. */
  readonly covered: number;
  readonly alive: number;
  readonly maxRunners: number;
  /** True when `maxRunners` cut the launch below the demand. */
  readonly capped: boolean;
}

/** New runners for one pool. */
export interface PoolLaunch {
  readonly poolId: string;
  readonly count: number;
  readonly reason: LaunchReason;
}

/** An idle runner to drain (deregister at GitHub first, then terminate). */
export interface Drain {
  readonly runnerName: string;
  readonly poolId: string;
  readonly reason: 'idle-timeout' | 'over-warm';
}

/** A machine to terminate. */
export interface Termination {
  readonly providerId: string;
  readonly runnerName?: string;
  readonly poolId?: string;
  readonly reason: 'boot-timeout' | 'max-runtime' | 'orphan-instance' | 'runner-ended' | 'interrupted';
}

/** A GitHub registration to delete. */
export interface Deregistration {
  readonly scope: RunnerScope;
  readonly githubId: number;
  readonly runnerName: string;
  readonly reason: 'orphan-registration' | 'boot-timeout' | 'max-runtime';
}

/** A queued job to re-check with GitHub. */
export interface Recheck {
  readonly jobId: number;
  readonly reason: 'stale-queued';
}

/** The pure output of `plan`: what the engine should do now. */
export interface Plan {
  readonly at: number;
  readonly launches: readonly PoolLaunch[];
  readonly drains: readonly Drain[];
  readonly terminations: readonly Termination[];
  readonly deregistrations: readonly Deregistration[];
  readonly rechecks: readonly Recheck[];
}
