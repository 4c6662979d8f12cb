// The GitHubApi port over the real Octokit stack: @octokit/core + plugin-throttling + plugin-retry, App auth
// through @octokit/auth-app (installation tokens cached per installation), token auth for enterprises.
import { createAppAuth } from '@octokit/auth-app';
import { Octokit } from '@octokit/core';
import type { OctokitOptions } from '@octokit/core';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { githubApiUrl, scopeKey, silentLogger, systemClock } from '@ghr/core';
import type {
  Clock,
  DeleteRunnerResult,
  GitHubApi,
  GitHubJob,
  GitHubRunner,
  JitConfig,
  Logger,
  RepositoryRef,
  RunnerRelease,
  RunnerScope,
  WebhookDelivery,
} from '@ghr/core';
import { fitsDeadline, raceAbort } from './deadline.js';
import { GitHubError, redact, toGitHubError } from './errors.js';
import { parseRunnerRelease } from './releases.js';
import { RequestLimiter, RetryScheduler } from './limiter.js';
import { InstallationTokenCache } from './token-cache.js';

/** How the client authenticates. */
export type GitHubAuth =
  | {
      readonly kind: 'app';
      /** The GitHub App's id (or client id). */
      readonly appId: number | string;
      /** The App's private key, PEM (PKCS#1 `BEGIN RSA PRIVATE KEY` or PKCS#8 `BEGIN PRIVATE KEY`). */
      readonly privateKey: string;
      /** Installation ids known up front, by account login (org or user); others are looked up once. */
      readonly installationIds?: Readonly<Record<string, number>>;
      /** A token with `manage_runners:enterprise` for enterprise-scoped runners (Apps cannot manage those). */
      readonly enterpriseToken?: string;
    }
  | {
      readonly kind: 'token';
      /** A personal access token (classic or fine-grained) or an enterprise token. */
      readonly token: string;
    };

/** One response's rate-limit budget (`x-ratelimit-*` headers). `reset` is epoch ms. */
export interface RateLimitInfo {
  readonly resource: string;
  readonly limit: number;
  readonly remaining: number;
  readonly reset: number;
  readonly used: number;
}

/** Counters of one `GitHubApi` operation. `requests` counts HTTP requests sent for it, retries included. */
export interface OperationStats {
  readonly calls: number;
  readonly requests: number;
  readonly errors: number;
}

/** What the client has done since it was created (or since `resetStats()`). */
export interface GitHubClientStats {
  /** By operation name (`createJitConfig`, ...). Token mints are not in here: see `tokenMints`. */
  readonly operations: Readonly<Record<string, OperationStats>>;
  /** Every HTTP request sent, token mints and retries included. */
  readonly requests: number;
  /** Installation tokens minted (`POST /app/installations/{id}/access_tokens` answered 201). */
  readonly tokenMints: number;
  /** The last budget seen per rate-limit resource (`core`, ...). */
  readonly rateLimits: Readonly<Record<string, RateLimitInfo>>;
}

/** Options of {@link GitHubClient}. */
export interface GitHubClientOptions {
  readonly auth: GitHubAuth;
  /** github.com, a GHES host or `https://<name>.ghe.com`; the API URL is derived (core's `githubApiUrl`). Default github.com. */
  readonly githubUrl?: string;
  /** The REST API base URL, when it is not the one derived from `githubUrl` (a proxy, a test server). */
  readonly apiUrl?: string;
  /** Called with every response's remaining budget. Must not throw (errors are ignored). */
  readonly onRateLimit?: (info: RateLimitInfo) => void;
  readonly logger?: Logger;
  readonly clock?: Clock;
  /** The fetch implementation; default the global `fetch`. */
  readonly fetch?: typeof fetch;
  readonly userAgent?: string;
  /** Rate-limit handling. */
  readonly throttle?: {
    /** Concurrent requests per client. Default 10 (GitHub allows 100 in total). */
    readonly maxConcurrent?: number;
    /**
     * Minimum time between two writes (POST/PATCH/PUT/DELETE) of this client, ms. Default 340: a client alone
     * stays under GitHub's 900 points per minute per endpoint (a write costs 5 points).
     */
    readonly writeIntervalMs?: number;
    /** Retries of one request after a rate-limit answer (403/429). Default 3. */
    readonly maxRetries?: number;
    /** Longest wait for a rate limit or a retry; longer waits fail at once with a retryable error. Default 60 s. */
    readonly maxWaitMs?: number;
  };
  /** Retries of 5xx and network errors: `retries` times after 1, 4, 9... × `baseDelayMs`. Defaults 3 and 1000. */
  readonly retry?: { readonly retries?: number; readonly baseDelayMs?: number };
  /** Installation tokens are minted anew this long before they expire. Default 5 min. */
  readonly tokenRefreshMarginMs?: number;
}

