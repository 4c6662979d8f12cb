// The deploy app's settings: CDK context first (`-c key=value` or cdk.json), then the environment, read once here.
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { App } from 'aws-cdk-lib';

/** What the app needs to build the stack. */
export interface DeploySettings {
  /** Path of `ghr.config.yaml`. */
  readonly configPath: string;
  /** `ghr:environment` and resource prefix. */
  readonly environment: string;
  /** Directory with `<handler>/index.mjs`; undefined = the bundles shipped in @ghr/cdk. */
  readonly lambdaCode?: string;
  /** An existing VPC and its runner subnets; undefined = a new VPC with public subnets only. */
  readonly vpc?: { readonly vpcId: string; readonly subnetIds: readonly string[] };
  readonly account?: string;
  readonly region?: string;
}

const REPO_BUNDLES = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'lambdas', 'dist');

/**
 * Reads the settings from CDK context (`config`, `environment`, `lambdaCode`, `vpcId`, `subnetIds`) or the
 * environment (`GHR_CONFIG`, `GHR_ENVIRONMENT`, `GHR_LAMBDA_CODE`, `GHR_VPC_ID`, `GHR_SUBNET_IDS`); fails with what
 * to set.
 *
 * @example
 * ```ts
 * const settings = readSettings(app); // cdk synth -c config=ghr.config.yaml -c environment=prod
 * ```
 */
export function readSettings(app: App, env: NodeJS.ProcessEnv = process.env): DeploySettings {
  const get = (context: string, variable: string): string | undefined => {
    const value = (app.node.tryGetContext(context) as string | undefined) ?? env[variable];
    return value === undefined || value === '' ? undefined : String(value);
  };
  const configPath = get('config', 'GHR_CONFIG') ?? 'ghr.config.yaml';
  if (!existsSync(configPath)) {
    throw new Error(`No ghr config at ${resolve(configPath)}: pass -c config=<path> or set GHR_CONFIG.`);
  }
  const vpcId = get('vpcId', 'GHR_VPC_ID');
  const subnetIds = (get('subnetIds', 'GHR_SUBNET_IDS') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (vpcId !== undefined && subnetIds.length === 0) {
    throw new Error('vpcId is set but subnetIds is not: pass -c subnetIds=subnet-a,subnet-b (the runner subnets).');
  }
  const lambdaCode = get('lambdaCode', 'GHR_LAMBDA_CODE') ?? (existsSync(REPO_BUNDLES) ? REPO_BUNDLES : undefined);
  const account = env['CDK_DEFAULT_ACCOUNT'];
  const region = env['CDK_DEFAULT_REGION'];
  return {
    configPath,
    environment: get('environment', 'GHR_ENVIRONMENT') ?? 'default',
    ...(lambdaCode ? { lambdaCode } : {}),
    ...(vpcId ? { vpc: { vpcId, subnetIds } } : {}),
    ...(account ? { account } : {}),
    ...(region ? { region } : {}),
  };
}
