// Public API of @ghr/aws. Every export is listed by name; what is not here is free to change.
// The root needs every `@aws-sdk/*` peer; the per-service subpaths (`@ghr/aws/ec2`, `/ssm`, `/dynamodb`, `/sqs`,
// `/s3`, and the SDK-free `/fetch`, `/lambda`, `/metrics`) need only their own (see README).

// --- Errors (the one error type; SDK errors are translated once, at the boundary) ---
export { AwsError, classifyAwsErrorCode, isAwsError, toAwsError, toLaunchErrorCode } from './errors.js';
export type { AwsErrorClass, AwsErrorCode, AwsErrorOptions } from './errors.js';

// --- EC2 runner provider, SSM secret hand-off, runner binaries in S3 ---
export { EC2_MAX_FLEET_SIZE, EC2_MAX_TERMINATE_BATCH, EC2_RUNNER_TAGS, Ec2RunnerProvider } from './ec2/ec2-runner-provider.js';
export type { Ec2RunnerProviderOptions } from './ec2/ec2-runner-provider.js';
export { parseEc2PoolInstance } from './ec2/pool-instance.js';
export type { Ec2PoolInstance, OnDemandAllocationStrategy, SpotAllocationStrategy } from './ec2/pool-instance.js';
export {
  RUNNER_SECRET_TAGS,
  SSM_ADVANCED_MAX_CHARS,
  SSM_STANDARD_MAX_CHARS,
  SsmRunnerSecrets,
  decodeBootstrap,
  encodeBootstrap,
  instanceArnPrefixOf,
  runnerSecretName,
  runnerSecretPrefix,
  takeRunnerSecret,
} from './ssm-handoff/runner-secrets.js';
export type {
  RunnerSecret,
  RunnerSecretLocation,
  RunnerSecretStore,
  SsmRunnerSecretsOptions,
  StoredRunnerSecret,
  TakeRunnerSecretOptions,
} from './ssm-handoff/runner-secrets.js';
export { runnerSecretShellSnippet } from './ssm-handoff/shell-snippet.js';
export { TokenBucket } from './ssm-handoff/token-bucket.js';
export type { TokenBucketOptions } from './ssm-handoff/token-bucket.js';
export { RUNNER_BINARY_METADATA, runnerBinaryKey, syncRunnerBinaries } from './binaries/runner-binaries.js';
export type { RunnerBinaryResult, RunnerBinaryTarget, SyncRunnerBinariesOptions } from './binaries/runner-binaries.js';

// --- Ledger (DynamoDB), event queue (SQS), secrets (SSM), metrics (EMF) ---
export { DynamoDbLedger } from './ledger/dynamodb-ledger.js';
export type { DynamoDbLedgerOptions } from './ledger/dynamodb-ledger.js';
export { ledgerCreateTableInput, ledgerTableDefinition } from './ledger/table.js';
export type { LedgerIndexDefinition, LedgerKeyAttribute, LedgerTableDefinition } from './ledger/table.js';
export { SQS_MAX_BATCH_ENTRIES, SQS_MAX_MESSAGE_BYTES, SqsEventQueue } from './queue/sqs-event-queue.js';
export type { SqsEventQueueOptions } from './queue/sqs-event-queue.js';
export { FetchSqsEventQueue } from './fetch/sqs-fetch-queue.js';
export type { FetchSqsEventQueueOptions } from './fetch/sqs-fetch-queue.js';
export { FetchSsmParameters } from './fetch/ssm-fetch-parameters.js';
export type { FetchSsmParametersOptions } from './fetch/ssm-fetch-parameters.js';
export type { AwsCredentials, AwsFetchOptions } from './fetch/aws-json-client.js';
export { parseJobEvent } from './queue/job-event-codec.js';
export type { ParsedJobEvent } from './queue/job-event-codec.js';
export { parseSqsRecords, toBatchItemFailures } from './queue/lambda.js';
export type { BadSqsRecord, SqsBatchResponse, SqsRecordLike } from './queue/lambda.js';
export { SsmGitHubAppSecrets, SsmParameterCache } from './secrets/ssm-secrets.js';
export type {
  GitHubAppSecretParameters,
  GitHubAppSecrets,
  SsmGitHubAppSecretsOptions,
  SsmParameterCacheOptions,
} from './secrets/ssm-secrets.js';
export { EmfMetrics } from './metrics/emf-metrics.js';
export type { EmfMetricsOptions } from './metrics/emf-metrics.js';
