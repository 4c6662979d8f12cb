// What the control plane may do in EC2: launch only from ghr's launch templates with ghr's environment tag, name
// only its own instances, terminate only its own instances, pass only the runner roles.
import { Stack } from 'aws-cdk-lib';
import type { IRole } from 'aws-cdk-lib/aws-iam';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import { RUNNER_TAGS } from './runner-pool.js';
import { suppressWildcardResources } from './suppress.js';

function arn(scope: IConstruct, resource: string): string {
  const stack = Stack.of(scope);
  return `arn:${stack.partition}:ec2:${stack.region}:${resource.startsWith('image/') ? '' : stack.account}:${resource}`;
}

/** Launch templates and roles the launching functions may use. */
export interface LaunchGrant {
  readonly environment: string;
  /** ARNs of the pools' launch templates. */
  readonly launchTemplateArns: readonly string[];
  /** The pools' instance roles (passed to EC2 through their instance profiles). */
  readonly instanceRoles: readonly IRole[];
}

/**
 * Lets a role launch runners (`CreateFleet` instant, which runs `RunInstances` with the caller's permissions),
 * name them, list them and terminate them:
 *
 * - `RunInstances` creates instances and volumes only with the request tag `ghr:environment=<environment>`;
 *   other resources of the call (subnets, security groups, images, network interfaces) are allowed in this
 *   account and region, and launch templates only when they are ghr's;
 * - `CreateTags` on launch (`ec2:CreateAction` = CreateFleet/RunInstances), or afterwards only on instances
 *   tagged with the environment and only the keys `ghr:runner` and `Name`;
 * - `TerminateInstances` only on instances tagged with the environment;
 * - `iam:PassRole` only for the runner roles, only to EC2.
 *
 * @example
 * ```ts
 * grantLaunchRunners(scaleUpRole, { environment: 'prod', launchTemplateArns, instanceRoles });
 * ```
 */
export function grantLaunchRunners(role: IRole, grant: LaunchGrant): void {
  const scope = role;
  role.addToPrincipalPolicy(
    new PolicyStatement({
      sid: 'LaunchTaggedInstances',
      actions: ['ec2:RunInstances'],
      resources: [arn(scope, 'instance/*'), arn(scope, 'volume/*')],
      conditions: { StringEquals: { [`aws:RequestTag/${RUNNER_TAGS.environment}`]: grant.environment } },
    }),
  );
  role.addToPrincipalPolicy(
    new PolicyStatement({
      sid: 'LaunchFromGhrTemplates',
      actions: ['ec2:RunInstances', 'ec2:CreateFleet'],
      resources: [
        ...grant.launchTemplateArns,
        arn(scope, 'subnet/*'),
        arn(scope, 'security-group/*'),
        arn(scope, 'network-interface/*'),
        arn(scope, 'image/*'),
        arn(scope, 'spot-instances-request/*'),
        arn(scope, 'fleet/*'),
      ],
    }),
  );
  role.addToPrincipalPolicy(
    new PolicyStatement({
      sid: 'TagOnLaunch',
      actions: ['ec2:CreateTags'],
      resources: [arn(scope, 'instance/*'), arn(scope, 'volume/*'), arn(scope, 'network-interface/*'), arn(scope, 'fleet/*'), arn(scope, 'spot-instances-request/*')],
      conditions: { StringEquals: { 'ec2:CreateAction': ['CreateFleet', 'RunInstances'] } },
    }),
  );
  role.addToPrincipalPolicy(
    new PolicyStatement({
      sid: 'NameOwnInstances',
      actions: ['ec2:CreateTags'],
      resources: [arn(scope, 'instance/*')],
      conditions: {
        StringEquals: { [`ec2:ResourceTag/${RUNNER_TAGS.environment}`]: grant.environment },
        'ForAllValues:StringEquals': { 'aws:TagKeys': [RUNNER_TAGS.runner, 'Name'] },
      },
    }),
  );
  role.addToPrincipalPolicy(
    new PolicyStatement({
      sid: 'PassRunnerRoles',
      actions: ['iam:PassRole'],
      resources: grant.instanceRoles.map((r) => r.roleArn),
      conditions: { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } },
    }),
  );
  role.addToPrincipalPolicy(
    new PolicyStatement({
      sid: 'SpotServiceLinkedRoles',
      actions: ['iam:CreateServiceLinkedRole'],
      resources: ['*'],
      conditions: { StringEquals: { 'iam:AWSServiceName': ['spot.amazonaws.com', 'ec2fleet.amazonaws.com'] } },
    }),
  );
  suppressWildcardResources(
    role,
    ['instance/*', 'volume/*', 'subnet/*', 'security-group/*', 'network-interface/*', 'image/*', 'spot-instances-request/*', 'fleet/*'].map((r) => arn(scope, r)),
    'Instance, volume, fleet and request ids do not exist before the launch; RunInstances is conditioned on the ghr:environment request tag, CreateTags on the create action or the environment tag, and launch templates are ghr\'s own. Subnets, security groups and AMIs are chosen per pool at run time.',
  );
  suppressWildcardResources(role, ['*'], 'iam:CreateServiceLinkedRole is limited by condition to the EC2 Spot and EC2 Fleet service-linked roles.');
  grantManageRunners(role, grant.environment);
}

/**
 * Lets a role list ghr's instances and terminate those tagged with its environment (the reaper, the
 * termination watcher).
 *
 * @example
 * ```ts
 * grantManageRunners(watcherRole, 'prod');
 * ```
 */
export function grantManageRunners(role: IRole, environment: string): void {
  role.addToPrincipalPolicy(
    new PolicyStatement({
      sid: 'ListInstances',
      // Describe* calls have no resource-level permissions.
      actions: ['ec2:DescribeInstances'],
      resources: ['*'],
    }),
  );
  role.addToPrincipalPolicy(
    new PolicyStatement({
      sid: 'TerminateOwnInstances',
      actions: ['ec2:TerminateInstances'],
      resources: [arn(role, 'instance/*')],
      conditions: { StringEquals: { [`ec2:ResourceTag/${RUNNER_TAGS.environment}`]: environment } },
    }),
  );
  suppressWildcardResources(role, ['*'], 'ec2:DescribeInstances has no resource-level permissions (listing filters by ghr tags).');
  suppressWildcardResources(role, [arn(role, 'instance/*')], 'Termination is conditioned on the ghr:environment tag of the instance.');
}
