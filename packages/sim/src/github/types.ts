// The state of the simulated GitHub: plain data, owned and mutated only by `GitHubModel`. Times are epoch ms.
import type { RunnerScope } from '@ghr/core';

/** An account (organization or user) that owns repositories and may install the App. */
export interface SimAccount {
  readonly id: number;
  readonly login: string;
  readonly type: 'Organization' | 'User';
  readonly nodeId: string;
  /** The enterprise an organization belongs to. */
  readonly enterprise?: string;
  readonly createdAt: number;
}

/** An enterprise account (enterprise-level runners and runner groups). */
export interface SimEnterprise {
  readonly id: number;
  readonly slug: string;
  readonly name: string;
  readonly nodeId: string;
  readonly createdAt: number;
}

/** A repository. */
export interface SimRepo {
  readonly id: number;
  readonly owner: string;
  readonly name: string;
  readonly fullName: string;
  readonly nodeId: string;
  readonly private: boolean;
  readonly createdAt: number;
}

/** An installation of the App on an account. */
export interface SimInstallation {
  readonly id: number;
  readonly account: string;
  readonly targetType: 'Organization' | 'User';
  readonly repositorySelection: 'all' | 'selected';
  /** Repository ids, when `repositorySelection` is `selected`. */
  readonly repositoryIds: readonly number[];
  readonly createdAt: number;
  /** Installation access tokens minted for it. */
  tokenMints: number;
}

/** Where runners and runner groups live, as a string key: `repo:o/r`, `org:o`, `enterprise:e`. */
export type ScopeKey = string;

/** A runner group of an organization or an enterprise. `Default` has id 1 in every scope. */
export interface SimRunnerGroup {
  readonly id: number;
  readonly scope: ScopeKey;
  readonly name: string;
  readonly isDefault: boolean;
  /** `all` repositories (or organizations), `selected` ones, or `private` repositories only. */
  visibility: 'all' | 'selected' | 'private';
  /** `owner/repo` names (org groups) allowed when `visibility` is `selected`. */
  selectedRepositories: string[];
  /** Organization logins (enterprise groups) allowed when `visibility` is `selected`. */
  selectedOrganizations: string[];
  allowsPublicRepositories: boolean;
}

/** A self-hosted runner registration. */
export interface SimRunner {
  readonly id: number;
  readonly name: string;
  readonly scope: ScopeKey;
  readonly groupId: number;
  readonly labels: readonly string[];
  readonly ephemeral: boolean;
  /** How it was registered: a JIT config, or `config.sh` with a registration token. */
  readonly registration: 'jit' | 'token';
  readonly workFolder: string;
  status: 'online' | 'offline';
  busy: boolean;
  /** Set once the runner connected at least once (a JIT config is single-use). */
  connectedAt?: number;
  /** When it last went offline (or registered, if never online): offline runners are removed after a while. */
  offlineSince?: number;
  /** When it last became idle: the longest-idle runner gets the next job. */
  idleSince?: number;
  jobId?: number;
  /** A job assigned to it that it has not picked up yet (see `pickupDelayMs`); the API still shows it idle. */
  assignedJobId?: number;
  /** Runner version reported once online. */
  version?: string;
  /**
   * When its process went away while GitHub still believes it online (a job lease running out, see
   * `GitHubModelBehaviour.jobLease`). Undefined for a live runner.
   */
  lostAt?: number;
  /** Wedged after a job: shows `busy: true`, takes no job, refuses deletion, until its process goes away. */
  wedged?: boolean;
  readonly createdAt: number;
}

/** A workflow run: the jobs of one trigger (a matrix), re-run in numbered attempts. */
export interface SimRun {
  readonly id: number;
  readonly repoId: number;
  /** The latest attempt; a re-run starts the next one. */
  attempt: number;
  /** How many times it was re-run. */
  reruns: number;
  readonly createdAt: number;
}

/** Why a runner process exited without its machine going away (the machine lingers until terminated). */
export type RunnerExitReason =
  /** An ephemeral runner finished its job and exits, as `run.sh` does. */
  | 'job-finished'
  /** GitHub removed its registration (idle JIT runner removed server-side, or deleted through the API). */
  | 'removed';