const OPERATION_HEADER = 'x-ghr-operation';
const MINT_PATH = /\/app\/installations\/\d+\/access_tokens$/;
const PER_PAGE = 100;
const MAX_PAGES = 1_000;

interface Response {
  readonly status: number;
  readonly headers: Record<string, string | number | undefined>;
  readonly data: unknown;
}

type Target = RunnerScope | ({ readonly kind: 'repo' } & RepositoryRef);

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : undefined;
}

function time(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
}

function scopePath(scope: RunnerScope): { readonly prefix: string; readonly params: Record<string, string> } {
  switch (scope.kind) {
    case 'repo':
      return { prefix: '/repos/{owner}/{repo}', params: { owner: scope.owner, repo: scope.repo } };
    case 'org':
      return { prefix: '/orgs/{org}', params: { org: scope.org } };
    case 'enterprise':
      return { prefix: '/enterprises/{enterprise}', params: { enterprise: scope.enterprise } };
  }
}

function toRunner(raw: unknown): GitHubRunner {
  const r = record(raw);
  const labels = Array.isArray(r.labels)
    ? r.labels.map((label) => (typeof label === 'string' ? label : String(record(label).name ?? ''))).filter((l) => l !== '')
    : [];
  return {
    id: Number(r.id),
    name: String(r.name ?? ''),
    status: r.status === 'online' ? 'online' : 'offline',
    busy: r.busy === true,
    labels,
    ...(typeof r.ephemeral === 'boolean' ? { ephemeral: r.ephemeral } : {}),
    ...(typeof r.runner_group_id === 'number' ? { runnerGroupId: r.runner_group_id } : {}),
  };
}

const JOB_STATUSES = new Set(['queued', 'waiting', 'in_progress', 'completed', 'requested', 'pending']);

function toJob(raw: unknown): GitHubJob {
  const j = record(raw);
  const status = typeof j.status === 'string' && JOB_STATUSES.has(j.status) ? (j.status as GitHubJob['status']) : 'queued';
  const startedAt = time(j.started_at);
  const completedAt = time(j.completed_at);
  return {
    id: Number(j.id),
    runId: Number(j.run_id),
    status,
    labels: Array.isArray(j.labels) ? j.labels.filter((l): l is string => typeof l === 'string') : [],
    ...(typeof j.conclusion === 'string' ? { conclusion: j.conclusion } : {}),
    ...(typeof j.runner_name === 'string' && j.runner_name !== '' ? { runnerName: j.runner_name } : {}),
    ...(startedAt === undefined ? {} : { startedAt }),
    ...(completedAt === undefined ? {} : { completedAt }),
  };
}

function toDelivery(raw: unknown): WebhookDelivery {
  const d = record(raw);
  return {
    id: Number(d.id),
    guid: String(d.guid ?? ''),
    deliveredAt: time(d.delivered_at) ?? 0,
    event: String(d.event ?? ''),
    ...(typeof d.action === 'string' ? { action: d.action } : {}),
    statusCode: typeof d.status_code === 'number' ? d.status_code : 0,
    redelivery: d.redelivery === true,
    ...(typeof d.installation_id === 'number' ? { installationId: d.installation_id } : {}),
  };
}

/** `rel="next"` of a `link` header, or undefined. */
function nextLink(headers: Record<string, string | number | undefined>): string | undefined {
  const link = headers.link;
  if (typeof link !== 'string') return undefined;
  const match = /<([^>]+)>;\s*rel="next"/.exec(link);
  return match?.[1];
}

function octokitLog(logger: Logger): { debug: (m: string) => void; info: (m: string) => void; warn: (m: string) => void; error: (m: string) => void } {
  const text = (message: unknown) => redact(typeof message === 'string' ? message : String(message));
  return {
    debug: (message) => logger.debug(text(message)),
    info: (message) => logger.info(text(message)),
    warn: (message) => logger.warn(text(message)),
    error: (message) => logger.error(text(message)),
  };
}

/** Settings the deadline guard reads (carried in the Octokit options under `ghr`). */
interface GuardSettings {
  readonly now: () => number;
  readonly baseDelayMs: number;
  readonly maxWaitMs: number;
}

/**
 * An Octokit plugin between plugin-throttling and plugin-retry: before plugin-retry schedules a 5xx retry, it
 * checks that the wait ends before the signal's deadline; if not, the retry is cancelled and the error surfaces.
 */
