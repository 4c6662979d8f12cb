import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Size } from 'aws-cdk-lib';
import type { CfnElement, Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import type { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import type { GitHubRunners } from './github-runners.js';
import { GHR_HANDLERS } from './props.js';
import { synthTestStack, TEST_CONFIG } from '../test/test-stack.js';

type Statement = { Sid?: string; Effect: string; Action: string | string[]; Resource: unknown; Condition?: Record<string, Record<string, unknown>> };

let stack: Stack;
let runners: GitHubRunners;
let template: Template;

beforeAll(() => {
  ({ stack, runners, template } = synthTestStack({
    pools: { 'linux-arm': { jobStartedHook: 'echo started', rootVolumeSize: Size.gibibytes(50) } },
  }));
});

function logicalId(element: unknown): string {
  return stack.getLogicalId(element as CfnElement);
}

/** Every statement of the identity policies attached to a role. */
function roleStatements(roleLogicalId: string): Statement[] {
  const policies = template.findResources('AWS::IAM::Policy', { Properties: { Roles: Match.arrayWith([{ Ref: roleLogicalId }]) } });
  return Object.values(policies).flatMap((p) => (p as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument.Statement);
}

function actions(s: Statement): string[] {
  return Array.isArray(s.Action) ? s.Action : [s.Action];
}

function functionRole(handler: (typeof GHR_HANDLERS)[number]): string {
  const fn = runners.functions[handler];
  return logicalId(fn.role!.node.defaultChild);
}

describe('GitHubRunners resources', () => {
  it('creates the ledger table with the keys, indexes, TTL, encryption and point-in-time recovery', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      SSESpecification: { SSEEnabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      GlobalSecondaryIndexes: [
        Match.objectLike({ IndexName: 'byPool', KeySchema: [{ AttributeName: 'gsi1pk', KeyType: 'HASH' }, { AttributeName: 'gsi1sk', KeyType: 'RANGE' }] }),
        Match.objectLike({ IndexName: 'byStatus', KeySchema: [{ AttributeName: 'gsi2pk', KeyType: 'HASH' }, { AttributeName: 'gsi2sk', KeyType: 'RANGE' }] }),
      ],
    });
  });

  it('creates an encrypted, TLS-only event queue that redrives to a dead-letter queue', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      VisibilityTimeout: 360,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [logicalId(runners.deadLetterQueue.node.defaultChild), 'Arn'] }, maxReceiveCount: 5 },
    });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
      Queues: [{ Ref: logicalId(runners.queue.node.defaultChild) }],
    });
  });

  it('feeds scale-up from the queue in batches, reporting item failures, with bounded concurrency', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 10,
      MaximumBatchingWindowInSeconds: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 10 },
      FunctionName: { Ref: logicalId(runners.functions['scale-up'].node.defaultChild) },
    });
  });

  it('blocks public access to the binaries bucket, encrypts it, refuses plain HTTP and aborts stale uploads', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      LifecycleConfiguration: { Rules: [Match.objectLike({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } })] },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  it('routes POST /webhook through a throttled HTTP API stage with access logs', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'POST /webhook' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
      RouteSettings: { 'POST /webhook': { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 } },
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('requestId') },
    });
  });

  it('schedules the reconcile and the binaries syncer, and watches spot interruptions and terminations', () => {
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(2 minutes)' });
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(1 day)' });
    template.hasResourceProperties('AWS::Events::Rule', { EventPattern: { source: ['aws.ec2'], 'detail-type': ['EC2 Spot Instance Interruption Warning'] } });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { 'detail-type': ['EC2 Instance State-change Notification'], detail: { state: ['shutting-down', 'terminated'] } },
    });
    template.resourceCountIs('Custom::Trigger', 1);
  });

  it('gives every pool a launch template: IMDSv2 hop 1, metadata tags, encrypted gp3, no public IP, terminate on shutdown, tagged volumes and interfaces', () => {
    for (const [poolId, size] of [['linux-small', 30], ['linux-arm', 50]] as const) {
      template.hasResourceProperties('AWS::EC2::LaunchTemplate', {
        LaunchTemplateName: `ghr-prod-${poolId}`,
        LaunchTemplateData: Match.objectLike({
          MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 1, InstanceMetadataTags: 'enabled' },
          BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { Encrypted: true, VolumeType: 'gp3', VolumeSize: size, DeleteOnTermination: true } }],
          NetworkInterfaces: [Match.objectLike({ AssociatePublicIpAddress: false, DeviceIndex: 0 })],
          InstanceInitiatedShutdownBehavior: 'terminate',
          TagSpecifications: [
            { ResourceType: 'volume', Tags: [{ Key: 'ghr:environment', Value: 'prod' }, { Key: 'ghr:pool', Value: poolId }, { Key: 'ghr:owner', Value: 'ghr' }] },
            { ResourceType: 'network-interface', Tags: [{ Key: 'ghr:environment', Value: 'prod' }, { Key: 'ghr:pool', Value: poolId }, { Key: 'ghr:owner', Value: 'ghr' }] },
          ],
        }),
      });
    }
  });

  it('keeps logs for a month and alarms on dead letters, old events, errors, the GitHub budget and launch failures', () => {
    const groups = template.findResources('AWS::Logs::LogGroup');
    expect(Object.keys(groups)).toHaveLength(6);
    for (const group of Object.values(groups)) expect((group as { Properties: { RetentionInDays: number } }).Properties.RetentionInDays).toBe(30);
    // 3 + one per function + one per pool, all to the alarm topic.
    template.resourceCountIs('AWS::CloudWatch::Alarm', 3 + GHR_HANDLERS.length + TEST_CONFIG.pools.length);
    template.allResourcesProperties('AWS::CloudWatch::Alarm', { AlarmActions: [{ Ref: logicalId(runners.alarmTopic.node.defaultChild) }] });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'GitHubRateRemaining', Namespace: 'ghr/prod', Threshold: 500 });
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });

  it('stores the validated config in SSM with each pool’s launch template and subnets filled in', () => {
    const params = template.findResources('AWS::SSM::Parameter', { Properties: { Name: '/ghr/prod/config' } });
    const value = JSON.stringify(Object.values(params)[0]);
    expect(value).toContain('\\"launchTemplate\\":{\\"name\\":\\"ghr-prod-linux-small\\",\\"version\\":\\"');
    expect(value).toContain('LatestVersionNumber');
    expect(value).toContain('ghr.resolved-config/1');
    expect(value).toContain('\\"subnetIds\\":[');
    expect(value).toContain('\\"idleTimeout\\":300000');
  });

  it('sets the environment contract on every function, well under 4 KB', () => {
    const functions = template.findResources('AWS::Lambda::Function', { Properties: { Runtime: 'nodejs22.x' } });
    expect(Object.keys(functions)).toHaveLength(GHR_HANDLERS.length);
    for (const fn of Object.values(functions)) {
      const props = (fn as { Properties: { Environment: { Variables: Record<string, unknown> }; Architectures: string[] } }).Properties;
      expect(Object.keys(props.Environment.Variables).sort()).toEqual([
        'GHR_BINARIES_BUCKET',
        'GHR_CONFIG_PARAMETER',
        'GHR_ENVIRONMENT',
        'GHR_HANDOFF_KMS_KEY',
        'GHR_HANDOFF_PREFIX',
        'GHR_METRICS_NAMESPACE',
        'GHR_QUEUE_URL',
        'GHR_TABLE_NAME',
      ]);
      expect(props.Environment.Variables['GHR_HANDOFF_PREFIX']).toBe('/ghr/prod/runners');
      expect(props.Architectures).toEqual(['arm64']);
      // Unresolved references count as 128 characters each (a queue URL or key ARN is shorter).
      const size = JSON.stringify(props.Environment.Variables).replace(/\{"(Ref|Fn::[A-Za-z]+)":[^}]*\}+/g, 'x'.repeat(128)).length;
      expect(size).toBeLessThan(2048);
    }
  });
});

