// A synthesized test stack: GitHubRunners with small fixture bundles in a temporary directory and a fresh VPC.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { IpAddresses, SubnetType, Vpc } from 'aws-cdk-lib/aws-ec2';
import { GitHubRunners } from '../src/github-runners.js';
import { GHR_HANDLERS } from '../src/props.js';
import type { GitHubRunnersProps } from '../src/props.js';

/** A directory with a tiny `index.mjs` per handler, standing in for apps/lambdas' bundles. */
export function fixtureBundles(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ghr-bundles-'));
  for (const handler of GHR_HANDLERS) {
    mkdirSync(join(dir, handler));
    writeFileSync(join(dir, handler, 'index.mjs'), `export const handler = async () => ({ handler: '${handler}' });\n`);
  }
  return dir;
}

/** A config like examples/ghr.config.yaml, as the object its YAML parses to. */
export const TEST_CONFIG = {
  github: {
    url: 'https://github.com',
    auth: { kind: 'app', appId: 123456, privateKey: { ssm: '/ghr/github-app-private-key' } },
    webhookSecret: { ssm: '/ghr/webhook-secret' },
  },
  pools: [
    {
      id: 'linux-small',
      labels: ['self-hosted', 'linux', 'x64'],
      match: 'subset',
      scope: { org: 'acme' },
      maxRunners: 20,
      instance: { instanceTypes: ['m7i.large', 'm6i.large'], market: 'spot', onDemandFallback: ['capacity'] },
    },
    {
      id: 'linux-arm',
      labels: ['self-hosted', 'linux', 'arm64'],
      scope: { org: 'acme' },
      maxRunners: 10,
      instance: { instanceTypes: ['m7g.large', 'c7g.xlarge'], market: 'on-demand' },
    },
  ],
};

/** Synthesizes GitHubRunners in its own stack; returns the stack, the construct and the template. */
export function synthTestStack(overrides: Partial<GitHubRunnersProps> = {}, lambdaCode: string = fixtureBundles()): {
  stack: Stack;
  runners: GitHubRunners;
  template: Template;
} {
  const app = new App();
  const stack = new Stack(app, 'GhrTest', { env: { account: '123456789012', region: 'us-east-1' } });
  const vpc = new Vpc(stack, 'Vpc', {
    ipAddresses: IpAddresses.cidr('10.0.0.0/16'),
    maxAzs: 2,
    natGateways: 1,
    subnetConfiguration: [
      { name: 'public', subnetType: SubnetType.PUBLIC },
      { name: 'runners', subnetType: SubnetType.PRIVATE_WITH_EGRESS },
    ],
  });
  Validations.of(vpc).acknowledge({ id: 'AwsSolutions-VPC7', reason: 'A test fixture VPC: flow logs are the VPC owner\'s concern, not the construct\'s.' });
  const runners = new GitHubRunners(stack, 'Runners', { config: TEST_CONFIG, vpc, environment: 'prod', lambdaCode, ...overrides });
  return { stack, runners, template: Template.fromStack(stack) };
}