function deadlineGuard(octokit: Octokit, options: OctokitOptions): Record<string, never> {
  const settings = (options as { ghr?: GuardSettings }).ghr;
  if (settings === undefined) return {};
  octokit.hook.error('request', (error, requestOptions) => {
    const status = statusOf(error);
    const bag = requestOptions.request as { signal?: AbortSignal; retryCount?: number; retries?: number } | undefined;
    if (bag !== undefined && status !== undefined && (status >= 500 || status === 408)) {
      const delay = ((bag.retryCount ?? 0) + 1) ** 2 * settings.baseDelayMs;
      if (!fitsDeadline(bag.signal, settings.now(), delay, settings.maxWaitMs)) bag.retries = 0;
    }
    throw error;
  });
  return {};
}

const GhrOctokit = /* @__PURE__ */ Octokit.plugin(throttling, deadlineGuard, retry);
type GhrOctokitInstance = InstanceType<typeof GhrOctokit>;

/**
 * The `GitHubApi` port over Octokit, for repository, organization and enterprise runners on github.com, GHES
 * and ghe.com. One instance per process: it caches installation ids, installation tokens (until 5 minutes
 * before they expire), App JWTs and runner-group ids, and counts every request it sends (`stats()`).
 *
 * Every operation takes an `AbortSignal`; a signal from `deadlineSignal()` also bounds rate-limit and retry
 * waits: a wait that would end after the deadline is not started and the call fails with a retryable
 * `GitHubError`. Errors are `GitHubError`s, redacted.
 *
 * @example
 * ```ts
 * const github = new GitHubClient({
 *   githubUrl: 'https://github.com',
 *   auth: { kind: 'app', appId: 12345, privateKey: pem },
 *   onRateLimit: ({ resource, remaining }) => metrics.record('GitHubRateRemaining', remaining, 'Count', { resource }),
 * });
 * const jit = await github.createJitConfig(
 *   { kind: 'org', org: 'acme' },
 *   { name: 'ghr-linux-1', labels: ['self-hosted', 'linux'], runnerGroup: 'ci' },
 *   deadlineSignal(30_000),
 * );
 * ```
 */
export class GitHubClient implements GitHubApi {
  /** The REST API base URL in use. */
  readonly baseUrl: string;
  private readonly octokit: GhrOctokitInstance;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly auth: GitHubAuth;
  private readonly appAuth: ReturnType<typeof createAppAuth> | undefined;
  private readonly tokens: InstallationTokenCache;
  private readonly installations = new Map<string, number>();
  private readonly lookups = new Map<string, Promise<number>>();
  private readonly groups = new Map<string, number>();
  private jwt: { readonly token: string; readonly validUntil: number } | undefined;
  private release: { readonly etag: string; readonly value: RunnerRelease } | undefined;
  private counters = new Map<string, { calls: number; requests: number; errors: number }>();
  private totals = { requests: 0, tokenMints: 0 };
  private readonly rateLimits = new Map<string, RateLimitInfo>();
  private readonly onRateLimit: ((info: RateLimitInfo) => void) | undefined;

  constructor(options: GitHubClientOptions) {
    this.auth = options.auth;
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
    this.onRateLimit = options.onRateLimit;
    this.baseUrl = (options.apiUrl ?? githubApiUrl(options.githubUrl ?? 'https://github.com')).replace(/\/+$/, '');
    const now = () => this.clock.now();
    const maxWaitMs = options.throttle?.maxWaitMs ?? 60_000;
    const maxRateRetries = options.throttle?.maxRetries ?? 3;
    const baseDelayMs = options.retry?.baseDelayMs ?? 1_000;
    const log = octokitLog(this.logger);
    const onLimit =
      (kind: string) =>
      (retryAfter: number, request: { method?: string; url?: string; request?: { signal?: AbortSignal } }, _octokit: unknown, retryCount: number) => {
        const waitMs = retryAfter * 1000;
        const retrying = retryCount < maxRateRetries && fitsDeadline(request.request?.signal, now(), waitMs, maxWaitMs);
        this.logger.warn(`GitHub ${kind} rate limit on ${request.method ?? ''} ${request.url ?? ''}`, {
          retryAfterMs: waitMs,
          retryCount,
          retrying,
        });
        return retrying;
      };
    this.octokit = new GhrOctokit({
      baseUrl: this.baseUrl,
      userAgent: options.userAgent ?? 'ghr-github/0.1.0',
      log,
      headers: { 'x-github-api-version': '2022-11-28' },
      request: { fetch: this.countingFetch(options.fetch ?? globalThis.fetch), log },
      throttle: {
        onRateLimit: onLimit('primary'),
        onSecondaryRateLimit: onLimit('secondary'),
        fallbackSecondaryRateRetryAfter: 60,
        // Per-client limiters (the plugin's default Bottleneck groups are shared by every client in the process,
        // and cost several event-loop turns per request).
        global: new RequestLimiter(options.throttle?.maxConcurrent ?? 10, 0),
        auth: new RequestLimiter(1, 0),
        write: new RequestLimiter(1, options.throttle?.writeIntervalMs ?? 340),
        search: new RequestLimiter(1, 2_000),
        notifications: new RequestLimiter(1, 3_000),
        // Rate-limit retries: waits end when the request's signal fires.
        retryLimiter: new RetryScheduler(),
      } as never,
      retry: {
        retries: options.retry?.retries ?? 3,
        retryAfterBaseValue: baseDelayMs,
        // Rate limits are plugin-throttling's; 4xx are answers.
        doNotRetry: [400, 401, 403, 404, 409, 410, 422, 429, 451],
      },
      ghr: { now, baseDelayMs, maxWaitMs } satisfies GuardSettings,
    } as ConstructorParameters<typeof GhrOctokit>[0]);
    this.tokens = new InstallationTokenCache(now, options.tokenRefreshMarginMs ?? 5 * 60_000);
    if (options.auth.kind === 'app') {
      for (const [login, id] of Object.entries(options.auth.installationIds ?? {})) this.installations.set(login.toLowerCase(), id);
      this.appAuth = createAppAuth({
        appId: options.auth.appId,
        privateKey: options.auth.privateKey,
        // auth-app's type wants `get` to return a string; a miss (undefined) is what it checks for at run time.
        cache: this.tokens as unknown as { get: (key: string) => string; set: (key: string, value: string) => void },
        log,
        request: this.octokit.request.defaults({ headers: { [OPERATION_HEADER]: 'tokenMint' } }),
      });
    }
  }

