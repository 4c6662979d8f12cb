// Knobs and options of a simulation, and their defaults.
import type { EngineOptions, Logger, Pool } from '@ghr/core';
import type { BaselineOptions } from './baseline.js';
import type { Chaos } from './chaos.js';
import type { BootTime } from './cloud.js';
import type { PolicyName } from './results.js';
import type { Trace } from './trace.js';

/** Knobs of the simulated deployment. Durations in milliseconds. */
export interface SimulatorSettings {
  /** Virtual start time, epoch ms. Default Monday 2026-01-05 08:00 UTC. */
  readonly start: number;
  /** Delay between a webhook's arrival and its message becoming visible in the queue. Default: ghr 0, baseline 30 s. */
  readonly queueDelay?: number;
  /** Messages per scale-up run (SQS → Lambda batch size). Default 10. */
  readonly batchSize: number;
  /** How long the queue gathers a batch before a run starts (Lambda's batching window). Default 1 s. */
  readonly batchWindow: number;
  /** Queue visibility timeout: a message a crashed run did not acknowledge comes back after it. Default 60 s. */
  readonly visibilityTimeout: number;
  /**
   * Timeout of one run — scale-up batch, full sweep, interruption (a Lambda's timeout). The code's deadline fires
   * `deadlineMargin` before it; at the timeout the run is stopped wherever it is, with no clean-up. Default 60 s.
   */
  readonly runDeadline: number;
  /** See `runDeadline`. Default 5 s. */
  readonly deadlineMargin: number;
  /** Scale-up runs at once (an SQS event source mapping's maximum concurrency). Default 4. */
  readonly scaleUpConcurrency: number;
  /** ghr: interval of full reconciles. Default 60 s. */
  readonly reconcileInterval: number;
  /** baseline: interval of scale-downs. Default 5 min. */
  readonly scaleDownInterval: number;
  /**
   * The drain after the last arrival: the work is settled when no job is queued or running, or when nothing
   * has been queued or started for `quietLimit` (a job still queued then is stuck, not waiting for capacity).
   * The run ends once the work stayed settled for the repair window — ghr: the longer of the engine's
   * `redeliveryInterval` and the pools' longest `bootTimeout`, plus two full reconciles; baseline: two
   * scale-downs — so the policy's own repairs get their chance before the observer judges; new work (a re-run
   * job) restarts the window. At the latest, it ends this long plus one repair window after the last arrival.
   * Default 12 h.
   */
  readonly drainLimit: number;
  /** See `drainLimit`. Default 30 min. */
  readonly quietLimit: number;
  /** Timeline sampling interval. Default 60 s. */
  readonly sampleInterval: number;
  /** Median latency of a GitHub API call. Default 150 ms. */
  readonly githubLatency: number;
  /** Boot times per instance type (see `SimulatedCloud`). */
  readonly bootTimes?: Readonly<Record<string, BootTime>>;
  /** Delay between an ephemeral runner's exit and its machine shutting down. Default 10 s. */
  readonly shutdownDelay: number;
  /**
   * Options of ghr's engine (its random source is always the simulation's seeded one). The simulator re-runs
   * jobs of spot-interrupted runners (`rerunInterruptedJobs: true`) unless told otherwise. The engine's
   * `cleanupTimeout` does not outlive a run: the run is stopped at its timeout.
   */
  readonly engine?: EngineOptions;
  /** Options of the baseline. */
  readonly baseline?: BaselineOptions;
  /** Where ghr's engine logs; every line gets `simSeconds`, the virtual time since the start. Default: silent. */
  readonly logger?: Logger;
}

/** Progress of a long simulation. */
export interface SimulationProgress {
  readonly simulatedSeconds: number;
  readonly jobsArrived: number;
  readonly jobsTotal: number;
}

/** Options of {@link simulate}. */
export interface SimulateOptions {
  readonly pools: readonly Pool[];
  readonly trace: Trace;
  readonly policy: PolicyName;
  readonly seed: number;
  /** Default: no chaos. */
  readonly chaos?: Chaos;
  readonly settings?: Partial<SimulatorSettings>;
  /** Called every simulated 10 minutes. */
  readonly onProgress?: (progress: SimulationProgress) => void;
}

/** Defaults of {@link SimulatorSettings}. */
export const SIMULATOR_DEFAULTS: SimulatorSettings = {
  start: Date.UTC(2026, 0, 5, 8),
  batchSize: 10,
  batchWindow: 1_000,
  visibilityTimeout: 60_000,
  runDeadline: 60_000,
  deadlineMargin: 5_000,
  scaleUpConcurrency: 4,
  reconcileInterval: 60_000,
  scaleDownInterval: 300_000,
  drainLimit: 12 * 3_600_000,
  quietLimit: 30 * 60_000,
  sampleInterval: 60_000,
  githubLatency: 150,
  shutdownDelay: 10_000,
};

