import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { GetParameterCommand, ListTagsForResourceCommand } from '@aws-sdk/client-ssm';
import { describeRunnerProviderContract } from '@ghr/contracts';
import type { LaunchErrorCode, LaunchRequest, Pool } from '@ghr/core';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { Ec2RunnerProvider } from '../src/ec2/ec2-runner-provider.js';
import { SsmRunnerSecrets, takeRunnerSecret } from '../src/ssm-handoff/runner-secrets.js';
import { countCalls, createEc2Fixture, partialFleet, resetMoto, startFaultProxy, testClients } from './setup/index.js';
import type { Ec2Fixture, FaultProxy, TestClients } from './setup/index.js';

const endpoint = inject('motoEndpoint');
const signal = () => AbortSignal.timeout(60_000);

function requests(pool: Pool, prefix: string, count: number): LaunchRequest[] {
  return Array.from({ length: count }, (_, i) => ({
    name: `ghr-${pool.id}-${prefix}${i}`,
    poolId: pool.id,
    labels: pool.labels,
    ephemeral: true,
    bootstrap: { kind: 'jit', encodedJitConfig: `secret-jit-${prefix}${i}` },
  }));
}

let proxy: FaultProxy;
let aws: TestClients;
let direct: TestClients;

beforeAll(async () => {
  proxy = await startFaultProxy(endpoint);
  aws = testClients(proxy.endpoint, { maxAttempts: 2 });
  direct = testClients(endpoint);
});
afterAll(async () => {
  aws.destroy();
  direct.destroy();
  await proxy.close();
});

function provider(options: { fleetSize?: number } = {}): Ec2RunnerProvider {
  const secrets = new SsmRunnerSecrets({ ssm: aws.ssm, environment: 'test', writesPerSecond: 1000, writeBurst: 1000 });
  return new Ec2RunnerProvider({ environment: 'test', ec2: aws.ec2, secrets, owner: 'ci', ...options });
}

const FAULT_CODES: Readonly<Record<LaunchErrorCode, string>> = {
  capacity: 'InsufficientInstanceCapacity',
  throttled: 'RequestLimitExceeded',
  quota: 'VcpuLimitExceeded',
  'invalid-config': 'InvalidParameterValue',
  internal: 'InternalError',
};

describeRunnerProviderContract('Ec2RunnerProvider on moto', async () => {
  proxy.clear();
  await resetMoto(endpoint);
  const fixture = await createEc2Fixture(direct.ec2);
  return {
    provider: provider(),
    pool: (id) => fixture.pool(id),
    injectLaunchFailure: ({ code, count }) => {
      proxy.add({ action: 'CreateFleet', times: 1, fault: partialFleet({ unfulfilled: count, errorCode: FAULT_CODES[code] }) });
    },
  };
});