/** A runner process that exited. */
export interface RunnerExit {
  readonly runnerId: number;
  readonly runnerName: string;
  readonly reason: RunnerExitReason;
  readonly at: number;
}

/** A `workflow_job`. */
export interface SimJob {
  readonly id: number;
  readonly runId: number;
  runAttempt: number;
  readonly repoId: number;
  readonly name: string;
  readonly workflowName: string;
  readonly headBranch: string;
  readonly headSha: string;
  readonly labels: readonly string[];
  status: 'waiting' | 'queued' | 'in_progress' | 'completed';
  conclusion?: 'success' | 'failure' | 'cancelled' | 'skipped';
  /** Environment waiting for approval (`waiting` jobs). */
  readonly environment?: string;
  readonly createdAt: number;
  /** When it entered `queued` (oldest queued jobs are routed first; the 24 h timeout counts from here). */
  queuedAt?: number;
  startedAt?: number;
  completedAt?: number;
  runnerId?: number;
  /** The runner it was assigned to and that has not picked it up yet (the job is still `queued`). */
  assignedRunnerId?: number;
  runnerName?: string;
  runnerGroupId?: number;
  runnerGroupName?: string;
  /** When set, the job completes by itself this long after it started. */
  readonly durationMs?: number;
  /** The conclusion it completes with by itself. */
  readonly plannedConclusion: 'success' | 'failure';
  readonly sender: string;
  /** Names of jobs of its run it waits for (it is queued once they all succeeded). */
  readonly needs?: readonly string[];
  /** Copied from an earlier attempt by a re-run of another job: it does not run again. */
  readonly carriedOver?: boolean;
}

/** A `workflow_job` event as GitHub records it: one per transition, delivered (and redelivered) as is. */
export interface WebhookEvent {
  readonly guid: string;
  readonly event: string;
  readonly action: string;
  readonly installationId: number;
  readonly repositoryId: number;
  readonly jobId: number;
  /** The job as it was when the event happened; the body is built from it, the same on every redelivery. */
  readonly job: Readonly<SimJob>;
  readonly createdAt: number;
}

/** One delivery attempt handed to the driver (the HTTP server POSTs it; the simulator hands it to the engine). */
export interface WebhookAttempt {
  readonly event: WebhookEvent;
  readonly redelivery: boolean;
  /** The exact JSON body (built on first read), the same on every redelivery. */
  readonly body: string;
  /** HTTP headers GitHub sends with it, signed with the model's webhook secret. */
  readonly headers: Readonly<Record<string, string>>;
}

/** The outcome of one attempt, as the driver observed it. */
export interface DeliveryOutcome {
  /** HTTP status; 0 when there was no HTTP response (timeout, connection refused). */
  readonly statusCode: number;
  /** GitHub's status text: `OK`, `Invalid HTTP Response: 503`, `timed out`, `failed to connect to host`. */
  readonly status?: string;
  readonly durationMs: number;
  readonly responseHeaders?: Readonly<Record<string, string>>;
  readonly responseBody?: string;
}

/** An entry of the App's deliveries log (`GET /app/hook/deliveries`). */
export interface SimDelivery {
  readonly id: number;
  readonly guid: string;
  readonly deliveredAt: number;
  readonly redelivery: boolean;
  readonly durationMs: number;
  readonly status: string;
  readonly statusCode: number;
  readonly event: string;
  readonly action: string;
  readonly installationId: number;
  readonly repositoryId: number;
  readonly responseHeaders: Readonly<Record<string, string>>;
  readonly responseBody: string;
}

/** A registration or remove token (`config.sh` / `config.sh remove`). */
export interface SimRunnerToken {
  readonly token: string;
  readonly kind: 'registration' | 'remove';
  readonly scope: ScopeKey;
  readonly expiresAt: number;
}

/** Who made an API call: the App (JWT), an installation (installation token), or a personal access token. */
export type SimPrincipal =
  | { readonly kind: 'app' }
  | { readonly kind: 'installation'; readonly installationId: number }
  | { readonly kind: 'pat'; readonly login: string }
  | { readonly kind: 'anonymous' };

/** Re-exported for convenience: where runners register. */
export type { RunnerScope };
