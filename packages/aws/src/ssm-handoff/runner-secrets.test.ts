import {
  AddTagsToResourceCommand,
  DeleteParameterCommand,
  DeleteParametersCommand,
  DescribeParametersCommand,
  ParameterAlreadyExists,
  ParameterNotFound,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import type { Clock } from '@ghr/core';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { SsmRunnerSecrets, decodeBootstrap, encodeBootstrap, instanceArnPrefixOf, runnerSecretName } from './runner-secrets.js';
import { runnerSecretShellSnippet } from './shell-snippet.js';

const ssm = mockClient(SSMClient);
const signal = () => AbortSignal.timeout(5_000);

function virtualClock(start = Date.parse('2026-11-28T12:00:00Z')): Clock & { t: number } {
  const clock = {
    t: start,
    now: () => clock.t,
    sleep: (ms: number) => {
      clock.t += ms;
      return Promise.resolve();
    },
  };
  return clock;
}

beforeEach(() => {
  ssm.reset();
  ssm.on(PutParameterCommand).resolves({ Version: 1 });
});

describe('SsmRunnerSecrets.put', () => {
  it('tags the parameter with the instance ARN, in the partition, region and account of the hand-off key', async () => {
    const key = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const secrets = new SsmRunnerSecrets({ ssm: new SSMClient({}), environment: 'prod', kmsKeyId: key });
    await secrets.put({ runnerName: 'r1', poolId: 'linux', instanceId: 'i-0abc', bootstrap: { kind: 'jit', encodedJitConfig: 'abc' } }, signal());
    const input = ssm.commandCalls(PutParameterCommand)[0]!.args[0].input;
    expect(input.KeyId).toBe(key);
    expect(input.Tags).toContainEqual({ Key: 'ghr:instance-arn', Value: 'arn:aws:ec2:eu-west-1:123456789012:instance/i-0abc' });
  });

  it('takes an explicit instance ARN prefix, and derives none from a key alias', async () => {
    expect(instanceArnPrefixOf('alias/ghr')).toBeUndefined();
    expect(instanceArnPrefixOf('arn:aws-us-gov:kms:us-gov-west-1:123456789012:key/k')).toBe('arn:aws-us-gov:ec2:us-gov-west-1:123456789012:instance/');
    const secrets = new SsmRunnerSecrets({ ssm: new SSMClient({}), environment: 'prod', instanceArnPrefix: 'arn:aws:ec2:us-east-1:111111111111:instance/' });
    await secrets.put({ runnerName: 'r2', poolId: 'linux', instanceId: 'i-2', bootstrap: { kind: 'jit', encodedJitConfig: 'abc' } }, signal());
    expect(ssm.commandCalls(PutParameterCommand)[0]!.args[0].input.Tags).toContainEqual({
      Key: 'ghr:instance-arn',
      Value: 'arn:aws:ec2:us-east-1:111111111111:instance/i-2',
    });
  });

  it('writes a tagged Standard SecureString with the KMS key, no policy', async () => {
    const secrets = new SsmRunnerSecrets({ ssm: new SSMClient({}), environment: 'prod', kmsKeyId: 'alias/ghr' });
    await secrets.put({ runnerName: 'r1', poolId: 'linux', instanceId: 'i-1', bootstrap: { kind: 'jit', encodedJitConfig: 'abc' } }, signal());
    const input = ssm.commandCalls(PutParameterCommand)[0]!.args[0].input;
    expect(input).toMatchObject({ Name: '/ghr/prod/runners/r1', Value: 'abc', Type: 'SecureString', Tier: 'Standard', KeyId: 'alias/ghr' });
    expect(input.Policies).toBeUndefined();
    expect(input.Overwrite).toBeUndefined();
    expect(input.Tags).toEqual([
      { Key: 'ghr:environment', Value: 'prod' },
      { Key: 'ghr:pool', Value: 'linux' },
      { Key: 'ghr:runner', Value: 'r1' },
      { Key: 'ghr:instance-id', Value: 'i-1' },
    ]);
    expect(input.Description).not.toContain('abc');
  });

  it('uses Advanced with an expiration policy only above 4096 characters, and refuses above 8192', async () => {
    const clock = virtualClock();
    const secrets = new SsmRunnerSecrets({ ssm: new SSMClient({}), environment: 'prod', ttlMs: 600_000, clock });
    const at = (n: number) => ({ runnerName: `r${n}`, poolId: 'p', bootstrap: { kind: 'jit' as const, encodedJitConfig: 'x'.repeat(n) } });
    expect((await secrets.put(at(4096), signal())).tier).toBe('Standard');
    expect((await secrets.put(at(4097), signal())).tier).toBe('Advanced');
    const advanced = ssm.commandCalls(PutParameterCommand)[1]!.args[0].input;
    expect(JSON.parse(advanced.Policies!)).toEqual([
      { Type: 'Expiration', Version: '1.0', Attributes: { Timestamp: new Date(clock.now() + 600_000).toISOString() } },
    ]);
    await expect(secrets.put(at(8193), signal())).rejects.toMatchObject({ code: 'invalid-input' });
    await expect(secrets.put(at(8193), signal())).rejects.not.toHaveProperty('message', expect.stringContaining('xxxx'));
  });

  it('overwrites and re-tags when the parameter exists (a retried launch)', async () => {
    ssm
      .on(PutParameterCommand)
      .rejectsOnce(new ParameterAlreadyExists({ $metadata: { httpStatusCode: 400 }, message: 'exists' }))
      .resolves({ Version: 2 });
    ssm.on(AddTagsToResourceCommand).resolves({});
    const secrets = new SsmRunnerSecrets({ ssm: new SSMClient({}), environment: 'prod' });
    await secrets.put({ runnerName: 'r1', poolId: 'linux', instanceId: 'i-2', bootstrap: { kind: 'jit', encodedJitConfig: 'v2' } }, signal());
    const second = ssm.commandCalls(PutParameterCommand)[1]!.args[0].input;
    expect(second).toMatchObject({ Overwrite: true, Value: 'v2' });
    expect(second.Tags).toBeUndefined();
    expect(ssm.commandCalls(AddTagsToResourceCommand)[0]!.args[0].input.Tags).toContainEqual({ Key: 'ghr:instance-id', Value: 'i-2' });
  });

  it('paces a burst of writes to the configured rate', async () => {
    const clock = virtualClock();
    const start = clock.now();
    const secrets = new SsmRunnerSecrets({ ssm: new SSMClient({}), environment: 'prod', writesPerSecond: 10, writeBurst: 20, clock });
    await Promise.all(
      Array.from({ length: 120 }, (_, i) => secrets.put({ runnerName: `r${i}`, poolId: 'p', bootstrap: { kind: 'jit', encodedJitConfig: 'x' } }, signal())),
    );
    // 20 at once, then 100 at 10/s.
    expect(clock.now() - start).toBe(10_000);
    expect(ssm.commandCalls(PutParameterCommand)).toHaveLength(120);
  });

  it('translates a throttled write into a retryable AwsError', async () => {
    ssm.on(PutParameterCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } }));
    const secrets = new SsmRunnerSecrets({ ssm: new SSMClient({}), environment: 'prod' });
    await expect(secrets.put({ runnerName: 'r', poolId: 'p', bootstrap: { kind: 'jit', encodedJitConfig: 'x' } }, signal())).rejects.toMatchObject({
      name: 'AwsError',
      code: 'throttled',
      retryable: true,
    });
  });
});

