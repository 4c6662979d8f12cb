// `@ghr/aws/ssm`: the runners' one-time secret hand-off and the GitHub App secrets in SSM through the AWS SDK
// (peer: `@aws-sdk/client-ssm`). `@ghr/aws/fetch` reads parameters without the SDK.
export { AwsError, isAwsError } from './errors.js';
export type { AwsErrorCode } from './errors.js';
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
export { SsmGitHubAppSecrets, SsmParameterCache } from './secrets/ssm-secrets.js';
export type {
  GitHubAppSecretParameters,
  GitHubAppSecrets,
  SsmGitHubAppSecretsOptions,
  SsmParameterCacheOptions,
} from './secrets/ssm-secrets.js';
