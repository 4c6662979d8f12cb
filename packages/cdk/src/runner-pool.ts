// One pool's machines: instance role, security group and launch template (IMDSv2, encrypted gp3, no public IP,
// tags on volumes and network interfaces, the bootstrap as user data).
import { Size } from 'aws-cdk-lib';
import type { CfnLaunchTemplate, ISecurityGroup, IVpc } from 'aws-cdk-lib/aws-ec2';
import {
  AmazonLinuxCpuType,
  BlockDeviceVolume,
  EbsDeviceVolumeType,
  InstanceInitiatedShutdownBehavior,
  LaunchTemplate,
  LaunchTemplateHttpTokens,
  MachineImage,
  SecurityGroup,
  UserData,
} from 'aws-cdk-lib/aws-ec2';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { Pool } from '@ghr/core';
import { linuxRunnerBootstrap } from './bootstrap/linux-bootstrap.js';
import { poolArchitecture } from './config.js';
import { suppressWildcardResources } from './suppress.js';
import type { HandoffSecurity } from './handoff.js';
import { GITHUB_RUNNERS_DEFAULTS } from './props.js';
import type { RunnerPoolOptions } from './props.js';

/** Tag keys of ghr's instances, volumes and network interfaces (as `@ghr/aws`' `Ec2RunnerProvider` writes and reads them). */
export const RUNNER_TAGS = {
  environment: 'ghr:environment',
  pool: 'ghr:pool',
  owner: 'ghr:owner',
  runner: 'ghr:runner',
} as const;

/** Props of {@link RunnerPool}. */
export interface RunnerPoolProps {
  readonly pool: Pool;
  readonly environment: string;
  readonly vpc: IVpc;
  readonly handoff: HandoffSecurity;
  readonly binaries: IBucket;
  readonly options?: RunnerPoolOptions;
}

/**
 * A pool's launch template and instance role. The template requires IMDSv2 with a hop limit of 1 (containers on
 * the runner cannot reach the instance's credentials) and exposes instance tags in metadata (the bootstrap reads
 * its runner name there); the root volume is encrypted gp3; shutting down terminates; no public IP unless asked;
 * volumes and network interfaces carry `ghr:environment`, `ghr:pool` and `ghr:owner`. The role reads its own
 * hand-off and the runner binaries, nothing else: no managed policy, no EC2 permission (the bootstrap powers the
 * machine off, which terminates it).
 *
 * @example
 * ```ts
 * const pool = new RunnerPool(this, 'Pool-linux', { pool, environment: 'prod', vpc, handoff, binaries });
 * pool.launchTemplate.launchTemplateName;
 * ```
 */
export class RunnerPool extends Construct {
  readonly launchTemplate: LaunchTemplate;
  readonly role: Role;
  readonly securityGroups: readonly ISecurityGroup[];
  /** The template's name (`ghr-<environment>-<pool id>`). */
  readonly launchTemplateName: string;

  constructor(scope: Construct, id: string, props: RunnerPoolProps) {
    super(scope, id);
    const { pool, environment, options = {} } = props;
    const architecture = options.architecture ?? poolArchitecture(pool);
    this.launchTemplateName = `ghr-${environment}-${pool.id}`.slice(0, 128);

    this.role = new Role(this, 'InstanceRole', {
      assumedBy: new ServicePrincipal('ec2.amazonaws.com'),
      description: `ghr (${environment}) runner of pool ${pool.id}: its own hand-off and the runner binaries only`,
    });
    props.handoff.allowRunner(this.role);
    this.role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'ReadRunnerBinaries',
        actions: ['s3:GetObject'],
        resources: [props.binaries.arnForObjects(`${GITHUB_RUNNERS_DEFAULTS.binariesPrefix}/*`)],
      }),
    );
    suppressWildcardResources(
      this.role,
      [props.binaries.arnForObjects(`${GITHUB_RUNNERS_DEFAULTS.binariesPrefix}/*`)],
      'Read-only access to the runner binaries of every OS/architecture under their prefix (public release files).',
    );
    for (const statement of options.instanceRolePolicies ?? []) this.role.addToPrincipalPolicy(statement);

    this.securityGroups = options.securityGroups ?? [
      new SecurityGroup(this, 'SecurityGroup', {
        vpc: props.vpc,
        description: `ghr (${environment}) runners of pool ${pool.id}: no ingress`,
        allowAllOutbound: true,
      }),
    ];

    const script = linuxRunnerBootstrap({
      handoffPrefix: props.handoff.prefix,
      binariesBucket: props.binaries.bucketName,
      binariesPrefix: GITHUB_RUNNERS_DEFAULTS.binariesPrefix,
      labels: pool.labels,
      runnerUser: GITHUB_RUNNERS_DEFAULTS.runnerUser,
      ...(options.jobStartedHook !== undefined ? { jobStartedHook: options.jobStartedHook } : {}),
      ...(options.jobCompletedHook !== undefined ? { jobCompletedHook: options.jobCompletedHook } : {}),
      ...(options.preRunnerScript !== undefined ? { preRunnerScript: options.preRunnerScript } : {}),
    });

    this.launchTemplate = new LaunchTemplate(this, 'LaunchTemplate', {
      launchTemplateName: this.launchTemplateName,
      machineImage:
        options.machineImage ??
        MachineImage.latestAmazonLinux2023({ cpuType: architecture === 'arm64' ? AmazonLinuxCpuType.ARM_64 : AmazonLinuxCpuType.X86_64 }),
      userData: UserData.custom(script),
      role: this.role,
      securityGroup: this.securityGroups[0],
      requireImdsv2: true,
      httpTokens: LaunchTemplateHttpTokens.REQUIRED,
      httpPutResponseHopLimit: 1,
      instanceMetadataTags: true,
      associatePublicIpAddress: options.associatePublicIpAddress ?? false,
      instanceInitiatedShutdownBehavior: InstanceInitiatedShutdownBehavior.TERMINATE,
      blockDevices: [
        {
          deviceName: '/dev/xvda',
          volume: BlockDeviceVolume.ebs((options.rootVolumeSize ?? Size.gibibytes(GITHUB_RUNNERS_DEFAULTS.rootVolumeGiB)).toGibibytes(), {
            encrypted: true,
            volumeType: EbsDeviceVolumeType.GP3,
            deleteOnTermination: true,
          }),
        },
      ],
    });
    for (const extra of this.securityGroups.slice(1)) this.launchTemplate.addSecurityGroup(extra);

    // CreateFleet tags only fleets and instances: volumes and network interfaces get ghr's tags from here.
    const tags = [
      { key: RUNNER_TAGS.environment, value: environment },
      { key: RUNNER_TAGS.pool, value: pool.id },
      { key: RUNNER_TAGS.owner, value: GITHUB_RUNNERS_DEFAULTS.owner },
    ];
    const cfn = this.launchTemplate.node.defaultChild as CfnLaunchTemplate;
    cfn.addPropertyOverride('LaunchTemplateData.TagSpecifications', [
      { ResourceType: 'volume', Tags: tags.map((t) => ({ Key: t.key, Value: t.value })) },
      { ResourceType: 'network-interface', Tags: tags.map((t) => ({ Key: t.key, Value: t.value })) },
    ]);
  }
}
