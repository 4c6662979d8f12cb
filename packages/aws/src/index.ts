// Public API of @ghr/aws. Every export is listed by name; what is not here is free to change.

// --- Errors (the one error type; SDK errors are translated once, at the boundary) ---
export { AwsError, classifyAwsErrorCode, isAwsError, toAwsError, toLaunchErrorCode } from './errors.js';
export type { AwsErrorClass, AwsErrorCode, AwsErrorOptions } from './errors.js';

// --- Ledger (DynamoDB), event queue (SQS), secrets (SSM), metrics (EMF) ---
export { DynamoDbLedger } from './ledger/dynamodb-ledger.js';
export type { DynamoDbLedgerOptions } from './ledger/dynamodb-ledger.js';
export { ledgerCreateTableInput, ledgerTableDefinition } from './ledger/table.js';
export type { LedgerIndexDefinition, LedgerKeyAttribute, LedgerTableDefinition } from './ledger/table.js';
export { SQS_MAX_BATCH_ENTRIES, SQS_MAX_MESSAGE_BYTES, SqsEventQueue } from './queue/sqs-event-queue.js';
export type { SqsEventQueueOptions } from './queue/sqs-event-queue.js';
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