describe('Ec2RunnerProvider against moto', () => {
  let fixture: Ec2Fixture;
  beforeEach(async () => {
    proxy.clear();
    await resetMoto(endpoint);
    fixture = await createEc2Fixture(direct.ec2);
  });

  it('launches a batch with one CreateFleet, names and tags each instance, and hands each its secret', async () => {
    // Arrange
    const pool = fixture.pool('linux', { tags: { team: 'infra' } });
    const asked = requests(pool, 'a', 5);
    const calls = countCalls();
    calls.attach(aws.ec2);
    calls.attach(aws.ssm);
    // Act
    const result = await provider().launch(pool, asked, signal());
    calls.detach();
    // Assert
    expect(result.failed).toEqual([]);
    expect(calls.counts()).toEqual({ 'EC2.CreateFleet': 1, 'EC2.CreateTags': 5, 'SSM.PutParameter': 5 });
    const described = await direct.ec2.send(new DescribeInstancesCommand({ InstanceIds: result.launched.map((l) => l.providerId) }));
    const instances = described.Reservations!.flatMap((r) => r.Instances!);
    for (const launched of result.launched) {
      const instance = instances.find((i) => i.InstanceId === launched.providerId)!;
      const tags = Object.fromEntries(instance.Tags!.map((t) => [t.Key, t.Value]));
      expect(tags).toMatchObject({
        'ghr:environment': 'test',
        'ghr:pool': 'linux',
        'ghr:owner': 'ci',
        'ghr:runner': launched.name,
        Name: launched.name,
        team: 'infra',
      });
      expect(tags['ghr:launch']).toMatch(/^ghr-[0-9a-f]{56}$/);
      const parameter = await direct.ssm.send(new GetParameterCommand({ Name: `/ghr/test/runners/${launched.name}`, WithDecryption: true }));
      const suffix = launched.name.slice('ghr-linux-'.length);
      expect(parameter.Parameter).toMatchObject({ Type: 'SecureString', Value: `secret-jit-${suffix}` });
      const ssmTags = await direct.ssm.send(new ListTagsForResourceCommand({ ResourceType: 'Parameter', ResourceId: `/ghr/test/runners/${launched.name}` }));
      expect(Object.fromEntries(ssmTags.TagList!.map((t) => [t.Key, t.Value]))).toEqual({
        'ghr:environment': 'test',
        'ghr:pool': 'linux',
        'ghr:runner': launched.name,
        'ghr:instance-id': launched.providerId,
      });
    }
  });

  it('splits a launch into fleets of at most fleetSize runners and tags a fleet of one at launch', async () => {
    const pool = fixture.pool('linux');
    const calls = countCalls();
    calls.attach(aws.ec2);
    const result = await provider({ fleetSize: 2 }).launch(pool, requests(pool, 'b', 5), signal());
    calls.detach();
    expect(result.launched).toHaveLength(5);
    expect(calls.count('CreateFleet')).toBe(3);
    expect(calls.count('CreateTags')).toBe(4); // the last fleet had one runner: named at launch
    const listed = await provider().list({ names: ['ghr-linux-b4'] }, signal());
    expect(listed.map((i) => i.name)).toEqual(['ghr-linux-b4']);
  });

  it('hands the instance its secret once: the instance side reads and deletes it', async () => {
    const pool = fixture.pool('linux');
    await provider().launch(pool, requests(pool, 'c', 1), signal());
    const taken = await takeRunnerSecret('ghr-linux-c0', { environment: 'test', ssm: direct.ssm });
    expect(taken).toEqual({ kind: 'jit', encodedJitConfig: 'secret-jit-c0' });
    await expect(takeRunnerSecret('ghr-linux-c0', { environment: 'test', ssm: direct.ssm })).rejects.toMatchObject({
      name: 'AwsError',
      code: 'not-found',
    });
  });

  it('retries on demand the runners spot could not place when the pool lists the error', async () => {
    const pool = fixture.pool('linux', { onDemandFallback: ['InsufficientInstanceCapacity'] });
    const markets: string[] = [];
    proxy.add({
      action: 'CreateFleet',
      when: (r) => {
        markets.push(r.params.get('TargetCapacitySpecification.DefaultTargetCapacityType') ?? '');
        return r.params.get('TargetCapacitySpecification.DefaultTargetCapacityType') === 'spot';
      },
      fault: partialFleet({ fulfilled: 1 }),
    });
    const result = await provider().launch(pool, requests(pool, 'd', 4), signal());
    expect(result.failed).toEqual([]);
    expect(result.launched).toHaveLength(4);
    expect(markets).toEqual(['spot', 'on-demand']);
  });

  it('does not fall back when the pool does not list the error, and reports the shortfall per runner', async () => {
    const pool = fixture.pool('linux', { onDemandFallback: ['MaxSpotInstanceCountExceeded'] });
    proxy.add({ action: 'CreateFleet', fault: partialFleet({ fulfilled: 1 }) });
    const result = await provider().launch(pool, requests(pool, 'e', 3), signal());
    expect(result.launched.map((l) => l.name)).toEqual(['ghr-linux-e0']);
    expect(result.failed.map((f) => [f.name, f.code, f.retryable])).toEqual([
      ['ghr-linux-e1', 'capacity', true],
      ['ghr-linux-e2', 'capacity', true],
    ]);
    expect(result.failed[0]!.message).toContain('InsufficientInstanceCapacity');
    // No secret was written for runners that did not launch.
    await expect(direct.ssm.send(new GetParameterCommand({ Name: '/ghr/test/runners/ghr-linux-e1' }))).rejects.toMatchObject({
      name: 'ParameterNotFound',
    });
  });

  it('reports a throttled CreateFleet as a retryable failure of every runner of the batch', async () => {
    const pool = fixture.pool('linux');
    proxy.add({ action: 'CreateFleet', fault: { error: 'RequestLimitExceeded' } });
    const result = await provider().launch(pool, requests(pool, 'f', 2), signal());
    expect(result.launched).toEqual([]);
    expect(result.failed.map((f) => [f.code, f.retryable])).toEqual([
      ['throttled', true],
      ['throttled', true],
    ]);
    expect(proxy.calls.filter((c) => c.action === 'CreateFleet')).toHaveLength(2); // the SDK retried once
  });

  it('reports a missing launch template as invalid-config, not retryable', async () => {
    const pool = fixture.pool('linux', { launchTemplate: { id: 'lt-0123456789abcdef0' } });
    const result = await provider().launch(pool, requests(pool, 'g', 2), signal());
    expect(result.launched).toEqual([]);
    expect(result.failed.map((f) => [f.code, f.retryable])).toEqual([
      ['invalid-config', false],
      ['invalid-config', false],
    ]);
  });

  it('reports an invalid pool section without calling EC2', async () => {
    const pool = { ...fixture.pool('linux'), instance: { instanceTypes: ['m7i.large'] } };
    proxy.clear();
    const result = await provider().launch(pool, requests(pool, 'h', 1), signal());
    expect(result.failed).toEqual([expect.objectContaining({ code: 'invalid-config', retryable: false })]);
    expect(result.failed[0]!.message).toContain('launchTemplate');
    expect(proxy.calls).toEqual([]);
  });

  it('terminates the instance and reports the runner when its secret cannot be written', async () => {
    const pool = fixture.pool('linux');
    proxy.add({
      action: 'PutParameter',
      when: (r) => (r.json as { Name?: string } | undefined)?.Name === '/ghr/test/runners/ghr-linux-i1',
      fault: { error: 'ThrottlingException' },
    });
    const p = provider();
    const result = await p.launch(pool, requests(pool, 'i', 3), signal());
    expect(result.launched.map((l) => l.name).sort()).toEqual(['ghr-linux-i0', 'ghr-linux-i2']);
    expect(result.failed).toEqual([expect.objectContaining({ name: 'ghr-linux-i1', code: 'throttled', retryable: true })]);
    const live = (await p.list({ poolIds: ['linux'] }, signal())).filter((i) => i.state !== 'terminated');
    expect(live.map((i) => i.name).sort()).toEqual(['ghr-linux-i0', 'ghr-linux-i2']);
  });

  it('lists only its own environment and maps instance fields', async () => {
    const pool = fixture.pool('linux');
    const before = Date.now();
    await provider().launch(pool, requests(pool, 'j', 2), signal());
    const other = new Ec2RunnerProvider({ environment: 'other', ec2: aws.ec2, secrets: new SsmRunnerSecrets({ ssm: aws.ssm, environment: 'other' }) });
    expect(await other.list({}, signal())).toEqual([]);
    const listed = await provider().list({ poolIds: ['linux'] }, signal());
    expect(listed).toHaveLength(2);
    for (const instance of listed) {
      expect(instance).toMatchObject({ poolId: 'linux', state: expect.stringMatching(/^(pending|running)$/) });
      expect(instance.launchedAt).toBeGreaterThan(before - 60_000);
    }
    expect(await provider().list({ poolIds: [] }, signal())).toEqual([]);
  });

  it('deletes the hand-off of each runner whose instance it terminates, so an unread JIT config does not outlive it', async () => {
    // Arrange: two runners launched, their secrets never taken
    const pool = fixture.pool('linux');
    const p = provider();
    const result = await p.launch(pool, requests(pool, 'h', 2), signal());
    expect(result.launched).toHaveLength(2);
    // Act
    await p.terminate([result.launched[0]!.providerId], signal());
    // Assert: the terminated runner's secret is gone, the other one is still there for its instance
    await expect(takeRunnerSecret('ghr-linux-h0', { environment: 'test', ssm: direct.ssm })).rejects.toMatchObject({ code: 'not-found' });
    expect(await takeRunnerSecret('ghr-linux-h1', { environment: 'test', ssm: direct.ssm })).toEqual({ kind: 'jit', encodedJitConfig: 'secret-jit-h1' });
  });

  it('terminates known and unknown ids in one call, the unknown ones counting as terminated', async () => {
    const pool = fixture.pool('linux');
    const p = provider();
    const result = await p.launch(pool, requests(pool, 'k', 2), signal());
    const ids = [...result.launched.map((l) => l.providerId), 'i-0000000000000beef', 'i-0000000000000dead'];
    const out = await p.terminate(ids, signal());
    expect(out.failed).toEqual([]);
    expect([...out.terminated].sort()).toEqual([...ids].sort());
    expect(proxy.calls.filter((c) => c.action === 'TerminateInstances')).toHaveLength(2); // one, then the known rest
  });
});
