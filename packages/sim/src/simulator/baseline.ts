// The baseline: the stateless per-event autoscaler design most AWS users run today, driven through the same
// ports as ghr's engine. Each `queued` event (after the queue's delay) creates one runner if a fresh count of
// the pool's instances is below `maxRunners`; there is no ledger. Every few minutes a scale-down lists GitHub's
// runners and the cloud's instances and removes runners idle past the minimum running time after checking
// GitHub's busy flag; it also removes instances that never registered and registrations without an instance.
import type { Clock, GitHubApi, GitHubRunner, JobEvent, Pool, RunnerProvider, RunnerScope } from '@ghr/core';

/** Tuning of the baseline, with the defaults of the design it models. */
export interface BaselineOptions {
  /** Instances younger than this are never scaled down (ms). Default 5 min. */
  readonly minimumRunningTime?: number;
  /** Name prefix of the baseline's runners. Default `runner-`. */
  readonly namePrefix?: string;
  /** Names new runners (shared by concurrent runs so names stay unique). Default `<prefix><pool>-<n>`. */
  readonly nextName?: (poolId: string) => string;
}

/** The outcome of handling one event. */
export type BaselineScaleUpOutcome = 'launched' | 'at-max' | 'ignored' | 'failed';

/**
 * The stateless per-event autoscaler.
 *
 * @example
 * ```ts
 * const baseline = new BaselinePolicy({ pools, github, provider, clock });
 * await baseline.scaleUp(event, signal); // on each queued event, after the queue delay
 * await baseline.scaleDown(signal);      // every 5 minutes
 * ```
 */
export class BaselinePolicy {
  readonly #pools: ReadonlyMap<string, Pool>;
  readonly #github: GitHubApi;
  readonly #provider: RunnerProvider;
  readonly #clock: Clock;
  readonly #minimumRunningTime: number;
  readonly #prefix: string;
  readonly #nextName: (poolId: string) => string;
  #seq = 0;

  constructor(deps: {
    readonly pools: readonly Pool[];
    readonly github: GitHubApi;
    readonly provider: RunnerProvider;
    readonly clock: Clock;
    readonly options?: BaselineOptions;
  }) {
    this.#pools = new Map(deps.pools.map((p) => [p.id, p]));
    this.#github = deps.github;
    this.#provider = deps.provider;
    this.#clock = deps.clock;
    this.#minimumRunningTime = deps.options?.minimumRunningTime ?? 5 * 60_000;
    this.#prefix = deps.options?.namePrefix ?? 'runner-';
    this.#nextName = deps.options?.nextName ?? ((poolId) => `${this.#prefix}${poolId}-${(++this.#seq).toString(36)}`);
  }

  /**
   * Handles one job event: for a `queued` job of a known pool, counts the pool's instances (a fresh list) and
   * creates one runner when the count is below `maxRunners`. Throws on a failed launch, so that the queue
   * delivers the event again.
   */
  async scaleUp(event: JobEvent, signal: AbortSignal): Promise<BaselineScaleUpOutcome> {
    if (event.action !== 'queued' || !event.poolId) return 'ignored';
    const pool = this.#pools.get(event.poolId);
    if (!pool) return 'ignored';
    const instances = await this.#provider.list({ poolIds: [pool.id] }, signal);
    if (instances.length >= pool.maxRunners) return 'at-max';
    const name = this.#nextName(pool.id);
    const jit = await this.#github.createJitConfig(
      scopeOf(pool),
      { name, labels: pool.labels, ...(runnerGroupOf(pool) ? { runnerGroup: runnerGroupOf(pool) } : {}) },
      signal,
    );
    const result = await this.#provider.launch(
      pool,
      [{ name, poolId: pool.id, labels: pool.labels, ephemeral: pool.ephemeral, bootstrap: { kind: 'jit', encodedJitConfig: jit.encodedJitConfig } }],
      signal,
    );
    if (result.launched.length === 0) {
      const failure = result.failed[0];
      throw new Error(`launch failed: ${failure?.code ?? 'unknown'}`);
    }
    return 'launched';
  }

  /**
   * One scale-down pass over every pool: idle runners older than the minimum running time are deregistered and
   * then terminated (only when GitHub's busy flag said idle and the delete succeeded); instances that never
   * registered within the pool's boot timeout are terminated; offline registrations without an instance are
   * deleted.
   */
  async scaleDown(signal: AbortSignal): Promise<void> {
    const now = this.#clock.now();
    const byScope = new Map<string, { scope: RunnerScope; pools: Pool[] }>();
    for (const pool of this.#pools.values()) {
      const scope = scopeOf(pool);
      const key = JSON.stringify(scope);
      const entry = byScope.get(key) ?? { scope, pools: [] };
      entry.pools.push(pool);
      byScope.set(key, entry);
    }
    const instances = await this.#provider.list({ poolIds: [...this.#pools.keys()] }, signal);
    const instanceNames = new Set(instances.map((i) => i.name));
    for (const { scope, pools } of byScope.values()) {
      const registrations = await this.#github.listRunners(scope, signal);
      const byName = new Map<string, GitHubRunner>(registrations.map((r) => [r.name, r]));
      const poolIds = new Set(pools.map((p) => p.id));
      const toTerminate: string[] = [];
      for (const instance of instances) {
        if (!poolIds.has(instance.poolId)) continue;
        const pool = this.#pools.get(instance.poolId) as Pool;
        const age = now - instance.launchedAt;
        const registration = byName.get(instance.name);
        if (!registration) {
          if (age > pool.bootTimeout) toTerminate.push(instance.providerId);
          continue;
        }
        if (age < this.#minimumRunningTime || registration.busy) continue;
        const outcome = await this.#github.deleteRunner(scope, registration.id, signal);
        if (outcome !== 'busy') toTerminate.push(instance.providerId);
      }
      if (toTerminate.length > 0) await this.#provider.terminate(toTerminate, signal);
      for (const registration of registrations) {
        if (!registration.name.startsWith(this.#prefix) || instanceNames.has(registration.name)) continue;
        if (registration.status === 'offline') await this.#github.deleteRunner(scope, registration.id, signal);
      }
    }
  }
}

function scopeOf(pool: Pool): RunnerScope {
  const s = pool.scope;
  if (s.kind === 'org') return { kind: 'org', org: s.org };
  if (s.kind === 'repo') return { kind: 'repo', owner: s.owner, repo: s.repo };
  return { kind: 'enterprise', enterprise: s.enterprise };
}

function runnerGroupOf(pool: Pool): string | undefined {
  return pool.scope.kind === 'repo' ? undefined : pool.scope.runnerGroup;
}
