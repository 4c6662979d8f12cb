// The RunnerProvider port in memory: machines are map entries; failures can be injected per call.
import { systemClock } from '../defaults.js';
import type { Pool } from '../domain.js';
import type {
  Clock,
  Instance,
  InstanceFilter,
  LaunchErrorCode,
  LaunchFailure,
  LaunchRequest,
  LaunchResult,
  RunnerProvider,
  TerminateResult,
} from '../ports.js';
import { throwIfAborted } from './abort.js';

/** A failure to inject into the next `launch` call(s) of a {@link MemoryRunnerProvider}. */
export interface InjectedLaunchFailure {
  readonly code: LaunchErrorCode;
  /** Default: true for `capacity` and `throttled`, false otherwise. */
  readonly retryable?: boolean;
  /** How many runners of the call fail (the last ones of the request). Default: all of them. */
  readonly count?: number;
}

/** Options of a {@link MemoryRunnerProvider}. */
export interface MemoryRunnerProviderOptions {
  /** Time source for `launchedAt`. Default `systemClock`. */
  readonly clock?: Pick<Clock, 'now'>;
  /** Prefix of generated provider ids. Default `i-`. */
  readonly idPrefix?: string;
  /** Initial state of launched instances. Default `running`. */
  readonly launchState?: Instance['state'];
}

/** What a {@link MemoryRunnerProvider} was asked, for assertions. */
export interface MemoryRunnerProviderCalls {
  readonly launch: number;
  readonly list: number;
  readonly terminate: number;
}

/**
 * A {@link RunnerProvider} whose machines live in a map. Launches can be made to fail per call (capacity,
 * quota, throttling) with {@link MemoryRunnerProvider.failNextLaunch}; `terminate` of an unknown id succeeds.
 *
 * @example
 * ```ts
 * const provider = new MemoryRunnerProvider({ clock });
 * provider.failNextLaunch({ code: 'capacity', count: 1 });
 * const result = await provider.launch(pool, requests, signal); // the last request fails with `capacity`
 * ```
 */
export class MemoryRunnerProvider implements RunnerProvider {
  readonly #clock: Pick<Clock, 'now'>;
  readonly #idPrefix: string;
  readonly #launchState: Instance['state'];
  readonly #instances = new Map<string, Instance>();
  readonly #failures: InjectedLaunchFailure[] = [];
  readonly #bootstraps = new Map<string, LaunchRequest['bootstrap']>();
  #seq = 0;
  #calls = { launch: 0, list: 0, terminate: 0 };

  constructor(options: MemoryRunnerProviderOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#idPrefix = options.idPrefix ?? 'i-';
    this.#launchState = options.launchState ?? 'running';
  }

  /** Makes the next `launch` call fail (queued: each call consumes one injected failure). */
  failNextLaunch(failure: InjectedLaunchFailure): void {
    this.#failures.push(failure);
  }

  async launch(pool: Pool, runners: readonly LaunchRequest[], signal: AbortSignal): Promise<LaunchResult> {
    throwIfAborted(signal, 'Provider launch');
    this.#calls.launch += 1;
    const failure = this.#failures.shift();
    const failing = failure ? Math.min(runners.length, failure.count ?? runners.length) : 0;
    const ok = runners.slice(0, runners.length - failing);
    const launched: { name: string; providerId: string }[] = [];
    const now = this.#clock.now();
    for (const request of ok) {
      const providerId = `${this.#idPrefix}${(++this.#seq).toString(16).padStart(17, '0')}`;
      this.#instances.set(providerId, {
        providerId,
        name: request.name,
        poolId: pool.id,
        state: this.#launchState,
        launchedAt: now,
      });
      this.#bootstraps.set(providerId, request.bootstrap);
      launched.push({ name: request.name, providerId });
    }
    const failed: LaunchFailure[] = runners.slice(runners.length - failing).map((request) => ({
      name: request.name,
      code: failure!.code,
      retryable: failure!.retryable ?? (failure!.code === 'capacity' || failure!.code === 'throttled'),
      message: `Injected ${failure!.code} failure for runner ${request.name}.`,
    }));
    return { launched, failed };
  }

  async list(filter: InstanceFilter, signal: AbortSignal): Promise<readonly Instance[]> {
    throwIfAborted(signal, 'Provider list');
    this.#calls.list += 1;
    const pools = filter.poolIds ? new Set(filter.poolIds) : undefined;
    const names = filter.names ? new Set(filter.names) : undefined;
    return [...this.#instances.values()].filter(
      (i) => (!pools || pools.has(i.poolId)) && (!names || names.has(i.name)),
    );
  }

  async terminate(providerIds: readonly string[], signal: AbortSignal): Promise<TerminateResult> {
    throwIfAborted(signal, 'Provider terminate');
    this.#calls.terminate += 1;
    for (const id of providerIds) {
      this.#instances.delete(id);
      this.#bootstraps.delete(id);
    }
    return { terminated: [...providerIds], failed: [] };
  }

  /** Marks an instance as announced for interruption (spot warning); returns false when unknown. */
  interrupt(providerId: string): boolean {
    const instance = this.#instances.get(providerId);
    if (!instance) return false;
    this.#instances.set(providerId, { ...instance, interruptedAt: this.#clock.now() });
    return true;
  }

  /** Removes an instance as if it died outside ghr's control (crash, spot reclaim). */
  kill(providerId: string): boolean {
    this.#bootstraps.delete(providerId);
    return this.#instances.delete(providerId);
  }

  /** The bootstrap a machine received (what its user-side agent would read), for tests. */
  bootstrapOf(providerId: string): LaunchRequest['bootstrap'] | undefined {
    return this.#bootstraps.get(providerId);
  }

  /** All instances now. */
  instances(): readonly Instance[] {
    return [...this.#instances.values()];
  }

  /** Calls made so far per method. */
  get calls(): MemoryRunnerProviderCalls {
    return { ...this.#calls };
  }
}
