// A cloud in virtual time: instances boot after a lognormal delay per instance type, launches fail for lack
// of capacity at a configured rate, spot instances are interrupted with a two-minute warning, API calls take
// time and are throttled. Implements core's RunnerProvider so the engine and the baseline drive it as they
// would drive EC2.
import { GhrError } from '@ghr/core';
import type {
  Instance,
  InstanceFilter,
  LaunchFailure,
  LaunchRequest,
  LaunchResult,
  Pool,
  RunnerProvider,
  TerminateResult,
} from '@ghr/core';
import type { Random } from './random.js';
import type { Scheduler } from './scheduler.js';

/** A boot-time distribution: lognormal around `median` seconds with shape `sigma`. */
export interface BootTime {
  readonly median: number;
  readonly sigma: number;
}

/** Why an instance ended. */
export type InstanceEndCause = 'terminate-api' | 'spot' | 'shutdown';

/** An instance of the simulated cloud, with its whole history (for the observer). */
export interface CloudInstance {
  readonly providerId: string;
  /** The runner name from its tags; empty while (or if never) named: see `SimulatedCloudOptions.twoStepNaming`. */
  name: string;
  readonly poolId: string;
  readonly instanceType: string;
  readonly request: LaunchRequest;
  readonly launchedAt: number;
  readonly bootAt: number;
  bootedAt?: number;
  interruptedAt?: number;
  terminatedAt?: number;
  endCause?: InstanceEndCause;
}

/** What the rest of the simulation hears from the cloud. */
export interface CloudHooks {
  /** The machine booted and its runner starts with the bootstrap it was given. */
  readonly onBooted?: (instance: CloudInstance) => void;
  /** The cloud announced a spot interruption (two minutes before it happens). */
  readonly onInterruptionWarning?: (instance: CloudInstance) => void;
  /** The machine is gone; `cause` says why. Called before the instance is marked terminated. */
  readonly onTerminating?: (instance: CloudInstance, cause: InstanceEndCause) => void;
  /** A new instance exists (its pool's alive count went up). It may not be named yet. */
  readonly onLaunched?: (instance: CloudInstance) => void;
  /** The instance got its runner name (at launch, or in the naming step). */
  readonly onNamed?: (instance: CloudInstance) => void;
}

/** Options of {@link SimulatedCloud}. */
export interface SimulatedCloudOptions {
  readonly scheduler: Scheduler;
  readonly random: Random;
  /** Boot time per instance type; `default` for any other. Default median 50 s (large types 70 s), sigma 0.2. */
  readonly bootTimes?: Readonly<Record<string, BootTime>>;
  /** Probability that one requested instance fails with `capacity`. Default 0. */
  readonly capacityErrorRate?: number;
  /** Spot interruptions per instance-hour. Default 0. */
  readonly spotInterruptionsPerHour?: number;
  /** Median latency of launch/list/terminate calls, ms. Default 800/300/300. */
  readonly latency?: { readonly launch?: number; readonly list?: number; readonly terminate?: number };
  /** Control-plane calls allowed per second (token bucket, burst of twice the rate). Default 20. */
  readonly callsPerSecond?: number;
  /** Delay between an ephemeral runner exiting and its machine shutting itself down, ms. Default 10 s. */
  readonly shutdownDelay?: number;
  /**
   * Launches of more than one runner name their instances in a second call after the launch (EC2: CreateFleet,
   * then CreateTags per instance). That call fails for an instance with `namingFailureRate`; the launch then
   * reports the runner failed and terminates the instance, which fails with the same probability (the instance is
   * left running without a name). A caller whose signal fires between the two calls (a deadline, a killed run)
   * leaves every instance of the launch unnamed. Default false: every instance is named at launch.
   */
  readonly twoStepNaming?: boolean;
  /** See `twoStepNaming`. Default 0. */
  readonly namingFailureRate?: number;
  /**
   * Listings lag: a new instance is listed only after a random delay up to this (ms), and a terminated one is
   * still listed in its last state for as long. Default 0.
   */
  readonly listingLag?: number;
  readonly hooks?: CloudHooks;
}

const DEFAULT_BOOT: BootTime = { median: 50, sigma: 0.2 };
const LARGE_BOOT: BootTime = { median: 70, sigma: 0.2 };
const WARNING_MS = 120_000;

/**
 * A simulated cloud that implements core's `RunnerProvider` in virtual time.
 *
 * @example
 * ```ts
 * const cloud = new SimulatedCloud({ scheduler, random: rng.fork('cloud'), capacityErrorRate: 0.02 });
 * const result = await cloud.launch(pool, [request], signal);
 * ```
 */