  /**
   * Records the installation id of an account, e.g. from a webhook payload, so no lookup is needed.
   *
   * @example
   * ```ts
   * if (event.installationId) github.rememberInstallation(event.repository.owner, event.installationId);
   * ```
   */
  rememberInstallation(account: string, installationId: number): void {
    this.installations.set(account.toLowerCase(), installationId);
  }

  /**
   * A snapshot of the client's counters: calls, requests and errors per operation, token mints, rate limits.
   *
   * @example
   * ```ts
   * const { operations, tokenMints } = github.stats();
   * ```
   */
  stats(): GitHubClientStats {
    const operations: Record<string, OperationStats> = {};
    for (const [name, counter] of this.counters) operations[name] = { ...counter };
    return {
      operations,
      requests: this.totals.requests,
      tokenMints: this.totals.tokenMints,
      rateLimits: Object.fromEntries(this.rateLimits),
    };
  }

  /**
   * Sets every counter of `stats()` back to zero (caches are kept).
   *
   * @example
   * ```ts
   * github.resetStats();
   * ```
   */
  resetStats(): void {
    this.counters = new Map();
    this.totals = { requests: 0, tokenMints: 0 };
  }

  // ---------------------------------------------------------------------------------------------- operations

  /**
   * A JIT runner configuration (`POST …/actions/runners/generate-jitconfig`). `runnerGroup` is resolved by name
   * (listed once per scope, then cached); none means the Default group (id 1). A duplicate name is a
   * `conflict`. The `encodedJitConfig` is a secret: hand it to the runner only.
   *
   * @example
   * ```ts
   * const { runnerId, encodedJitConfig } = await github.createJitConfig(
   *   { kind: 'repo', owner: 'acme', repo: 'web' },
   *   { name: 'ghr-linux-7', labels: ['self-hosted', 'linux'] },
   *   signal,
   * );
   * ```
   */
  createJitConfig(
    scope: RunnerScope,
    request: { readonly name: string; readonly labels: readonly string[]; readonly runnerGroup?: string; readonly workFolder?: string },
    signal: AbortSignal,
  ): Promise<JitConfig> {
    const op = 'createJitConfig';
    return this.run(op, signal, () =>
      this.withAuth(scope, op, signal, async (authorization) => {
        const groupId = await this.runnerGroupId(scope, request.runnerGroup, op, authorization, signal);
        const { prefix, params } = scopePath(scope);
        try {
          const response = await this.send(op, `POST ${prefix}/actions/runners/generate-jitconfig`, authorization, signal, {
            ...params,
            name: request.name,
            runner_group_id: groupId,
            labels: [...request.labels],
            work_folder: request.workFolder ?? '_work',
          });
          const data = record(response.data);
          const runner = record(data.runner);
          if (typeof data.encoded_jit_config !== 'string' || typeof runner.id !== 'number') {
            throw new GitHubError('GitHub answered generate-jitconfig without runner.id or encoded_jit_config.', {
              code: 'internal',
              retryable: true,
              operation: op,
            });
          }
          return { runnerId: runner.id, encodedJitConfig: data.encoded_jit_config };
        } catch (error) {
          // A stale group id (group deleted and re-created): resolve the name again next time.
          if (request.runnerGroup !== undefined && (statusOf(error) === 404 || statusOf(error) === 422)) {
            this.groups.delete(`${scopeKey(scope)}#${request.runnerGroup.toLowerCase()}`);
          }
          throw error;
        }
      }),
    );
  }

