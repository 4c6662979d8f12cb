// Ports (DESIGN.md §4): the engine's view of the world. Plain readonly data in and out; no SDK or Octokit
// type crosses a port; every method that does I/O takes an AbortSignal and must give up when it fires.
import type { GhrErrorCode } from './errors.js';
import type { Job, JobEvent, JobStatus, Pool, RepositoryRef, Runner, RunnerScope, RunnerState } from './domain.js';

// ---------------------------------------------------------------------------------------------------------
// RunnerProvider: where runners run (EC2, local processes, a simulated cloud).

/** How a runner gets its one-time registration: a JIT config (ephemeral) or a registration token. */
export type RunnerBootstrap =
  | { readonly kind: 'jit'; readonly encodedJitConfig: string }
  | {
      readonly kind: 'registration';
      /** `https://github.com/<org>` or `.../<owner>/<repo>` or the enterprise URL, for `config.sh --url`. */
      readonly url: string;
      readonly token: string;
      readonly runnerGroup?: string;
    };

/** One runner to start. The provider delivers `bootstrap` to that instance only, never in logs or user data. */
export interface LaunchRequest {
  readonly name: string;
  readonly poolId: string;
  readonly labels: readonly string[];
  readonly ephemeral: boolean;
  readonly bootstrap: RunnerBootstrap;
}

/** Why a launch failed; `retryable` says whether trying again later can help. */
export type LaunchErrorCode = 'capacity' | 'quota' | 'throttled' | 'invalid-config' | 'internal';

/** A per-runner launch failure. */
export interface LaunchFailure {
  readonly name: string;
  readonly code: LaunchErrorCode;
  readonly retryable: boolean;
  readonly message: string;
}

/** The outcome of one `launch` call: partial capacity is a result, not an exception. */
export interface LaunchResult {
  readonly launched: readonly { readonly name: string; readonly providerId: string }[];
  readonly failed: readonly LaunchFailure[];
}

/** A machine as the provider sees it. */
export interface Instance {
  readonly providerId: string;
  /** The runner name it was launched for (from its tags). */
  readonly name: string;
  readonly poolId: string;
  readonly state: 'pending' | 'running' | 'stopping' | 'stopped' | 'terminated';
  readonly launchedAt: number;
  /** Set when the cloud announced the machine's interruption (spot two-minute warning). */
  readonly interruptedAt?: number;
}

/** Which instances to list. Omitted fields do not filter. */
export interface InstanceFilter {
  readonly poolIds?: readonly string[];
  readonly names?: readonly string[];
}

/** The outcome of `terminate`: an id the provider does not know counts as terminated. */
export interface TerminateResult {
  readonly terminated: readonly string[];
  readonly failed: readonly { readonly providerId: string; readonly code: LaunchErrorCode; readonly retryable: boolean; readonly message: string }[];
}

/**
 * Starts, lists and stops runner machines. Implementations: EC2 (`@ghr/aws`), local processes (`@ghr/local`),
 * a simulated cloud (`@ghr/sim`), memory (tests).
 */
export interface RunnerProvider {
  launch(pool: Pool, runners: readonly LaunchRequest[], signal: AbortSignal): Promise<LaunchResult>;
  list(filter: InstanceFilter, signal: AbortSignal): Promise<readonly Instance[]>;
  terminate(providerIds: readonly string[], signal: AbortSignal): Promise<TerminateResult>;
  /**
   * Checks a pool's `instance` section (the provider's own settings, opaque to the core) when the engine is
   * created, so that a bad section fails at startup, not at the first launch. Optional; synchronous, no I/O.
   *
   * @throws GhrError with code `invalid-config` whose message names the pool and the field, e.g.
   *   `pool linux: instance.instanceTypes must be a non-empty list of EC2 instance types`.
   * @example
   * ```ts
   * validatePool(pool) {
   *   if (typeof pool.instance['image'] !== 'string') {
   *     throw new GhrError(`pool ${pool.id}: instance.image must be a string, e.g. ubuntu:24.04`, { code: 'invalid-config' });
   *   }
   * }
   * ```
   */
  validatePool?(pool: Pool): void;
}

