// GitHub, as the engine and the baseline see it in the simulator: core's GitHubApi over the GitHub model of
// `@ghr/sim`, in process. Every call takes virtual time (latency), is charged to the model's rate limits, may
// meet injected 5xx and rate-limit answers, and is counted. The model's state changes halfway through a call,
// so a call that is aborted late may still have had its effect, as with a real HTTP request.
import { GhrError } from '@ghr/core';
import type {
  DeleteRunnerResult,
  GitHubApi,
  GitHubJob,
  GitHubRunner,
  JitConfig,
  RepositoryRef,
  RunnerRelease,
  RunnerScope,
  WebhookDelivery,
} from '@ghr/core';
import { SimError } from '../errors.js';
import type { GitHubModel } from '../github/model.js';
import type { SimJob, SimRunner } from '../github/types.js';
import type { Random } from './random.js';
import type { Scheduler } from './scheduler.js';

/** Options of {@link ModelGitHubApi}. */
export interface ModelGitHubApiOptions {
  readonly model: GitHubModel;
  readonly scheduler: Scheduler;
  readonly random: Random;
  /** The rate-limit principal the calls are charged to (`installation:<id>`). */
  readonly principal: string;
  /** Median latency of a call, ms (lognormal). Default 150. */
  readonly latency?: number;
  /** Probability that a call answers 5xx. Default 0. */
  readonly errorRate?: number;
  /** Probability that a call is refused by a (secondary) rate limit. Default 0. */
  readonly rateLimitRate?: number;
}

/**
 * core's `GitHubApi` over the in-process GitHub model, in virtual time, behaving as `@ghr/github`'s client does
 * towards rate limits and 5xx answers (it waits and retries), so the engine meets GitHub as it would in production.
 *
 * @example
 * ```ts
 * const github = new ModelGitHubApi({ model, scheduler, random, principal: 'installation:1' });
 * const jit = await github.createJitConfig({ kind: 'org', org: 'acme' }, { name: 'ghr-1', labels: ['linux'] }, signal);
 * ```
 */
