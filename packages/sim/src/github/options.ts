// The inputs and counters of the GitHub model's public surface (plain types).
import type { RepositoryRef } from '@ghr/core';
import type { SimClock } from '../clock.js';
import type { GitHubModelBehaviour } from './behaviour.js';
import type { PayloadUrls } from './payloads.js';
import type { RateLimitOptions } from './rate-limits.js';
import type { SimDelivery } from './types.js';

/** Options of a {@link GitHubModel}. Every duration is in milliseconds. */
export interface GitHubModelOptions {
  /** Time source; defaults to the wall clock. The simulator passes its virtual clock. */
  readonly clock?: SimClock;
  /** Seed of every random choice (tokens, GUIDs, secrets). Default 1. */
  readonly seed?: number;
  /** The App's id (JWT `iss`, `X-GitHub-Hook-Installation-Target-ID`). Default 1. */
  readonly appId?: number;
  readonly appSlug?: string;
  readonly clientId?: string;
  /** `X-GitHub-Hook-ID`. Default 1. */
  readonly hookId?: number;
  /** Secret that signs webhooks (`X-Hub-Signature-256`); no signature headers without one. */
  readonly webhookSecret?: string;
  /** Base URLs inside payloads. Default `https://api.github.com` and `https://github.com`. */
  readonly urls?: PayloadUrls;
  readonly rateLimits?: RateLimitOptions;
  /** A queued job fails after this long. Default 24 h. */
  readonly queueTimeoutMs?: number;
  /** An offline ephemeral runner is removed after this long. Default 24 h. */
  readonly ephemeralOfflineRemovalMs?: number;
  /** An offline persistent runner is removed after this long. Default 14 days. */
  readonly persistentOfflineRemovalMs?: number;
  /** Lifetime of installation access tokens. Default 1 h. */
  readonly installationTokenTtlMs?: number;
  /** Lifetime of registration and remove tokens. Default 1 h. */
  readonly runnerTokenTtlMs?: number;
  /** Deliveries older than this leave the log and cannot be redelivered. Default 3 days (GHES: 7). */
  readonly deliveryRetentionMs?: number;
  /** Version runners report once online. Default `2.330.0`. */
  readonly runnerVersion?: string;
  /**
   * How long an assigned runner takes to pick its job up (`in_progress`). Meanwhile the job stays `queued` and the
   * API still shows the runner idle (`busy: false`), as GitHub's busy flag lags: deleting it then succeeds, and a
   * job whose runner went away before picking it up is queued again. Default 0 (picked up at once);
   * `behaviour.pickup.delayMs` takes precedence.
   */
  readonly pickupDelayMs?: number;
  /** The ways GitHub is less exact than this model's defaults, each off unless set. */
  readonly behaviour?: GitHubModelBehaviour;
}

/** A job to queue. */
export interface QueueJobInput {
  /** `owner/repo` or a `RepositoryRef`; the repository must exist. */
  readonly repo: string | RepositoryRef;
  /** The job's `runs-on` labels. */
  readonly labels: readonly string[];
  readonly name?: string;
  readonly workflowName?: string;
  /** Jobs of one workflow run (a matrix) share a run id; a new one by default. */
  readonly runId?: number;
  readonly headBranch?: string;
  readonly headSha?: string;
  /** An environment that needs approval: the job starts `waiting` until `approveJob`. */
  readonly environment?: string;
  /** When set, the job completes by itself this long after it starts. */
  readonly durationMs?: number;
  /** The conclusion it completes with by itself. Default `success`. */
  readonly conclusion?: 'success' | 'failure';
  /** Login of the user who triggered the run (webhook `sender`). Default the repository owner. */
  readonly sender?: string;
  /** Names of jobs of the same run this one needs: it is queued once they all succeeded (skipped otherwise). */
  readonly needs?: readonly string[];
}

/** One job of a {@link QueueRunInput}. */
export type RunJobInput = Omit<QueueJobInput, 'repo' | 'runId' | 'workflowName' | 'headBranch' | 'headSha' | 'sender'>;

/** A workflow run of several jobs (a matrix, or jobs that need others). */
export interface QueueRunInput {
  readonly repo: string | RepositoryRef;
  readonly jobs: readonly RunJobInput[];
  readonly workflowName?: string;
  readonly headBranch?: string;
  readonly headSha?: string;
  readonly sender?: string;
}

/** A runner registered with `config.sh` and a registration token. */
export interface RegisterRunnerInput {
  readonly token: string;
  readonly name: string;
  readonly labels: readonly string[];
  /** Default false (a persistent runner). */
  readonly ephemeral?: boolean;
  /** Runner group name (org and enterprise scopes). Default `Default`. */
  readonly runnerGroup?: string;
  /** Replace a runner of the same name (`config.sh --replace`). */
  readonly replace?: boolean;
  /** Start it right away (`run.sh`). Default true. */
  readonly connect?: boolean;
  /**
   * `config.sh --no-default-labels`: with `behaviour.configDefaultLabels`, a runner otherwise also gets
   * `self-hosted`, its OS and its architecture.
   */
  readonly noDefaultLabels?: boolean;
  /** The runner's OS label. Default `Linux`. */
  readonly os?: string;
  /** The runner's architecture label. Default `X64`. */
  readonly arch?: string;
}

/** A runner group to create. */
export interface CreateRunnerGroupInput {
  readonly name: string;
  readonly visibility?: 'all' | 'selected' | 'private';
  /** `owner/repo` names allowed (organization groups with `selected` visibility). */
  readonly selectedRepositories?: readonly string[];
  /** Organization logins allowed (enterprise groups with `selected` visibility). */
  readonly selectedOrganizations?: readonly string[];
  /** Default false, as on GitHub. */
  readonly allowsPublicRepositories?: boolean;
}

/** Counters of what happened in the model. */
export interface ModelCounters {
  jobsQueued: number;
  jobsStarted: number;
  jobsCompleted: number;
  jobsCancelled: number;
  jobsTimedOut: number;
  /** Jobs queued again because their assigned runner went away or did not pick them up in time. */
  jobsRequeued: number;
  /** Jobs failed when the job lease of their dead runner ran out. */
  jobsLostCommunication: number;
  jitConfigs: number;
  registrationTokens: number;
  runnersRegistered: number;
  runnersConnected: number;
  runnersRemoved: number;
  /** Connected idle JIT runners GitHub removed. */
  idleJitRunnersRemoved: number;
  /** JIT registrations removed because their config was never used. */
  jitConfigsExpired: number;
  /** Runners wedged after a job (`busy: true` stuck). */
  runnersWedged: number;
  tokenMints: number;
  webhooksEmitted: number;
  webhooksSkippedNoInstallation: number;
  /** `queued` events never sent nor logged. */
  webhooksVanished: number;
  /** `completed` events sent late. */
  webhooksLate: number;
  /** `completed` events never sent. */
  webhooksNeverSent: number;
  /** `completed` events sent a second time. */
  webhooksDuplicated: number;
  /** `completed` events re-sent for carried-over jobs after a re-run. */
  webhooksResentAfterRerun: number;
  redeliveries: number;
  /** Re-runs refused (403). */
  rerunsRefused: number;
}

/** A page of the deliveries log, newest first. */
export interface DeliveriesPage {
  readonly deliveries: readonly SimDelivery[];
  /** Pass as `cursor` for the next page; absent on the last page. */
  readonly nextCursor?: string;
}