  /**
   * A registration token for `config.sh` (non-ephemeral pools); it expires after an hour.
   *
   * @example
   * ```ts
   * const { token, expiresAt } = await github.createRegistrationToken({ kind: 'org', org: 'acme' }, signal);
   * ```
   */
  createRegistrationToken(scope: RunnerScope, signal: AbortSignal): Promise<{ readonly token: string; readonly expiresAt: number }> {
    const op = 'createRegistrationToken';
    return this.run(op, signal, () =>
      this.withAuth(scope, op, signal, async (authorization) => {
        const { prefix, params } = scopePath(scope);
        const response = await this.send(op, `POST ${prefix}/actions/runners/registration-token`, authorization, signal, params);
        const data = record(response.data);
        if (typeof data.token !== 'string') {
          throw new GitHubError('GitHub answered registration-token without a token.', { code: 'internal', retryable: true, operation: op });
        }
        return { token: data.token, expiresAt: time(data.expires_at) ?? this.clock.now() + 3_600_000 };
      }),
    );
  }

  /**
   * Every runner registration of a scope, 100 per request, stopping at `total_count` (250 runners: 3 requests).
   *
   * @example
   * ```ts
   * const idle = (await github.listRunners({ kind: 'org', org: 'acme' }, signal)).filter((r) => !r.busy);
   * ```
   */
  listRunners(scope: RunnerScope, signal: AbortSignal): Promise<readonly GitHubRunner[]> {
    const op = 'listRunners';
    return this.run(op, signal, () =>
      this.withAuth(scope, op, signal, async (authorization) => {
        const { prefix, params } = scopePath(scope);
        const runners: GitHubRunner[] = [];
        for (let page = 1; page <= MAX_PAGES; page++) {
          const response = await this.send(op, `GET ${prefix}/actions/runners`, authorization, signal, {
            ...params,
            per_page: PER_PAGE,
            page,
          });
          const data = record(response.data);
          const batch = Array.isArray(data.runners) ? data.runners : [];
          for (const raw of batch) runners.push(toRunner(raw));
          const total = typeof data.total_count === 'number' ? data.total_count : undefined;
          const more = nextLink(response.headers) !== undefined || (batch.length === PER_PAGE && response.headers.link === undefined);
          if (batch.length < PER_PAGE || (total !== undefined && runners.length >= total) || !more) break;
        }
        return runners;
      }),
    );
  }

  /**
   * One runner registration, or `undefined` when GitHub does not know it (404).
   *
   * @example
   * ```ts
   * const runner = await github.getRunner({ kind: 'org', org: 'acme' }, 42, signal);
   * ```
   */
  getRunner(scope: RunnerScope, runnerId: number, signal: AbortSignal): Promise<GitHubRunner | undefined> {
    const op = 'getRunner';
    return this.run(op, signal, () =>
      this.withAuth(scope, op, signal, async (authorization) => {
        const { prefix, params } = scopePath(scope);
        try {
          const response = await this.send(op, `GET ${prefix}/actions/runners/{runner_id}`, authorization, signal, {
            ...params,
            runner_id: runnerId,
          });
          return toRunner(response.data);
        } catch (error) {
          if (statusOf(error) === 404) return undefined;
          throw error;
        }
      }),
    );
  }

  /**
   * Deregisters a runner: `deleted`, `busy` (GitHub answered 422: it is running a job) or `not-found`.
   *
   * @example
   * ```ts
   * if ((await github.deleteRunner(scope, runner.githubId, signal)) !== 'busy') await provider.terminate([id], signal);
   * ```
   */
  deleteRunner(scope: RunnerScope, runnerId: number, signal: AbortSignal): Promise<DeleteRunnerResult> {
    const op = 'deleteRunner';
    return this.run(op, signal, () =>
      this.withAuth(scope, op, signal, async (authorization): Promise<DeleteRunnerResult> => {
        const { prefix, params } = scopePath(scope);
        try {
          await this.send(op, `DELETE ${prefix}/actions/runners/{runner_id}`, authorization, signal, { ...params, runner_id: runnerId });
          return 'deleted';
        } catch (error) {
          if (statusOf(error) === 404) return 'not-found';
          if (statusOf(error) === 422) return 'busy';
          throw error;
        }
      }),
    );
  }

