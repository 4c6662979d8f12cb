// EC2 RunnerProvider: launches runners with CreateFleet (type instant), names them by tag, hands each its
// bootstrap secret through SSM, lists them by tags and terminates them in batches.
import { createHash } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { CreateFleetCommand, CreateTagsCommand, DescribeInstancesCommand, EC2Client, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import type {
  CreateFleetCommandInput,
  CreateFleetError,
  FleetLaunchTemplateOverridesRequest,
  Filter,
  Instance as Ec2Instance,
  Tag,
} from '@aws-sdk/client-ec2';
import { silentLogger, systemClock } from '@ghr/core';
import type {
  Clock,
  Instance,
  InstanceFilter,
  LaunchFailure,
  LaunchRequest,
  LaunchResult,
  Logger,
  Pool,
  RunnerProvider,
  TerminateResult,
} from '@ghr/core';
import { classifyAwsErrorCode, toAwsError, toLaunchErrorCode } from '../errors.js';
import type { AwsError } from '../errors.js';
import { SsmRunnerSecrets } from '../ssm-handoff/runner-secrets.js';
import type { RunnerSecretStore } from '../ssm-handoff/runner-secrets.js';
import { parseEc2PoolInstance } from './pool-instance.js';
import type { Ec2PoolInstance } from './pool-instance.js';

/** Tag keys ghr puts on instances (and that `list` filters on). */
export const EC2_RUNNER_TAGS = {
  environment: 'ghr:environment',
  pool: 'ghr:pool',
  runner: 'ghr:runner',
  owner: 'ghr:owner',
  /** The CreateFleet client token of the batch the instance came from. */
  launch: 'ghr:launch',
} as const;

/** Most runners per CreateFleet call (the budget: one call per pool per 100 runners). */
export const EC2_MAX_FLEET_SIZE = 100;
/** Most instance ids per TerminateInstances call. */
export const EC2_MAX_TERMINATE_BATCH = 1000;
const FILTER_VALUES_MAX = 200;

/** Options of {@link Ec2RunnerProvider}. */
export interface Ec2RunnerProviderOptions {
  /** `prod`, `staging`, ...: tagged `ghr:environment`; `list` sees only this environment's instances. */
  readonly environment: string;
  /** Default `new EC2Client({})`. */
  readonly ec2?: EC2Client;
  /** Where bootstrap secrets go; default `new SsmRunnerSecrets({ environment })`. */
  readonly secrets?: RunnerSecretStore;
  /** Tagged `ghr:owner` (who pays / who to ask); default `ghr`. */
  readonly owner?: string;
  /** Runners per CreateFleet call, 1–100; default 100. */
  readonly fleetSize?: number;
  /** Per-runner calls (name tag + secret) in flight at once; default 16. Secret writes are also paced. */
  readonly concurrency?: number;
  readonly logger?: Logger;
  /** Dates a spot interruption whose time EC2 did not give; default the system clock. */
  readonly clock?: Clock;
}

interface Placement {
  readonly runner: LaunchRequest;
  readonly instanceId: string;
}

interface Unplaced {
  readonly runner: LaunchRequest;
  readonly awsCode: string | undefined;
  readonly failure: LaunchFailure;
}

interface FleetOutcome {
  readonly placed: readonly Placement[];
  readonly unplaced: readonly Unplaced[];
  /** Whether the runner-name tag went in with the launch (a fleet of one). */
  readonly named: boolean;
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  });
  await Promise.all(workers);
  return results;
}

const STATES: Readonly<Record<string, Instance['state']>> = {
  pending: 'pending',
  running: 'running',
  stopping: 'stopping',
  stopped: 'stopped',
  'shutting-down': 'terminated',
  terminated: 'terminated',
};

function tagOf(tags: readonly Tag[] | undefined, key: string): string | undefined {
  return tags?.find((t) => t.Key === key)?.Value;
}

