// @ghr/cdk depends on @ghr/core only, so it restates a few facts of @ghr/aws (table keys, tag keys, SSM and S3
// layouts). These tests prove that the stack and the adapter agree, and that the adapter accepts every pool of the
// config the stack deploys.
import { resolve } from 'node:path';
import { App } from 'aws-cdk-lib';
import {
  EC2_RUNNER_TAGS,
  RUNNER_SECRET_TAGS,
  instanceArnPrefixOf,
  ledgerTableDefinition,
  parseEc2PoolInstance,
  runnerBinaryKey,
  runnerSecretName,
  runnerSecretPrefix,
} from '@ghr/aws';
import { GITHUB_RUNNERS_DEFAULTS, HANDOFF_TAGS, LEDGER_TABLE_SCHEMA, RUNNER_TAGS, deployedConfig, linuxRunnerBootstrap } from '@ghr/cdk';
import { describe, expect, it } from 'vitest';
import { buildStack } from '../src/stack.js';
import { fixtureBundles } from './fixtures.js';

const EXAMPLE = resolve(import.meta.dirname, '../../../examples/ghr.config.yaml');

describe('@ghr/cdk and @ghr/aws agree', () => {
  it('on the ledger table: keys, indexes and TTL attribute', () => {
    const d = ledgerTableDefinition;
    expect(d.KeySchema).toEqual([
      { AttributeName: LEDGER_TABLE_SCHEMA.partitionKey, KeyType: 'HASH' },
      { AttributeName: LEDGER_TABLE_SCHEMA.sortKey, KeyType: 'RANGE' },
    ]);
    expect(d.GlobalSecondaryIndexes.map((i) => ({ indexName: i.IndexName, partitionKey: i.KeySchema[0]!.AttributeName, sortKey: i.KeySchema[1]!.AttributeName }))).toEqual(
      LEDGER_TABLE_SCHEMA.indexes,
    );
    expect(d.TimeToLiveAttribute).toBe(LEDGER_TABLE_SCHEMA.timeToLiveAttribute);
    expect(d.AttributeDefinitions.every((a) => a.AttributeType === 'S')).toBe(true);
  });

  it('on tag keys of instances, volumes and hand-off parameters', () => {
    expect(RUNNER_TAGS).toEqual({ environment: EC2_RUNNER_TAGS.environment, pool: EC2_RUNNER_TAGS.pool, owner: EC2_RUNNER_TAGS.owner, runner: EC2_RUNNER_TAGS.runner });
    expect(HANDOFF_TAGS.instanceArn).toBe(RUNNER_SECRET_TAGS.instanceArn);
    expect(instanceArnPrefixOf('arn:aws:kms:us-east-1:123456789012:key/k')).toBe('arn:aws:ec2:us-east-1:123456789012:instance/');
  });

  it('on where the bootstrap finds its hand-off and its runner binaries', () => {
    const prefix = runnerSecretPrefix({ environment: 'prod' });
    expect(prefix).toBe('/ghr/prod/runners');
    const script = linuxRunnerBootstrap({ handoffPrefix: prefix, binariesBucket: 'b' });
    // The script builds "${GHR_HANDOFF_PREFIX}/<name>" and "<prefix>/linux-<arch>/actions-runner.tar.gz".
    expect(runnerSecretName({ environment: 'prod' }, 'ghr-linux-1')).toBe(`${prefix}/ghr-linux-1`);
    expect(script).toContain(`GHR_HANDOFF_PREFIX='${prefix}'`);
    expect(script).toContain('param="${GHR_HANDOFF_PREFIX}/$1"');
    for (const arch of ['x64', 'arm64'] as const) {
      expect(runnerBinaryKey(GITHUB_RUNNERS_DEFAULTS.binariesPrefix, { os: 'linux', arch }, `actions-runner-linux-${arch}-2.330.0.tar.gz`)).toBe(
        `actions-runner/linux-${arch}/actions-runner.tar.gz`,
      );
    }
    expect(script).toContain('key="${GHR_BINARIES_PREFIX}/linux-${arch}/actions-runner.tar.gz"');
    expect(script).toContain('Metadata."ghr-sha256"');
  });

  it('on every pool of the example config: the EC2 provider accepts the instance section the stack deploys', () => {
    const { runners } = buildStack(new App(), { configPath: EXAMPLE, environment: 'example', lambdaCode: fixtureBundles() });
    const deployed = deployedConfig(runners.config, Object.fromEntries(runners.config.pools.map((p) => [p.id, { launchTemplate: { name: `lt-${p.id}`, version: '1' }, subnetIds: ['subnet-a'] }])));
    for (const pool of deployed.pools) {
      const parsed = parseEc2PoolInstance(pool);
      expect(parsed.launchTemplate).toEqual({ name: `lt-${pool.id}`, version: '1' });
      expect(parsed.subnetIds).toEqual(['subnet-a']);
    }
  });
});
