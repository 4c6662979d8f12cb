// `@ghr/aws/fetch`: SQS and SSM without the AWS SDK (SigV4 over fetch with `aws4fetch`), for functions whose
// cold start cannot pay the SDK's import time. Needs no `@aws-sdk/*` package.
export { AwsError, isAwsError } from './errors.js';
export type { AwsErrorCode } from './errors.js';
export type { AwsCredentials, AwsFetchOptions } from './fetch/aws-json-client.js';
export { FetchSqsEventQueue } from './fetch/sqs-fetch-queue.js';
export type { FetchSqsEventQueueOptions } from './fetch/sqs-fetch-queue.js';
export { FetchSsmParameters } from './fetch/ssm-fetch-parameters.js';
export type { FetchSsmParametersOptions } from './fetch/ssm-fetch-parameters.js';
export { SQS_MAX_BATCH_ENTRIES, SQS_MAX_MESSAGE_BYTES } from './queue/sqs-queue-core.js';
