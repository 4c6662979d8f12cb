// The run context the engine's step modules share: the ports, the resolved options, the counters, and per
// reconcile what it read and what it did. Helpers every step uses live here too.
import { isRetryable } from '../errors.js';
import { ALIVE_RUNNER_STATES } from '../domain.js';
import type { Job, JobStatus, Pool, Runner, RunnerScope, RunnerState } from '../domain.js';
import type { Clock, GitHubApi, GitHubRunner, Instance, Ledger, LogFields, Logger, Metrics, RunnerProvider } from '../ports.js';
import type { Matcher } from '../matching/matcher.js';
import type { Plan, PlanOptions, RegistrationList } from '../policy/types.js';
import type { PlanFunction } from './types.js';

export const ALIVE: ReadonlySet<RunnerState> = new Set(ALIVE_RUNNER_STATES);
export const OPEN_JOB_STATUSES: readonly JobStatus[] = ['waiting', 'queued', 'in_progress'];
/** Reasons an ended runner's instance gets; busy/other reasons are kept as they are. */
export const REASON_JOB_COMPLETED = 'job-completed';
export const REASON_SPOT = 'spot-interruption';

/** The engine's options with every default applied. */
export interface ResolvedOptions {
  readonly plan: PlanFunction;
  readonly planOptions: PlanOptions;
  readonly namePrefix: string;
  readonly concurrency: number;
  readonly launchAttempts: number;
  readonly launchBackoff: number;
  readonly conflictAttempts: number;
  readonly rerunInterruptedJobs: boolean;
  readonly redeliveryLookback: number;
  readonly redeliveryBudget: number;
  readonly redeliveryInterval: number;
  readonly listingInterval: number;
  readonly githubUrl: string;
  readonly cleanupTimeout: number;
  readonly random: () => number;
  /** A new runner's name: `<namePrefix><pool id>-<suffix>`. */
  readonly runnerName: (pool: Pool) => string;
}

/** Counters since the engine was created (the non-API part of `EngineStats`). */
export interface SessionCounters {
  runnersLaunched: number;
  launchFailures: number;
  orphansReaped: number;
  eventsIngested: number;
  reconciles: number;
}

/** What every step works with: the (counted, bounded) ports, the configured pools and the resolved options. */
export interface EngineContext {
  readonly ledger: Ledger;
  readonly github: GitHubApi;
  readonly provider: RunnerProvider;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly pools: readonly Pool[];
  readonly poolById: ReadonlyMap<string, Pool>;
  readonly matcher: Matcher;
  readonly options: ResolvedOptions;
  readonly stats: SessionCounters;
}

/** A runner to take down: deregister (unless `skipDeregister`), then terminate, then end in the ledger. */
export interface Takedown {
  readonly runner: Runner;
  readonly scope?: RunnerScope;
  readonly githubId?: number;
  readonly skipDeregister: boolean;
  readonly endState: 'terminated' | 'failed';
  readonly reason: string;
}

/** A full sweep's GitHub registrations of ghr's runners, by runner name, with the scope they were listed in. */
export type RegistrationsByName = ReadonlyMap<string, { reg: GitHubRunner; scope: RunnerScope }>;

/** A full sweep's instances that are not terminated, by name. */
export type MachineIndex = ReadonlyMap<string, Instance>;

/** What the steps of one reconcile share: its plan, what it read, its deadline and its log. */
export interface ReconcileRun {
  readonly plan: Plan;
  readonly jobs: readonly Job[];
  /** The ledger's runners after syncing with a full sweep's registrations. */
  readonly runners: readonly Runner[];
  /** Full sweeps only. */
  readonly regByName: RegistrationsByName | undefined;
  /** Full sweeps only: the instance listing, the only proof that a runner with no recorded machine has none. */
  readonly machines: MachineIndex | undefined;
  readonly signal: AbortSignal;
  readonly log: ReconcileLog;
}

/** Mutable counters and lists of one reconcile (or one ingest or interruption), returned in its result. */
export interface ReconcileLog {
  launched: string[];
  launchFailures: { runnerName: string; code: string }[];
  admitted: number;
  drained: string[];
  foundBusy: string[];
  terminatedInstances: string[];
  deletedRegistrations: number[];
  rechecked: number;
  redelivered: number;
  errors: { step: string; code: string; message: string }[];
}

/** The caller's signal while it holds; after it fired, a short fresh one for writes that restore consistency. */
export function cleanupSignal(ctx: EngineContext, signal: AbortSignal): AbortSignal {
  return signal.aborted ? AbortSignal.timeout(ctx.options.cleanupTimeout) : signal;
}

/** Records an error of one step in the log (the reconcile goes on) and warns. */
export function recordError(ctx: EngineContext, log: ReconcileLog, step: string, error: unknown, fields: LogFields = {}): void {
  const code = errorCode(error);
  log.errors.push({ step, code, message: describe(error) });
  ctx.logger.warn(`${step} failed`, { step, ...fields, ...errorFields(error) });
}

export function emptyPlan(at: number): Plan {
  return {
    at,
    launches: [],
    drains: [],
    terminations: [],
    expirations: [],
    deregistrations: [],
    rechecks: [],
    deferredRechecks: [],
    stuckDrains: [],
    retirements: [],
    overdue: [],
    pools: [],
  };
}

export function emptyLog(): ReconcileLog {
  return {
    launched: [],
    launchFailures: [],
    admitted: 0,
    drained: [],
    foundBusy: [],
    terminatedInstances: [],
    deletedRegistrations: [],
    rechecked: 0,
    redelivered: 0,
    errors: [],
  };
}

export function shouldRerun(conclusion: string | undefined): boolean {
  return conclusion !== 'success' && conclusion !== 'cancelled' && conclusion !== 'skipped';
}

export function machineIndex(instances: readonly Instance[]): MachineIndex {
  return new Map(instances.filter((i) => i.state !== 'terminated').map((i) => [i.name, i]));
}

export function registrationIndex(
  lists: readonly RegistrationList[] | undefined,
): Map<string, { reg: GitHubRunner; scope: RunnerScope }> | undefined {
  if (!lists) return undefined;
  const out = new Map<string, { reg: GitHubRunner; scope: RunnerScope }>();
  for (const list of lists) for (const reg of list.runners) out.set(reg.name, { reg, scope: list.scope });
  return out;
}

export function repoName(job: Job): string {
  return `${job.repository.owner}/${job.repository.repo}`;
}

export function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'internal';
}

export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function errorFields(error: unknown): LogFields {
  return { code: errorCode(error), retryable: isRetryable(error), error: describe(error) };
}
