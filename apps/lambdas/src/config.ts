// The one place the Lambda functions read their environment: once per cold start, validated, failing fast with a
// message that says what to set. Everything else (pools, GitHub, secrets) comes from the SSM parameter named here.

/** Static AWS credentials of the function's role, as Lambda puts them in the environment. */
export interface LambdaCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** The validated environment of a ghr Lambda function. */
export interface LambdaEnvironment {
  /** SSM String parameter holding `encodeResolvedConfig(config)` (`GHR_CONFIG_PARAMETER`). */
  readonly configParameter: string;
  /** `prod`, `staging`, ... (`GHR_ENVIRONMENT`): tags and the hand-off path. */
  readonly environment: string;
  /** CloudWatch namespace of the EMF metrics (`GHR_METRICS_NAMESPACE`, default `ghr`). */
  readonly metricsNamespace: string;
  /** `AWS_REGION` (set by Lambda). */
  readonly region: string;
  /** The function role's credentials (set by Lambda): for the SDK-free SQS/SSM clients. */
  readonly credentials: LambdaCredentials;
  /** Endpoint override for every AWS service (`GHR_AWS_ENDPOINT`; tests point it at moto). */
  readonly awsEndpoint?: string;
  /** `AWS_LAMBDA_FUNCTION_NAME` (set by Lambda), for the logs' service name. */
  readonly functionName: string;
  /** Log level (`GHR_LOG_LEVEL` or Lambda's `AWS_LAMBDA_LOG_LEVEL`; default `INFO`). */
  readonly logLevel: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
}

/** The settings only some functions need; each function asks for its own with {@link requireSetting}. */
export interface LambdaSettings {
  /** The event queue (`GHR_QUEUE_URL`): webhook. */
  readonly queueUrl?: string;
  /** The ledger table (`GHR_TABLE_NAME`): scale-up, reconcile, termination watcher. */
  readonly tableName?: string;
  /** The runner-binary bucket (`GHR_BINARIES_BUCKET`): binaries syncer. */
  readonly binariesBucket?: string;
  /** SSM path of the runners' secret hand-off (`GHR_HANDOFF_PREFIX`; default `/ghr/<environment>/runners`). */
  readonly handoffPrefix?: string;
  /** KMS key of the hand-off SecureStrings (`GHR_HANDOFF_KMS_KEY`; default the account's `alias/aws/ssm`). */
  readonly handoffKmsKey?: string;
  /** Re-run a job whose spot instance was taken mid-job (`GHR_RERUN_INTERRUPTED_JOBS`, default `true`). */
  readonly rerunInterruptedJobs: boolean;
}

/** What the functions read. */
export type LambdaConfig = LambdaEnvironment & LambdaSettings;

/** The environment as given (`process.env`). */
export type RawEnvironment = Readonly<Record<string, string | undefined>>;

/** A configuration problem found at cold start; the message says what to set. */
export class LambdaConfigError extends Error {
  readonly code = 'invalid-config' as const;
  readonly retryable = false;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LambdaConfigError';
  }
}

const LOG_LEVELS = new Set(['DEBUG', 'INFO', 'WARN', 'ERROR']);

/**
 * Reads and validates a function's environment. Throws one {@link LambdaConfigError} naming every missing or bad
 * variable, with what to set.
 *
 * @example
 * ```ts
 * const config = readLambdaConfig(process.env);
 * ```
 */
