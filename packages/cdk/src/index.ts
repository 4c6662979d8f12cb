// Public API of @ghr/cdk. Every export is listed by name; what is not here is free to change.

// --- The construct and its props ---
export { GitHubRunners } from './github-runners.js';
export { GHR_HANDLERS, GITHUB_RUNNERS_DEFAULTS } from './props.js';
export type { GhrHandler, GitHubRunnersProps, RunnerPoolOptions } from './props.js';

// --- Its parts, for stacks that compose their own ---
export { RunnerPool, RUNNER_TAGS } from './runner-pool.js';
export type { RunnerPoolProps } from './runner-pool.js';
export { HANDOFF_TAGS, HandoffSecurity, SSM_READ_ACTIONS } from './handoff.js';
export type { HandoffSecurityProps } from './handoff.js';
export { GhrStorage, LEDGER_TABLE_SCHEMA } from './storage.js';
export type { GhrStorageProps } from './storage.js';
export { FUNCTION_SIZING, GhrFunction, defaultLambdaCode, lambdaBundleDirectories } from './functions.js';
export type { GhrFunctionEnvironment, GhrFunctionProps } from './functions.js';
export { GhrObservability, LAUNCH_ERROR_CODES } from './observability.js';
export type { GhrObservabilityProps } from './observability.js';
export { grantLaunchRunners, grantManageRunners } from './ec2-permissions.js';
export type { LaunchGrant } from './ec2-permissions.js';
export { suppressNag } from './suppress.js';
export type { NagSuppression } from './suppress.js';

// --- Config at synth time, and the runner bootstrap ---
export { checkEnvironment, configSecrets, deployedConfig, poolArchitecture, resolveConfig } from './config.js';
export type { ConfigSecret, DeployedPool } from './config.js';
export { linuxRunnerBootstrap } from './bootstrap/linux-bootstrap.js';
export type { LinuxRunnerBootstrapOptions } from './bootstrap/linux-bootstrap.js';