/**
 * The EC2 {@link RunnerProvider}.
 *
 * **Launch.** Runners of one call are launched in batches of up to 100 with one `CreateFleet` (type `instant`)
 * each, against the pool's launch template with overrides = instance types × subnets, spot with
 * `price-capacity-optimized` by default. A `ClientToken` derived from the pool, market and runner names makes a
 * retried launch return the same instances instead of launching twice. Instances are tagged at launch with
 * `ghr:environment`, `ghr:pool`, `ghr:owner` and `ghr:launch`; an instant fleet cannot give each instance its
 * own tags, so each instance then gets its `ghr:runner` and `Name` tags with one `CreateTags`, and its bootstrap
 * secret with one SSM write (tagged with the instance id). Volumes and network interfaces get their tags from the
 * launch template's `TagSpecifications` (CreateFleet only tags fleets and instances). A batch of one carries
 * `ghr:runner` at launch and needs no `CreateTags`. No `DescribeInstances` on this path.
 *
 * Calls per N runners: ⌈N/100⌉ CreateFleet (+ as many on-demand fallbacks), N CreateTags, N PutParameter.
 * The alternative, one CreateFleet per runner, tags everything at launch but spends N calls of EC2's most
 * throttled API; CreateTags has a far larger budget.
 *
 * Runners the fleet could not place are returned as failures with a code (`capacity`, `quota`, `throttled`,
 * `invalid-config`, `internal`) and `retryable`; spot shortfalls whose error the pool lists in
 * `onDemandFallback` are retried on demand first. A runner whose tag or secret could not be written is
 * terminated, its secret deleted, and reported failed.
 *
 * **List** filters by tags (environment, pools, names) with `DescribeInstances` pages of 1,000.
 * **Terminate** sends batches of up to 1,000 ids; ids EC2 does not know count as terminated; then deletes the
 * hand-off secret of each terminated runner (names from one `DescribeInstances` per 200 ids).
 *
 * @example
 * ```ts
 * const provider = new Ec2RunnerProvider({ environment: 'prod', ec2: new EC2Client({}), secrets });
 * const result = await provider.launch(pool, runners, AbortSignal.timeout(120_000));
 * ```
 */
export class Ec2RunnerProvider implements RunnerProvider {
  readonly #ec2: EC2Client;
  readonly #secrets: RunnerSecretStore;
  readonly #environment: string;
  readonly #owner: string;
  readonly #fleetSize: number;
  readonly #concurrency: number;
  readonly #logger: Logger;
  readonly #clock: Clock;

  constructor(options: Ec2RunnerProviderOptions) {
    this.#clock = options.clock ?? systemClock;
    this.#environment = options.environment;
    this.#ec2 = options.ec2 ?? new EC2Client({});
    this.#secrets = options.secrets ?? new SsmRunnerSecrets({ environment: options.environment });
    this.#owner = options.owner ?? 'ghr';
    this.#fleetSize = Math.max(1, Math.min(EC2_MAX_FLEET_SIZE, Math.floor(options.fleetSize ?? EC2_MAX_FLEET_SIZE)));
    this.#concurrency = Math.max(1, options.concurrency ?? 16);
    this.#logger = options.logger ?? silentLogger;
  }

