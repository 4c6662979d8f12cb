// Options and results of the runner lifecycle engine.
import type { Job, JobEvent, Pool, Runner } from '../domain.js';
import type { Clock, GitHubApi, Ledger, Logger, Metrics, RunnerProvider } from '../ports.js';
import type { Plan, PlanOptions, Snapshot } from '../policy/types.js';

/** The scaling policy's signature (`plan` from `@ghr/core`, or a stand-in in tests). */
export type PlanFunction = (snapshot: Snapshot, pools: readonly Pool[], now: number, options?: PlanOptions) => Plan;

/** Tuning of the engine. Every field has a default: `ENGINE_DEFAULTS`, and `PLAN_DEFAULTS` for `planOptions`. */
export interface EngineOptions {
  /** The scaling policy. Default: `plan` from `@ghr/core`. */
  readonly plan?: PlanFunction;
  /** Options passed to `plan` (re-check threshold and budget, name prefix). */
  readonly planOptions?: PlanOptions;
  /** Most external calls (GitHub, provider) in flight at once. Default 8 (`ENGINE_DEFAULTS`). */
  readonly concurrency?: number;
  /** Attempts of a launch whose failure is retryable, the first included. Default 3. */
  readonly launchAttempts?: number;
  /** First retry delay of a failed launch (ms); doubles per attempt, with jitter. Default 2 s. */
  readonly launchBackoff?: number;
  /** Attempts of a conditional ledger write that meets a conflict. Default 8. */
  readonly conflictAttempts?: number;
  /** Re-run the job of a runner whose instance was interrupted (spot), once it completed unsuccessfully. Default false. */
  readonly rerunInterruptedJobs?: boolean;
  /** How far back a full sweep looks for failed webhook deliveries (ms). Default 1 h. */
  readonly redeliveryLookback?: number;
  /** Most failed deliveries re-requested per full sweep. Default 20. */
  readonly redeliveryBudget?: number;
  /**
   * Failed deliveries are looked for at most once per this interval (ms), across all engines sharing the
   * ledger (a full sweep may run every minute; the listing costs GitHub requests). Default 5 min.
   */
  readonly redeliveryInterval?: number;
  /**
   * A full sweep lists GitHub's registrations and the provider's machines at most once per this interval (ms),
   * across all engines sharing the ledger; the sweeps in between reconcile every pool from the ledger alone. The
   * listings are what a sweep costs GitHub (one request per runner scope and 100 runners): sweeping every minute
   * and listing every few minutes keeps launches and drains prompt and the API budget small. 0 lists in every
   * sweep. Default 5 min.
   */
  readonly listingInterval?: number;
  /** Web URL of GitHub for `config.sh --url` of non-ephemeral runners. Default `https://github.com`. */
  readonly githubUrl?: string;
  /**
   * Time allowed (real ms) for the writes that keep the ledger consistent after the caller's deadline fired
   * mid-step (failing admitted runners, deleting their registrations). Default 5 s.
   */
  readonly cleanupTimeout?: number;
  /**
   * Random numbers in [0, 1) for the jitter of launch retries. Default `Math.random`. Inject a seeded one to
   * simulate: runner names are then drawn from it too (unless `runnerNameSuffix` is given), so that a simulation
   * is reproducible.
   */
  readonly random?: () => number;
  /**
   * The suffix of a new runner's name, `<namePrefix><pool id>-<suffix>` (GitHub allows 64 characters in all).
   * Default: 8 characters of `[a-z0-9]` from `node:crypto` (from `random` when that is injected).
   */
  readonly runnerNameSuffix?: () => string;
}

/** What the engine is built from. */
export interface EngineDependencies {
  readonly ledger: Ledger;
  readonly github: GitHubApi;
  readonly provider: RunnerProvider;
  /** Configured pools (validated config). */
  readonly pools: readonly Pool[];
  /** Default `systemClock`. */
  readonly clock?: Clock;
  /** Default `silentLogger`. */
  readonly logger?: Logger;
  /** Default `noopMetrics`. */
  readonly metrics?: Metrics;
  readonly options?: EngineOptions;
}

/** What `ingest` did with one event. */
export interface IngestEventResult {
  readonly deliveryId: string;
  readonly jobId: number;
  /** `applied`: the job moved forward; `duplicate`: same status as known; `stale`: behind what is known. */
  readonly outcome: 'applied' | 'duplicate' | 'stale';
}

