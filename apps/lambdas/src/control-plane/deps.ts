// The engine's ports, wired once per cold start for the scale-up, reconcile and termination-watcher functions:
// the ledger in DynamoDB, runners on EC2 with their secrets handed over through SSM, GitHub through Octokit, the
// config and GitHub credentials from SSM. AWS clients are the bundled SDK (pinned), not the runtime's.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import { SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDbLedger } from '@ghr/aws/dynamodb';
import { Ec2RunnerProvider } from '@ghr/aws/ec2';
import type { FetchSsmParameters } from '@ghr/aws/fetch';
import { SsmRunnerSecrets } from '@ghr/aws/ssm';
import { createEngine } from '@ghr/core';
import type { Engine, EngineOptions, GhrConfig, Logger, Metrics } from '@ghr/core';
import { GitHubClient } from '@ghr/github';
import type { GitHubAuth } from '@ghr/github';
import { requireSetting } from '../config.js';
import type { LambdaConfig } from '../config.js';
import { loadDeployedConfig, parameterReader, readSecret } from '../runtime/deployed-config.js';

/** What the control-plane functions work with. */
export interface ControlPlane {
  readonly config: GhrConfig;
  readonly engine: Engine;
  readonly github: GitHubClient;
  /** The runners' secret hand-off (its expiry sweep is the reconcile's housekeeping). */
  readonly handoff: SsmRunnerSecrets;
}

/** What {@link wireControlPlane} needs besides the function's config. */
export interface ControlPlaneOptions {
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Default: the SDK-free SSM reader of the function's region. */
  readonly parameters?: FetchSsmParameters;
  /** Engine tuning beyond the defaults (tests shorten the redelivery interval and backoffs). */
  readonly engineOptions?: EngineOptions;
}

/** SDK client settings shared by every client of a function. */
export function sdkClientConfig(config: LambdaConfig) {
  return {
    region: config.region,
    credentials: config.credentials,
    ...(config.awsEndpoint ? { endpoint: config.awsEndpoint } : {}),
  };
}

/**
 * GitHub credentials from SSM, as the GitHub client takes them.
 *
 * @example
 * ```ts
 * const auth = await githubAuth(ghr, parameters, signal);
 * ```
 */
export async function githubAuth(ghr: GhrConfig, parameters: FetchSsmParameters, signal: AbortSignal): Promise<GitHubAuth> {
  const auth = ghr.github.auth;
  if (auth.kind === 'token')
    return {
      kind: 'token',
      token: await readSecret(parameters, auth.token, 'github.auth.token', signal),
    };
  return {
    kind: 'app',
    appId: auth.appId,
    privateKey: await readSecret(parameters, auth.privateKey, 'github.auth.privateKey', signal),
  };
}

/**
 * Wires the engine and its ports from the deployed config.
 *
 * @example
 * ```ts
 * const deps = once(() => wireControlPlane(config, { logger, metrics }));
 * const { engine } = await deps();
 * ```
 */
export async function wireControlPlane(config: LambdaConfig, options: ControlPlaneOptions): Promise<ControlPlane> {
  const signal = AbortSignal.timeout(10_000);
  const parameters = options.parameters ?? parameterReader(config);
  const ghr = await loadDeployedConfig(config, parameters, signal);
  const sdk = sdkClientConfig(config);
  const github = new GitHubClient({
    auth: await githubAuth(ghr, parameters, signal),
    githubUrl: ghr.github.url,
    apiUrl: ghr.github.apiUrl,
    logger: options.logger,
  });
  const handoff = new SsmRunnerSecrets({
    environment: config.environment,
    ssm: new SSMClient(sdk),
    ...(config.handoffPrefix ? { prefix: config.handoffPrefix } : {}),
    ...(config.handoffKmsKey ? { kmsKeyId: config.handoffKmsKey } : {}),
  });
  const provider = new Ec2RunnerProvider({
    environment: config.environment,
    ec2: new EC2Client(sdk),
    secrets: handoff,
    logger: options.logger,
  });
  const ledger = new DynamoDbLedger({
    tableName: requireSetting(config, 'tableName'),
    client: new DynamoDBClient(sdk),
    metrics: options.metrics,
  });
  const engine = createEngine({
    ledger,
    github,
    provider,
    pools: ghr.pools,
    logger: options.logger,
    metrics: options.metrics,
    options: {
      rerunInterruptedJobs: config.rerunInterruptedJobs,
      githubUrl: ghr.github.url,
      ...options.engineOptions,
    },
  });
  return { config: ghr, engine, github, handoff };
}