export class ModelGitHubApi implements GitHubApi {
  readonly #o: ModelGitHubApiOptions;
  /** Requests made (pages count one each), by `METHOD endpoint`. */
  readonly calls = new Map<string, number>();
  total = 0;
  #writeTail: Promise<void> = Promise.resolve();
  /** The deliveries read so far, by id, and the window they cover completely (by `deliveredAt`). */
  #deliveryMemory: { entries: Map<number, WebhookDelivery>; covered: { readonly from: number; readonly to: number } | undefined } = {
    entries: new Map(),
    covered: undefined,
  };
  #lastWrite = Number.NEGATIVE_INFINITY;

  constructor(options: ModelGitHubApiOptions, counters?: ModelGitHubApi) {
    this.#o = options;
    if (counters) {
      this.calls = counters.calls;
      this.#shared = counters;
    }
  }

  readonly #shared: ModelGitHubApi | undefined;

  /** A new client (own write pacing, as each Lambda has its own) that counts into this one's counters. */
  client(): ModelGitHubApi {
    return new ModelGitHubApi(this.#o, this.#shared ?? this);
  }

  createJitConfig(
    scope: RunnerScope,
    request: { readonly name: string; readonly labels: readonly string[]; readonly runnerGroup?: string; readonly workFolder?: string },
    signal: AbortSignal,
  ): Promise<JitConfig> {
    return this.#call('POST', `${base(scope)}/actions/runners/generate-jitconfig`, signal, () => {
      const { runner, encodedJitConfig } = this.#o.model.generateJitConfig(scope, {
        name: request.name,
        labels: request.labels,
        runnerGroupId: this.#groupId(scope, request.runnerGroup),
        ...(request.workFolder === undefined ? {} : { workFolder: request.workFolder }),
      });
      return { runnerId: runner.id, encodedJitConfig };
    });
  }

  createRegistrationToken(scope: RunnerScope, signal: AbortSignal): Promise<{ readonly token: string; readonly expiresAt: number }> {
    return this.#call('POST', `${base(scope)}/actions/runners/registration-token`, signal, () => {
      const token = this.#o.model.createRunnerToken(scope, 'registration');
      return { token: token.token, expiresAt: token.expiresAt };
    });
  }

  async listRunners(scope: RunnerScope, signal: AbortSignal): Promise<readonly GitHubRunner[]> {
    const runners = await this.#call('GET', `${base(scope)}/actions/runners`, signal, () =>
      this.#o.model.listRunners(scope).map(toGitHubRunner),
    );
    // GitHub pages 100 runners at a time: further pages are further requests.
    for (let page = 2; page <= Math.ceil(runners.length / 100); page++) {
      await this.#call('GET', `${base(scope)}/actions/runners`, signal, () => undefined);
    }
    return runners;
  }

  getRunner(scope: RunnerScope, runnerId: number, signal: AbortSignal): Promise<GitHubRunner | undefined> {
    return this.#call('GET', `${base(scope)}/actions/runners/{runner_id}`, signal, () => {
      try {
        return toGitHubRunner(this.#o.model.getRunner(scope, runnerId));
      } catch (error) {
        if (error instanceof SimError && error.code === 'not-found') return undefined;
        throw error;
      }
    });
  }

  deleteRunner(scope: RunnerScope, runnerId: number, signal: AbortSignal): Promise<DeleteRunnerResult> {
    return this.#call('DELETE', `${base(scope)}/actions/runners/{runner_id}`, signal, () => {
      try {
        this.#o.model.deleteRunner(scope, runnerId);
        return 'deleted';
      } catch (error) {
        if (error instanceof SimError && error.code === 'not-found') return 'not-found';
        if (error instanceof SimError && error.code === 'unprocessable') return 'busy';
        throw error;
      }
    });
  }

  getJob(repository: RepositoryRef, jobId: number, signal: AbortSignal): Promise<GitHubJob | undefined> {
    return this.#call('GET', '/repos/{owner}/{repo}/actions/jobs/{job_id}', signal, () => {
      try {
        return toGitHubJob(this.#o.model.getJob(repository, jobId));
      } catch (error) {
        if (error instanceof SimError && error.code === 'not-found') return undefined;
        throw error;
      }
    });
  }

  rerunJob(repository: RepositoryRef, jobId: number, signal: AbortSignal): Promise<void> {
    return this.#call('POST', '/repos/{owner}/{repo}/actions/jobs/{job_id}/rerun', signal, () => {
      this.#o.model.rerunJob(repository, jobId);
    });
  }

  /**
   * As the real client does: GitHub's log newest first, 100 a page (its `status` filter cannot tell which GUIDs a
   * later attempt delivered), read back to `since` once and then only as far as the previous listing read, less a
   * settling minute (the memory is shared by all clients of this API, as a warm sweep Lambda keeps its client);
   * then one entry per failed GUID (see `failedDeliveries`).
   */
  async listFailedDeliveries(since: number, signal: AbortSignal): Promise<readonly WebhookDelivery[]> {
    const memory = (this.#shared ?? this).#deliveryMemory;
    const covered = memory.covered !== undefined && memory.covered.from <= since ? memory.covered : undefined;
    const stopBefore = covered === undefined ? since : Math.max(since, covered.to - DELIVERY_SETTLE_MS);
    const read: WebhookDelivery[] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = await this.#call('GET', '/app/hook/deliveries', signal, () =>
        this.#o.model.listDeliveries({ perPage: 100, ...(cursor === undefined ? {} : { cursor }) }),
      );
      let older = false;
      for (const d of page.deliveries) {
        if (d.deliveredAt < stopBefore) {
          older = true;
          break;
        }
        const repo = this.#o.model.repoById(d.repositoryId);
        read.push({
          id: d.id,
          guid: d.guid,
          deliveredAt: d.deliveredAt,
          event: d.event,
          action: d.action,
          statusCode: d.statusCode,
          redelivery: d.redelivery,
          installationId: d.installationId,
          ...(repo ? { repository: { owner: repo.owner, repo: repo.name } } : {}),
        });
      }
      if (older || page.nextCursor === undefined) break;
      cursor = page.nextCursor;
    }
    const entries = new Map<number, WebhookDelivery>();
    if (covered !== undefined) {
      for (const [id, d] of memory.entries) if (d.deliveredAt >= since && d.deliveredAt < stopBefore) entries.set(id, d);
    }
    for (const d of read) entries.set(d.id, d);
    const newest = read[0]?.deliveredAt ?? covered?.to ?? since;
    memory.entries = entries;
    memory.covered = { from: since, to: Math.max(newest, covered?.to ?? newest) };
    return failedDeliveries([...entries.values()].sort((a, b) => b.deliveredAt - a.deliveredAt || b.id - a.id));
  }

  redeliver(deliveryId: number, signal: AbortSignal): Promise<void> {
    return this.#call('POST', '/app/hook/deliveries/{delivery_id}/attempts', signal, () => {
      this.#o.model.redeliver(deliveryId);
    });
  }

  latestRunnerRelease(signal: AbortSignal): Promise<RunnerRelease> {
    return this.#call('GET', '/repos/actions/runner/releases/latest', signal, () => ({
      version: '2.330.0',
      assets: [
        {
          os: 'linux' as const,
          arch: 'x64' as const,
          name: 'actions-runner-linux-x64-2.330.0.tar.gz',
          url: 'https://github.com/actions/runner/releases/download/v2.330.0/actions-runner-linux-x64-2.330.0.tar.gz',
          size: 200_000_000,
        },
      ],
    }));
  }

  /**
   * One operation as `@ghr/github`'s client performs it: writes of one client go one at a time, at least 340 ms
   * apart; a rate-limit answer is waited out (retry-after, at most 60 s, at most 3 times); a 5xx is retried
   * after 1, 4 and 9 s. Every HTTP request is counted.
   */
  async #call<T>(method: string, endpoint: string, signal: AbortSignal, effect: () => T): Promise<T> {
    const write = method !== 'GET';
    const release = write ? await this.#paceWrite(signal) : undefined;
    try {
      let rateRetries = 0;
      let errorRetries = 0;
      for (;;) {
        const outcome = await this.#request(method, endpoint, signal, effect);
        if (outcome.ok) return outcome.value;
        const { error, waitMs } = outcome;
        const retry =
          error.code === 'throttled'
            ? rateRetries++ < 3 && waitMs <= 60_000
            : error.code === 'unavailable' && errorRetries++ < 3;
        if (!retry) throw error;
        await this.#o.scheduler.sleep(error.code === 'throttled' ? waitMs : 1_000 * errorRetries ** 2, signal);
      }
    } finally {
      release?.();
    }
  }

  async #request<T>(
    method: string,
    endpoint: string,
    signal: AbortSignal,
    effect: () => T,
  ): Promise<{ ok: true; value: T } | { ok: false; error: GhrError; waitMs: number }> {
    const key = `${method} ${endpoint}`;
    this.calls.set(key, (this.calls.get(key) ?? 0) + 1);
    if (this.#shared) this.#shared.total++;
    else this.total++;
    const { scheduler, random, model, principal } = this.#o;
    const latency = random.lognormal(this.#o.latency ?? 150, 0.4);
    await scheduler.sleep(latency / 2, signal);
    if (random.chance(this.#o.errorRate ?? 0)) {
      await scheduler.sleep(latency / 2, signal);
      return { ok: false, error: new GhrError(`GitHub answered 502 for ${key}: retry later.`, { code: 'unavailable' }), waitMs: 0 };
    }
    if (random.chance(this.#o.rateLimitRate ?? 0)) {
      await scheduler.sleep(latency / 2, signal);
      return { ok: false, error: new GhrError(`GitHub's secondary rate limit refused ${key}: retry after 60 s.`, { code: 'throttled' }), waitMs: 60_000 };
    }
    const decision = model.rateLimits.charge(principal, method, endpoint);
    if (!decision.allowed) {
      await scheduler.sleep(latency / 2, signal);
      const reset = Number(decision.headers['x-ratelimit-reset'] ?? 0) * 1000;
      const waitMs =
        decision.retryAfterSeconds !== undefined ? decision.retryAfterSeconds * 1000 : Math.max(60_000, reset - scheduler.now());
      return { ok: false, error: new GhrError(`GitHub refused ${key}: ${decision.message}`, { code: 'throttled' }), waitMs };
    }
    let value: T;
    try {
      value = effect();
    } catch (error) {
      throw toGhrError(error, key);
    }
    await scheduler.sleep(latency / 2, signal);
    return { ok: true, value };
  }

  /** Waits for this client's turn to write (one write at a time, 340 ms apart); returns the release. */
  async #paceWrite(signal: AbortSignal): Promise<() => void> {
    const previous = this.#writeTail;
    let release!: () => void;
    this.#writeTail = new Promise<void>((resolve) => {
      release = resolve;
    });
    try {
      await previous;
      const wait = this.#lastWrite + WRITE_INTERVAL - this.#o.scheduler.now();
      if (wait > 0) await this.#o.scheduler.sleep(wait, signal);
    } catch (error) {
      release();
      throw error;
    }
    this.#lastWrite = this.#o.scheduler.now();
    return release;
  }

  #groupId(scope: RunnerScope, name: string | undefined): number {
    if (scope.kind === 'repo' || name === undefined || name.toLowerCase() === 'default') return 1;
    const { own, inherited } = this.#o.model.listRunnerGroups(scope);
    const group = [...own, ...inherited].find((g) => g.name.toLowerCase() === name.toLowerCase());
    if (!group) throw new GhrError(`Runner group "${name}" does not exist in ${base(scope)}: create it or fix the pool's scope.`, { code: 'not-found' });
    return group.id;
  }
}