  /**
   * A job's status as GitHub reports it, or `undefined` for an unknown job (404).
   *
   * @example
   * ```ts
   * const job = await github.getJob({ owner: 'acme', repo: 'web' }, 123, signal);
   * ```
   */
  getJob(repository: RepositoryRef, jobId: number, signal: AbortSignal): Promise<GitHubJob | undefined> {
    const op = 'getJob';
    return this.run(op, signal, () =>
      this.withAuth({ kind: 'repo', ...repository }, op, signal, async (authorization) => {
        try {
          const response = await this.send(op, 'GET /repos/{owner}/{repo}/actions/jobs/{job_id}', authorization, signal, {
            owner: repository.owner,
            repo: repository.repo,
            job_id: jobId,
          });
          return toJob(response.data);
        } catch (error) {
          if (statusOf(error) === 404) return undefined;
          throw error;
        }
      }),
    );
  }

  /**
   * Re-runs one job of a completed workflow run (e.g. after a spot interruption killed its runner).
   *
   * @example
   * ```ts
   * await github.rerunJob({ owner: 'acme', repo: 'web' }, 123, signal);
   * ```
   */
  rerunJob(repository: RepositoryRef, jobId: number, signal: AbortSignal): Promise<void> {
    const op = 'rerunJob';
    return this.run(op, signal, () =>
      this.withAuth({ kind: 'repo', ...repository }, op, signal, async (authorization) => {
        await this.send(op, 'POST /repos/{owner}/{repo}/actions/jobs/{job_id}/rerun', authorization, signal, {
          owner: repository.owner,
          repo: repository.repo,
          job_id: jobId,
        });
      }),
    );
  }

  /**
   * Failed deliveries of the App's webhook since `since` (epoch ms), newest first: one per delivery GUID (its
   * newest attempt), leaving out GUIDs of which any attempt in the window got a 2xx. Needs App auth.
   *
   * @example
   * ```ts
   * for (const delivery of await github.listFailedDeliveries(Date.now() - 3_600_000, signal)) {
   *   await github.redeliver(delivery.id, signal);
   * }
   * ```
   */
  listFailedDeliveries(since: number, signal: AbortSignal): Promise<readonly WebhookDelivery[]> {
    const op = 'listFailedDeliveries';
    return this.run(op, signal, async () => {
      const authorization = await this.appAuthorization(op);
      const all: WebhookDelivery[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < MAX_PAGES; page++) {
        const response = await this.send(op, 'GET /app/hook/deliveries', authorization, signal, {
          per_page: PER_PAGE,
          ...(cursor === undefined ? {} : { cursor }),
        });
        const batch = Array.isArray(response.data) ? response.data.map(toDelivery) : [];
        let reachedSince = false;
        for (const delivery of batch) {
          if (delivery.deliveredAt < since) {
            reachedSince = true;
            break;
          }
          all.push(delivery);
        }
        const next = nextLink(response.headers);
        cursor = next === undefined ? undefined : (new URL(next, this.baseUrl).searchParams.get('cursor') ?? undefined);
        if (reachedSince || cursor === undefined || batch.length === 0) break;
      }
      const succeeded = new Set(all.filter((d) => d.statusCode >= 200 && d.statusCode < 300).map((d) => d.guid));
      const seen = new Set<string>();
      const failed: WebhookDelivery[] = [];
      for (const delivery of all) {
        if (succeeded.has(delivery.guid) || seen.has(delivery.guid)) continue;
        seen.add(delivery.guid);
        failed.push(delivery);
      }
      return failed;
    });
  }

  /**
   * Asks GitHub to deliver a webhook delivery again (same `X-GitHub-Delivery` GUID). Needs App auth.
   *
   * @example
   * ```ts
   * await github.redeliver(delivery.id, signal);
   * ```
   */
  redeliver(deliveryId: number, signal: AbortSignal): Promise<void> {
    const op = 'redeliver';
    return this.run(op, signal, async () => {
      const authorization = await this.appAuthorization(op);
      await this.send(op, 'POST /app/hook/deliveries/{delivery_id}/attempts', authorization, signal, { delivery_id: deliveryId });
    });
  }

  /**
   * The newest `actions/runner` release with its per-platform assets and SHA-256 sums. Conditional (ETag): an
   * unchanged release costs no rate-limit budget. Uses the token, or an installation token of a known
   * installation, else no auth.
   *
   * @example
   * ```ts
   * const { version, assets } = await github.latestRunnerRelease(signal);
   * ```
   */
  latestRunnerRelease(signal: AbortSignal): Promise<RunnerRelease> {
    const op = 'latestRunnerRelease';
    return this.run(op, signal, async () => {
      const authorization = await this.anyAuthorization();
      try {
        const response = await this.send(
          op,
          'GET /repos/{owner}/{repo}/releases/latest',
          authorization,
          signal,
          { owner: 'actions', repo: 'runner' },
          this.release === undefined ? {} : { 'if-none-match': this.release.etag },
        );
        const value = parseRunnerRelease(response.data);
        const etag = response.headers.etag;
        this.release = typeof etag === 'string' ? { etag, value } : undefined;
        return value;
      } catch (error) {
        if (statusOf(error) === 304 && this.release !== undefined) return this.release.value;
        throw error;
      }
    });
  }