  async launch(pool: Pool, runners: readonly LaunchRequest[], signal: AbortSignal): Promise<LaunchResult> {
    if (runners.length === 0) return { launched: [], failed: [] };
    // Every SDK call and paced write in flight listens on the caller's signal: that is expected, not a leak.
    setMaxListeners(0, signal);
    let config: Ec2PoolInstance;
    try {
      config = parseEc2PoolInstance(pool);
    } catch (err) {
      const error = toAwsError(err, `EC2 launch for pool "${pool.id}"`);
      return { launched: [], failed: runners.map((r) => ({ name: r.name, code: 'invalid-config', retryable: false, message: error.message })) };
    }
    const launched: { name: string; providerId: string }[] = [];
    const failed: LaunchFailure[] = [];
    const doomed: string[] = [];
    for (const batch of chunk(runners, this.#fleetSize)) {
      const outcomes = [await this.#fleet(pool, config, batch, config.market, signal)];
      const first = outcomes[0]!;
      const fallback = first.unplaced.filter((u) => config.market === 'spot' && this.#fallsBack(config, u));
      if (fallback.length > 0) {
        this.#logger.info('spot could not place runners; retrying on demand', { pool: pool.id, count: fallback.length });
        outcomes.push(await this.#fleet(pool, config, fallback.map((u) => u.runner), 'on-demand', signal));
      }
      const retried = new Set(fallback.map((u) => u.runner.name));
      const unplaced = [...first.unplaced.filter((u) => !retried.has(u.runner.name)), ...(outcomes[1]?.unplaced ?? [])];
      failed.push(...unplaced.map((u) => u.failure));
      for (const outcome of outcomes) {
        const handed = await mapLimit(outcome.placed, this.#concurrency, (p) => this.#handOff(pool, p, outcome.named, signal));
        for (const [i, failure] of handed.entries()) {
          const placement = outcome.placed[i]!;
          if (failure) {
            failed.push(failure);
            doomed.push(placement.instanceId);
          } else {
            launched.push({ name: placement.runner.name, providerId: placement.instanceId });
          }
        }
      }
    }
    if (doomed.length > 0) {
      // Their secrets were deleted by the hand-off already.
      const cleanup = await this.#terminateIds(doomed, signal);
      if (cleanup.failed.length > 0) {
        this.#logger.warn('could not terminate instances whose hand-off failed; the reconciler will reap them', {
          pool: pool.id,
          count: cleanup.failed.length,
        });
      }
    }
    return { launched, failed };
  }

  async list(filter: InstanceFilter, signal: AbortSignal): Promise<readonly Instance[]> {
    if (filter.poolIds?.length === 0 || filter.names?.length === 0) return [];
    const base: Filter[] = [{ Name: `tag:${EC2_RUNNER_TAGS.environment}`, Values: [this.#environment] }];
    const poolChunks = filter.poolIds ? chunk([...new Set(filter.poolIds)], FILTER_VALUES_MAX) : [undefined];
    const nameChunks = filter.names ? chunk([...new Set(filter.names)], FILTER_VALUES_MAX) : [undefined];
    const found = new Map<string, Instance>();
    for (const pools of poolChunks) {
      for (const names of nameChunks) {
        const filters: Filter[] = [
          ...base,
          ...(pools ? [{ Name: `tag:${EC2_RUNNER_TAGS.pool}`, Values: pools }] : [{ Name: 'tag-key', Values: [EC2_RUNNER_TAGS.pool] }]),
          ...(names ? [{ Name: `tag:${EC2_RUNNER_TAGS.runner}`, Values: names }] : []),
        ];
        let nextToken: string | undefined;
        do {
          const page = await this.#ec2
            .send(new DescribeInstancesCommand({ Filters: filters, MaxResults: 1000, ...(nextToken ? { NextToken: nextToken } : {}) }), {
              abortSignal: signal,
            })
            .catch((err: unknown) => {
              throw toAwsError(err, 'EC2 DescribeInstances of ghr runners');
            });
          for (const reservation of page.Reservations ?? []) {
            for (const instance of reservation.Instances ?? []) {
              const mapped = this.#toInstance(instance);
              if (mapped) found.set(mapped.providerId, mapped);
            }
          }
          nextToken = page.NextToken;
        } while (nextToken);
      }
    }
    return [...found.values()];
  }

  /**
   * Terminates instances and deletes the hand-off secret of each runner whose instance is gone, so that a JIT
   * config nobody read does not outlive its machine. Runner names come from one `DescribeInstances` per 200 ids
   * (the `ghr:runner` tag); a failed lookup or delete is logged and left to the secret sweep.
   */
  async terminate(providerIds: readonly string[], signal: AbortSignal): Promise<TerminateResult> {
    const ids = [...new Set(providerIds)];
    const names = await this.#runnerNames(ids, signal);
    const result = await this.#terminateIds(ids, signal);
    const gone = result.terminated.map((id) => names.get(id)).filter((n): n is string => n !== undefined && n !== '');
    await mapLimit(gone, this.#concurrency, (name) =>
      this.#secrets.delete(name, signal).catch((err: unknown) => {
        this.#logger.warn('could not delete the hand-off of a terminated runner; the sweep will', { runner: name, code: toAwsError(err, 'SSM delete').code });
      }),
    );
    return result;
  }

  async #terminateIds(ids: readonly string[], signal: AbortSignal): Promise<TerminateResult> {
    const terminated: string[] = [];
    const failed: TerminateResult['failed'][number][] = [];
    for (const batch of chunk(ids, EC2_MAX_TERMINATE_BATCH)) {
      await this.#terminateBatch(batch, terminated, failed, signal);
    }
    return { terminated, failed };
  }

  /** Runner names (the `ghr:runner` tag) of this environment's instances, by instance id; best effort. */
  async #runnerNames(ids: readonly string[], signal: AbortSignal): Promise<ReadonlyMap<string, string>> {
    const names = new Map<string, string>();
    try {
      for (const batch of chunk(ids, FILTER_VALUES_MAX)) {
        const filters: Filter[] = [
          { Name: 'instance-id', Values: batch },
          { Name: `tag:${EC2_RUNNER_TAGS.environment}`, Values: [this.#environment] },
        ];
        let nextToken: string | undefined;
        do {
          const page = await this.#ec2.send(new DescribeInstancesCommand({ Filters: filters, ...(nextToken ? { NextToken: nextToken } : {}) }), {
            abortSignal: signal,
          });
          for (const instance of (page?.Reservations ?? []).flatMap((r) => r.Instances ?? [])) {
            const name = tagOf(instance.Tags, EC2_RUNNER_TAGS.runner);
            if (instance.InstanceId && name) names.set(instance.InstanceId, name);
          }
          nextToken = page?.NextToken;
        } while (nextToken);
      }
    } catch (err) {
      this.#logger.warn('could not look up the runners of instances to terminate; their hand-offs are left to the sweep', {
        count: ids.length,
        code: toAwsError(err, 'EC2 DescribeInstances').code,
      });
    }
    return names;
  }

