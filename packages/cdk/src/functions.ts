// The control plane's Lambda functions: one bundle per handler, its own role and log group, the env contract.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { GhrHandler } from './props.js';

/** The environment variables every function gets (the contract with `apps/lambdas`; see the README). */
export interface GhrFunctionEnvironment {
  readonly GHR_CONFIG_PARAMETER: string;
  readonly GHR_QUEUE_URL: string;
  readonly GHR_TABLE_NAME: string;
  readonly GHR_BINARIES_BUCKET: string;
  readonly GHR_HANDOFF_PREFIX: string;
  readonly GHR_HANDOFF_KMS_KEY: string;
  readonly GHR_ENVIRONMENT: string;
  readonly GHR_METRICS_NAMESPACE: string;
}

/** Memory and timeout of each handler. */
export const FUNCTION_SIZING: Readonly<Record<GhrHandler, { readonly memoryMiB: number; readonly timeoutSeconds: number }>> = {
  webhook: { memoryMiB: 256, timeoutSeconds: 10 },
  'scale-up': { memoryMiB: 512, timeoutSeconds: 120 },
  reconcile: { memoryMiB: 512, timeoutSeconds: 300 },
  'termination-watcher': { memoryMiB: 256, timeoutSeconds: 60 },
  'binaries-syncer': { memoryMiB: 1024, timeoutSeconds: 600 },
};

/**
 * The directory of the bundles shipped inside `@ghr/cdk` (`dist/lambda`, next to the built `index.js`).
 *
 * @example
 * ```ts
 * defaultLambdaCode(); // '/…/node_modules/@ghr/cdk/dist/lambda'
 * ```
 */
export function defaultLambdaCode(): string {
  return join(dirname(fileURLToPath(import.meta.url)), 'lambda');
}

/**
 * Checks that `<dir>/<handler>/index.mjs` exists for each handler and returns the asset directory of each; throws an
 * `Error` that says how to build them.
 *
 * @example
 * ```ts
 * const dirs = lambdaBundleDirectories('/repo/apps/lambdas/dist', ['webhook']);
 * ```
 */
export function lambdaBundleDirectories(dir: string, handlers: readonly GhrHandler[]): Readonly<Record<string, string>> {
  const missing = handlers.filter((h) => !existsSync(join(dir, h, 'index.mjs')));
  if (missing.length > 0) {
    throw new Error(
      `Lambda bundles missing in ${dir}: ${missing.map((h) => `${h}/index.mjs`).join(', ')}. Build apps/lambdas (and @ghr/cdk, which copies ` +
        `them into dist/lambda), or pass lambdaCode: a directory with one folder per handler.`,
    );
  }
  return Object.fromEntries(handlers.map((h) => [h, join(dir, h)]));
}

/** Props of {@link GhrFunction}. */
export interface GhrFunctionProps {
  readonly handler: GhrHandler;
  readonly codeDirectory: string;
  readonly environment: GhrFunctionEnvironment;
  readonly envName: string;
  readonly logRetention: RetentionDays;
}

/**
 * One control-plane function: `index.handler` of the handler's bundle on Node.js 22 (arm64), its own role (no
 * managed policy: it writes only to its own log group) and its own log group with retention.
 *
 * @example
 * ```ts
 * const webhook = new GhrFunction(this, 'Webhook', { handler: 'webhook', codeDirectory, environment, envName, logRetention });
 * ```
 */
export class GhrFunction extends Construct {
  readonly function: LambdaFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: GhrFunctionProps) {
    super(scope, id);
    const sizing = FUNCTION_SIZING[props.handler];
    this.logGroup = new LogGroup(this, 'Logs', { retention: props.logRetention, removalPolicy: RemovalPolicy.DESTROY });
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `ghr (${props.envName}) ${props.handler} function`,
    });
    this.role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'WriteOwnLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );
    this.function = new LambdaFunction(this, 'Function', {
      description: `ghr (${props.envName}) ${props.handler}`,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      handler: 'index.handler',
      code: Code.fromAsset(props.codeDirectory),
      memorySize: sizing.memoryMiB,
      timeout: Duration.seconds(sizing.timeoutSeconds),
      role: this.role,
      logGroup: this.logGroup,
      environment: { ...props.environment },
    });
  }
}
