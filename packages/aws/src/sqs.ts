// `@ghr/aws/sqs`: the event queue on SQS through the AWS SDK (peer: `@aws-sdk/client-sqs`).
export { AwsError, isAwsError } from './errors.js';
export type { AwsErrorCode } from './errors.js';
export { SQS_MAX_BATCH_ENTRIES, SQS_MAX_MESSAGE_BYTES, SqsEventQueue } from './queue/sqs-event-queue.js';
export type { SqsEventQueueOptions } from './queue/sqs-event-queue.js';
export { parseJobEvent } from './queue/job-event-codec.js';
export type { ParsedJobEvent } from './queue/job-event-codec.js';
