// The props of GitHubRunners and their defaults (one place, exported).
import type { Duration, RemovalPolicy, Size } from 'aws-cdk-lib';
import type { IMachineImage, ISecurityGroup, IVpc, SubnetSelection } from 'aws-cdk-lib/aws-ec2';
import type { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';

/** The Lambda handlers of the control plane, one bundle each (`<lambdaCode>/<handler>/index.mjs`). */
export const GHR_HANDLERS = ['webhook', 'scale-up', 'reconcile', 'termination-watcher', 'binaries-syncer'] as const;
/** One of {@link GHR_HANDLERS}. */
export type GhrHandler = (typeof GHR_HANDLERS)[number];

/** Launch settings of one pool that only the stack knows (the config's `instance` section holds the rest). */
export interface RunnerPoolOptions {
  /** The AMI. Default: the latest Amazon Linux 2023 for the pool's architecture. */
  readonly machineImage?: IMachineImage;
  /**
   * CPU architecture of the pool's instance types. Default: `arm64` when every type in the pool's
   * `instance.instanceTypes` is a Graviton type (`m7g.large`, `c6gn.xlarge`, ...), else `x64`.
   */
  readonly architecture?: 'x64' | 'arm64';
  /** Root volume size (encrypted gp3). Default 30 GiB. */
  readonly rootVolumeSize?: Size;
  /** Security groups. Default: one group per pool with no ingress and all egress. */
  readonly securityGroups?: readonly ISecurityGroup[];
  /** Give runners a public IP (only for public subnets without NAT). Default false. */
  readonly associatePublicIpAddress?: boolean;
  /** Script run as the runner user when a job starts (`ACTIONS_RUNNER_HOOK_JOB_STARTED`). Default none. */
  readonly jobStartedHook?: string;
  /** Script run as the runner user when a job ends (`ACTIONS_RUNNER_HOOK_JOB_COMPLETED`). Default none. */
  readonly jobCompletedHook?: string;
  /** Commands run as root before the runner starts (install tools). Default none. */
  readonly preRunnerScript?: string;
  /** Extra permissions for jobs on this pool's runners (e.g. ECR pulls). Default none. */
  readonly instanceRolePolicies?: readonly PolicyStatement[];
}

/** Props of the {@link GitHubRunners} construct. */
export interface GitHubRunnersProps {
  /**
   * The ghr config as written in `ghr.config.yaml` (an object: parse YAML first, or use `defineConfig`). It is
   * validated by `@ghr/core` at synth time; every problem is reported with its path. Secrets must be `{ ssm }`
   * references to SecureString parameters you create (the Lambdas read nothing secret from their environment).
   * The pools' `instance.launchTemplate` is filled in by the construct; do not set it.
   */
  readonly config: unknown;
  /** The VPC the runners run in. */
  readonly vpc: IVpc;
  /** Subnets for the runners (and each pool's default `instance.subnetIds`). Default: the VPC's private subnets. */
  readonly runnerSubnets?: SubnetSelection;
  /** The name in tags (`ghr:environment`), resource names and default prefixes. Default `default`. Letters, digits, `-`. */
  readonly environment?: string;
  /** Per-pool launch settings, by pool id. Default: every pool gets the defaults of {@link RunnerPoolOptions}. */
  readonly pools?: Readonly<Record<string, RunnerPoolOptions>>;
  /**
   * Directory with one folder per handler holding its bundle (`<dir>/<handler>/index.mjs`). Default: the bundles
   * shipped inside `@ghr/cdk` (`dist/lambda`, copied from `apps/lambdas/dist` when the package is built).
   */
  readonly lambdaCode?: string;
  /** KMS key of your SecureString secrets, when it is not the account's `alias/aws/ssm`. Default: `alias/aws/ssm`. */
  readonly secretsKey?: IKey;
  /** How often the full reconcile runs. Default 2 minutes. */
  readonly reconcileInterval?: Duration;
  /** How often the runner binaries are refreshed (they are also synced once at every deploy). Default 1 day. */
  readonly binariesSyncInterval?: Duration;
  /** Webhook requests per second the HTTP API accepts (steady rate). Default 50. */
  readonly webhookRateLimit?: number;
  /** Webhook burst the HTTP API accepts. Default 100. */
  readonly webhookBurstLimit?: number;
  /** Most concurrent scale-up invocations the queue drives (2–1000). Default 10. */
  readonly scaleUpMaxConcurrency?: number;
  /** Log retention of every function and of the API access log. Default one month. */
  readonly logRetention?: RetentionDays;
  /** CloudWatch namespace of ghr's metrics. Default `ghr/<environment>`. */
  readonly metricsNamespace?: string;
  /** Alarm when the GitHub API budget (`GitHubRateRemaining`, resource `core`) falls below this. Default 500. */
  readonly githubRateBudgetAlarm?: number;
  /** What happens to the ledger table and the binaries bucket when the stack is deleted. Default RETAIN. */
  readonly removalPolicy?: RemovalPolicy;
}

/** Defaults of {@link GitHubRunnersProps} that are plain values. */
export const GITHUB_RUNNERS_DEFAULTS = {
  environment: 'default',
  reconcileIntervalMinutes: 2,
  binariesSyncIntervalDays: 1,
  webhookRateLimit: 50,
  webhookBurstLimit: 100,
  scaleUpMaxConcurrency: 10,
  scaleUpBatchSize: 10,
  scaleUpBatchingWindowSeconds: 1,
  queueMaxReceiveCount: 5,
  rootVolumeGiB: 30,
  githubRateBudgetAlarm: 500,
  oldestMessageAlarmSeconds: 300,
  binariesPrefix: 'actions-runner',
  owner: 'ghr',
  runnerUser: 'runner',
} as const;
