// The GitHubApi port over the real Octokit stack: one method per operation. Auth lives in `auth.ts`, the Octokit
// plugin stack in `octokit.ts`, payload mapping in `mapping.ts`, counters in `stats.ts`.
import { githubApiUrl, insecureGitHubUrl, scopeKey, silentLogger, systemClock } from '@ghr/core';
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
import { GitHubAuthenticator } from './auth.js';
import type { GitHubAuth } from './auth.js';
import { raceAbort } from './deadline.js';
import { DeliveryLog } from './deliveries.js';
import type { DeliveriesPage } from './deliveries.js';
import { GitHubError, toGitHubError } from './errors.js';
import { nextLink, record, scopePath, statusOf, time, toDelivery, toJob, toRunner } from './mapping.js';
import { createOctokit, mintRequest, octokitLog, send } from './octokit.js';
import type { GitHubResponse, GhrOctokitInstance } from './octokit.js';
import { parseRunnerRelease } from './releases.js';
import { CallStats } from './stats.js';
import type { GitHubClientStats, RateLimitInfo } from './stats.js';

/** Options of {@link GitHubClient}. */
export interface GitHubClientOptions {
  readonly auth: GitHubAuth;
  /**
   * github.com, a GHES host or `https://<name>.ghe.com`; the API URL is derived (core's `githubApiUrl`). Default
   * github.com. https only, except for a loopback host (a local test server).
   */
  readonly githubUrl?: string;
  /** The REST API base URL, when it is not the one derived from `githubUrl` (a proxy, a test server). Same rule. */
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

const PER_PAGE = 100;
const MAX_PAGES = 1_000;

/** The REST API base URL of `options`, refused unless credentials may travel to it. */
function apiBaseUrl(options: GitHubClientOptions): string {
  const url = (options.apiUrl ?? githubApiUrl(options.githubUrl ?? 'https://github.com')).replace(/\/+$/, '');
  const insecure = insecureGitHubUrl(url);
  if (insecure !== undefined) {
    throw new GitHubError(`The GitHub API URL ${JSON.stringify(url)} ${insecure}: every request carries a token; use https.`, {
      code: 'invalid-config',
      retryable: false,
    });
  }
  return url;
}

/**
 * The `GitHubApi` port over Octokit, for repository, organization and enterprise runners on github.com, GHES
 * and ghe.com. One instance per process: it caches installation ids, installation tokens (until 5 minutes
 * before they expire), App JWTs and runner-group ids, and counts every request it sends (`stats()`).
 *
 * Every operation takes an `AbortSignal`; a signal from `deadlineSignal()` also bounds rate-limit and retry
 * waits: a wait that would end after the deadline is not started and the call fails with a retryable
 * `GitHubError`. Errors are `GitHubError`s, redacted. Credentials are held in `#private` fields: neither
 * `util.inspect` nor `JSON.stringify` of a client shows a key, a JWT or a token. The API URL must be https
 * (plain http only to a loopback host).
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
  readonly #octokit: GhrOctokitInstance;
  readonly #clock: Clock;
  readonly #auth: GitHubAuthenticator;
  readonly #stats: CallStats;
  readonly #groups = new Map<string, number>();
  readonly #deliveries = new DeliveryLog();
  #release: { readonly etag: string; readonly value: RunnerRelease } | undefined;

  /** @throws GitHubError `invalid-config` when the API URL is plain http to a host that is not loopback. */
  constructor(options: GitHubClientOptions) {
    this.baseUrl = apiBaseUrl(options);
    this.#clock = options.clock ?? systemClock;
    const logger = options.logger ?? silentLogger;
    const log = octokitLog(logger);
    const now = () => this.#clock.now();
    this.#stats = new CallStats(options.onRateLimit);
    this.#octokit = createOctokit({
      baseUrl: this.baseUrl,
      userAgent: options.userAgent ?? 'ghr-github/0.1.0',
      logger,
      log,
      now,
      fetch: this.#stats.countingFetch(options.fetch ?? globalThis.fetch),
      maxConcurrent: options.throttle?.maxConcurrent ?? 10,
      writeIntervalMs: options.throttle?.writeIntervalMs ?? 340,
      maxRateRetries: options.throttle?.maxRetries ?? 3,
      maxWaitMs: options.throttle?.maxWaitMs ?? 60_000,
      retries: options.retry?.retries ?? 3,
      baseDelayMs: options.retry?.baseDelayMs ?? 1_000,
    });
    this.#auth = new GitHubAuthenticator({
      auth: options.auth,
      clock: this.#clock,
      logger,
      log,
      mintRequest: mintRequest(this.#octokit),
      send: (op, route, authorization, signal, params) => this.#send(op, route, authorization, signal, params),
      tokenRefreshMarginMs: options.tokenRefreshMarginMs ?? 5 * 60_000,
    });
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
    this.#auth.remember(account, installationId);
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
    return this.#stats.snapshot();
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
    this.#stats.reset();
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
    return this.#run(op, signal, () =>
      this.#auth.run(scope, op, signal, async (authorization) => {
        const groupId = await this.#runnerGroupId(scope, request.runnerGroup, op, authorization, signal);
        const { prefix, params } = scopePath(scope);
        try {
          const response = await this.#send(op, `POST ${prefix}/actions/runners/generate-jitconfig`, authorization, signal, {
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
            this.#groups.delete(`${scopeKey(scope)}#${request.runnerGroup.toLowerCase()}`);
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
    return this.#run(op, signal, () =>
      this.#auth.run(scope, op, signal, async (authorization) => {
        const { prefix, params } = scopePath(scope);
        const response = await this.#send(op, `POST ${prefix}/actions/runners/registration-token`, authorization, signal, params);
        const data = record(response.data);
        if (typeof data.token !== 'string') {
          throw new GitHubError('GitHub answered registration-token without a token.', { code: 'internal', retryable: true, operation: op });
        }
        return { token: data.token, expiresAt: time(data.expires_at) ?? this.#clock.now() + 3_600_000 };
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
    return this.#run(op, signal, () =>
      this.#auth.run(scope, op, signal, async (authorization) => {
        const { prefix, params } = scopePath(scope);
        const runners: GitHubRunner[] = [];
        for (let page = 1; page <= MAX_PAGES; page++) {
          const response = await this.#send(op, `GET ${prefix}/actions/runners`, authorization, signal, {
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
    return this.#run(op, signal, () =>
      this.#auth.run(scope, op, signal, async (authorization) => {
        const { prefix, params } = scopePath(scope);
        try {
          const response = await this.#send(op, `GET ${prefix}/actions/runners/{runner_id}`, authorization, signal, {
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
    return this.#run(op, signal, () =>
      this.#auth.run(scope, op, signal, async (authorization): Promise<DeleteRunnerResult> => {
        const { prefix, params } = scopePath(scope);
        try {
          await this.#send(op, `DELETE ${prefix}/actions/runners/{runner_id}`, authorization, signal, { ...params, runner_id: runnerId });
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
    return this.#run(op, signal, () =>
      this.#auth.run({ kind: 'repo', ...repository }, op, signal, async (authorization) => {
        try {
          const response = await this.#send(op, 'GET /repos/{owner}/{repo}/actions/jobs/{job_id}', authorization, signal, {
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
    return this.#run(op, signal, () =>
      this.#auth.run({ kind: 'repo', ...repository }, op, signal, async (authorization) => {
        await this.#send(op, 'POST /repos/{owner}/{repo}/actions/jobs/{job_id}/rerun', authorization, signal, {
          owner: repository.owner,
          repo: repository.repo,
          job_id: jobId,
        });
      }),
    );
  }

  /**
   * Failed deliveries of the App's webhook since `since` (epoch ms), newest first: one per delivery GUID (its
   * newest attempt), leaving out GUIDs of which any attempt in the window succeeded. As GitHub's `status` filter
   * counts them, 200–399 is a success; 400–599, timeouts and failed connections are failures. Needs App auth.
   * GitHub's log has no filter for this, so the window is read in full once; later calls read only the pages
   * that are new since the previous call (less a minute that may still settle), the rest is remembered.
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
    return this.#run(op, signal, async () => {
      const authorization = await this.#auth.app(op);
      // GitHub's `delivered_at` has whole seconds: a delivery in the same second as `since` is in the window.
      const sinceSecond = Math.floor(since / 1000) * 1000;
      const page = async (cursor: string | undefined): Promise<DeliveriesPage> => {
        const response = await this.#send(op, 'GET /app/hook/deliveries', authorization, signal, {
          per_page: PER_PAGE,
          ...(cursor === undefined ? {} : { cursor }),
        });
        const next = nextLink(response.headers);
        const nextCursor = next === undefined ? undefined : (new URL(next, this.baseUrl).searchParams.get('cursor') ?? undefined);
        return { deliveries: Array.isArray(response.data) ? response.data.map(toDelivery) : [], ...(nextCursor === undefined ? {} : { nextCursor }) };
      };
      return this.#deliveries.failedSince(sinceSecond, page, MAX_PAGES);
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
    return this.#run(op, signal, async () => {
      const authorization = await this.#auth.app(op);
      await this.#send(op, 'POST /app/hook/deliveries/{delivery_id}/attempts', authorization, signal, { delivery_id: deliveryId });
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
    return this.#run(op, signal, async () => {
      const authorization = await this.#auth.any();
      try {
        const response = await this.#send(
          op,
          'GET /repos/{owner}/{repo}/releases/latest',
          authorization,
          signal,
          { owner: 'actions', repo: 'runner' },
          this.#release === undefined ? {} : { 'if-none-match': this.#release.etag },
        );
        const value = parseRunnerRelease(response.data);
        const etag = response.headers.etag;
        this.#release = typeof etag === 'string' ? { etag, value } : undefined;
        return value;
      } catch (error) {
        if (statusOf(error) === 304 && this.#release !== undefined) return this.#release.value;
        throw error;
      }
    });
  }

  // ---------------------------------------------------------------------------------------------- plumbing

  /** Runs one operation: counts it, races it against the signal, translates whatever it throws. */
  async #run<T>(op: string, signal: AbortSignal, body: () => Promise<T>): Promise<T> {
    this.#stats.called(op);
    try {
      if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('aborted');
      return await raceAbort(body(), signal);
    } catch (error) {
      this.#stats.failed(op);
      throw toGitHubError(error, op, this.#clock.now(), signal);
    }
  }

  #send(
    op: string,
    route: string,
    authorization: string | undefined,
    signal: AbortSignal,
    params: Record<string, unknown>,
    headers: Record<string, string> = {},
  ): Promise<GitHubResponse> {
    return send(this.#octokit, op, route, authorization, signal, params, headers);
  }

  /** The runner group id for a name: 1 (Default) when unnamed; else listed once per scope and cached. */
  async #runnerGroupId(scope: RunnerScope, name: string | undefined, op: string, authorization: string, signal: AbortSignal): Promise<number> {
    if (name === undefined || name.toLowerCase() === 'default') return 1;
    if (scope.kind === 'repo') {
      throw new GitHubError(`Repository runners have no runner groups; remove runnerGroup "${name}" from the pool's scope.`, {
        code: 'invalid-config',
        retryable: false,
        operation: op,
      });
    }
    const key = scopeKey(scope);
    const cached = this.#groups.get(`${key}#${name.toLowerCase()}`);
    if (cached !== undefined) return cached;
    const { prefix, params } = scopePath(scope);
    for (let page = 1; page <= MAX_PAGES; page++) {
      const response = await this.#send(op, `GET ${prefix}/actions/runner-groups`, authorization, signal, { ...params, per_page: PER_PAGE, page });
      const batch = Array.isArray(record(response.data).runner_groups) ? (record(response.data).runner_groups as unknown[]) : [];
      for (const raw of batch) {
        const g = record(raw);
        if (typeof g.id === 'number' && typeof g.name === 'string') this.#groups.set(`${key}#${g.name.toLowerCase()}`, g.id);
      }
      const found = this.#groups.get(`${key}#${name.toLowerCase()}`);
      if (found !== undefined) return found;
      if (batch.length < PER_PAGE) break;
    }
    throw new GitHubError(
      `Runner group "${name}" does not exist in ${scope.kind} "${scope.kind === 'org' ? scope.org : scope.enterprise}"; create it or fix the pool's runnerGroup.`,
      { code: 'invalid-config', retryable: false, operation: op },
    );
  }
}
