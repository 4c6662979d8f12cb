// Domain types of ghr (DESIGN.md §3). Plain readonly data: serialisable, no classes, no SDK types.
// Time is always epoch milliseconds (`number`); durations are milliseconds.

/** Where runners of a pool register: an organization, a repository or an enterprise. */
export type RunnerScope =
  | { readonly kind: 'org'; readonly org: string }
  | { readonly kind: 'repo'; readonly owner: string; readonly repo: string }
  | { readonly kind: 'enterprise'; readonly enterprise: string };

/** A pool's scope: where its runners register, and into which runner group (orgs and enterprises only). */
export type PoolScope = RunnerScope & { readonly runnerGroup?: string };

/** How a pool's labels are compared with a job's `runs-on` labels (always case-insensitive). */
export type MatchMode = 'exact' | 'subset';

/**
 * A window of warm (pre-started, idle) capacity. `schedule` is a 5-field cron expression naming the minutes
 * during which the window is active, in `timeZone` (IANA): `* 8-17 * * 1-5` keeps `size` runners idle from
 * 08:00 to 17:59 on weekdays — the whole span, not only the minute a cron would fire.
 */
export interface WarmWindow {
  readonly schedule: string;
  readonly timeZone: string;
  readonly size: number;
}

/** Which idle runners go first when a pool has more than it wants. */
export type DrainOrder = 'oldest-first' | 'newest-first';

/** One runner configuration (DESIGN.md §3). Durations in milliseconds. */
export interface Pool {
  readonly id: string;
  readonly labels: readonly string[];
  readonly match: MatchMode;
  readonly priority: number;
  readonly scope: PoolScope;
  readonly ephemeral: boolean;
  readonly maxRunners: number;
  readonly warm: readonly WarmWindow[];
  readonly idleTimeout: number;
  readonly minimumLifetime: number;
  readonly bootTimeout: number;
  readonly maxRuntime: number;
  readonly drainOrder: DrainOrder;
  /** Provider-specific launch settings; only the `RunnerProvider` interprets them. */
  readonly instance: Readonly<Record<string, unknown>>;
}

/** A `workflow_job`'s status. It only moves forward in this order. */
export type JobStatus = 'queued' | 'waiting' | 'in_progress' | 'completed';

/** The order of job statuses; a status never moves to a lower rank. */
export const JOB_STATUS_RANK: Readonly<Record<JobStatus, number>> = {
  waiting: 0,
  queued: 1,
  in_progress: 2,
  completed: 3,
};

/** A repository, as `owner` and `repo` (name). */
export interface RepositoryRef {
  readonly owner: string;
  readonly repo: string;
}

/** A `workflow_job` as the ledger knows it. */
export interface Job {
  readonly id: number;
  readonly runId: number;
  readonly runAttempt: number;
  readonly repository: RepositoryRef;
  readonly installationId?: number;
  readonly labels: readonly string[];
  readonly status: JobStatus;
  /** GitHub's conclusion once completed (`success`, `failure`, `cancelled`, ...). */
  readonly conclusion?: string;
  /** The pool that matched the job at first sight; `null` when no pool can serve it. */
  readonly poolId: string | null;
  readonly runnerName?: string;
  readonly queuedAt: number;
  readonly startedAt?: number;
  readonly completedAt?: number;
  /** Last time the engine asked GitHub about this job (stale-job re-check). */
  readonly checkedAt?: number;
  readonly updatedAt: number;
  /** Optimistic-concurrency version; the first write has version 1. */
  readonly version: number;
}

/** A runner's life: `launching → booting → idle → busy → draining → terminated`, plus `failed`. */
export type RunnerState = 'launching' | 'booting' | 'idle' | 'busy' | 'draining' | 'terminated' | 'failed';

/** States in which a runner counts against its pool's `maxRunners`. */
export const ALIVE_RUNNER_STATES: readonly RunnerState[] = ['launching', 'booting', 'idle', 'busy', 'draining'];

/** A runner as the ledger knows it. */
export interface Runner {
  /** ghr's unique name for the runner; also its GitHub runner name and the instance's name tag. */
  readonly name: string;
  readonly poolId: string;
  readonly state: RunnerState;
  readonly labels: readonly string[];
  readonly ephemeral: boolean;
  /** The provider's id for the machine (EC2 instance id), once launched. */
  readonly providerId?: string;
  /** GitHub's runner id, once registered (JIT config minted). */
  readonly githubId?: number;
  /** The job it is running or last ran. */
  readonly jobId?: number;
  readonly createdAt: number;
  /** When the provider accepted the launch. */
  readonly launchedAt?: number;
  /** When the runner came online at GitHub (first seen idle or busy). */
  readonly onlineAt?: number;
  /** When the runner last became idle (for `idleTimeout`). */
  readonly idleSince?: number;
  readonly busySince?: number;
  readonly endedAt?: number;
  /** Why the runner ended (`drained`, `boot-timeout`, `max-runtime`, `spot-interruption`, launch error code, ...). */
  readonly reason?: string;
  readonly updatedAt: number;
  /** Optimistic-concurrency version; the first write has version 1. */
  readonly version: number;
}

/** A `workflow_job` webhook turned into a plain event (by `@ghr/github`), matched to a pool by the webhook handler. */
export interface JobEvent {
  /** `X-GitHub-Delivery`: unique per event, unchanged on redelivery; the dedup key. */
  readonly deliveryId: string;
  readonly action: JobStatus;
  readonly job: {
    readonly id: number;
    readonly runId: number;
    readonly runAttempt: number;
    readonly name?: string;
    readonly workflowName?: string;
    readonly labels: readonly string[];
    readonly conclusion?: string;
    readonly createdAt?: number;
    readonly startedAt?: number;
    readonly completedAt?: number;
    readonly runnerId?: number;
    readonly runnerName?: string;
    readonly runnerGroupId?: number;
    readonly runnerGroupName?: string;
  };
  readonly repository: RepositoryRef;
  readonly installationId?: number;
  /** The pool chosen by label matching; `null` when none can serve the job; absent when not matched yet. */
  readonly poolId?: string | null;
  /** When ghr received the event. */
  readonly receivedAt: number;
}
