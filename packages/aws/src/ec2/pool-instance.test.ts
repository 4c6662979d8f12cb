import { describe, expect, it } from 'vitest';
import { parseEc2PoolInstance } from './pool-instance.js';

const parse = (instance: Record<string, unknown>) => parseEc2PoolInstance({ id: 'linux', instance });

describe('parseEc2PoolInstance', () => {
  it('applies defaults: spot, price-capacity-optimized, $Default version, no fallback', () => {
    expect(parse({ launchTemplate: { name: 'ghr-linux' }, instanceTypes: ['m7i.large'], subnetIds: ['subnet-1'] })).toEqual({
      launchTemplate: { name: 'ghr-linux', version: '$Default' },
      instanceTypes: ['m7i.large'],
      subnetIds: ['subnet-1'],
      market: 'spot',
      allocationStrategy: 'price-capacity-optimized',
      onDemandAllocationStrategy: 'lowest-price',
      onDemandFallback: [],
      tags: {},
    });
  });

  it('keeps explicit settings and removes duplicate list entries', () => {
    const parsed = parse({
      launchTemplate: { id: 'lt-1', version: 3 },
      instanceTypes: ['c7g.large', 'c7g.large'],
      market: 'on-demand',
      onDemandAllocationStrategy: 'prioritized',
      onDemandFallback: ['InsufficientInstanceCapacity', 'quota'],
      maxSpotPrice: '0.12',
      tags: { team: 'infra' },
    });
    expect(parsed).toMatchObject({
      launchTemplate: { id: 'lt-1', version: '3' },
      instanceTypes: ['c7g.large'],
      subnetIds: [],
      market: 'on-demand',
      onDemandAllocationStrategy: 'prioritized',
      onDemandFallback: ['InsufficientInstanceCapacity', 'quota'],
      maxSpotPrice: '0.12',
      tags: { team: 'infra' },
    });
  });

  it.each([
    [{}, 'launchTemplate'],
    [{ launchTemplate: { id: 'lt-1', name: 'x' } }, 'exactly one'],
    [{ launchTemplate: { id: 'lt-1' }, market: 'reserved' }, 'market'],
    [{ launchTemplate: { id: 'lt-1' }, allocationStrategy: 'cheapest' }, 'allocationStrategy'],
    [{ launchTemplate: { id: 'lt-1' }, instanceTypes: 'm7i.large' }, 'instanceTypes'],
    [{ launchTemplate: { id: 'lt-1' }, maxSpotPrice: 0.1 }, 'maxSpotPrice'],
    [{ launchTemplate: { id: 'lt-1' }, tags: { 'ghr:pool': 'x' } }, 'reserved'],
  ])('rejects %j, naming %s', (instance, what) => {
    expect(() => parse(instance)).toThrow(expect.objectContaining({ name: 'AwsError', code: 'invalid-config', message: expect.stringContaining(what) }));
  });
});