describe('SsmRunnerSecrets.delete and sweepExpired', () => {
  it('treats a missing parameter as deleted', async () => {
    ssm.on(DeleteParameterCommand).rejects(new ParameterNotFound({ $metadata: { httpStatusCode: 400 }, message: 'nope' }));
    const secrets = new SsmRunnerSecrets({ ssm: new SSMClient({}), environment: 'prod' });
    await expect(secrets.delete('r1', signal())).resolves.toBeUndefined();
  });

  it('pages through DescribeParameters under the prefix and deletes old ones 10 at a time', async () => {
    const clock = virtualClock();
    const old = new Date(clock.now() - 2 * 3_600_000);
    const fresh = new Date(clock.now() - 60_000);
    const page = (from: number, to: number, date: Date) =>
      Array.from({ length: to - from }, (_, i) => ({ Name: `/ghr/prod/runners/r${from + i}`, LastModifiedDate: date }));
    ssm
      .on(DescribeParametersCommand)
      .resolvesOnce({ Parameters: page(0, 15, old), NextToken: 't2' })
      .resolvesOnce({ Parameters: [...page(15, 20, old), ...page(20, 25, fresh)] });
    ssm.on(DeleteParametersCommand).callsFake((input: { Names: string[] }) => ({ DeletedParameters: input.Names }));
    const secrets = new SsmRunnerSecrets({ ssm: new SSMClient({}), environment: 'prod', clock });
    const deleted = await secrets.sweepExpired(signal());
    expect(deleted).toHaveLength(20);
    expect(ssm.commandCalls(DescribeParametersCommand)[0]!.args[0].input.ParameterFilters).toEqual([
      { Key: 'Path', Option: 'Recursive', Values: ['/ghr/prod/runners'] },
    ]);
    expect(ssm.commandCalls(DeleteParametersCommand).map((c) => c.args[0].input.Names?.length)).toEqual([10, 10]);
  });
});

describe('names and encoding', () => {
  it('names parameters under the environment prefix and rejects unsafe runner names', () => {
    expect(runnerSecretName({ environment: 'prod' }, 'ghr-linux-1')).toBe('/ghr/prod/runners/ghr-linux-1');
    expect(runnerSecretName({ environment: 'prod', prefix: '/x/y/' }, 'a')).toBe('/x/y/a');
    expect(() => runnerSecretName({ environment: 'prod' }, '../other')).toThrow(expect.objectContaining({ code: 'invalid-input' }));
  });

  it('round-trips both bootstrap kinds', () => {
    const jit = { kind: 'jit' as const, encodedJitConfig: 'eyJ4Ijox' };
    const reg = { kind: 'registration' as const, url: 'https://github.com/acme', token: 't' };
    expect(encodeBootstrap(jit)).toBe('eyJ4Ijox');
    expect(decodeBootstrap(encodeBootstrap(jit))).toEqual(jit);
    expect(decodeBootstrap(encodeBootstrap(reg))).toEqual(reg);
  });

  it('embeds only the prefix in the shell snippet, and refuses a prefix that could inject shell', () => {
    const snippet = runnerSecretShellSnippet({ environment: 'prod' });
    expect(snippet).toContain("GHR_SECRET_PREFIX='/ghr/prod/runners'");
    expect(() => runnerSecretShellSnippet({ environment: 'prod', prefix: "/x'; rm -rf /" })).toThrow(expect.objectContaining({ code: 'invalid-config' }));
  });
});
