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

// Config: schema, parsing, validation (src/config)
export { ConfigError, formatConfigIssue } from './config/config-error.js';
export type { ConfigIssue } from './config/config-error.js';
export { defineConfig, loadConfig, parseConfig, validateConfig } from './config/load.js';
export type { ConfigValidation, LoadConfigOptions, ParseConfigOptions } from './config/load.js';
export type { GhrConfigInput } from './config/schema.js';
export type { GhrConfig, GitHubAppAuth, GitHubAuth, GitHubConfig, GitHubTokenAuth, SecretRef } from './config/types.js';
export { formatDuration, parseDuration } from './config/duration.js';
export type { DurationResult } from './config/duration.js';
export { githubApiUrl, insecureGitHubUrl, runnerRegistrationUrl } from './config/github-url.js';
export { runnerScopeOf, scopeKey } from './scope.js';
export { configJsonSchema } from './config/json-schema.js';

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
  Snapshot,
  Termination,
} from './policy/types.js';

// Schedules: cron expressions and time zones (warm windows)
export { parseCron } from './schedule/cron.js';
export type { CronSchedule, LocalTime, ParseCronResult } from './schedule/cron.js';
export { isValidTimeZone, localTime } from './schedule/time-zone.js';

// Memory implementations of the ports (tests, simulator)
export { ManualClock } from './memory/manual-clock.js';
export type { ManualClockOptions } from './memory/manual-clock.js';
export { MemoryLedger } from './memory/memory-ledger.js';
export type { MemoryLedgerOptions } from './memory/memory-ledger.js';
export { MemoryEventQueue } from './memory/memory-event-queue.js';
export type { MemoryEventQueueOptions } from './memory/memory-event-queue.js';
export { MemoryRunnerProvider } from './memory/memory-runner-provider.js';
export type {
  InjectedLaunchFailure,
  MemoryRunnerProviderCalls,
  MemoryRunnerProviderOptions,
} from './memory/memory-runner-provider.js';

// Runner lifecycle engine
export { createEngine } from './engine/engine.js';
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