export class SimulatedCloud implements RunnerProvider {
  readonly #options: SimulatedCloudOptions;
  readonly #scheduler: Scheduler;
  readonly #random: Random;
  readonly #instances = new Map<string, CloudInstance>();
  readonly #alive = new Map<string, CloudInstance>();
  /** With a listing lag: when each alive instance starts to be listed. */
  readonly #listedFrom = new Map<string, number>();
  /** With a listing lag: ended instances still listed, until when. */
  readonly #recentlyEnded = new Map<string, number>();
  #nextId = 1;
  #tokens: number;
  #tokensAt: number;
  /** Calls made to the control plane, by method. */
  readonly calls = { launch: 0, list: 0, terminate: 0, throttled: 0 };
  hooks: CloudHooks;

  constructor(options: SimulatedCloudOptions) {
    this.#options = options;
    this.#scheduler = options.scheduler;
    this.#random = options.random;
    this.#tokens = 2 * (options.callsPerSecond ?? 20);
    this.#tokensAt = options.scheduler.now();
    this.hooks = options.hooks ?? {};
  }

  /** Every instance ever launched, in launch order. */
  instances(): IterableIterator<CloudInstance> {
    return this.#instances.values();
  }

  /** Instances not terminated yet. */
  aliveInstances(): IterableIterator<CloudInstance> {
    return this.#alive.values();
  }

  /** An instance by provider id. */
  instance(providerId: string): CloudInstance | undefined {
    return this.#instances.get(providerId);
  }

  /** Total control-plane calls. */
  get totalCalls(): number {
    return this.calls.launch + this.calls.list + this.calls.terminate;
  }

  async launch(pool: Pool, runners: readonly LaunchRequest[], signal: AbortSignal): Promise<LaunchResult> {
    this.calls.launch++;
    const latency = this.#latency(this.#options.latency?.launch ?? 800);
    await this.#scheduler.sleep(latency / 2, signal);
    if (!this.#take()) {
      await this.#scheduler.sleep(latency / 2, signal);
      return {
        launched: [],
        failed: runners.map((r) => failure(r.name, 'throttled', 'RequestLimitExceeded: slow down and retry.')),
      };
    }
    // The request reached the cloud: instances exist from here on, whether or not the caller hears back.
    const launched: { name: string; providerId: string }[] = [];
    const failed: LaunchFailure[] = [];
    const instanceType = instanceTypeOf(pool);
    const later = this.#options.twoStepNaming === true && runners.length > 1;
    const created: CloudInstance[] = [];
    for (const request of runners) {
      if (this.#random.chance(this.#options.capacityErrorRate ?? 0)) {
        failed.push(failure(request.name, 'capacity', `InsufficientInstanceCapacity for ${instanceType}.`));
        continue;
      }
      created.push(this.#create(pool, request, instanceType, !later));
    }
    await this.#scheduler.sleep(latency / 2, signal);
    if (!later) {
      for (const i of created) launched.push({ name: i.request.name, providerId: i.providerId });
      return { launched, failed };
    }
    // The naming call: never made when the caller is gone (its instances stay unnamed).
    await this.#scheduler.sleep(this.#latency(this.#options.latency?.terminate ?? 300), signal);
    const rate = this.#options.namingFailureRate ?? 0;
    for (const instance of created) {
      if (!this.#random.chance(rate)) {
        this.#name(instance);
        launched.push({ name: instance.request.name, providerId: instance.providerId });
        continue;
      }
      failed.push(failure(instance.request.name, 'internal', `CreateTags failed on ${instance.providerId}; the instance is terminated.`));
      // The clean-up terminate can fail too: the instance then runs on without a name.
      if (!this.#random.chance(rate)) this.#end(instance, 'terminate-api');
    }
    return { launched, failed };
  }

  async list(filter: InstanceFilter, signal: AbortSignal): Promise<readonly Instance[]> {
    this.calls.list++;
    await this.#scheduler.sleep(this.#latency(this.#options.latency?.list ?? 300), signal);
    this.#throttleOrThrow();
    const pools = filter.poolIds ? new Set(filter.poolIds) : undefined;
    const names = filter.names ? new Set(filter.names) : undefined;
    const out: Instance[] = [];
    const now = this.#scheduler.now();
    for (const i of this.#listed(now)) {
      if (pools && !pools.has(i.poolId)) continue;
      if (names && !names.has(i.name)) continue;
      out.push({
        providerId: i.providerId,
        name: i.name,
        poolId: i.poolId,
        state: i.bootedAt === undefined ? 'pending' : 'running',
        launchedAt: i.launchedAt,
        ...(i.interruptedAt === undefined ? {} : { interruptedAt: i.interruptedAt }),
      });
    }
    return out;
  }

  async terminate(providerIds: readonly string[], signal: AbortSignal): Promise<TerminateResult> {
    this.calls.terminate++;
    const latency = this.#latency(this.#options.latency?.terminate ?? 300);
    await this.#scheduler.sleep(latency / 2, signal);
    this.#throttleOrThrow();
    for (const id of providerIds) {
      const instance = this.#alive.get(id);
      if (instance) this.#end(instance, 'terminate-api');
    }
    await this.#scheduler.sleep(latency / 2, signal);
    return { terminated: [...providerIds], failed: [] };
  }

  /** The machine shuts itself down (an ephemeral runner exited), after the configured delay. */
  shutdownLater(providerId: string): void {
    this.#scheduler.after(this.#options.shutdownDelay ?? 10_000, () => {
      const instance = this.#alive.get(providerId);
      if (instance) this.#end(instance, 'shutdown');
    });
  }

