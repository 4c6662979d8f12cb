// GitHubRunners: the whole AWS control plane of ghr from one typed config.
import { ArnFormat, CfnOutput, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { HttpApi, HttpMethod, HttpStage, LogGroupLogDestination, PayloadFormatVersion } from 'aws-cdk-lib/aws-apigatewayv2';
import type { CfnStage } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { SubnetType } from 'aws-cdk-lib/aws-ec2';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction as LambdaTarget } from 'aws-cdk-lib/aws-events-targets';
import type { IRole } from 'aws-cdk-lib/aws-iam';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Key } from 'aws-cdk-lib/aws-kms';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Bucket } from 'aws-cdk-lib/aws-s3';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { ParameterTier, StringParameter } from 'aws-cdk-lib/aws-ssm';
import { InvocationType, Trigger } from 'aws-cdk-lib/triggers';
import { Construct } from 'constructs';
import { encodeResolvedConfig } from '@ghr/core';
import type { GhrConfig } from '@ghr/core';
import { checkEnvironment, configSecrets, deployedConfig, resolveConfig } from './config.js';
import type { ConfigSecret, DeployedPool } from './config.js';
import { grantLaunchRunners, grantManageRunners } from './ec2-permissions.js';
import { defaultLambdaCode, FUNCTION_SIZING, GhrFunction, lambdaBundleDirectories } from './functions.js';
import type { GhrFunctionEnvironment } from './functions.js';
import { HandoffSecurity } from './handoff.js';
import { GhrObservability } from './observability.js';
import { GHR_HANDLERS, GITHUB_RUNNERS_DEFAULTS } from './props.js';
import type { GhrHandler, GitHubRunnersProps } from './props.js';
import { RunnerPool } from './runner-pool.js';
import { GhrStorage } from './storage.js';
import { suppressNag, suppressWildcardResources } from './suppress.js';

/** Most characters of a Standard SSM parameter; the config goes to the Advanced tier above it. */
const SSM_STANDARD_MAX = 4096;
const SSM_ADVANCED_MAX = 8192;
/** How long a CDK token may become once resolved (a subnet id, a template version). */
const TOKEN_ALLOWANCE = 32;

/**
 * The AWS control plane of ghr: webhook (HTTP API) → SQS (+ DLQ) → scale-up; reconcile on a schedule; the
 * termination watcher on EC2 spot-interruption and state-change events; the binaries syncer daily and at every
 * deploy; the DynamoDB ledger, the binaries bucket, the config in SSM, a launch template and instance role per
 * pool, the hand-off key, alarms and a dashboard. The config is validated by `@ghr/core` at synth time.
 *
 * @example
 * ```ts
 * const runners = new GitHubRunners(stack, 'Runners', { config: parse(readFileSync('ghr.config.yaml', 'utf8')), vpc });
 * new CfnOutput(stack, 'WebhookUrl', { value: runners.webhookUrl });
 * ```
 */
export class GitHubRunners extends Construct {
  /** The validated config (defaults applied). */
  readonly config: GhrConfig;
  /** The name in tags and prefixes. */
  readonly environment: string;
  /** Where GitHub sends `workflow_job` webhooks (the App's webhook URL). */
  readonly webhookUrl: string;
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly table: Table;
  readonly binariesBucket: Bucket;
  /** The customer-managed key of the JIT hand-off parameters. */
  readonly handoffKey: Key;
  /** Every alarm notifies this topic: subscribe to it. */
  readonly alarmTopic: ITopic;
  readonly alarms: readonly Alarm[];
  /** The SSM parameter holding the deployed config (JSON). */
  readonly configParameter: StringParameter;
  /** The functions, by handler. */
  readonly functions: Readonly<Record<GhrHandler, LambdaFunction>>;
  /** Each pool's launch template and instance role, by pool id. */
  readonly pools: Readonly<Record<string, RunnerPool>>;