  // -------------------------------------------------------------------------------------------------------

  #fallsBack(config: Ec2PoolInstance, unplaced: Unplaced): boolean {
    return config.onDemandFallback.some((code) => code === unplaced.awsCode || code === unplaced.failure.code);
  }

  #clientToken(pool: Pool, market: string, runners: readonly LaunchRequest[]): string {
    const hash = createHash('sha256');
    hash.update(`${this.#environment}\n${pool.id}\n${market}\n`);
    for (const r of runners) hash.update(`${r.name}\n`);
    return `ghr-${hash.digest('hex').slice(0, 56)}`;
  }

  #fleetInput(pool: Pool, config: Ec2PoolInstance, runners: readonly LaunchRequest[], market: 'spot' | 'on-demand'): CreateFleetCommandInput {
    const token = this.#clientToken(pool, market, runners);
    const common: Tag[] = [
      { Key: EC2_RUNNER_TAGS.environment, Value: this.#environment },
      { Key: EC2_RUNNER_TAGS.pool, Value: pool.id },
      { Key: EC2_RUNNER_TAGS.owner, Value: this.#owner },
      { Key: EC2_RUNNER_TAGS.launch, Value: token },
      ...Object.entries(config.tags).map(([Key, Value]) => ({ Key, Value })),
    ];
    const only = runners.length === 1 ? runners[0] : undefined;
    const instanceTags: Tag[] = only
      ? [...common, { Key: EC2_RUNNER_TAGS.runner, Value: only.name }, { Key: 'Name', Value: only.name }]
      : common;
    const types = config.instanceTypes.length > 0 ? config.instanceTypes : [undefined];
    const subnets = config.subnetIds.length > 0 ? config.subnetIds : [undefined];
    const overrides: FleetLaunchTemplateOverridesRequest[] = [];
    for (const [priority, type] of types.entries()) {
      for (const subnet of subnets) {
        if (type === undefined && subnet === undefined) continue;
        overrides.push({
          ...(type ? { InstanceType: type as FleetLaunchTemplateOverridesRequest['InstanceType'] } : {}),
          ...(subnet ? { SubnetId: subnet } : {}),
          ...(market === 'spot' && config.maxSpotPrice ? { MaxPrice: config.maxSpotPrice } : {}),
          ...(type ? { Priority: priority } : {}),
        });
      }
    }
    const n = runners.length;
    return {
      Type: 'instant',
      ClientToken: token,
      LaunchTemplateConfigs: [
        {
          LaunchTemplateSpecification: {
            ...(config.launchTemplate.id ? { LaunchTemplateId: config.launchTemplate.id } : { LaunchTemplateName: config.launchTemplate.name }),
            Version: config.launchTemplate.version,
          },
          ...(overrides.length > 0 ? { Overrides: overrides } : {}),
        },
      ],
      TargetCapacitySpecification: {
        TotalTargetCapacity: n,
        DefaultTargetCapacityType: market,
        ...(market === 'spot' ? { SpotTargetCapacity: n } : { OnDemandTargetCapacity: n }),
      },
      ...(market === 'spot'
        ? { SpotOptions: { AllocationStrategy: config.allocationStrategy, InstanceInterruptionBehavior: 'terminate' as const } }
        : { OnDemandOptions: { AllocationStrategy: config.onDemandAllocationStrategy } }),
      TagSpecifications: [
        { ResourceType: 'instance', Tags: instanceTags },
        { ResourceType: 'fleet', Tags: common },
      ],
    };
  }

  async #fleet(
    pool: Pool,
    config: Ec2PoolInstance,
    runners: readonly LaunchRequest[],
    market: 'spot' | 'on-demand',
    signal: AbortSignal,
  ): Promise<FleetOutcome> {
    const named = runners.length === 1;
    const context = `EC2 CreateFleet (${market}) of ${runners.length} runners for pool "${pool.id}"`;
    let out;
    try {
      out = await this.#ec2.send(new CreateFleetCommand(this.#fleetInput(pool, config, runners, market)), { abortSignal: signal });
    } catch (err) {
      const error = toAwsError(err, context);
      // An aborted or timed-out call may still have launched: retrying with the same runners reuses the client
      // token, so EC2 answers with those instances instead of launching again.
      const retryable = error.retryable || error.code === 'aborted';
      return {
        placed: [],
        unplaced: runners.map((runner) => this.#unplaced(runner, error.awsCode, { code: error.code, retryable, message: error.message })),
        named,
      };
    }
    const ids = (out.Instances ?? []).flatMap((i) => i.InstanceIds ?? []);
    const placed = runners.slice(0, ids.length).map((runner, i) => ({ runner, instanceId: ids[i]! }));
    const extra = ids.slice(runners.length);
    if (extra.length > 0) {
      this.#logger.warn('CreateFleet returned more instances than asked; terminating the extra', { pool: pool.id, count: extra.length });
      await this.#terminateIds(extra, signal);
    }
    const error = this.#fleetError(out.Errors ?? [], context, runners.length - placed.length, runners.length);
    return { placed, unplaced: runners.slice(placed.length).map((runner) => this.#unplaced(runner, error.awsCode, error)), named };
  }

  /** The error to report for runners the fleet did not place: a retryable one first (it may clear). */
  #fleetError(errors: readonly CreateFleetError[], context: string, missing: number, asked: number): Pick<AwsError, 'awsCode' | 'code' | 'retryable' | 'message'> {
    const classified = errors.map((e) => ({ e, cls: classifyAwsErrorCode(e.ErrorCode) }));
    const pick = classified.find((c) => c.cls.retryable) ?? classified[0];
    if (!pick) {
      return {
        awsCode: undefined,
        code: 'capacity',
        retryable: true,
        message: `${context} placed ${asked - missing} of ${asked} without an error: treating the rest as missing capacity; retry later.`,
      };
    }
    const detail = [pick.e.ErrorCode, pick.e.ErrorMessage].filter(Boolean).join(': ');
    return {
      awsCode: pick.e.ErrorCode,
      code: pick.cls.code,
      retryable: pick.cls.retryable,
      message: `${context} placed ${asked - missing} of ${asked} (${detail.slice(0, 300)}). ${pick.cls.advice}`,
    };
  }

  #unplaced(runner: LaunchRequest, awsCode: string | undefined, error: Pick<AwsError, 'code' | 'retryable' | 'message'>): Unplaced {
    return {
      runner,
      awsCode,
      failure: { name: runner.name, code: toLaunchErrorCode(error.code), retryable: error.retryable, message: error.message },
    };
  }

  /** Names the instance and hands it its secret; returns a failure (and deletes the secret) if either fails. */
  async #handOff(pool: Pool, placement: Placement, named: boolean, signal: AbortSignal): Promise<LaunchFailure | undefined> {
    const { runner, instanceId } = placement;
    const [tagged, stored] = await Promise.allSettled([
      named
        ? Promise.resolve()
        : this.#ec2
            .send(
              new CreateTagsCommand({
                Resources: [instanceId],
                Tags: [
                  { Key: EC2_RUNNER_TAGS.runner, Value: runner.name },
                  { Key: 'Name', Value: runner.name },
                ],
              }),
              { abortSignal: signal },
            )
            .catch((err: unknown) => {
              throw toAwsError(err, `EC2 CreateTags on ${instanceId} for runner ${runner.name}`);
            }),
      this.#secrets.put({ runnerName: runner.name, poolId: pool.id, instanceId, bootstrap: runner.bootstrap }, signal),
    ]);
    if (tagged.status === 'fulfilled' && stored.status === 'fulfilled') return undefined;
    const reason = (tagged.status === 'rejected' ? tagged.reason : (stored as PromiseRejectedResult).reason) as unknown;
    const error = toAwsError(reason, `Hand-off of runner ${runner.name} (instance ${instanceId})`);
    await this.#secrets.delete(runner.name, signal).catch((err: unknown) => {
      this.#logger.warn('could not delete the secret of a failed launch; the sweeper will', {
        runner: runner.name,
        code: toAwsError(err, 'SSM delete').code,
      });
    });
    return {
      name: runner.name,
      code: toLaunchErrorCode(error.code),
      retryable: error.retryable,
      message: `${error.message} The instance is terminated.`,
    };
  }

  #toInstance(instance: Ec2Instance): Instance | undefined {
    const poolId = tagOf(instance.Tags, EC2_RUNNER_TAGS.pool);
    if (!instance.InstanceId || poolId === undefined) return undefined;
    const reason = instance.StateReason?.Code ?? '';
    const interrupted = reason.startsWith('Server.SpotInstance');
    const when = /\((\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}) GMT\)/.exec(instance.StateTransitionReason ?? '')?.[1];
    return {
      providerId: instance.InstanceId,
      name: tagOf(instance.Tags, EC2_RUNNER_TAGS.runner) ?? '',
      poolId,
      state: STATES[instance.State?.Name ?? ''] ?? 'pending',
      launchedAt: instance.LaunchTime?.getTime() ?? 0,
      ...(interrupted ? { interruptedAt: when ? Date.parse(`${when.replace(' ', 'T')}Z`) : this.#clock.now() } : {}),
    };
  }

  async #terminateBatch(
    batch: readonly string[],
    terminated: string[],
    failed: TerminateResult['failed'][number][],
    signal: AbortSignal,
  ): Promise<void> {
    let remaining = [...batch];
    for (let round = 0; remaining.length > 0 && round < 20; round += 1) {
      try {
        await this.#ec2.send(new TerminateInstancesCommand({ InstanceIds: remaining }), { abortSignal: signal });
        terminated.push(...remaining);
        return;
      } catch (err) {
        const error = toAwsError(err, `EC2 TerminateInstances of ${remaining.length} instances`);
        const unknown = error.code === 'not-found' || error.awsCode === 'InvalidInstanceID.Malformed';
        if (!unknown) {
          failed.push(
            ...remaining.map((providerId) => ({ providerId, code: toLaunchErrorCode(error.code), retryable: error.retryable, message: error.message })),
          );
          return;
        }
        // EC2 names the ids it does not know: they count as terminated; retry the rest.
        const named = new Set(error.message.match(/i-[0-9a-zA-Z]+/g) ?? []);
        const missing = remaining.filter((id) => named.has(id));
        if (missing.length === 0) {
          if (remaining.length === 1) {
            terminated.push(...remaining);
            return;
          }
          // The message did not say which: try them one by one.
          for (const id of remaining) await this.#terminateBatch([id], terminated, failed, signal);
          return;
        }
        terminated.push(...missing);
        remaining = remaining.filter((id) => !named.has(id));
      }
    }
    if (remaining.length > 0) {
      failed.push(
        ...remaining.map((providerId) => ({
          providerId,
          code: 'internal' as const,
          retryable: true,
          message: 'EC2 TerminateInstances kept naming unknown instances; retry.',
        })),
      );
    }
  }
}