export function readLambdaConfig(env: RawEnvironment): LambdaConfig {
  const problems: string[] = [];
  const need = (name: string, what: string): string => {
    const value = env[name]?.trim();
    if (!value) problems.push(`${name} (${what})`);
    return value ?? '';
  };
  const optional = (name: string): string | undefined => env[name]?.trim() || undefined;

  const configParameter = need('GHR_CONFIG_PARAMETER', 'the SSM parameter holding the resolved ghr config, written by the deploy');
  const environment = need('GHR_ENVIRONMENT', 'the deployment environment, e.g. prod');
  const region = need('AWS_REGION', 'set by Lambda; set it yourself outside Lambda');
  const accessKeyId = need('AWS_ACCESS_KEY_ID', "set by Lambda from the function's role");
  const secretAccessKey = need('AWS_SECRET_ACCESS_KEY', "set by Lambda from the function's role");
  if (configParameter && !configParameter.startsWith('/') && !configParameter.startsWith('arn:')) {
    problems.push(`GHR_CONFIG_PARAMETER must be an SSM parameter name starting with "/" or an ARN (got "${configParameter.slice(0, 80)}")`);
  }
  const level = (optional('GHR_LOG_LEVEL') ?? optional('AWS_LAMBDA_LOG_LEVEL') ?? 'INFO').toUpperCase();
  if (!LOG_LEVELS.has(level)) problems.push(`GHR_LOG_LEVEL must be one of DEBUG, INFO, WARN, ERROR (got "${level.slice(0, 20)}")`);
  const rerun = (optional('GHR_RERUN_INTERRUPTED_JOBS') ?? 'true').toLowerCase();
  if (rerun !== 'true' && rerun !== 'false') problems.push('GHR_RERUN_INTERRUPTED_JOBS must be true or false');
  if (problems.length > 0) {
    throw new LambdaConfigError(`The function's environment is incomplete: set ${problems.join('; ')}. The ghr CDK construct sets all of them.`);
  }
  const sessionToken = optional('AWS_SESSION_TOKEN');
  const awsEndpoint = optional('GHR_AWS_ENDPOINT');
  const queueUrl = optional('GHR_QUEUE_URL');
  const tableName = optional('GHR_TABLE_NAME');
  const binariesBucket = optional('GHR_BINARIES_BUCKET');
  const handoffPrefix = optional('GHR_HANDOFF_PREFIX');
  const handoffKmsKey = optional('GHR_HANDOFF_KMS_KEY');
  return {
    configParameter,
    environment,
    metricsNamespace: optional('GHR_METRICS_NAMESPACE') ?? 'ghr',
    region,
    credentials: {
      accessKeyId,
      secretAccessKey,
      ...(sessionToken ? { sessionToken } : {}),
    },
    ...(awsEndpoint ? { awsEndpoint } : {}),
    functionName: optional('AWS_LAMBDA_FUNCTION_NAME') ?? 'ghr',
    logLevel: level as LambdaEnvironment['logLevel'],
    ...(queueUrl ? { queueUrl } : {}),
    ...(tableName ? { tableName } : {}),
    ...(binariesBucket ? { binariesBucket } : {}),
    ...(handoffPrefix ? { handoffPrefix } : {}),
    ...(handoffKmsKey ? { handoffKmsKey } : {}),
    rerunInterruptedJobs: rerun === 'true',
  };
}

const VARIABLES: Readonly<Record<'queueUrl' | 'tableName' | 'binariesBucket', string>> = {
  queueUrl: 'GHR_QUEUE_URL (the event queue URL)',
  tableName: 'GHR_TABLE_NAME (the ledger table)',
  binariesBucket: 'GHR_BINARIES_BUCKET (the runner-binary bucket)',
};

/**
 * A setting this function cannot run without; throws a {@link LambdaConfigError} saying which variable to set.
 *
 * @example
 * ```ts
 * const table = requireSetting(config, 'tableName');
 * ```
 */
export function requireSetting(config: LambdaConfig, key: keyof typeof VARIABLES): string {
  const value = config[key];
  if (value === undefined) throw new LambdaConfigError(`This function needs ${VARIABLES[key]}: set it in the function's environment.`);
  return value;
}

/**
 * The environment of this process, read once: the only `process.env` read of the functions.
 *
 * @example
 * ```ts
 * const config = lambdaConfig();
 * ```
 */
export function lambdaConfig(): LambdaConfig {
  return readLambdaConfig(process.env);
}
