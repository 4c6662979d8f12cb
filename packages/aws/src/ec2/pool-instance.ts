// The EC2 shape of a pool's opaque `instance` section, and its validation.
import type { Pool } from '@ghr/core';
import { AwsError } from '../errors.js';

/** Spot allocation strategies of CreateFleet. */
export type SpotAllocationStrategy =
  | 'price-capacity-optimized'
  | 'capacity-optimized'
  | 'capacity-optimized-prioritized'
  | 'lowest-price'
  | 'diversified';

/** On-demand allocation strategies of CreateFleet. */
export type OnDemandAllocationStrategy = 'lowest-price' | 'prioritized';

/** A pool's EC2 launch settings (its `instance` section), validated and with defaults applied. */
export interface Ec2PoolInstance {
  /** The launch template (AMI, security groups, instance profile, user data, volume/ENI tags). */
  readonly launchTemplate: { readonly id?: string; readonly name?: string; readonly version: string };
  /** Instance types to diversify over (overrides × subnets); empty = the template's type. */
  readonly instanceTypes: readonly string[];
  /** Subnets to spread over; empty = the template's network settings. */
  readonly subnetIds: readonly string[];
  /** `spot` (default) or `on-demand`. */
  readonly market: 'spot' | 'on-demand';
  /** Spot allocation strategy; default `price-capacity-optimized`. */
  readonly allocationStrategy: SpotAllocationStrategy;
  /** On-demand allocation strategy; default `lowest-price` (`prioritized` follows the order of `instanceTypes`). */
  readonly onDemandAllocationStrategy: OnDemandAllocationStrategy;
  /**
   * Spot launch errors that trigger an on-demand retry of the runners spot could not place: AWS codes
   * (`InsufficientInstanceCapacity`, `MaxSpotInstanceCountExceeded`, ...) or ghr codes (`capacity`, `quota`).
   * Default none.
   */
  readonly onDemandFallback: readonly string[];
  /** Most to pay per spot instance-hour (USD, as a string); default the on-demand price. */
  readonly maxSpotPrice?: string;
  /** Extra instance tags (`ghr:` keys are reserved). */
  readonly tags: Readonly<Record<string, string>>;
}

const SPOT: readonly SpotAllocationStrategy[] = [
  'price-capacity-optimized',
  'capacity-optimized',
  'capacity-optimized-prioritized',
  'lowest-price',
  'diversified',
];
const ON_DEMAND: readonly OnDemandAllocationStrategy[] = ['lowest-price', 'prioritized'];

function fail(poolId: string, what: string): never {
  throw new AwsError(`Pool "${poolId}" has an invalid EC2 instance section: ${what}`, { code: 'invalid-config' });
}

function strings(poolId: string, value: unknown, field: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string' || v === '')) {
    fail(poolId, `"${field}" must be a list of non-empty strings.`);
  }
  return [...new Set(value as string[])];
}

/**
 * Validates a pool's `instance` section for EC2 and applies defaults. Throws an `AwsError` `invalid-config` that
 * names the field to fix.
 *
 * @example
 * ```ts
 * parseEc2PoolInstance({ ...pool, instance: {
 *   launchTemplate: { name: 'ghr-linux' }, instanceTypes: ['m7i.large', 'm6i.large'], subnetIds: ['subnet-1'],
 *   onDemandFallback: ['InsufficientInstanceCapacity'],
 * } });
 * ```
 */
export function parseEc2PoolInstance(pool: Pick<Pool, 'id' | 'instance'>): Ec2PoolInstance {
  const raw = pool.instance;
  const id = pool.id;
  const lt = raw['launchTemplate'];
  if (typeof lt !== 'object' || lt === null) fail(id, '"launchTemplate" ({ id | name, version? }) is required.');
  const { id: ltId, name: ltName, version } = lt as Record<string, unknown>;
  if ((typeof ltId !== 'string' || ltId === '') === (typeof ltName !== 'string' || ltName === '')) {
    fail(id, '"launchTemplate" needs exactly one of "id" and "name".');
  }
  if (version !== undefined && (typeof version !== 'string' && typeof version !== 'number')) {
    fail(id, '"launchTemplate.version" must be a version number, "$Latest" or "$Default".');
  }
  const market = raw['market'] ?? 'spot';
  if (market !== 'spot' && market !== 'on-demand') fail(id, '"market" must be "spot" or "on-demand".');
  const allocationStrategy = raw['allocationStrategy'] ?? 'price-capacity-optimized';
  if (!SPOT.includes(allocationStrategy as SpotAllocationStrategy)) fail(id, `"allocationStrategy" must be one of ${SPOT.join(', ')}.`);
  const onDemandAllocationStrategy = raw['onDemandAllocationStrategy'] ?? 'lowest-price';
  if (!ON_DEMAND.includes(onDemandAllocationStrategy as OnDemandAllocationStrategy)) {
    fail(id, `"onDemandAllocationStrategy" must be one of ${ON_DEMAND.join(', ')}.`);
  }
  const maxSpotPrice = raw['maxSpotPrice'];
  if (maxSpotPrice !== undefined && !(typeof maxSpotPrice === 'string' && /^\d+(\.\d+)?$/.test(maxSpotPrice))) {
    fail(id, '"maxSpotPrice" must be a decimal string such as "0.12".');
  }
  const tags = raw['tags'] ?? {};
  if (typeof tags !== 'object' || tags === null || Array.isArray(tags)) fail(id, '"tags" must be an object of strings.');
  for (const [k, v] of Object.entries(tags)) {
    if (typeof v !== 'string') fail(id, `tag "${k}" must have a string value.`);
    if (k.startsWith('ghr:')) fail(id, `tag "${k}": keys starting with "ghr:" are reserved.`);
  }
  return {
    launchTemplate: {
      ...(typeof ltId === 'string' && ltId !== '' ? { id: ltId } : { name: ltName as string }),
      version: version === undefined ? '$Default' : String(version),
    },
    instanceTypes: strings(id, raw['instanceTypes'], 'instanceTypes'),
    subnetIds: strings(id, raw['subnetIds'], 'subnetIds'),
    market,
    allocationStrategy: allocationStrategy as SpotAllocationStrategy,
    onDemandAllocationStrategy: onDemandAllocationStrategy as OnDemandAllocationStrategy,
    onDemandFallback: strings(id, raw['onDemandFallback'], 'onDemandFallback'),
    ...(typeof maxSpotPrice === 'string' ? { maxSpotPrice } : {}),
    tags: tags as Record<string, string>,
  };
}
