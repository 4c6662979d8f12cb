// The reference stack: GitHubRunners in an existing VPC, or in a small new one (public subnets, no NAT gateway).
import { readFileSync } from 'node:fs';
import { CfnOutput, Fn, Stack, Validations } from 'aws-cdk-lib';
import type { App } from 'aws-cdk-lib';
import { FlowLogDestination, FlowLogTrafficType, IpAddresses, Subnet, SubnetType, Vpc } from 'aws-cdk-lib/aws-ec2';
import type { IVpc, SubnetSelection } from 'aws-cdk-lib/aws-ec2';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { parse } from 'yaml';
import { GitHubRunners } from '@ghr/cdk';
import type { RunnerPoolOptions } from '@ghr/cdk';
import type { DeploySettings } from './config.js';

/**
 * Builds the `ghr-<environment>` stack from the settings.
 *
 * @example
 * ```ts
 * const { runners } = buildStack(new App(), readSettings(app));
 * ```
 */
export function buildStack(app: App, settings: DeploySettings): { stack: Stack; runners: GitHubRunners } {
  const stack = new Stack(app, `ghr-${settings.environment}`, {
    description: `ghr (${settings.environment}): on-demand self-hosted GitHub Actions runners`,
    ...(settings.account || settings.region ? { env: { account: settings.account, region: settings.region } } : {}),
  });
  const config: unknown = parse(readFileSync(settings.configPath, 'utf8'));
  let vpc: IVpc;
  let runnerSubnets: SubnetSelection;
  let publicRunners = false;
  if (settings.vpc) {
    vpc = Vpc.fromVpcAttributes(stack, 'Vpc', { vpcId: settings.vpc.vpcId, availabilityZones: Fn.getAzs() });
    runnerSubnets = { subnets: settings.vpc.subnetIds.map((id, i) => Subnet.fromSubnetId(stack, `RunnerSubnet${i}`, id)) };
  } else {
    // No NAT gateway (about $33 a month idle): runners sit in public subnets with public IPs and no ingress.
    const created = new Vpc(stack, 'Vpc', {
      ipAddresses: IpAddresses.cidr('10.64.0.0/16'),
      maxAzs: 3,
      natGateways: 0,
      subnetConfiguration: [{ name: 'runners', subnetType: SubnetType.PUBLIC, cidrMask: 20 }],
    });
    created.addFlowLog('FlowLogs', {
      destination: FlowLogDestination.toCloudWatchLogs(),
      trafficType: FlowLogTrafficType.REJECT,
    });
    vpc = created;
    runnerSubnets = { subnetType: SubnetType.PUBLIC };
    publicRunners = true;
  }
  const poolIds = readPoolIds(config);
  const pools: Record<string, RunnerPoolOptions> = Object.fromEntries(poolIds.map((id) => [id, { associatePublicIpAddress: publicRunners }]));
  const runners = new GitHubRunners(stack, 'Runners', {
    config,
    vpc,
    runnerSubnets,
    environment: settings.environment,
    pools,
    logRetention: RetentionDays.ONE_MONTH,
    ...(settings.lambdaCode ? { lambdaCode: settings.lambdaCode } : {}),
  });
  if (!settings.vpc) {
    Validations.of(stack.node.findChild('Vpc')).acknowledge({
      id: 'AwsSolutions-EC23',
      reason: 'Not applicable: the reference VPC has no security group with ingress.',
    });
  }
  new CfnOutput(stack, 'WebhookUrl', { value: runners.webhookUrl, description: 'Set this as the GitHub App webhook URL' });
  new CfnOutput(stack, 'AlarmTopicArn', { value: runners.alarmTopic.topicArn, description: 'Subscribe to receive alarms' });
  return { stack, runners };
}

function readPoolIds(config: unknown): string[] {
  const pools = (config as { pools?: unknown } | null)?.pools;
  if (!Array.isArray(pools)) return [];
  return pools.map((p) => (p as { id?: unknown }).id).filter((id): id is string => typeof id === 'string');
}
