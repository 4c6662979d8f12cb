import {
  CreateFleetCommand,
  CreateTagsCommand,
  DescribeInstancesCommand,
  EC2Client,
  EC2ServiceException,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import type { LaunchRequest, Pool } from '@ghr/core';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { RunnerSecretStore } from '../ssm-handoff/runner-secrets.js';
import { Ec2RunnerProvider } from './ec2-runner-provider.js';

const ec2 = mockClient(EC2Client);
const signal = () => AbortSignal.timeout(5_000);

function pool(instance: Record<string, unknown> = {}): Pool {
  return {
    id: 'linux',
    labels: ['linux'],
    match: 'subset',
    priority: 0,
    scope: { kind: 'org', org: 'acme' },
    ephemeral: true,
    maxRunners: 1000,
    warm: [],
    idleTimeout: 0,
    minimumLifetime: 0,
    bootTimeout: 0,
    maxRuntime: 0,
    drainOrder: 'oldest-first',
    instance: { launchTemplate: { name: 'ghr-linux' }, instanceTypes: ['m7i.large', 'm6i.large'], subnetIds: ['subnet-a', 'subnet-b'], ...instance },
  };
}

function runners(count: number, prefix = 'r'): LaunchRequest[] {
  return Array.from({ length: count }, (_, i) => ({
    name: `${prefix}${i}`,
    poolId: 'linux',
    labels: ['linux'],
    ephemeral: true,
    bootstrap: { kind: 'jit', encodedJitConfig: `jit-secret-${i}` },
  }));
}

function secretsStore(): RunnerSecretStore & { put: ReturnType<typeof vi.fn>; delete: ReturnType<typeof vi.fn> } {
  return {
    put: vi.fn(async (s: { runnerName: string }) => ({ parameterName: `/ghr/test/runners/${s.runnerName}`, tier: 'Standard' as const })),
    delete: vi.fn(async () => undefined),
  };
}

let nextId = 0;
function fleetAnswer(count: number, errors: { ErrorCode: string; ErrorMessage?: string }[] = []) {
  const ids = Array.from({ length: count }, () => `i-${(nextId++).toString(16).padStart(17, '0')}`);
  return { FleetId: 'fleet-1', Instances: count ? [{ InstanceIds: ids, Lifecycle: 'spot' as const }] : [], Errors: errors };
}

function ec2Error(name: string, message = name): EC2ServiceException {
  return new EC2ServiceException({ name, $fault: 'client', $metadata: { httpStatusCode: 400 }, message });
}

beforeEach(() => {
  ec2.reset();
  ec2.on(CreateTagsCommand).resolves({});
  ec2.on(TerminateInstancesCommand).resolves({});
});

describe('Ec2RunnerProvider.launch', () => {
  it('sends one instant CreateFleet with overrides = types × subnets, spot options and launch tags', async () => {
    // Arrange
    ec2.on(CreateFleetCommand).resolves(fleetAnswer(3));
    const provider = new Ec2RunnerProvider({ environment: 'prod', ec2: new EC2Client({}), secrets: secretsStore(), owner: 'team-ci' });
    // Act
    await provider.launch(pool({ maxSpotPrice: '0.2', tags: { cost: 'ci' } }), runners(3), signal());
    // Assert
    const calls = ec2.commandCalls(CreateFleetCommand);
    expect(calls).toHaveLength(1);
    const input = calls[0]!.args[0].input;
    expect(input).toMatchObject({
      Type: 'instant',
      TargetCapacitySpecification: { TotalTargetCapacity: 3, SpotTargetCapacity: 3, DefaultTargetCapacityType: 'spot' },
      SpotOptions: { AllocationStrategy: 'price-capacity-optimized', InstanceInterruptionBehavior: 'terminate' },
      LaunchTemplateConfigs: [
        {
          LaunchTemplateSpecification: { LaunchTemplateName: 'ghr-linux', Version: '$Default' },
          Overrides: [
            { InstanceType: 'm7i.large', SubnetId: 'subnet-a', MaxPrice: '0.2', Priority: 0 },
            { InstanceType: 'm7i.large', SubnetId: 'subnet-b', MaxPrice: '0.2', Priority: 0 },
            { InstanceType: 'm6i.large', SubnetId: 'subnet-a', MaxPrice: '0.2', Priority: 1 },
            { InstanceType: 'm6i.large', SubnetId: 'subnet-b', MaxPrice: '0.2', Priority: 1 },
          ],
        },
      ],
    });
    expect(input.ClientToken).toMatch(/^ghr-[0-9a-f]{56}$/);
    const instanceTags = input.TagSpecifications?.find((t) => t.ResourceType === 'instance')?.Tags;
    expect(instanceTags).toEqual([
      { Key: 'ghr:environment', Value: 'prod' },
      { Key: 'ghr:pool', Value: 'linux' },
      { Key: 'ghr:owner', Value: 'team-ci' },
      { Key: 'ghr:launch', Value: input.ClientToken },
      { Key: 'cost', Value: 'ci' },
    ]);
    expect(JSON.stringify(input)).not.toContain('jit-secret');
    expect(ec2.commandCalls(DescribeInstancesCommand)).toHaveLength(0);
  });

  it('derives the same client token for the same runners, a different one for others', async () => {
    ec2.on(CreateFleetCommand).callsFake(() => fleetAnswer(2));
    const provider = new Ec2RunnerProvider({ environment: 'prod', ec2: new EC2Client({}), secrets: secretsStore() });
    await provider.launch(pool(), runners(2), signal());
    await provider.launch(pool(), runners(2), signal());
    await provider.launch(pool(), runners(2, 'other'), signal());
    const tokens = ec2.commandCalls(CreateFleetCommand).map((c) => c.args[0].input.ClientToken);
    expect(tokens[0]).toBe(tokens[1]);
    expect(tokens[2]).not.toBe(tokens[0]);
  });

  it('uses one CreateFleet per 100 runners, one CreateTags and one secret write per runner', async () => {
    ec2.on(CreateFleetCommand).callsFake((input: { TargetCapacitySpecification: { TotalTargetCapacity: number } }) =>
      fleetAnswer(input.TargetCapacitySpecification.TotalTargetCapacity),
    );
    const secrets = secretsStore();
    const provider = new Ec2RunnerProvider({ environment: 'prod', ec2: new EC2Client({}), secrets });
    const result = await provider.launch(pool(), runners(250), signal());
    expect(result.launched).toHaveLength(250);
    expect(ec2.commandCalls(CreateFleetCommand).map((c) => c.args[0].input.TargetCapacitySpecification?.TotalTargetCapacity)).toEqual([100, 100, 50]);
    expect(ec2.commandCalls(CreateTagsCommand)).toHaveLength(250);
    expect(secrets.put).toHaveBeenCalledTimes(250);
    expect(secrets.put).toHaveBeenCalledWith(
      expect.objectContaining({ runnerName: 'r7', poolId: 'linux', instanceId: result.launched.find((l) => l.name === 'r7')!.providerId }),
      expect.anything(),
    );
  });

  it('names a fleet of one at launch and needs no CreateTags', async () => {
    ec2.on(CreateFleetCommand).resolves(fleetAnswer(1));
    const provider = new Ec2RunnerProvider({ environment: 'prod', ec2: new EC2Client({}), secrets: secretsStore() });
    await provider.launch(pool(), runners(1), signal());
    const tags = ec2.commandCalls(CreateFleetCommand)[0]!.args[0].input.TagSpecifications?.[0]?.Tags;
    expect(tags).toContainEqual({ Key: 'ghr:runner', Value: 'r0' });
    expect(ec2.commandCalls(CreateTagsCommand)).toHaveLength(0);
  });

  it('sends on-demand options for an on-demand pool', async () => {
    ec2.on(CreateFleetCommand).resolves(fleetAnswer(1));
    const provider = new Ec2RunnerProvider({ environment: 'prod', ec2: new EC2Client({}), secrets: secretsStore() });
    await provider.launch(pool({ market: 'on-demand', onDemandAllocationStrategy: 'prioritized', maxSpotPrice: '1' }), runners(1), signal());
    const input = ec2.commandCalls(CreateFleetCommand)[0]!.args[0].input;
    expect(input.TargetCapacitySpecification).toEqual({ TotalTargetCapacity: 1, DefaultTargetCapacityType: 'on-demand', OnDemandTargetCapacity: 1 });
    expect(input.OnDemandOptions).toEqual({ AllocationStrategy: 'prioritized' });
    expect(input.SpotOptions).toBeUndefined();
    expect(input.LaunchTemplateConfigs?.[0]?.Overrides?.[0]?.MaxPrice).toBeUndefined();
  });

  it('falls back to on-demand for a quota error thrown by a spot CreateFleet when the pool lists it', async () => {
    ec2
      .on(CreateFleetCommand, { TargetCapacitySpecification: { TotalTargetCapacity: 2, DefaultTargetCapacityType: 'spot' } })
      .rejects(ec2Error('MaxSpotInstanceCountExceeded'))
      .on(CreateFleetCommand, { TargetCapacitySpecification: { TotalTargetCapacity: 2, DefaultTargetCapacityType: 'on-demand' } })
      .resolves(fleetAnswer(2));
    const provider = new Ec2RunnerProvider({ environment: 'prod', ec2: new EC2Client({}), secrets: secretsStore() });
    const result = await provider.launch(pool({ onDemandFallback: ['quota'] }), runners(2), signal());
    expect(result).toMatchObject({ failed: [], launched: [{ name: 'r0' }, { name: 'r1' }] });
  });

  it('prefers a retryable fleet error when reporting the runners it did not place', async () => {
    ec2.on(CreateFleetCommand).resolves(
      fleetAnswer(1, [
        { ErrorCode: 'InvalidParameterValue', ErrorMessage: 'm6i.large is not supported in subnet-b' },
        { ErrorCode: 'InsufficientInstanceCapacity', ErrorMessage: 'no capacity' },
      ]),
    );
    const provider = new Ec2RunnerProvider({ environment: 'prod', ec2: new EC2Client({}), secrets: secretsStore() });
    const result = await provider.launch(pool(), runners(2), signal());
    expect(result.failed).toEqual([{ name: 'r1', code: 'capacity', retryable: true, message: expect.stringContaining('InsufficientInstanceCapacity') }]);
  });

  it('marks runners of an aborted CreateFleet retryable (the client token makes the retry safe)', async () => {
    ec2.on(CreateFleetCommand).rejects(Object.assign(new Error('The operation was aborted'), { name: 'AbortError' }));
    const provider = new Ec2RunnerProvider({ environment: 'prod', ec2: new EC2Client({}), secrets: secretsStore() });
    const result = await provider.launch(pool(), runners(2), signal());
    expect(result.failed.map((f) => [f.code, f.retryable])).toEqual([
      ['internal', true],
      ['internal', true],
    ]);
  });

  it('reports a quota error as quota, not retryable', async () => {
    ec2.on(CreateFleetCommand).resolves(fleetAnswer(0, [{ ErrorCode: 'VcpuLimitExceeded' }]));
    const provider = new Ec2RunnerProvider({ environment: 'prod', ec2: new EC2Client({}), secrets: secretsStore() });
    const result = await provider.launch(pool(), runners(1), signal());
    expect(result.failed).toEqual([expect.objectContaining({ code: 'quota', retryable: false })]);
  });

  it('terminates and reports a runner whose name tag cannot be written, deleting its secret', async () => {
    ec2.on(CreateFleetCommand).resolves(fleetAnswer(2));
    ec2.on(CreateTagsCommand).rejectsOnce(ec2Error('RequestLimitExceeded')).resolves({});
    const secrets = secretsStore();
    const provider = new Ec2RunnerProvider({ environment: 'prod', ec2: new EC2Client({}), secrets, concurrency: 1 });
    const result = await provider.launch(pool(), runners(2), signal());
    expect(result.launched.map((l) => l.name)).toEqual(['r1']);
    expect(result.failed).toEqual([expect.objectContaining({ name: 'r0', code: 'throttled', retryable: true })]);
    expect(secrets.delete).toHaveBeenCalledWith('r0', expect.anything());
    expect(ec2.commandCalls(TerminateInstancesCommand)).toHaveLength(1);
  });
});

describe('Ec2RunnerProvider.list', () => {
  it('filters by environment, pools and names, and follows NextToken pages of 1000', async () => {
    ec2
      .on(DescribeInstancesCommand)
      .resolvesOnce({
        Reservations: [
          {
            Instances: [
              {
                InstanceId: 'i-1',
                State: { Name: 'running' },
                LaunchTime: new Date(1_000),
                Tags: [
                  { Key: 'ghr:pool', Value: 'linux' },
                  { Key: 'ghr:runner', Value: 'r1' },
                ],
              },
            ],
          },
        ],
        NextToken: 'page-2',
      })
      .resolvesOnce({
        Reservations: [
          {
            Instances: [
              {
                InstanceId: 'i-2',
                State: { Name: 'shutting-down' },
                StateReason: { Code: 'Server.SpotInstanceTermination' },
                StateTransitionReason: 'Server.SpotInstanceTermination (2026-11-28 10:00:00 GMT)',
                LaunchTime: new Date(2_000),
                Tags: [{ Key: 'ghr:pool', Value: 'linux' }],
              },
            ],
          },
        ],
      });
    const provider = new Ec2RunnerProvider({ environment: 'prod', ec2: new EC2Client({}), secrets: secretsStore() });
    const listed = await provider.list({ poolIds: ['linux'], names: ['r1', 'r2'] }, signal());
    expect(listed).toEqual([
      { providerId: 'i-1', name: 'r1', poolId: 'linux', state: 'running', launchedAt: 1_000 },
      { providerId: 'i-2', name: '', poolId: 'linux', state: 'terminated', launchedAt: 2_000, interruptedAt: Date.parse('2026-11-28T10:00:00Z') },
    ]);
    const inputs = ec2.commandCalls(DescribeInstancesCommand).map((c) => c.args[0].input);
    expect(inputs[0]).toEqual({
      MaxResults: 1000,
      Filters: [
        { Name: 'tag:ghr:environment', Values: ['prod'] },
        { Name: 'tag:ghr:pool', Values: ['linux'] },
        { Name: 'tag:ghr:runner', Values: ['r1', 'r2'] },
      ],
    });
    expect(inputs[1]?.NextToken).toBe('page-2');
  });

  it('splits more than 200 names into several filtered queries', async () => {
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    const provider = new Ec2RunnerProvider({ environment: 'prod', ec2: new EC2Client({}), secrets: secretsStore() });
    await provider.list({ names: Array.from({ length: 450 }, (_, i) => `r${i}`) }, signal());
    expect(ec2.commandCalls(DescribeInstancesCommand)).toHaveLength(3);
  });
});

describe('Ec2RunnerProvider.terminate', () => {
  it('sends batches of at most 1000 ids', async () => {
    const provider = new Ec2RunnerProvider({ environment: 'prod', ec2: new EC2Client({}), secrets: secretsStore() });
    const ids = Array.from({ length: 2500 }, (_, i) => `i-${i.toString(16).padStart(17, '0')}`);
    const out = await provider.terminate(ids, signal());
    expect(out.terminated).toHaveLength(2500);
    expect(ec2.commandCalls(TerminateInstancesCommand).map((c) => c.args[0].input.InstanceIds?.length)).toEqual([1000, 1000, 500]);
  });

  it('counts ids EC2 does not know as terminated and retries the rest', async () => {
    ec2
      .on(TerminateInstancesCommand)
      .rejectsOnce(ec2Error('InvalidInstanceID.NotFound', "The instance IDs 'i-0000000000000000b, i-0000000000000000c' do not exist"))
      .resolves({});
    const provider = new Ec2RunnerProvider({ environment: 'prod', ec2: new EC2Client({}), secrets: secretsStore() });
    const out = await provider.terminate(['i-0000000000000000a', 'i-0000000000000000b', 'i-0000000000000000c'], signal());
    expect(out).toEqual({ terminated: ['i-0000000000000000b', 'i-0000000000000000c', 'i-0000000000000000a'], failed: [] });
    expect(ec2.commandCalls(TerminateInstancesCommand)[1]!.args[0].input.InstanceIds).toEqual(['i-0000000000000000a']);
  });

  it('deletes the hand-off of each terminated runner, named by its ghr:runner tag', async () => {
    ec2.on(DescribeInstancesCommand).resolves({
      Reservations: [{ Instances: [{ InstanceId: 'i-1', Tags: [{ Key: 'ghr:runner', Value: 'ghr-linux-1' }] }, { InstanceId: 'i-2', Tags: [] }] }],
    });
    ec2.on(TerminateInstancesCommand).resolves({});
    const secrets = secretsStore();
    const provider = new Ec2RunnerProvider({ environment: 'prod', ec2: new EC2Client({}), secrets });
    const out = await provider.terminate(['i-1', 'i-2'], signal());
    expect(out).toEqual({ terminated: ['i-1', 'i-2'], failed: [] });
    expect(secrets.delete.mock.calls.map((c) => c[0])).toEqual(['ghr-linux-1']);
    expect(ec2.commandCalls(DescribeInstancesCommand)[0]!.args[0].input.Filters).toEqual([
      { Name: 'instance-id', Values: ['i-1', 'i-2'] },
      { Name: 'tag:ghr:environment', Values: ['prod'] },
    ]);
  });

  it('still terminates when the runner lookup or the secret delete fails, and keeps no secret of a failed termination', async () => {
    ec2.on(DescribeInstancesCommand).rejects(ec2Error('RequestLimitExceeded'));
    ec2.on(TerminateInstancesCommand).resolves({});
    const secrets = secretsStore();
    const provider = new Ec2RunnerProvider({ environment: 'prod', ec2: new EC2Client({}), secrets });
    expect(await provider.terminate(['i-1'], signal())).toEqual({ terminated: ['i-1'], failed: [] });
    expect(secrets.delete).not.toHaveBeenCalled();

    ec2.reset();
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [{ InstanceId: 'i-3', Tags: [{ Key: 'ghr:runner', Value: 'r3' }] }] }] });
    ec2.on(TerminateInstancesCommand).rejects(ec2Error('UnauthorizedOperation'));
    expect((await provider.terminate(['i-3'], signal())).failed).toHaveLength(1);
    expect(secrets.delete).not.toHaveBeenCalled();

    ec2.on(TerminateInstancesCommand).resolves({});
    secrets.delete.mockRejectedValueOnce(new Error('throttled'));
    expect(await provider.terminate(['i-3'], signal())).toEqual({ terminated: ['i-3'], failed: [] });
  });

  it('reports other errors per id with code and retryable', async () => {
    ec2.on(TerminateInstancesCommand).rejects(ec2Error('UnauthorizedOperation'));
    const provider = new Ec2RunnerProvider({ environment: 'prod', ec2: new EC2Client({}), secrets: secretsStore() });
    const out = await provider.terminate(['i-1'], signal());
    expect(out).toEqual({ terminated: [], failed: [{ providerId: 'i-1', code: 'invalid-config', retryable: false, message: expect.stringContaining('UnauthorizedOperation') }] });
  });
});
