// --- GitHub model and simulated GitHub server (real time over HTTP, or driven directly in virtual time) -----
export { createManualClock } from './clock.js';
export type { ManualClock, SimClock } from './clock.js';
export { SimError } from './errors.js';
export type { SimErrorCode, SimErrorOptions } from './errors.js';
export { createRng } from './random.js';
export type { Rng } from './random.js';
export { GitHubModel, scopeKeyOf } from './github/model.js';
export type {
  CreateRunnerGroupInput,
  DeliveriesPage,
  GitHubModelOptions,
  ModelCounters,
  QueueJobInput,
  QueueRunInput,
  RegisterRunnerInput,
  RunJobInput,
} from './github/model.js';
export { PRODUCTION_GITHUB_BEHAVIOUR } from './github/behaviour.js';
export type {
  BusyViewBehaviour,
  DurationRange,
  EventBehaviour,
  GitHubModelBehaviour,
  JitExpiryBehaviour,
  JobLeaseBehaviour,
  PickupBehaviour,
  RerunBehaviour,
} from './github/behaviour.js';
export type {
  DeliveryOutcome,
  RunnerExit,
  RunnerExitReason,
  ScopeKey,
  SimAccount,
  SimDelivery,
  SimEnterprise,
  SimInstallation,
  SimJob,
  SimPrincipal,
  SimRepo,
  SimRun,
  SimRunner,
  SimRunnerGroup,
  SimRunnerToken,
  WebhookAttempt,
  WebhookEvent,
} from './github/types.js';
export { RateLimiter, secondaryPoints } from './github/rate-limits.js';
export type { RateLimitAdmission, RateLimitDecision, RateLimitOptions, RateLimitStatus } from './github/rate-limits.js';
export { decodeJitConfig } from './github/jit.js';
export type { DecodedJitConfig } from './github/jit.js';
export { signWebhook } from './github/signature.js';
export type { PayloadUrls } from './github/payloads.js';
export { startSimulatedGitHub } from './server/server.js';
export type { ServerCounters, SimExchange, SimulatedGitHub, SimulatedGitHubOptions } from './server/server.js';
export { SimulatedGitHubControl } from './server/control.js';
export type { ControlCounters, ControlWebhookEvent, SimulatedGitHubControlOptions } from './server/control.js';
export { FaultInjector } from './server/faults.js';
export type {
  FaultConfig,
  FaultCounters,
  FaultRates,
  HttpFaultDecision,
  HttpFaultRule,
  WebhookFaultDecision,
  WebhookFaultKind,
  WebhookFaultRule,
} from './server/faults.js';
export type { WebhookCounters } from './server/webhooks.js';
// --- end of GitHub model and server section ----------------------------------------------------------------

// --- Simulator (virtual time): simulate, traces and generators, chaos, cloud model, baseline -------------
export { simulate } from './simulator/simulation.js';
export { SIMULATOR_DEFAULTS } from './simulator/settings.js';
export type { SimulateOptions, SimulationProgress, SimulatorSettings } from './simulator/settings.js';
export { quantile } from './simulator/results.js';
export type { Leftovers, PolicyName, SimulationReport, SimulationResult, TimelinePoint } from './simulator/results.js';
export { parseTrace, sortByArrival } from './simulator/trace.js';
export type { Trace, TraceJob } from './simulator/trace.js';
export {
  DEFAULT_GENERATOR_LABELS,
  DEFAULT_GENERATOR_SIZES,
  GENERATOR_NAMES,
  burstTrace,
  cancellationsTrace,
  generateTrace,
  generatorContextFor,
  isGeneratorName,
  mixedLabelsTrace,
  steadyTrace,
} from './simulator/generators.js';
export type { GeneratorLabels, GeneratorName, GeneratorOptions, PoolScopeLike } from './simulator/generators.js';
export { CHAOS_PRESETS, isChaosPreset, parseChaos } from './simulator/chaos.js';
export type { Chaos, ChaosPresetName } from './simulator/chaos.js';
export { Random } from './simulator/random.js';
export { Scheduler } from './simulator/scheduler.js';
export { SimulatedCloud, instanceTypeOf } from './simulator/cloud.js';
export type { BootTime, CloudHooks, CloudInstance, InstanceEndCause, SimulatedCloudOptions } from './simulator/cloud.js';
export { ModelGitHubApi } from './simulator/model-github.js';
export type { ModelGitHubApiOptions } from './simulator/model-github.js';
export { BaselinePolicy } from './simulator/baseline.js';
export type { BaselineOptions, BaselineScaleUpOutcome } from './simulator/baseline.js';
export { Observer } from './simulator/observer.js';
export { CrashGate } from './simulator/crash.js';
export type { ObserverEnd } from './simulator/observer.js';
// --- end of simulator section ------------------------------------------------------------------------------
