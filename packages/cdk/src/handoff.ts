// The JIT hand-off's defences in depth: a customer-managed key that decrypts only hand-off parameters and only
// for runner roles, and runner-role policies that reach only the parameter tagged with the caller's instance ARN.
import { Arn, ArnFormat, Duration, Lazy, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { IGrantable, IRole } from 'aws-cdk-lib/aws-iam';
import { AnyPrincipal, Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import type { IConstruct } from 'constructs';
import { suppressWildcardResources } from './suppress.js';

/** Tag keys of hand-off parameters that IAM conditions read (written by `@ghr/aws`' `SsmRunnerSecrets`). */
export const HANDOFF_TAGS = {
  /** The ARN of the only instance that may read the parameter. */
  instanceArn: 'ghr:instance-arn',
} as const;

/** Actions that read a parameter's value; a runner may use them only on its own hand-off. */
export const SSM_READ_ACTIONS = ['ssm:GetParameter', 'ssm:GetParameters', 'ssm:GetParametersByPath', 'ssm:GetParameterHistory'] as const;

/** Props of {@link HandoffSecurity}. */
export interface HandoffSecurityProps {
  readonly environment: string;
  /** SSM path of the hand-off parameters, e.g. `/ghr/prod/runners` (no trailing slash). */
  readonly prefix: string;
}

/**
 * The hand-off's key and IAM: parameters under `prefix` are SecureStrings encrypted with this construct's
 * customer-managed key, tagged `ghr:instance-arn` by the control plane.
 *
 * - **Key policy**: besides the account's administration statement, two explicit denies on `kms:Decrypt`: when the
 *   encryption context `PARAMETER_ARN` is not a hand-off parameter, and when the caller is not a runner role
 *   (added with {@link HandoffSecurity.allowRunner}). So neither an account-wide `kms:Decrypt` nor a parameter
 *   under another path opens a pending JIT config.
 * - **Runner role**: `ssm:GetParameter`/`ssm:DeleteParameter` on hand-off parameters whose `ghr:instance-arn` tag
 *   equals `${ec2:SourceInstanceARN}` (the instance the credentials were delivered to), and an explicit Deny of every
 *   `ssm:GetParameter*` and delete on the prefix when the tag does not match: a broad SSM read granted elsewhere
 *   (a managed policy, a user's statement) cannot reach another runner's config.
 * - **Control plane**: write, tag, delete and list under the prefix; `kms:Encrypt`/`GenerateDataKey` only with a
 *   hand-off encryption context.
 *
 * @example
 * ```ts
 * const handoff = new HandoffSecurity(this, 'Handoff', { environment: 'prod', prefix: '/ghr/prod/runners' });
 * handoff.allowRunner(instanceRole);
 * handoff.allowControlPlane(scaleUpFunction);
 * ```
 */
export class HandoffSecurity extends Construct {
  /** The customer-managed key of the hand-off parameters. */
  readonly key: Key;
  /** The SSM path prefix (no trailing slash). */
  readonly prefix: string;
  /** ARN pattern of every hand-off parameter (`arn:…:parameter/<prefix>/*`). */
  readonly parameterArnPattern: string;
  readonly #runnerRoles: IRole[] = [];

  constructor(scope: Construct, id: string, props: HandoffSecurityProps) {
    super(scope, id);
    this.prefix = props.prefix;
    this.parameterArnPattern = Stack.of(this).formatArn({
      service: 'ssm',
      resource: 'parameter',
      resourceName: `${props.prefix.replace(/^\//, '')}/*`,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
    this.key = new Key(this, 'Key', {
      description: `ghr (${props.environment}): encrypts the one-time runner hand-off parameters under ${props.prefix}`,
      enableKeyRotation: true,
      pendingWindow: Duration.days(7),
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // Deny outright: a hand-off key decrypts hand-off parameters only, whoever asks.
    this.key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'DecryptOnlyHandoffParameters',
        effect: Effect.DENY,
        principals: [new AnyPrincipal()],
        actions: ['kms:Decrypt'],
        resources: ['*'],
        conditions: { StringNotLike: { 'kms:EncryptionContext:PARAMETER_ARN': this.parameterArnPattern } },
      }),
    );
    // The runner roles are known once the pools exist: the statement is rendered lazily at synth.
    const roles = this.#runnerRoles;
    this.key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'DecryptOnlyByRunnerRoles',
        effect: Effect.DENY,
        principals: [new AnyPrincipal()],
        actions: ['kms:Decrypt'],
        resources: ['*'],
        conditions: { ArnNotEquals: { 'aws:PrincipalArn': Lazy.list({ produce: () => roles.map((r) => r.roleArn) }) } },
      }),
    );
  }

  /**
   * Lets an instance role read and delete the hand-off parameter tagged with its own instance's ARN, and nothing
   * else under the prefix; adds the role to the key's allowed decrypters.
   */
  allowRunner(role: IRole): void {
    this.#runnerRoles.push(role);
    role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'ReadAndDeleteOwnHandoff',
        actions: ['ssm:GetParameter', 'ssm:DeleteParameter'],
        resources: [this.parameterArnPattern],
        conditions: { StringEquals: { [`ssm:resourceTag/${HANDOFF_TAGS.instanceArn}`]: '${ec2:SourceInstanceARN}' } },
      }),
    );
    role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'DenyOtherRunnersHandoffs',
        effect: Effect.DENY,
        actions: [...SSM_READ_ACTIONS, 'ssm:DeleteParameter', 'ssm:DeleteParameters'],
        resources: [this.parameterArnPattern, this.#prefixArn()],
        conditions: { StringNotEquals: { [`ssm:resourceTag/${HANDOFF_TAGS.instanceArn}`]: '${ec2:SourceInstanceARN}' } },
      }),
    );
    role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'DecryptOwnHandoff',
        actions: ['kms:Decrypt'],
        resources: [this.key.keyArn],
        conditions: {
          StringLike: { 'kms:EncryptionContext:PARAMETER_ARN': this.parameterArnPattern },
          StringEquals: { 'kms:ViaService': `ssm.${Stack.of(this).region}.amazonaws.com` },
        },
      }),
    );
    suppressWildcardResources(
      role,
      [this.parameterArnPattern],
      'Runner names are not known at deploy time: the Allow covers the hand-off path and its condition narrows it to the one parameter tagged with the caller\'s instance ARN (the explicit Deny refuses every other).',
    );
  }

  /** Lets a function that only terminates runners delete their hand-off parameters (no write, no key use). */
  allowDelete(grantee: IGrantable & IConstruct): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({ sid: 'DeleteHandoffs', actions: ['ssm:DeleteParameter', 'ssm:DeleteParameters'], resources: [this.parameterArnPattern] }),
    );
    suppressWildcardResources(grantee, [this.parameterArnPattern], 'It deletes the hand-off of runners it terminates, named at run time, all under the hand-off path.');
  }

  /** Lets a control-plane function write, tag, delete and sweep hand-off parameters (encrypting with the key). */
  allowControlPlane(grantee: IGrantable & IConstruct): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'WriteAndSweepHandoffs',
        actions: ['ssm:PutParameter', 'ssm:AddTagsToResource', 'ssm:DeleteParameter', 'ssm:DeleteParameters'],
        resources: [this.parameterArnPattern],
      }),
    );
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'ListHandoffs',
        // DescribeParameters has no resource-level permissions.
        actions: ['ssm:DescribeParameters'],
        resources: ['*'],
      }),
    );
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'EncryptHandoffs',
        actions: ['kms:Encrypt', 'kms:GenerateDataKey'],
        resources: [this.key.keyArn],
        conditions: {
          StringLike: { 'kms:EncryptionContext:PARAMETER_ARN': this.parameterArnPattern },
          StringEquals: { 'kms:ViaService': `ssm.${Stack.of(this).region}.amazonaws.com` },
        },
      }),
    );
    suppressWildcardResources(
      grantee,
      [this.parameterArnPattern],
      'The control plane writes, tags and deletes the hand-off of runners it names at run time, all under the hand-off path.',
    );
    suppressWildcardResources(grantee, ['*'], 'ssm:DescribeParameters has no resource-level permissions (the sweep lists the hand-off path with it).');
  }

  #prefixArn(): string {
    return Arn.format({ service: 'ssm', resource: 'parameter', resourceName: this.prefix.replace(/^\//, ''), arnFormat: ArnFormat.SLASH_RESOURCE_NAME }, Stack.of(this));
  }
}