  // ---------------------------------------------------------------------------------------------- plumbing

  private counter(op: string): { calls: number; requests: number; errors: number } {
    let counter = this.counters.get(op);
    if (counter === undefined) {
      counter = { calls: 0, requests: 0, errors: 0 };
      this.counters.set(op, counter);
    }
    return counter;
  }

  /** Runs one operation: counts it, races it against the signal, translates whatever it throws. */
  private async run<T>(op: string, signal: AbortSignal, body: () => Promise<T>): Promise<T> {
    this.counter(op).calls++;
    try {
      if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('aborted');
      return await raceAbort(body(), signal);
    } catch (error) {
      this.counter(op).errors++;
      throw toGitHubError(error, op, this.clock.now(), signal);
    }
  }

  private async send(
    op: string,
    route: string,
    authorization: string | undefined,
    signal: AbortSignal,
    params: Record<string, unknown>,
    headers: Record<string, string> = {},
  ): Promise<Response> {
    const response = await this.octokit.request(route, {
      ...params,
      headers: { ...headers, ...(authorization === undefined ? {} : { authorization }), [OPERATION_HEADER]: op },
      request: { signal },
    });
    return response as unknown as Response;
  }

  /** The fetch under Octokit: strips our operation header, counts the request, reports the rate-limit budget. */
  private countingFetch(base: typeof fetch): typeof fetch {
    return async (input, init) => {
      const headers = { ...((init?.headers ?? {}) as Record<string, string>) };
      const op = headers[OPERATION_HEADER];
      delete headers[OPERATION_HEADER];
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      const path = url.split('?')[0] ?? '';
      const mint = MINT_PATH.test(path);
      // A call cut short while queued (write pacing, rate-limit wait) sends nothing, and counts nothing.
      if (init?.signal?.aborted === true) throw init.signal.reason instanceof Error ? init.signal.reason : new DOMException('Aborted', 'AbortError');
      this.totals.requests++;
      if (op !== undefined && !mint) this.counter(op).requests++;
      const response = await base(input, { ...init, headers });
      if (mint && response.status === 201) this.totals.tokenMints++;
      this.observeRateLimit(response.headers);
      return response;
    };
  }

  private observeRateLimit(headers: Headers): void {
    const limit = headers.get('x-ratelimit-limit');
    const remaining = headers.get('x-ratelimit-remaining');
    if (limit === null || remaining === null) return;
    const info: RateLimitInfo = {
      resource: headers.get('x-ratelimit-resource') ?? 'core',
      limit: Number(limit),
      remaining: Number(remaining),
      reset: Number(headers.get('x-ratelimit-reset') ?? 0) * 1000,
      used: Number(headers.get('x-ratelimit-used') ?? Number(limit) - Number(remaining)),
    };
    this.rateLimits.set(info.resource, info);
    try {
      this.onRateLimit?.(info);
    } catch {
      // An observer must not break a call.
    }
  }

  /** The `authorization` value for an App-level endpoint: a JWT, reused for up to 5 minutes. */
  private async appAuthorization(op: string): Promise<string> {
    if (this.appAuth === undefined) {
      throw new GitHubError(`${op} needs GitHub App auth (App JWT); this client uses a token.`, {
        code: 'invalid-config',
        retryable: false,
        operation: op,
      });
    }
    const now = this.clock.now();
    if (this.jwt === undefined || now >= this.jwt.validUntil) {
      const { token } = await this.appAuth({ type: 'app' });
      this.jwt = { token, validUntil: now + 5 * 60_000 };
    }
    return `bearer ${this.jwt.token}`;
  }

  /** The App's installation id on the account that owns `target`: configured, remembered or looked up once. */
  private installationId(target: Target, op: string, signal: AbortSignal): Promise<number> {
    const account = (target.kind === 'org' ? target.org : target.kind === 'repo' ? target.owner : target.enterprise).toLowerCase();
    const known = this.installations.get(account);
    if (known !== undefined) return Promise.resolve(known);
    let pending = this.lookups.get(account);
    if (pending === undefined) {
      pending = (async () => {
        const authorization = await this.appAuthorization(op);
        try {
          const response =
            target.kind === 'repo'
              ? await this.send(op, 'GET /repos/{owner}/{repo}/installation', authorization, signal, { owner: target.owner, repo: target.repo })
              : await this.send(op, 'GET /orgs/{org}/installation', authorization, signal, {
                  org: target.kind === 'org' ? target.org : target.enterprise,
                });
          const id = record(response.data).id;
          if (typeof id !== 'number') throw new GitHubError('GitHub answered an installation without an id.', { code: 'internal', operation: op });
          this.installations.set(account, id);
          return id;
        } catch (error) {
          if (statusOf(error) === 404) {
            throw new GitHubError(`The GitHub App is not installed on "${account}"; install it there (or fix the pool's scope).`, {
              code: 'not-found',
              retryable: false,
              operation: op,
              status: 404,
              cause: toGitHubError(error, op, this.clock.now()),
            });
          }
          throw error;
        } finally {
          this.lookups.delete(account);
        }
      })();
      this.lookups.set(account, pending);
    }
    return pending;
  }

