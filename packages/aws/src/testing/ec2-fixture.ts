// A VPC, two subnets and a launch template in moto, pools that use them, and bulk-seeded runner instances.
import { CreateFleetCommand, CreateLaunchTemplateCommand, CreateSubnetCommand, CreateVpcCommand } from '@aws-sdk/client-ec2';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { Pool } from '@ghr/core';

/** An AMI id that moto knows (for launch templates in tests). */
export const MOTO_AMI = 'ami-12c6146b';

/** EC2 resources for runner tests: a VPC, two subnets, a launch template, and pools that use them. */
export interface Ec2Fixture {
  readonly vpcId: string;
  readonly subnetIds: readonly string[];
  readonly launchTemplateId: string;
  readonly launchTemplateName: string;
  /** A pool launching from the template over two instance types × two subnets. */
  pool(id: string, instance?: Record<string, unknown>): Pool;
}

/**
 * Creates a VPC (10.20.0.0/16), two /20 subnets (4,091 addresses each) in us-east-1a/b and a launch template (moto's AMI, t3.micro, IMDSv2
 * with instance metadata tags, volume and ENI tags), and returns pools launching from them.
 *
 * @example
 * ```ts
 * const fixture = await createEc2Fixture(aws.ec2);
 * await provider.launch(fixture.pool('linux'), runners, signal);
 * ```
 */
export async function createEc2Fixture(ec2: EC2Client): Promise<Ec2Fixture> {
  const vpc = await ec2.send(new CreateVpcCommand({ CidrBlock: '10.20.0.0/16' }));
  const vpcId = vpc.Vpc!.VpcId!;
  const subnetIds: string[] = [];
  for (const [i, az] of ['us-east-1a', 'us-east-1b'].entries()) {
    const subnet = await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: `10.20.${i * 16}.0/20`, AvailabilityZone: az }));
    subnetIds.push(subnet.Subnet!.SubnetId!);
  }
  const name = 'ghr-test-runner';
  const lt = await ec2.send(
    new CreateLaunchTemplateCommand({
      LaunchTemplateName: name,
      LaunchTemplateData: {
        ImageId: MOTO_AMI,
        InstanceType: 't3.micro',
        MetadataOptions: { HttpTokens: 'required', InstanceMetadataTags: 'enabled' },
        TagSpecifications: [
          { ResourceType: 'volume', Tags: [{ Key: 'ghr:environment', Value: 'test' }] },
          { ResourceType: 'network-interface', Tags: [{ Key: 'ghr:environment', Value: 'test' }] },
        ],
      },
    }),
  );
  const launchTemplateId = lt.LaunchTemplate!.LaunchTemplateId!;
  return {
    vpcId,
    subnetIds,
    launchTemplateId,
    launchTemplateName: name,
    pool: (id, instance = {}) => ({
      id,
      labels: ['self-hosted', 'linux', id],
      match: 'subset',
      priority: 0,
      scope: { kind: 'org', org: 'acme' },
      ephemeral: true,
      maxRunners: 1000,
      warm: [],
      idleTimeout: 300_000,
      minimumLifetime: 0,
      bootTimeout: 600_000,
      maxRuntime: 86_400_000,
      drainOrder: 'oldest-first',
      instance: {
        launchTemplate: { id: launchTemplateId, version: '$Latest' },
        instanceTypes: ['m7i.large', 'm6i.large'],
        subnetIds,
        ...instance,
      },
    }),
  };
}

/** Options of {@link seedRunnerInstances}. */
export interface SeedRunnerInstancesOptions {
  readonly launchTemplateId: string;
  readonly environment: string;
  readonly poolId: string;
  readonly count: number;
  /** Instances per CreateFleet; default 100. */
  readonly batch?: number;
}

/**
 * Launches `count` instances tagged like ghr runners of a pool (environment and pool, no runner names) with plain
 * CreateFleet calls: a fast way to fill moto for list benchmarks.
 *
 * @example
 * ```ts
 * await seedRunnerInstances(aws.ec2, { launchTemplateId, environment: 'bench', poolId: 'linux', count: 5000 });
 * ```
 */
export async function seedRunnerInstances(ec2: EC2Client, options: SeedRunnerInstancesOptions): Promise<number> {
  const batch = options.batch ?? 100;
  let launched = 0;
  while (launched < options.count) {
    const n = Math.min(batch, options.count - launched);
    const out = await ec2.send(
      new CreateFleetCommand({
        Type: 'instant',
        LaunchTemplateConfigs: [{ LaunchTemplateSpecification: { LaunchTemplateId: options.launchTemplateId, Version: '$Latest' } }],
        TargetCapacitySpecification: { TotalTargetCapacity: n, DefaultTargetCapacityType: 'on-demand' },
        TagSpecifications: [
          {
            ResourceType: 'instance',
            Tags: [
              { Key: 'ghr:environment', Value: options.environment },
              { Key: 'ghr:pool', Value: options.poolId },
            ],
          },
        ],
      }),
    );
    launched += (out.Instances ?? []).reduce((sum, i) => sum + (i.InstanceIds?.length ?? 0), 0);
    if (n > 0 && (out.Instances ?? []).length === 0) throw new Error('seedRunnerInstances: CreateFleet launched nothing.');
  }
  return launched;
}