// ---------------------------------------------------------------------------------------------------------
// GitHubApi: what the engine needs from GitHub (implemented by `@ghr/github`, and by `@ghr/sim` in memory).

/** A runner registration as GitHub reports it. */
export interface GitHubRunner {
  readonly id: number;
  readonly name: string;
  readonly status: 'online' | 'offline';
  readonly busy: boolean;
  readonly labels: readonly string[];
  readonly ephemeral?: boolean;
  readonly runnerGroupId?: number;
}

/** A JIT configuration: the runner's registration id and its one-time secret (never log it). */
export interface JitConfig {
  readonly runnerId: number;
  readonly encodedJitConfig: string;
}

/** A job's state as GitHub reports it (`GET /repos/{o}/{r}/actions/jobs/{id}`). */
export interface GitHubJob {
  readonly id: number;
  readonly runId: number;
  readonly status: JobStatus | 'requested' | 'pending';
  readonly conclusion?: string;
  readonly labels: readonly string[];
  readonly runnerName?: string;
  readonly startedAt?: number;
  readonly completedAt?: number;
}

/** A webhook delivery of the GitHub App. */
export interface WebhookDelivery {
  readonly id: number;
  /** The `X-GitHub-Delivery` GUID. */
  readonly guid: string;
  readonly deliveredAt: number;
  readonly event: string;
  readonly action?: string;
  readonly statusCode: number;
  readonly redelivery: boolean;
  readonly installationId?: number;
  readonly repository?: RepositoryRef;
}

/** One downloadable `actions/runner` binary. */
export interface RunnerReleaseAsset {
  readonly os: 'linux' | 'win' | 'osx';
  readonly arch: 'x64' | 'arm64' | 'arm';
  readonly name: string;
  readonly url: string;
  readonly size: number;
  readonly sha256?: string;
}

/** The newest `actions/runner` release. */
export interface RunnerRelease {
  readonly version: string;
  readonly assets: readonly RunnerReleaseAsset[];
}

/** The outcome of deleting a runner registration; a busy runner is an answer, not an exception. */
export type DeleteRunnerResult = 'deleted' | 'busy' | 'not-found';

/** GitHub, as the engine uses it. Errors are thrown with `code` and `retryable` (see `GhrError`). */
export interface GitHubApi {
  createJitConfig(
    scope: RunnerScope,
    request: { readonly name: string; readonly labels: readonly string[]; readonly runnerGroup?: string; readonly workFolder?: string },
    signal: AbortSignal,
  ): Promise<JitConfig>;
  createRegistrationToken(scope: RunnerScope, signal: AbortSignal): Promise<{ readonly token: string; readonly expiresAt: number }>;
  listRunners(scope: RunnerScope, signal: AbortSignal): Promise<readonly GitHubRunner[]>;
  getRunner(scope: RunnerScope, runnerId: number, signal: AbortSignal): Promise<GitHubRunner | undefined>;
  deleteRunner(scope: RunnerScope, runnerId: number, signal: AbortSignal): Promise<DeleteRunnerResult>;
  getJob(repository: RepositoryRef, jobId: number, signal: AbortSignal): Promise<GitHubJob | undefined>;
  rerunJob(repository: RepositoryRef, jobId: number, signal: AbortSignal): Promise<void>;
  /**
   * Deliveries of the App's webhook since `since` that failed (newest first): one per delivery `guid` (its newest
   * attempt), leaving out guids of which any attempt since `since` was delivered, so each is redelivered once.
   * As GitHub's `status` filter counts them: 200–399 is delivered; 400–599, timeouts and failed connections failed.
   */
  listFailedDeliveries(since: number, signal: AbortSignal): Promise<readonly WebhookDelivery[]>;
  redeliver(deliveryId: number, signal: AbortSignal): Promise<void>;
  latestRunnerRelease(signal: AbortSignal): Promise<RunnerRelease>;
}

// ---------------------------------------------------------------------------------------------------------
// Ledger: the engine's memory of jobs and runners.

/** A conditional write either applies or finds that someone else wrote first. */
export type WriteResult = 'ok' | 'conflict';

