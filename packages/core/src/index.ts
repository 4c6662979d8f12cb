// Public API of @ghr/core. Every export is listed by name; what is not here is free to change.

// Domain
export { ALIVE_RUNNER_STATES, JOB_STATUS_RANK } from './domain.js';
export type {
  DrainOrder,
  Job,
  JobEvent,
  JobStatus,
  MatchMode,
  Pool,
  PoolScope,
  RepositoryRef,
  Runner,
  RunnerScope,
  RunnerState,
  WarmWindow,
} from './domain.js';

// Errors
export { GhrError, isRetryable } from './errors.js';
export type { GhrErrorCode, GhrErrorOptions } from './errors.js';

// Ports and their small defaults
export type {
  Clock,
  DeleteRunnerResult,
  EventQueue,
  GitHubApi,
  GitHubJob,
  GitHubRunner,
  Instance,
  InstanceFilter,
  JitConfig,
  JobFilter,
  LaunchErrorCode,
  LaunchFailure,
  LaunchRequest,
  LaunchResult,
  Ledger,
  LogFields,
  Logger,
  MetricUnit,
  Metrics,
  QueueMessage,
  RunnerBootstrap,
  RunnerFilter,
  RunnerProvider,
  RunnerRelease,
  RunnerReleaseAsset,
  SendResult,
  TerminateResult,
  WebhookDelivery,
  WriteResult,
} from './ports.js';
export { noopMetrics, silentLogger, systemClock } from './defaults.js';
export { sealBootstrap } from './bootstrap.js';

// Config types and the light helpers (parsing and validation are in `@ghr/core/config`, src/config.ts)
export type { GhrConfig, GitHubAppAuth, GitHubAuth, GitHubConfig, GitHubTokenAuth, SecretRef } from './config/types.js';
export { formatDuration, parseDuration } from './config/duration.js';
export type { DurationResult } from './config/duration.js';
export { githubApiUrl, insecureGitHubUrl, runnerRegistrationUrl } from './config/github-url.js';
export { runnerScopeOf, scopeKey } from './scope.js';
export { RESOLVED_CONFIG_FORMAT, decodeResolvedConfig, encodeResolvedConfig } from './config/resolved.js';

// Label matching: job labels → pool (src/matching)
export { createMatcher, matchPool } from './matching/matcher.js';
export type { Matcher, MatchOptions, MatchResult, NoPoolMatch, PoolMatch } from './matching/matcher.js';
export { runnerAcceptsJob } from './matching/labels.js';

// Scaling policy
export { PLAN_DEFAULTS, plan } from './policy/plan.js';
export { isWarmWindowActive, warmTarget } from './policy/warm.js';
export type {
  Deregistration,
  Drain,
  Expiration,
  LaunchReason,
  Overdue,
  Plan,
  PlanOptions,
  PoolLaunch,
  PoolSummary,
  Recheck,
  RegistrationList,
  Retirement,
  RunnerEnd,
  Snapshot,
  StuckDrain,
  Termination,
} from './policy/types.js';

// Schedules: cron expressions and time zones (warm windows)
export { parseCron } from './schedule/cron.js';
export type { CronSchedule, LocalTime, ParseCronResult } from './schedule/cron.js';
export { isValidTimeZone, localTime } from './schedule/time-zone.js';

// Memory implementations of the ports and a manual clock are in `@ghr/core/testing` (src/testing.ts).

// Runner lifecycle engine
export { createEngine } from './engine/engine.js';
export { ENGINE_DEFAULTS } from './engine/options.js';
export type { EngineDefaults } from './engine/options.js';
export type {
  Engine,
  EngineDependencies,
  EngineOptions,
  EngineStats,
  IngestEventResult,
  IngestResult,
  InterruptResult,
  PlanFunction,
  ReconcileRequest,
  ReconcileResult,
} from './engine/types.js';

// Run layer: the handlers every runtime calls (Lambdas, `ghr serve`, the simulator)
export { WEBHOOK_MAX_BYTES, readWebhook, webhookBodyBytes, webhookHeader } from './run/webhook-request.js';
export type { ReadWebhookOptions, WebhookHeaders, WebhookRejection, WebhookRequest, WebhookVerdict } from './run/webhook-request.js';
export { WEBHOOK_REMEMBERED_DELIVERIES, createWebhookHandler } from './run/webhook.js';
export type { VerifyWebhook, WebhookHandler, WebhookHandlerOptions, WebhookOutcome, WebhookResponse } from './run/webhook.js';
export { scaleUp } from './run/scale-up.js';
export type { ScaleUpMessage, ScaleUpResult } from './run/scale-up.js';
export { interruption, sweep } from './run/sweep.js';
export type { SweepOptions, SweepResult } from './run/sweep.js';