  constructor(scope: Construct, id: string, props: GitHubRunnersProps) {
    super(scope, id);
    const d = GITHUB_RUNNERS_DEFAULTS;
    this.config = resolveConfig(props.config);
    const secrets = configSecrets(this.config);
    for (const poolId of Object.keys(props.pools ?? {})) {
      if (!this.config.pools.some((p) => p.id === poolId)) throw new Error(`pools.${poolId}: the config has no pool "${poolId}".`);
    }
    this.environment = checkEnvironment(props.environment ?? d.environment);
    const env = this.environment;
    const stack = Stack.of(this);
    const handoffPrefix = `/ghr/${env}/runners`;
    const namespace = props.metricsNamespace ?? `ghr/${env}`;
    const logRetention = props.logRetention ?? RetentionDays.ONE_MONTH;
    const codeDirs = lambdaBundleDirectories(props.lambdaCode ?? defaultLambdaCode(), GHR_HANDLERS);

    const storage = new GhrStorage(this, 'Storage', {
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      consumerTimeout: Duration.seconds(FUNCTION_SIZING['scale-up'].timeoutSeconds),
    });
    this.queue = storage.queue;
    this.deadLetterQueue = storage.deadLetterQueue;
    this.table = storage.table;
    this.binariesBucket = storage.bucket;

    const handoff = new HandoffSecurity(this, 'Handoff', { environment: env, prefix: handoffPrefix });
    this.handoffKey = handoff.key;

    // --- Pools: launch template + instance role each ---
    const subnets = props.vpc.selectSubnets(props.runnerSubnets ?? { subnetType: SubnetType.PRIVATE_WITH_EGRESS });
    const pools: Record<string, RunnerPool> = {};
    const deployed: Record<string, DeployedPool> = {};
    for (const pool of this.config.pools) {
      const runnerPool = new RunnerPool(this, `Pool-${pool.id}`, {
        pool,
        environment: env,
        vpc: props.vpc,
        handoff,
        binaries: storage.bucket,
        ...(props.pools?.[pool.id] ? { options: props.pools[pool.id] } : {}),
      });
      pools[pool.id] = runnerPool;
      deployed[pool.id] = {
        launchTemplate: { name: runnerPool.launchTemplateName, version: runnerPool.launchTemplate.latestVersionNumber },
        subnetIds: subnets.subnetIds,
      };
    }
    this.pools = pools;

    // --- The config, as the Lambdas read it ---
    const configName = `/ghr/${env}/config`;
    // The format core's decodeResolvedConfig reads; CDK resolves the tokens (template versions, subnet ids) inside it.
    const json = encodeResolvedConfig(deployedConfig(this.config, deployed));
    const size = estimateResolvedLength(json);
    if (size > SSM_ADVANCED_MAX) {
      throw new Error(`The deployed config is about ${size} characters; an SSM parameter holds at most ${SSM_ADVANCED_MAX}. Use fewer pools or shorter labels.`);
    }
    this.configParameter = new StringParameter(this, 'Config', {
      parameterName: configName,
      description: `ghr (${env}) deployed config (JSON), read by the control-plane functions`,
      stringValue: json,
      tier: size > SSM_STANDARD_MAX - 96 ? ParameterTier.ADVANCED : ParameterTier.STANDARD,
    });

    // --- Functions ---
    const environment: GhrFunctionEnvironment = {
      GHR_CONFIG_PARAMETER: this.configParameter.parameterName,
      GHR_QUEUE_URL: storage.queue.queueUrl,
      GHR_TABLE_NAME: storage.table.tableName,
      GHR_BINARIES_BUCKET: storage.bucket.bucketName,
      GHR_HANDOFF_PREFIX: handoffPrefix,
      GHR_HANDOFF_KMS_KEY: handoff.key.keyArn,
      GHR_ENVIRONMENT: env,
      GHR_METRICS_NAMESPACE: namespace,
    };
    const fns = {} as Record<GhrHandler, GhrFunction>;
    for (const handler of GHR_HANDLERS) {
      fns[handler] = new GhrFunction(this, pascal(handler), { handler, codeDirectory: codeDirs[handler]!, environment, envName: env, logRetention });
    }
    this.functions = Object.fromEntries(GHR_HANDLERS.map((h) => [h, fns[h].function])) as Record<GhrHandler, LambdaFunction>;

    // --- Least privilege, per function ---
    const isWebhookSecret = (s: ConfigSecret): boolean => s.path === 'github.webhookSecret' || s.path === 'github.previousWebhookSecret';
    const webhookSecret = secrets.filter(isWebhookSecret);
    const apiSecret = secrets.filter((s) => !isWebhookSecret(s));
    const instanceRoles: IRole[] = Object.values(pools).map((p) => p.role);
    const launchTemplateArns = Object.values(pools).map((p) =>
      stack.formatArn({ service: 'ec2', resource: 'launch-template', resourceName: p.launchTemplate.launchTemplateId!, arnFormat: ArnFormat.SLASH_RESOURCE_NAME }),
    );
    for (const handler of GHR_HANDLERS) {
      const role = fns[handler].role;
      this.#grantReadParameters(role, [{ path: 'config', parameterName: configName }], false, props);
      this.#grantReadParameters(role, handler === 'webhook' ? webhookSecret : apiSecret, true, props);
    }
    storage.queue.grantSendMessages(fns.webhook.role);
    fns.webhook.role.addToPrincipalPolicy(
      new PolicyStatement({ sid: 'ClaimDeliveries', actions: ['dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem'], resources: [storage.table.tableArn] }),
    );
    for (const handler of ['scale-up', 'reconcile', 'termination-watcher'] as const) {
      storage.table.grantReadWriteData(fns[handler].role);
      suppressWildcardResources(fns[handler].role, [`${storage.table.tableArn}/index/*`], 'The ledger queries its two indexes (byPool, byStatus).');
    }
    // Scale-up and reconcile launch (write hand-offs) and sweep; the watcher only terminates (deletes them).
    handoff.allowControlPlane(fns['scale-up'].role);
    handoff.allowControlPlane(fns.reconcile.role);
    handoff.allowDelete(fns['termination-watcher'].role);
    for (const handler of ['scale-up', 'reconcile'] as const) {
      grantLaunchRunners(fns[handler].role, { environment: env, launchTemplateArns, instanceRoles });
    }
    grantManageRunners(fns['termination-watcher'].role, env);
    fns['binaries-syncer'].role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'WriteRunnerBinaries',
        actions: ['s3:GetObject', 's3:PutObject', 's3:PutObjectTagging', 's3:AbortMultipartUpload'],
        resources: [storage.bucket.arnForObjects(`${d.binariesPrefix}/*`)],
      }),
    );
    suppressWildcardResources(
      fns['binaries-syncer'].role,
      [storage.bucket.arnForObjects(`${d.binariesPrefix}/*`)],
      'The syncer writes one object per OS/architecture under the binaries prefix.',
    );
    for (const handler of GHR_HANDLERS) {
      suppressNag(fns[handler].function, [
        { id: 'AwsSolutions-L1', reason: 'The bundles are built and tested for nodejs22.x; a runtime change goes with a rebuild of apps/lambdas.' },
      ]);
    }

    // --- Webhook ingress: HTTP API, one throttled route, access logs ---
    const api = new HttpApi(this, 'WebhookApi', { apiName: `ghr-${env}-webhook`, description: `ghr (${env}) GitHub webhook`, createDefaultStage: false });
    api.addRoutes({
      path: '/webhook',
      methods: [HttpMethod.POST],
      integration: new HttpLambdaIntegration('Webhook', fns.webhook.function, { payloadFormatVersion: PayloadFormatVersion.VERSION_2_0 }),
    });
    const accessLogs = new LogGroup(this, 'WebhookAccessLogs', { retention: logRetention, removalPolicy: RemovalPolicy.DESTROY });
    const throttle = { rateLimit: props.webhookRateLimit ?? d.webhookRateLimit, burstLimit: props.webhookBurstLimit ?? d.webhookBurstLimit };
    const stage = new HttpStage(this, 'WebhookStage', {
      httpApi: api,
      stageName: '$default',
      autoDeploy: true,
      throttle,
      accessLogSettings: { destination: new LogGroupLogDestination(accessLogs), format: AccessLogFormat.custom(ACCESS_LOG_FORMAT) },
    });
    (stage.node.defaultChild as CfnStage).routeSettings = {
      'POST /webhook': { ThrottlingRateLimit: throttle.rateLimit, ThrottlingBurstLimit: throttle.burstLimit },
    };
    this.webhookUrl = `${stage.url}webhook`;
    suppressNag(api, [
      {
        id: 'AwsSolutions-APIG4',
        reason: 'GitHub cannot present AWS credentials or tokens: every delivery is authenticated by its X-Hub-Signature-256 HMAC in the webhook function.',
      },
    ]);

    // --- Event wiring ---
    fns['scale-up'].function.addEventSource(
      new SqsEventSource(storage.queue, {
        batchSize: d.scaleUpBatchSize,
        maxBatchingWindow: Duration.seconds(d.scaleUpBatchingWindowSeconds),
        reportBatchItemFailures: true,
        maxConcurrency: props.scaleUpMaxConcurrency ?? d.scaleUpMaxConcurrency,
      }),
    );
    new Rule(this, 'ReconcileSchedule', {
      description: `ghr (${env}) full reconcile`,
      schedule: Schedule.rate(props.reconcileInterval ?? Duration.minutes(d.reconcileIntervalMinutes)),
      targets: [new LambdaTarget(fns.reconcile.function, { retryAttempts: 0 })],
    });
    new Rule(this, 'SpotInterruptions', {
      description: `ghr (${env}) spot interruption warnings`,
      eventPattern: { source: ['aws.ec2'], detailType: ['EC2 Spot Instance Interruption Warning'] },
      targets: [new LambdaTarget(fns['termination-watcher'].function)],
    });
    new Rule(this, 'InstanceStateChanges', {
      description: `ghr (${env}) instances shutting down or terminated`,
      eventPattern: { source: ['aws.ec2'], detailType: ['EC2 Instance State-change Notification'], detail: { state: ['shutting-down', 'terminated'] } },
      targets: [new LambdaTarget(fns['termination-watcher'].function)],
    });
    new Rule(this, 'BinariesSchedule', {
      description: `ghr (${env}) runner binaries refresh`,
      schedule: Schedule.rate(props.binariesSyncInterval ?? Duration.days(d.binariesSyncIntervalDays)),
      targets: [new LambdaTarget(fns['binaries-syncer'].function, { retryAttempts: 2 })],
    });
    const sync = new Trigger(this, 'BinariesAtDeploy', {
      handler: fns['binaries-syncer'].function,
      invocationType: InvocationType.EVENT,
      executeOnHandlerChange: true,
      executeAfter: [storage.bucket],
    });
    Validations.of(fns['binaries-syncer'].function).acknowledge({
      id: 'Annotation::@aws-cdk/aws-lambda:addPermissionsToVersionOrAlias',
      reason: 'Only the deploy trigger invokes a version of the syncer, through its own provider; nothing calls it with a Qualifier.',
    });
    void sync;

    // --- Alarms and dashboard ---
    const observability = new GhrObservability(this, 'Observability', {
      environment: env,
      namespace,
      pools: this.config.pools,
      queue: storage.queue,
      deadLetterQueue: storage.deadLetterQueue,
      functions: this.functions,
      githubRateBudget: props.githubRateBudgetAlarm ?? d.githubRateBudgetAlarm,
      oldestMessageSeconds: d.oldestMessageAlarmSeconds,
    });
    this.alarmTopic = observability.alarmTopic;
    this.alarms = observability.alarms;
    suppressNag(observability.alarmTopic, [
      { id: 'AwsSolutions-SNS2', reason: 'Alarm notifications carry alarm names and thresholds only, no secret; TLS is enforced (SNS3).' },
    ]);

    new CfnOutput(this, 'WebhookUrlOutput', { value: this.webhookUrl, description: 'The GitHub App webhook URL' });
  }

  /** `ssm:GetParameter` on exactly these parameters (+ `kms:Decrypt` of `secretsKey` for secrets). */
  #grantReadParameters(role: IRole, parameters: readonly ConfigSecret[], secret: boolean, props: GitHubRunnersProps): void {
    if (parameters.length === 0) return;
    const stack = Stack.of(this);
    const arns = parameters.map((p) =>
      stack.formatArn({ service: 'ssm', resource: 'parameter', resourceName: p.parameterName.replace(/^\//, ''), arnFormat: ArnFormat.SLASH_RESOURCE_NAME }),
    );
    role.addToPrincipalPolicy(new PolicyStatement({ sid: secret ? 'ReadSecrets' : 'ReadConfig', actions: ['ssm:GetParameter', 'ssm:GetParameters'], resources: arns }));
    if (secret && props.secretsKey) {
      role.addToPrincipalPolicy(
        new PolicyStatement({
          sid: 'DecryptSecrets',
          actions: ['kms:Decrypt'],
          resources: [props.secretsKey.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': `ssm.${stack.region}.amazonaws.com` } },
        }),
      );
    }
  }
}

/** The access log line: request, caller IP, route, status, latency (no headers, no body). */
const ACCESS_LOG_FORMAT = JSON.stringify({
  requestId: '$context.requestId',
  ip: '$context.identity.sourceIp',
  requestTime: '$context.requestTime',
  routeKey: '$context.routeKey',
  status: '$context.status',
  responseLength: '$context.responseLength',
  integrationLatency: '$context.integrationLatency',
  integrationError: '$context.integrationErrorMessage',
});

function pascal(handler: string): string {
  return handler.replace(/(^|-)([a-z])/g, (_, __, c: string) => c.toUpperCase());
}

/** The length of a string once its tokens are resolved, assuming each resolves to at most {@link TOKEN_ALLOWANCE} characters. */
function estimateResolvedLength(text: string): number {
  let tokens = 0;
  const plain = text.replace(/[$#]\{Token\[[^\]]+\]\}/g, () => {
    tokens += 1;
    return '';
  });
  return plain.length + tokens * TOKEN_ALLOWANCE;
}