describe('GitHubRunners IAM', () => {
  it('lets a runner read and delete only the hand-off tagged with its own instance ARN, and denies every other', () => {
    for (const pool of Object.values(runners.pools)) {
      const statements = roleStatements(logicalId(pool.role.node.defaultChild));
      const allow = statements.find((s) => s.Sid === 'ReadAndDeleteOwnHandoff')!;
      expect(allow.Effect).toBe('Allow');
      expect(actions(allow).sort()).toEqual(['ssm:DeleteParameter', 'ssm:GetParameter']);
      expect(allow.Condition).toEqual({ StringEquals: { 'ssm:resourceTag/ghr:instance-arn': '${ec2:SourceInstanceARN}' } });
      const deny = statements.find((s) => s.Sid === 'DenyOtherRunnersHandoffs')!;
      expect(deny.Effect).toBe('Deny');
      expect(actions(deny)).toEqual(expect.arrayContaining(['ssm:GetParameter', 'ssm:GetParameters', 'ssm:GetParametersByPath', 'ssm:GetParameterHistory']));
      expect(deny.Condition).toEqual({ StringNotEquals: { 'ssm:resourceTag/ghr:instance-arn': '${ec2:SourceInstanceARN}' } });
      const decrypt = statements.find((s) => s.Sid === 'DecryptOwnHandoff')!;
      expect(JSON.stringify(decrypt.Condition)).toContain('kms:EncryptionContext:PARAMETER_ARN');
      expect(JSON.stringify(decrypt.Condition)).toContain('parameter/ghr/prod/runners/*');
    }
  });

  it('gives runner roles no managed policy, no EC2 permission and no SSM read on "*"', () => {
    for (const pool of Object.values(runners.pools)) {
      const roleId = logicalId(pool.role.node.defaultChild);
      const role = template.toJSON().Resources[roleId] as { Properties: Record<string, unknown> };
      expect(role.Properties['ManagedPolicyArns']).toBeUndefined();
      const statements = roleStatements(roleId);
      expect(statements.filter((s) => s.Effect === 'Allow').flatMap(actions).filter((a) => a.startsWith('ec2:'))).toEqual([]);
    }
    // Nowhere in the stack: an Allow of ssm:GetParameter* on every parameter.
    const policies = Object.values(template.findResources('AWS::IAM::Policy'));
    for (const policy of policies) {
      for (const s of (policy as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument.Statement) {
        if (s.Effect === 'Allow' && actions(s).some((a) => a.startsWith('ssm:GetParameter'))) expect(s.Resource).not.toBe('*');
      }
    }
    expect(JSON.stringify(template.toJSON())).not.toContain('AmazonSSMManagedInstanceCore');
  });

  it('has a customer-managed hand-off key that decrypts only hand-off parameters and only for runner roles', () => {
    const keys = template.findResources('AWS::KMS::Key');
    expect(Object.keys(keys)).toHaveLength(1);
    const key = Object.values(keys)[0] as { Properties: { EnableKeyRotation: boolean; KeyPolicy: { Statement: Statement[] } } };
    expect(key.Properties.EnableKeyRotation).toBe(true);
    const statements = key.Properties.KeyPolicy.Statement;
    const context = statements.find((s) => s.Sid === 'DecryptOnlyHandoffParameters')!;
    expect(context.Effect).toBe('Deny');
    expect(JSON.stringify(context.Condition!['StringNotLike'])).toContain('parameter/ghr/prod/runners/*');
    const principals = statements.find((s) => s.Sid === 'DecryptOnlyByRunnerRoles')!;
    expect(principals.Effect).toBe('Deny');
    expect(principals.Condition!['ArnNotEquals']!['aws:PrincipalArn']).toEqual(
      Object.values(runners.pools).map((p) => ({ 'Fn::GetAtt': [logicalId(p.role.node.defaultChild), 'Arn'] })),
    );
  });

  it('lets the webhook read only its secret and the config, send to the queue and claim deliveries', () => {
    const statements = roleStatements(functionRole('webhook'));
    const reads = statements.filter((s) => actions(s).includes('ssm:GetParameter'));
    expect(JSON.stringify(reads)).toContain('parameter/ghr/webhook-secret');
    expect(JSON.stringify(reads)).toContain('parameter/ghr/prod/config');
    expect(JSON.stringify(reads)).not.toContain('github-app-private-key');
    expect(statements.flatMap(actions)).toContain('sqs:SendMessage');
    expect(statements.flatMap(actions).filter((a) => a.startsWith('ec2:') || a.startsWith('kms:'))).toEqual([]);
  });

  it('lets scale-up launch only tagged instances from ghr templates, terminate only its environment, pass only runner roles', () => {
    const statements = roleStatements(functionRole('scale-up'));
    const run = statements.find((s) => s.Sid === 'LaunchTaggedInstances')!;
    expect(run.Condition).toEqual({ StringEquals: { 'aws:RequestTag/ghr:environment': 'prod' } });
    const terminate = statements.find((s) => s.Sid === 'TerminateOwnInstances')!;
    expect(terminate.Condition).toEqual({ StringEquals: { 'ec2:ResourceTag/ghr:environment': 'prod' } });
    const name = statements.find((s) => s.Sid === 'NameOwnInstances')!;
    expect(name.Condition!['ForAllValues:StringEquals']).toEqual({ 'aws:TagKeys': ['ghr:runner', 'Name'] });
    const pass = statements.find((s) => s.Sid === 'PassRunnerRoles')!;
    expect(pass.Resource).toEqual(Object.values(runners.pools).map((p) => ({ 'Fn::GetAtt': [logicalId(p.role.node.defaultChild), 'Arn'] })));
    const encrypt = statements.find((s) => s.Sid === 'EncryptHandoffs')!;
    expect(JSON.stringify(encrypt.Condition)).toContain('kms:EncryptionContext:PARAMETER_ARN');
    expect(statements.flatMap(actions)).not.toContain('kms:Decrypt');
  });

  it('lets the termination watcher delete hand-offs and terminate, but not write hand-offs or launch', () => {
    const granted = roleStatements(functionRole('termination-watcher')).flatMap(actions);
    expect(granted).toEqual(expect.arrayContaining(['ssm:DeleteParameter', 'ec2:TerminateInstances']));
    expect(granted.filter((a) => ['ssm:PutParameter', 'kms:Encrypt', 'ec2:RunInstances', 'ec2:CreateFleet', 'iam:PassRole'].includes(a))).toEqual([]);
  });

  it('gives the binaries syncer S3 writes under the binaries prefix and no EC2 or hand-off access', () => {
    const statements = roleStatements(functionRole('binaries-syncer'));
    expect(statements.find((s) => s.Sid === 'WriteRunnerBinaries')).toBeDefined();
    expect(statements.flatMap(actions).filter((a) => a.startsWith('ec2:') || a.startsWith('kms:') || a === 'ssm:PutParameter')).toEqual([]);
  });
});

describe('GitHubRunners checks', () => {
  it('passes cdk-nag AwsSolutionsChecks with every finding either fixed or acknowledged with a reason', () => {
    const report = new AwsSolutionsChecks(stack.node.root).validateScope(stack);
    const unacknowledged = report.violations.map((v) => `${v.severity} ${v.ruleName}`);
    expect(unacknowledged).toEqual([]);
    const reasons = stack.node
      .findAll()
      .flatMap((c) => c.node.metadata.filter((m) => m.type === 'aws:cdk:acknowledged-rules'))
      .flatMap((m) => Object.values(m.data as Record<string, string>));
    expect(reasons.length).toBeGreaterThan(0);
    for (const reason of reasons) expect(String(reason).length).toBeGreaterThan(20);
  });

  it('passes cfn-lint with no errors', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ghr-cfn-lint-'));
    const file = join(dir, 'template.json');
    writeFileSync(file, JSON.stringify(template.toJSON()));
    const result = spawnSync('cfn-lint', ['--non-zero-exit-code', 'error', file], { encoding: 'utf8' });
    rmSync(dir, { recursive: true });
    expect(result.error, 'cfn-lint must be on PATH').toBeUndefined();
    expect(result.status, result.stdout + result.stderr).toBe(0);
  });

  it('matches the snapshot', () => {
    expect(template.toJSON()).toMatchSnapshot();
  });
});