/** Which jobs to list. Omitted fields do not filter. */
export interface JobFilter {
  readonly poolId?: string;
  readonly statuses?: readonly JobStatus[];
}

/** Which runners to list. Omitted fields do not filter. */
export interface RunnerFilter {
  readonly poolId?: string;
  readonly states?: readonly RunnerState[];
}

/**
 * Jobs and runners with versioned conditional writes, and atomic per-pool admission.
 *
 * - `putJob`/`putRunner` write `record` only if the stored version is `record.version - 1` (or, for
 *   `record.version === 1`, if none is stored); otherwise they answer `conflict` and change nothing.
 * - `admit` is the only way to create runners: it stores as many of `runners` (in order, all in state
 *   `launching`, version 1) as fit under `maxRunners` counting the pool's alive runners, atomically with respect
 *   to every other `admit`, and returns those it stored. A runner leaves the count when a `putRunner` moves it
 *   to `terminated` or `failed`.
 * - Records in `completed`, `terminated` or `failed` may expire after a retention period.
 */
export interface Ledger {
  getJob(id: number, signal: AbortSignal): Promise<Job | undefined>;
  putJob(record: Job, signal: AbortSignal): Promise<WriteResult>;
  listJobs(filter: JobFilter, signal: AbortSignal): Promise<readonly Job[]>;
  getRunner(name: string, signal: AbortSignal): Promise<Runner | undefined>;
  putRunner(record: Runner, signal: AbortSignal): Promise<WriteResult>;
  listRunners(filter: RunnerFilter, signal: AbortSignal): Promise<readonly Runner[]>;
  admit(poolId: string, runners: readonly Runner[], maxRunners: number, signal: AbortSignal): Promise<readonly Runner[]>;
  /** How many runners of the pool count against `maxRunners` now. */
  alive(poolId: string, signal: AbortSignal): Promise<number>;
  /**
   * A once-only token shared by every engine and runtime on this ledger: stores `key` if absent (insert-if-absent,
   * atomic) and answers `claimed`; answers `taken` when it is already stored (within the retention period, about
   * 7 days). The engine claims redelivery slots with it, so that concurrent reconcilers (Lambdas share no memory)
   * do each piece of once-per-interval work once.
   */
  claim(key: string, at: number, signal: AbortSignal): Promise<'claimed' | 'taken'>;
}

// ---------------------------------------------------------------------------------------------------------
// EventQueue: durable hand-off of job events from the webhook to scale-up.

/** A received queue message. `receiveCount` starts at 1. */
export interface QueueMessage {
  readonly id: string;
  readonly event: JobEvent;
  readonly receiveCount: number;
}

/** The outcome of `send`: events that could not be enqueued, so the caller can answer an error and nothing is lost. */
export interface SendResult {
  readonly failed: readonly { readonly event: JobEvent; readonly code: GhrErrorCode; readonly message: string }[];
}

/** A durable queue of job events with at-least-once delivery. */
export interface EventQueue {
  send(events: readonly JobEvent[], signal: AbortSignal): Promise<SendResult>;
  /** Up to `max` messages; they stay invisible until acknowledged or their visibility timeout passes. */
  receive(max: number, signal: AbortSignal): Promise<readonly QueueMessage[]>;
  ack(messageIds: readonly string[], signal: AbortSignal): Promise<void>;
}

// ---------------------------------------------------------------------------------------------------------
// Clock, Logger, Metrics.

/** Time, injectable so the simulator can run the engine in virtual time. */
export interface Clock {
  now(): number;
  /** Resolves after `ms`, or rejects when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** Structured fields of a log line or metric. Never put a secret here. */
export type LogFields = Readonly<Record<string, unknown>>;

/** A structured logger (`{debug, info, warn, error}`), e.g. Powertools Logger or pino behind an adapter. */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/** Units of a metric, as CloudWatch names them. */
export type MetricUnit = 'Count' | 'Milliseconds' | 'Seconds' | 'None';

/** Metrics sink. Dimensions are low-cardinality (pool, code, target), never ids or secrets. */
export interface Metrics {
  record(name: string, value: number, unit: MetricUnit, dimensions?: Readonly<Record<string, string>>): void;
  flush(): Promise<void>;
}