const WRITE_INTERVAL = 340;
/** Deliveries this close to the newest one read may still appear (attempts in flight): read again. */
const DELIVERY_SETTLE_MS = 60_000;

function base(scope: RunnerScope): string {
  if (scope.kind === 'org') return '/orgs/{org}';
  if (scope.kind === 'repo') return '/repos/{owner}/{repo}';
  return '/enterprises/{enterprise}';
}

/**
 * The failed deliveries of a newest-first log, as the `GitHubApi` port defines them: one per GUID (its newest
 * attempt), leaving out every GUID of which any attempt succeeded. Success is what GitHub's `status=success`
 * filter counts: 200–399; 400–599, timeouts and failed connections (0) are failures.
 */
function failedDeliveries(log: readonly WebhookDelivery[]): WebhookDelivery[] {
  const succeeded = new Set(log.filter((d) => d.statusCode >= 200 && d.statusCode < 400).map((d) => d.guid));
  const seen = new Set<string>();
  return log.filter((d) => {
    if (succeeded.has(d.guid) || seen.has(d.guid)) return false;
    seen.add(d.guid);
    return true;
  });
}

function toGitHubRunner(r: SimRunner): GitHubRunner {
  return { id: r.id, name: r.name, status: r.status, busy: r.busy, labels: r.labels, ephemeral: r.ephemeral, runnerGroupId: r.groupId };
}

