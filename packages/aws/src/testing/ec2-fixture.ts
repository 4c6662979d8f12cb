// A VPC, two subnets and a launch template in moto, and pools that use them.
import { CreateLaunchTemplateCommand, CreateSubnetCommand, CreateVpcCommand } from '@aws-sdk/client-ec2';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { Pool } from '@ghr/core';

/** An AMI id that moto knows. */
export const MOTO_AMI = 'ami-12c6146b';

export interface Ec2Fixture {
  readonly vpcId: string;
  readonly subnetIds: readonly string[];
  readonly launchTemplateId: string;
  readonly launchTemplateName: string;
  /** A pool launching from the template over two instance types × two subnets. */
  pool(id: string, instance?: Record<string, unknown>): Pool;
}

export async function createEc2Fixture(ec2: EC2Client): Promise<Ec2Fixture> {
  const vpc = await ec2.send(new CreateVpcCommand({ CidrBlock: '10.20.0.0/16' }));
  const vpcId = vpc.Vpc!.VpcId!;
  const subnetIds: string[] = [];
  for (const [i, az] of ['us-east-1a', 'us-east-1b'].entries()) {
    const subnet = await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: `10.20.${i}.0/24`, AvailabilityZone: az }));
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
