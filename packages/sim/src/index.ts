// --- Simulator (virtual time): simulate, traces and generators, chaos, cloud model, baseline -------------
export { simulate } from './simulator/simulation.js';
export type { SimulateOptions, SimulationProgress, SimulatorSettings } from './simulator/simulation.js';
export { quantile } from './simulator/results.js';
export type { PolicyName, SimulationReport, SimulationResult, TimelinePoint } from './simulator/results.js';
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
export type { ObserverEnd } from './simulator/observer.js';
// --- end of simulator section ------------------------------------------------------------------------------
