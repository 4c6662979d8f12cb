// `@ghr/aws/s3`: the runner-binary cache in S3 (peers: `@aws-sdk/client-s3`, `@aws-sdk/lib-storage`).
export { AwsError, isAwsError } from './errors.js';
export type { AwsErrorCode } from './errors.js';
export { RUNNER_BINARY_METADATA, runnerBinaryKey, syncRunnerBinaries } from './binaries/runner-binaries.js';
export type { RunnerBinaryResult, RunnerBinaryTarget, SyncRunnerBinariesOptions } from './binaries/runner-binaries.js';
