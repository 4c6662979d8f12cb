import { CreateFleetCommand, CreateLaunchTemplateCommand, DescribeVpcsCommand } from '@aws-sdk/client-ec2';
import { GetParameterCommand, PutParameterCommand } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { toAwsError } from '../src/errors.js';
import { countCalls, partialFleet, resetMoto, startFaultProxy, testClients } from './setup/index.js';
import type { FaultProxy, TestClients } from './setup/index.js';

describe('moto test infrastructure', () => {
  const endpoint = inject('motoEndpoint');
  let proxy: FaultProxy;
  let direct: TestClients;
  let faulty: TestClients;

  beforeAll(async () => {
    proxy = await startFaultProxy(endpoint);
    direct = testClients(endpoint);
    faulty = testClients(proxy.endpoint, { maxAttempts: 1 });
  });
  afterAll(async () => {
    direct.destroy();
    faulty.destroy();
    await proxy.close();
  });
  beforeEach(async () => {
    proxy.clear();
    await resetMoto(endpoint);
  });

  it('serves EC2 from moto and forgets state on reset', async () => {
    const before = await direct.ec2.send(new DescribeVpcsCommand({}));
    await direct.ssm.send(new PutParameterCommand({ Name: '/x', Value: 'v', Type: 'SecureString' }));
    await resetMoto(endpoint);
    await expect(direct.ssm.send(new GetParameterCommand({ Name: '/x' }))).rejects.toMatchObject({ name: 'ParameterNotFound' });
    expect(before.Vpcs?.length).toBeGreaterThan(0);
  });

  it('answers injected EC2 and JSON-protocol errors that the SDK parses', async () => {
    proxy.add({ action: 'DescribeVpcs', times: 1, fault: { error: 'RequestLimitExceeded' } });
    proxy.add({ action: 'PutParameter', times: 1, fault: { error: 'ThrottlingException' } });
    const ec2Err = await faulty.ec2.send(new DescribeVpcsCommand({})).catch((e: unknown) => e);
    const ssmErr = await faulty.ssm.send(new PutParameterCommand({ Name: '/y', Value: 'v', Type: 'String' })).catch((e: unknown) => e);
    expect(toAwsError(ec2Err, 'x')).toMatchObject({ code: 'throttled', awsCode: 'RequestLimitExceeded', httpStatus: 503 });
    expect(toAwsError(ssmErr, 'x')).toMatchObject({ code: 'throttled', awsCode: 'ThrottlingException' });
    // `times: 1`: the next calls pass through to moto.
    await expect(faulty.ec2.send(new DescribeVpcsCommand({}))).resolves.toBeDefined();
    expect(proxy.calls.map((c) => [c.action, c.faulted])).toEqual([
      ['DescribeVpcs', true],
      ['PutParameter', true],
      ['DescribeVpcs', false],
    ]);
  });

  it('turns a CreateFleet into a partial fleet with errors', async () => {
    const lt = await direct.ec2.send(
      new CreateLaunchTemplateCommand({ LaunchTemplateName: 'lt', LaunchTemplateData: { ImageId: 'ami-12c6146b', InstanceType: 't3.micro' } }),
    );
    proxy.add({ action: 'CreateFleet', times: 1, fault: partialFleet({ fulfilled: 2 }) });
    const out = await faulty.ec2.send(
      new CreateFleetCommand({
        Type: 'instant',
        LaunchTemplateConfigs: [{ LaunchTemplateSpecification: { LaunchTemplateId: lt.LaunchTemplate?.LaunchTemplateId, Version: '$Latest' } }],
        TargetCapacitySpecification: { TotalTargetCapacity: 5, DefaultTargetCapacityType: 'spot' },
      }),
    );
    expect(out.Instances?.flatMap((i) => i.InstanceIds ?? [])).toHaveLength(2);
    expect(out.Errors).toEqual([expect.objectContaining({ ErrorCode: 'InsufficientInstanceCapacity', Lifecycle: 'spot' })]);
  });

  it('counts SDK calls by operation', async () => {
    const counter = countCalls();
    const aws = testClients(endpoint);
    counter.attach(aws.ec2);
    await aws.ec2.send(new DescribeVpcsCommand({}));
    await aws.ec2.send(new DescribeVpcsCommand({}));
    aws.destroy();
    expect(counter.counts()).toEqual({ 'EC2.DescribeVpcs': 2 });
    expect(counter.count('DescribeVpcs')).toBe(2);
  });
});