function toGitHubJob(j: SimJob): GitHubJob {
  return {
    id: j.id,
    runId: j.runId,
    status: j.status,
    labels: j.labels,
    ...(j.conclusion === undefined ? {} : { conclusion: j.conclusion }),
    ...(j.runnerName === undefined ? {} : { runnerName: j.runnerName }),
    ...(j.startedAt === undefined ? {} : { startedAt: j.startedAt }),
    ...(j.completedAt === undefined ? {} : { completedAt: j.completedAt }),
  };
}

function toGhrError(error: unknown, key: string): GhrError {
  if (error instanceof GhrError) return error;
  if (error instanceof SimError) {
    const code =
      error.code === 'not-found'
        ? 'not-found'
        : error.code === 'conflict'
          ? 'conflict'
          : error.code === 'rate-limited'
            ? 'throttled'
            : error.code === 'unavailable'
              ? 'unavailable'
              : error.code === 'unauthorized' || error.code === 'forbidden'
                ? 'unauthorized'
                : error.code === 'internal'
                  ? 'internal'
                  : 'invalid-input';
    const retryable = code === 'throttled' || code === 'unavailable' || code === 'internal';
    return new GhrError(`GitHub answered ${error.status} for ${key}: ${error.message}`, { code, retryable, cause: error });
  }
  return new GhrError(`The GitHub call ${key} failed: ${(error as Error).message}`, { code: 'internal', cause: error });
}
