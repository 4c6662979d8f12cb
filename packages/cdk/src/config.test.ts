import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { SubnetType, Vpc } from 'aws-cdk-lib/aws-ec2';
import { describe, expect, it } from 'vitest';
import { configSecrets, deployedConfig, poolArchitecture, resolveConfig } from './config.js';
import { GitHubRunners } from './github-runners.js';
import { fixtureBundles, TEST_CONFIG } from '../test/test-stack.js';

function construct(config: unknown, extra: Record<string, unknown> = {}): () => GitHubRunners {
  const stack = new Stack(new App(), 'S');
  const vpc = new Vpc(stack, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'p', subnetType: SubnetType.PUBLIC }] });
  return () => new GitHubRunners(stack, 'R', { config, vpc, lambdaCode: fixtureBundles(), ...extra });
}

describe('resolveConfig', () => {
  it('reports every problem of an invalid config with its path', () => {
    const broken = { ...TEST_CONFIG, pools: [{ ...TEST_CONFIG.pools[0], maxRunners: -1 }, { ...TEST_CONFIG.pools[1], labels: 'linux' }] };
    expect(() => resolveConfig(broken)).toThrow(/pools\[0\]\.maxRunners[\s\S]*pools\[1\]\.labels/);
  });

  it('refuses a launch template in the config: the construct creates it', () => {
    const config = { ...TEST_CONFIG, pools: [{ ...TEST_CONFIG.pools[0], instance: { launchTemplate: { name: 'mine' } } }] };
    expect(() => resolveConfig(config)).toThrow('pools[0].instance.launchTemplate');
  });
});

describe('configSecrets', () => {
  it('lists the SSM parameters of the App key and the webhook secret', () => {
    expect(configSecrets(resolveConfig(TEST_CONFIG))).toEqual([
      { path: 'github.auth.privateKey', parameterName: '/ghr/github-app-private-key' },
      { path: 'github.webhookSecret', parameterName: '/ghr/webhook-secret' },
    ]);
  });

  it('adds the previous webhook secret during a rotation', () => {
    const rotating = { ...TEST_CONFIG, github: { ...TEST_CONFIG.github, previousWebhookSecret: { ssm: '/ghr/webhook-secret-old' } } };
    expect(configSecrets(resolveConfig(rotating))).toContainEqual({ path: 'github.previousWebhookSecret', parameterName: '/ghr/webhook-secret-old' });
  });

  it('refuses secrets kept in environment variables or files', () => {
    const env = { ...TEST_CONFIG, github: { ...TEST_CONFIG.github, webhookSecret: { env: 'WEBHOOK_SECRET' } } };
    expect(() => configSecrets(resolveConfig(env))).toThrow(/github\.webhookSecret: \{ env: \.\.\. \} secrets cannot be used in AWS/);
    expect(() => construct(env)()).toThrow(/SecureString parameter/);
  });
});

describe('deployedConfig', () => {
  it('fills in launch templates and default subnets, keeping subnets a pool chose', () => {
    const config = resolveConfig({ ...TEST_CONFIG, pools: [TEST_CONFIG.pools[0], { ...TEST_CONFIG.pools[1], instance: { subnetIds: ['subnet-own'] } }] });
    const out = deployedConfig(config, {
      'linux-small': { launchTemplate: { name: 'ghr-prod-linux-small', version: '3' }, subnetIds: ['subnet-a'] },
      'linux-arm': { launchTemplate: { name: 'ghr-prod-linux-arm', version: '1' }, subnetIds: ['subnet-a'] },
    });
    expect(out.pools[0]?.instance).toMatchObject({ launchTemplate: { name: 'ghr-prod-linux-small', version: '3' }, subnetIds: ['subnet-a'] });
    expect(out.pools[1]?.instance).toMatchObject({ launchTemplate: { name: 'ghr-prod-linux-arm', version: '1' }, subnetIds: ['subnet-own'] });
  });
});

describe('poolArchitecture', () => {
  it('tells Graviton pools from x86 pools and refuses a mix', () => {
    expect(poolArchitecture({ id: 'a', instance: { instanceTypes: ['m7g.large', 'c6gn.xlarge', 't4g.small'] } })).toBe('arm64');
    expect(poolArchitecture({ id: 'b', instance: { instanceTypes: ['m7i.large', 'c6in.xlarge'] } })).toBe('x64');
    expect(poolArchitecture({ id: 'c', instance: {} })).toBe('x64');
    expect(() => poolArchitecture({ id: 'd', instance: { instanceTypes: ['m7g.large', 'm7i.large'] } })).toThrow(/mixes Graviton/);
  });
});

describe('GitHubRunners misuse', () => {
  it('says how to get the Lambda bundles when they are missing', () => {
    expect(() => construct(TEST_CONFIG, { lambdaCode: mkdtempSync(join(tmpdir(), 'empty-')) })()).toThrow(/Lambda bundles missing .*webhook\/index\.mjs.*Build apps\/lambdas/);
  });

  it('refuses options for a pool the config does not have', () => {
    expect(() => construct(TEST_CONFIG, { pools: { 'linux-gpu': {} } })()).toThrow('pools.linux-gpu: the config has no pool "linux-gpu".');
  });

  it('refuses an environment name that cannot go into tags and paths', () => {
    expect(() => construct(TEST_CONFIG, { environment: 'Prod env' })()).toThrow(/environment "Prod env"/);
  });
});