  /** Instances a listing at `now` shows: alive ones past their listing lag, and ended ones still within it. */
  *#listed(now: number): IterableIterator<CloudInstance> {
    const lag = this.#options.listingLag ?? 0;
    for (const i of this.#alive.values()) if (lag === 0 || now >= (this.#listedFrom.get(i.providerId) ?? 0)) yield i;
    if (lag === 0) return;
    for (const [id, until] of this.#recentlyEnded) {
      if (until <= now) this.#recentlyEnded.delete(id);
      else {
        const i = this.#instances.get(id);
        if (i) yield i;
      }
    }
  }

  #name(instance: CloudInstance): void {
    instance.name = instance.request.name;
    this.hooks.onNamed?.(instance);
  }

  #create(pool: Pool, request: LaunchRequest, instanceType: string, named: boolean): CloudInstance {
    const now = this.#scheduler.now();
    const boot = this.#bootTime(instanceType);
    const instance: CloudInstance = {
      providerId: `i-${(this.#nextId++).toString(16).padStart(12, '0')}`,
      name: '',
      poolId: pool.id,
      instanceType,
      request,
      launchedAt: now,
      bootAt: now + boot,
    };
    this.#instances.set(instance.providerId, instance);
    this.#alive.set(instance.providerId, instance);
    const lag = this.#options.listingLag ?? 0;
    if (lag > 0) this.#listedFrom.set(instance.providerId, now + this.#random.uniform(0, lag));
    this.hooks.onLaunched?.(instance);
    if (named) this.#name(instance);
    this.#scheduler.at(instance.bootAt, () => {
      if (instance.terminatedAt !== undefined) return;
      instance.bootedAt = this.#scheduler.now();
      this.hooks.onBooted?.(instance);
    });
    const rate = this.#options.spotInterruptionsPerHour ?? 0;
    if (rate > 0) {
      const warnAt = now + this.#random.exponential(3_600_000 / rate);
      this.#scheduler.at(warnAt, () => {
        if (instance.terminatedAt !== undefined) return;
        instance.interruptedAt = this.#scheduler.now();
        this.hooks.onInterruptionWarning?.(instance);
        this.#scheduler.after(WARNING_MS, () => {
          if (instance.terminatedAt === undefined) this.#end(instance, 'spot');
        });
      });
    }
    return instance;
  }

  #end(instance: CloudInstance, cause: InstanceEndCause): void {
    this.hooks.onTerminating?.(instance, cause);
    instance.terminatedAt = this.#scheduler.now();
    instance.endCause = cause;
    this.#alive.delete(instance.providerId);
    this.#listedFrom.delete(instance.providerId);
    const lag = this.#options.listingLag ?? 0;
    if (lag > 0) this.#recentlyEnded.set(instance.providerId, instance.terminatedAt + this.#random.uniform(0, lag));
  }

  #bootTime(instanceType: string): number {
    const table = this.#options.bootTimes ?? {};
    const dist =
      table[instanceType] ?? table.default ?? (/\d+xlarge$/.test(instanceType) ? LARGE_BOOT : DEFAULT_BOOT);
    const seconds = Math.min(Math.max(this.#random.lognormal(dist.median, dist.sigma), dist.median / 3), dist.median * 4);
    return Math.round(seconds * 1000);
  }

  #latency(median: number): number {
    return Math.round(this.#random.lognormal(median, 0.3));
  }

  #take(): boolean {
    const rate = this.#options.callsPerSecond ?? 20;
    const now = this.#scheduler.now();
    this.#tokens = Math.min(2 * rate, this.#tokens + ((now - this.#tokensAt) / 1000) * rate);
    this.#tokensAt = now;
    if (this.#tokens < 1) {
      this.calls.throttled++;
      return false;
    }
    this.#tokens -= 1;
    return true;
  }

  #throttleOrThrow(): void {
    if (!this.#take()) {
      throw new GhrError('The simulated cloud throttled the request (RequestLimitExceeded); retry with backoff.', {
        code: 'throttled',
      });
    }
  }
}

function failure(name: string, code: LaunchFailure['code'], message: string): LaunchFailure {
  return { name, code, retryable: code === 'capacity' || code === 'throttled', message };
}

/**
 * The instance type a pool launches: the first of `instance.instanceTypes` (or `instance.instanceType`).
 *
 * @example
 * ```ts
 * instanceTypeOf(pool); // 'm7i.large' for instance: { instanceTypes: ['m7i.large', 'm6i.large'] }
 * ```
 */
export function instanceTypeOf(pool: Pool): string {
  const types = pool.instance.instanceTypes;
  if (Array.isArray(types) && typeof types[0] === 'string') return types[0];
  const type = pool.instance.instanceType;
  return typeof type === 'string' ? type : 'default';
}
