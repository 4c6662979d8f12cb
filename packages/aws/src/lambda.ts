// `@ghr/aws/lambda`: reading SQS records of a Lambda event source and answering partial batch failures, the EMF
// metrics sink, the queued-event codec. Needs no `@aws-sdk/*` package.
export { AwsError, isAwsError } from './errors.js';
export type { AwsErrorCode } from './errors.js';
export { parseJobEvent } from './queue/job-event-codec.js';
export type { ParsedJobEvent } from './queue/job-event-codec.js';
export { parseSqsRecords, toBatchItemFailures } from './queue/lambda.js';
export type { BadSqsRecord, SqsBatchResponse, SqsRecordLike } from './queue/lambda.js';
export { EmfMetrics } from './metrics/emf-metrics.js';
export type { EmfMetricsOptions } from './metrics/emf-metrics.js';