/** The outcome of `ingest`. */
export interface IngestResult {
  /** One entry per event that was processed, in input order. */
  readonly events: readonly IngestEventResult[];
  /** Events not processed (the deadline fired first, or the ledger failed): send them again. */
  readonly unprocessed: readonly { readonly event: JobEvent; readonly error: string }[];
  /** Pools whose jobs or runners changed: reconcile these. */
  readonly touchedPools: readonly string[];
  /** Ephemeral runners retired because their job completed. */
  readonly retired: readonly string[];
  /** The job records as ingest left them (pass them to `reconcile` as `known`). */
  readonly jobs: readonly Job[];
  /** The runner records ingest changed (busy, idle, retiring), as it left them. */
  readonly runners: readonly Runner[];
}

/** What `reconcile` should cover. */
export interface ReconcileRequest {
  /** Pool ids to reconcile; default all configured pools. A full sweep always covers all pools. */
  readonly pools?: readonly string[];
  /**
   * A full sweep also lists GitHub's registrations and the provider's instances, re-checks stale jobs with GitHub
   * and redelivers failed webhooks. Only a full sweep's listing can end a runner whose machine was never recorded.
   */
  readonly sweep: boolean;
  /**
   * Records the caller has just written (`IngestResult.jobs` and `.runners`): merged into the ledger's listings,
   * newest version winning, so that a listing that lags its writes (an eventually consistent index) does not hide
   * the jobs the caller just ingested.
   */
  readonly known?: { readonly jobs?: readonly Job[]; readonly runners?: readonly Runner[] };
}

/** The outcome of `reconcile`. */
export interface ReconcileResult {
  readonly plan: Plan;
  /** Runners whose machines the provider accepted. */
  readonly launched: readonly string[];
  /** Runners whose launch failed for good (after retries), with the last code. */
  readonly launchFailures: readonly { readonly runnerName: string; readonly code: string }[];
  /** Runners admitted by the ledger in this reconcile (launched or not). */
  readonly admitted: number;
  /** Runners drained to the end (deregistered and terminated). */
  readonly drained: readonly string[];
  /** Runners left alone because GitHub said they are busy. */
  readonly foundBusy: readonly string[];
  readonly terminatedInstances: readonly string[];
  readonly deletedRegistrations: readonly number[];
  readonly rechecked: number;
  readonly redelivered: number;
  /** True when the deadline fired before all steps ran. */
  readonly aborted: boolean;
  /** Errors met (per action; the reconcile went on). Codes only, no secrets. */
  readonly errors: readonly { readonly step: string; readonly code: string; readonly message: string }[];
}

/** The outcome of `interrupted`. */
export interface InterruptResult {
  /** Runners marked as interrupted. */
  readonly runners: readonly string[];
  /** Of those, runners that were not busy and were deregistered and terminated at once. */
  readonly ended: readonly string[];
  /** Jobs re-run (only with `rerunInterruptedJobs`, for jobs that had already completed unsuccessfully). */
  readonly rerunJobs: readonly number[];
}

/** Counters since the engine was created. */
export interface EngineStats {
  /** External calls per `target.method` (`github.createJitConfig`, `provider.launch`, `ledger.putRunner`, ...). */
  readonly apiCalls: Readonly<Record<string, number>>;
  /** Calls per target: `github`, `provider`, `ledger`. */
  readonly apiCallsByTarget: Readonly<Record<string, number>>;
  /** Failed calls per `target.method`. */
  readonly apiErrors: Readonly<Record<string, number>>;
  readonly runnersLaunched: number;
  readonly launchFailures: number;
  readonly orphansReaped: number;
  readonly eventsIngested: number;
  readonly reconciles: number;
}

/** The runner lifecycle engine: events in, runners out (DESIGN.md §1, §5). */
export interface Engine {
  /** Applies job events to the ledger idempotently and updates the runners they name. */
  ingest(events: readonly JobEvent[], signal: AbortSignal): Promise<IngestResult>;
  /** Reads the ledger (and in a full sweep GitHub and the provider), plans, and carries the plan out. */
  reconcile(request: ReconcileRequest, signal: AbortSignal): Promise<ReconcileResult>;
  /** Handles the cloud's interruption warning for these machines (spot). */
  interrupted(providerIds: readonly string[], signal: AbortSignal): Promise<InterruptResult>;
  /** Counters since the engine was created. */
  stats(): EngineStats;
}