  /**
   * Runs `body` with the right `authorization` for `target`. With App auth, a token mint that answers 404 (the App
   * was reinstalled: new installation id) or a call that answers 401 (token revoked) re-resolves the installation
   * and tries once more.
   */
  private async withAuth<T>(target: Target, op: string, signal: AbortSignal, body: (authorization: string) => Promise<T>): Promise<T> {
    if (this.auth.kind === 'token') return body(`token ${this.auth.token}`);
    if (target.kind === 'enterprise') {
      if (this.auth.enterpriseToken === undefined) {
        throw new GitHubError(
          `Enterprise runners ("${target.enterprise}") need a token with manage_runners:enterprise: set auth.enterpriseToken.`,
          { code: 'invalid-config', retryable: false, operation: op },
        );
      }
      return body(`token ${this.auth.enterpriseToken}`);
    }
    const appAuth = this.appAuth!;
    for (let attempt = 0; ; attempt++) {
      const installationId = await this.installationId(target, op, signal);
      let token: string;
      try {
        ({ token } = await appAuth({ type: 'installation', installationId }));
      } catch (error) {
        if (attempt === 0 && statusOf(error) === 404) {
          this.forgetInstallation(target, installationId);
          continue;
        }
        throw error;
      }
      try {
        return await body(`token ${token}`);
      } catch (error) {
        if (attempt === 0 && statusOf(error) === 401) {
          this.forgetInstallation(target, installationId);
          continue;
        }
        throw error;
      }
    }
  }

  private forgetInstallation(target: Target, installationId: number): void {
    const account = (target.kind === 'org' ? target.org : target.kind === 'repo' ? target.owner : target.enterprise).toLowerCase();
    if (this.installations.get(account) === installationId) this.installations.delete(account);
    this.tokens.delete(String(installationId));
    this.logger.warn('GitHub App installation re-resolved', { account, installationId });
  }

  /** Authorization for endpoints that any credential can read (public repositories). */
  private async anyAuthorization(): Promise<string | undefined> {
    if (this.auth.kind === 'token') return `token ${this.auth.token}`;
    const first = this.installations.values().next();
    if (first.done === true || this.appAuth === undefined) return undefined;
    const { token } = await this.appAuth({ type: 'installation', installationId: first.value });
    return `token ${token}`;
  }

  /** The runner group id for a name: 1 (Default) when unnamed; else listed once per scope and cached. */
  private async runnerGroupId(scope: RunnerScope, name: string | undefined, op: string, authorization: string, signal: AbortSignal): Promise<number> {
    if (name === undefined || name.toLowerCase() === 'default') return 1;
    if (scope.kind === 'repo') {
      throw new GitHubError(`Repository runners have no runner groups; remove runnerGroup "${name}" from the pool's scope.`, {
        code: 'invalid-config',
        retryable: false,
        operation: op,
      });
    }
    const key = scopeKey(scope);
    const cached = this.groups.get(`${key}#${name.toLowerCase()}`);
    if (cached !== undefined) return cached;
    const { prefix, params } = scopePath(scope);
    for (let page = 1; page <= MAX_PAGES; page++) {
      const response = await this.send(op, `GET ${prefix}/actions/runner-groups`, authorization, signal, { ...params, per_page: PER_PAGE, page });
      const batch = Array.isArray(record(response.data).runner_groups) ? (record(response.data).runner_groups as unknown[]) : [];
      for (const raw of batch) {
        const g = record(raw);
        if (typeof g.id === 'number' && typeof g.name === 'string') this.groups.set(`${key}#${g.name.toLowerCase()}`, g.id);
      }
      const found = this.groups.get(`${key}#${name.toLowerCase()}`);
      if (found !== undefined) return found;
      if (batch.length < PER_PAGE) break;
    }
    throw new GitHubError(
      `Runner group "${name}" does not exist in ${scope.kind} "${scope.kind === 'org' ? scope.org : scope.enterprise}"; create it or fix the pool's runnerGroup.`,
      { code: 'invalid-config', retryable: false, operation: op },
    );
  }
}
