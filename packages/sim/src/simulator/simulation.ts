// The simulator: a trace of jobs against the GitHub model, the cloud model and a policy (ghr's real engine,
// or the stateless baseline), wired as on AWS — webhooks (with chaos) → queue (delay, batches) → scale-up
// runs, plus scheduled full reconciles (ghr) or scale-downs (baseline) — all in virtual time.
import { createEngine, createMatcher } from '@ghr/core';
import { MemoryEventQueue, MemoryLedger } from '@ghr/core/testing';
import type { Engine, EngineOptions, JobEvent, LogFields, Logger, Matcher, Pool, QueueMessage } from '@ghr/core';
import { GitHubModel } from '../github/model.js';
import type { WebhookAttempt, WebhookEvent } from '../github/types.js';
import { BaselinePolicy } from './baseline.js';
import type { BaselineOptions } from './baseline.js';
import { CHAOS_PRESETS } from './chaos.js';
import { CrashGate } from './crash.js';
import type { Chaos } from './chaos.js';
import { SimulatedCloud } from './cloud.js';
import type { BootTime, CloudInstance, InstanceEndCause } from './cloud.js';
import { ModelGitHubApi } from './model-github.js';
import { Observer } from './observer.js';
import { Random } from './random.js';
import { quantile } from './results.js';
import type { Leftovers, PolicyName, SimulationReport } from './results.js';
import { Scheduler } from './scheduler.js';
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
  /** Deadline of one scale-up or reconcile run (a Lambda's timeout). Default 60 s. */
  readonly runDeadline: number;
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
   * jobs of spot-interrupted runners (`rerunInterruptedJobs: true`) unless told otherwise.
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

const DEFAULTS: SimulatorSettings = {
  start: Date.UTC(2026, 0, 5, 8),
  batchSize: 10,
  batchWindow: 1_000,
  visibilityTimeout: 60_000,
  runDeadline: 60_000,
  reconcileInterval: 60_000,
  scaleDownInterval: 300_000,
  drainLimit: 12 * 3_600_000,
  quietLimit: 30 * 60_000,
  sampleInterval: 60_000,
  githubLatency: 150,
  shutdownDelay: 10_000,
};

/**
 * Runs a trace against a policy in virtual time and reports what an independent observer saw.
 * Deterministic for a given seed.
 *
 * @example
 * ```ts
 * const report = await simulate({ pools: config.pools, trace: generateTrace('burst', { seed: 1, size: 200 }), policy: 'ghr', seed: 1 });
 * console.log(report.result.waitSeconds.p95, report.result.violations);
 * ```
 */
export async function simulate(options: SimulateOptions): Promise<SimulationReport> {
  return new Simulation(options).run();
}

class Simulation {
  readonly #o: SimulateOptions;
  readonly #s: SimulatorSettings;
  readonly #chaos: Chaos;
  readonly #scheduler: Scheduler;
  readonly #model: GitHubModel;
  readonly #cloud: SimulatedCloud;
  readonly #github: ModelGitHubApi;
  readonly #observer: Observer;
  readonly #matcher: Matcher;
  readonly #pools: ReadonlyMap<string, Pool>;
  readonly #queue: MemoryEventQueue;
  readonly #chaosRng: Random;
  readonly #ledger: MemoryLedger;
  readonly #engineRandom: () => number;
  readonly #nextBaselineName: (poolId: string) => string;
  readonly #runnerIds = new Map<string, number>();
  readonly #providerIds = new Map<string, string>();
  readonly #exitedAt = new Map<string, number>();
  readonly #traceJobs = new Set<number>();
  readonly #errors = new Map<string, number>();
  readonly #logger: Logger | undefined;
  #openJobs = 0;
  /** Per pool: open and running jobs (by the pool label matching picks; '' for none), for the timeline. */
  readonly #poolOfJob = new Map<number, string>();
  readonly #poolOpen = new Map<string, number>();
  readonly #poolRunning = new Map<string, number>();
  #running = 0;
  #arrived = 0;
  #arriving = false;
  #lastActivityAt = 0;
  #pollAt: number | undefined;
  #tickAt: number | undefined;

  constructor(options: SimulateOptions) {
    this.#o = options;
    this.#s = { ...DEFAULTS, ...options.settings };
    this.#chaos = options.chaos ?? CHAOS_PRESETS.none;
    const rng = new Random(options.seed);
    this.#chaosRng = rng.fork('chaos');
    this.#scheduler = new Scheduler(this.#s.start);
    this.#model = new GitHubModel({ clock: this.#scheduler, seed: options.seed });
    this.#pools = new Map(options.pools.map((p) => [p.id, p]));
    this.#matcher = createMatcher(options.pools);
    const principal = this.#setUpGitHub();
    this.#observer = new Observer(options.pools, () => this.#scheduler.now());
    this.#cloud = new SimulatedCloud({
      scheduler: this.#scheduler,
      random: rng.fork('cloud'),
      capacityErrorRate: this.#chaos.capacityErrors,
      spotInterruptionsPerHour: this.#chaos.spotInterruptionsPerHour,
      shutdownDelay: this.#s.shutdownDelay,
      ...(this.#s.bootTimes ? { bootTimes: this.#s.bootTimes } : {}),
      hooks: {
        onLaunched: (i) => this.#launched(i),
        onBooted: (i) => this.#booted(i),
        onInterruptionWarning: (i) => this.#interruptionWarning(i),
        onTerminating: (i, cause) => this.#terminating(i, cause),
      },
    });
    this.#github = new ModelGitHubApi({
      model: this.#model,
      scheduler: this.#scheduler,
      random: rng.fork('github'),
      principal,
      latency: this.#s.githubLatency,
      errorRate: this.#chaos.githubErrors,
      rateLimitRate: this.#chaos.githubRateLimits,
    });
    this.#queue = new MemoryEventQueue({ clock: this.#scheduler, visibilityTimeout: this.#s.visibilityTimeout });
    this.#ledger = new MemoryLedger({ clock: this.#scheduler });
    const engineRng = rng.fork('engine');
    this.#engineRandom = () => engineRng.next();
    let baselineSeq = 0;
    this.#nextBaselineName = (poolId) => `runner-${poolId}-${(++baselineSeq).toString(36)}`;
    this.#model.onWebhook((attempt) => this.#webhook(attempt));
    this.#logger = this.#s.logger ? virtualTimeLogger(this.#s.logger, () => (this.#scheduler.now() - this.#s.start) / 1000) : undefined;
  }

  /** ghr's engine as one Lambda runs it: created per run, its ports cut off when the run crashes. */
  #engine(gate?: CrashGate): Engine {
    const wrap = <T extends object>(port: T): T => (gate ? gate.wrap(port) : port);
    return createEngine({
      ledger: wrap(this.#ledger),
      github: wrap(this.#github.client()),
      provider: wrap(this.#cloud),
      pools: this.#o.pools,
      clock: this.#scheduler,
      ...(this.#logger ? { logger: this.#logger } : {}),
      // The engine's clean-up budget is in real time: make it ample so a run's outcome never depends on the host's speed.
      options: { cleanupTimeout: 3_600_000, rerunInterruptedJobs: true, ...this.#s.engine, random: this.#engineRandom },
    });
  }

  /** The baseline as one Lambda runs it. */
  #baseline(gate?: CrashGate): BaselinePolicy {
    const wrap = <T extends object>(port: T): T => (gate ? gate.wrap(port) : port);
    return new BaselinePolicy({
      pools: this.#o.pools,
      github: wrap(this.#github.client()),
      provider: wrap(this.#cloud),
      clock: this.#scheduler,
      options: { ...this.#s.baseline, nextName: this.#nextBaselineName },
    });
  }

  get #isGhr(): boolean {
    return this.#o.policy === 'ghr';
  }

  async run(): Promise<SimulationReport> {
    const { trace } = this.#o;
    const s = this.#s;
    const start = s.start;
    for (const job of trace.jobs) {
      this.#scheduler.at(start + job.at * 1000, () => {
        // The model emits `queued` (and may start the job on an idle runner) before queueJob returns: the
        // observer registers the trace job from that first event.
        this.#arriving = true;
        const queued = this.#model.queueJob({ repo: job.repo, labels: job.labels, durationMs: Math.round(job.duration * 1000) });
        this.#arriving = false;
        this.#arrived++;
        if (job.cancelAt !== undefined) {
          this.#scheduler.at(start + job.cancelAt * 1000, () => {
            if (this.#model.job(queued.id)?.status !== 'completed') this.#model.cancelJob(queued.id);
          });
        }
      });
    }
    const every = (interval: number, fn: () => void) => {
      const loop = () => {
        fn();
        this.#scheduler.after(interval, loop);
      };
      this.#scheduler.after(interval, loop);
    };
    every(s.sampleInterval, () => this.#sample());
    every(600_000, () =>
      this.#o.onProgress?.({
        simulatedSeconds: (this.#scheduler.now() - start) / 1000,
        jobsArrived: this.#arrived,
        jobsTotal: trace.jobs.length,
      }),
    );
    if (this.#isGhr) every(s.reconcileInterval, () => this.#fullReconcile());
    else every(s.scaleDownInterval, () => this.#scaleDown());
    this.#sample();

    const lastArrival = start + trace.jobs.reduce((last, j) => Math.max(last, j.cancelAt ?? j.at), 0) * 1000;
    const settle = () => this.#syncModelTimers();
    await this.#scheduler.runUntil(lastArrival, () => (settle(), false));
    this.#lastActivityAt = Math.max(this.#lastActivityAt, lastArrival);
    // The drain: the work is settled when no job is open, or nothing has queued or started for `quietLimit` (a
    // job still queued then is stuck, not waiting for capacity). It must stay settled for the repair window —
    // long enough for the policy's own repairs (a redelivery interval, a boot timeout) and two full passes after
    // them — before the observer judges; new work (a re-run job, a redelivered event) starts the window anew.
    const quiet = () => this.#running === 0 && this.#scheduler.now() - this.#lastActivityAt > s.quietLimit;
    const repair = this.#repairWindow();
    let settledSince: number | undefined;
    await this.#scheduler.runUntil(lastArrival + s.drainLimit + repair, () => {
      settle();
      const now = this.#scheduler.now();
      if (this.#openJobs === 0 || quiet()) settledSince ??= now;
      else settledSince = undefined;
      return settledSince !== undefined && now - settledSince >= repair;
    });
    this.#sample();
    return this.#report();
  }

  /** Two full passes of the policy (reconciles or scale-downs) and a little slack: what an orphan is allowed. */
  get #twoPasses(): number {
    return 2 * (this.#isGhr ? this.#s.reconcileInterval : this.#s.scaleDownInterval) + 5_000;
  }

  /**
   * How long the work must stay settled before the observer judges: ghr's slowest own repair (a failed-delivery
   * redelivery interval, or a pool's boot timeout for a launch whose outcome was unknown) plus two full passes.
   */
  #repairWindow(): number {
    if (!this.#isGhr) return this.#twoPasses;
    const redelivery = this.#s.engine?.redeliveryInterval ?? DEFAULT_REDELIVERY_INTERVAL;
    return Math.max(redelivery, this.#maxBootTimeout()) + this.#twoPasses;
  }

  /** The boot timeout of a runner's pool: from its machine, else from its name (longest pool id it starts with). */
  #bootTimeoutOf(name: string): number {
    const providerId = this.#providerIds.get(name);
    const poolId = providerId === undefined ? undefined : this.#cloud.instance(providerId)?.poolId;
    let pool = poolId === undefined ? undefined : this.#pools.get(poolId);
    if (!pool) {
      for (const p of this.#pools.values()) {
        const named = name.startsWith(`ghr-${p.id}-`) || name.startsWith(`runner-${p.id}-`);
        if (named && p.id.length > (pool?.id.length ?? -1)) pool = p;
      }
    }
    return pool?.bootTimeout ?? this.#maxBootTimeout();
  }

  #maxBootTimeout(): number {
    return this.#o.pools.reduce((max, p) => Math.max(max, p.bootTimeout), 0);
  }

  // ---------------------------------------------------------------------------------------------------------
  // Set-up

  #setUpGitHub(): string {
    const model = this.#model;
    const owners = new Set<string>();
    for (const pool of this.#o.pools) {
      if (pool.scope.kind === 'org') owners.add(pool.scope.org);
      if (pool.scope.kind === 'repo') owners.add(pool.scope.owner);
    }
    const repos = new Set<string>(this.#o.trace.jobs.map((j) => j.repo));
    for (const pool of this.#o.pools) if (pool.scope.kind === 'repo') repos.add(`${pool.scope.owner}/${pool.scope.repo}`);
    for (const owner of owners) if (!model.account(owner)) model.createOrg({ login: owner });
    for (const full of repos) {
      const [owner = '', name = ''] = full.split('/');
      if (!model.repo(full)) model.createRepo({ owner, name });
      owners.add(model.repo(full)?.owner ?? owner);
    }
    let first: number | undefined;
    for (const owner of owners) {
      const account = model.account(owner);
      if (!account) continue;
      const installation = model.createInstallation({ account: account.login, repositorySelection: 'all' });
      first ??= installation.id;
    }
    for (const pool of this.#o.pools) {
      const scope = pool.scope;
      if (scope.kind === 'repo' || !scope.runnerGroup || scope.runnerGroup.toLowerCase() === 'default') continue;
      const groupScope = scope.kind === 'org' ? { kind: 'org' as const, org: scope.org } : { kind: 'enterprise' as const, enterprise: scope.enterprise };
      try {
        model.createRunnerGroup(groupScope, { name: scope.runnerGroup });
      } catch {
        // Exists already (two pools share the group), or the enterprise is not modelled.
      }
    }
    return `installation:${first ?? 0}`;
  }

  // ---------------------------------------------------------------------------------------------------------
  // The model's own timers (jobs finishing): tick it exactly when the next one is due.

  #syncModelTimers(): void {
    const next = this.#model.nextDeadline();
    if (next === undefined || (this.#tickAt !== undefined && this.#tickAt <= next)) return;
    this.#tickAt = next;
    this.#scheduler.at(next, () => {
      if (this.#tickAt === next) this.#tickAt = undefined;
      this.#model.tick();
    });
  }

  // ---------------------------------------------------------------------------------------------------------
  // Webhooks: ground truth for the observer, then chaos, then the receiver.

  #webhook(attempt: WebhookAttempt): void {
    const event = attempt.event;
    if (event.event !== 'workflow_job') return;
    if (!attempt.redelivery) this.#observe(event);
    const chaos = this.#chaos;
    const rng = this.#chaosRng;
    if (rng.chance(chaos.webhookLoss)) {
      this.#model.recordDelivery(attempt, { statusCode: 502, durationMs: 10_000 });
      return;
    }
    let delay = rng.lognormal(Math.max(1, chaos.webhookDelay), 0.5);
    if (rng.chance(chaos.webhookReorder)) delay += rng.uniform(0, chaos.webhookReorderWindow);
    this.#scheduler.after(delay, () => {
      this.#model.recordDelivery(attempt, { statusCode: 202, durationMs: 40 });
      this.#receive(event);
    });
    if (rng.chance(chaos.webhookDuplication)) {
      this.#scheduler.after(delay + rng.uniform(100, 10_000), () => this.#receive(event));
    }
  }

  #poolOf(job: WebhookEvent['job']): string {
    let poolId = this.#poolOfJob.get(job.id);
    if (poolId === undefined) {
      const repo = this.#model.repoById(job.repoId);
      poolId = repo ? (this.#matcher(job.labels, { repository: { owner: repo.owner, repo: repo.name } }).pool?.id ?? '') : '';
      this.#poolOfJob.set(job.id, poolId);
    }
    return poolId;
  }

  #count(counts: Map<string, number>, poolId: string, delta: number): void {
    counts.set(poolId, Math.max(0, (counts.get(poolId) ?? 0) + delta));
  }

  #observe(event: WebhookEvent): void {
    const job = event.job;
    const poolId = this.#poolOf(job);
    switch (event.action) {
      case 'queued':
        this.#count(this.#poolOpen, poolId, 1);
        this.#openJobs++;
        this.#lastActivityAt = this.#scheduler.now();
        if (this.#arriving) {
          this.#traceJobs.add(job.id);
          this.#observer.jobQueued(job.id);
        }
        break;
      case 'in_progress':
        this.#count(this.#poolRunning, poolId, 1);
        this.#running++;
        this.#lastActivityAt = this.#scheduler.now();
        if (this.#traceJobs.has(job.id)) this.#observer.jobStarted(job.id, job.runnerName);
        else if (job.runnerName !== undefined) this.#observer.jobStarted(-1, job.runnerName);
        break;
      case 'completed': {
        this.#openJobs--;
        this.#count(this.#poolOpen, poolId, -1);
        if (job.startedAt !== undefined && job.runnerName !== undefined) {
          this.#running--;
          this.#count(this.#poolRunning, poolId, -1);
        }
        this.#observer.jobFinished(job.id, job.runnerName, job.conclusion === 'cancelled');
        const name = job.runnerName;
        const providerId = name === undefined ? undefined : this.#providerIds.get(name);
        const instance = providerId === undefined ? undefined : this.#cloud.instance(providerId);
        if (instance && instance.request.ephemeral && instance.terminatedAt === undefined && name !== undefined) {
          // The ephemeral runner exits after its job; the machine shuts itself down shortly after.
          this.#exitedAt.set(name, this.#scheduler.now());
          this.#cloud.shutdownLater(instance.providerId);
        }
        break;
      }
    }
  }

  /** The webhook endpoint: parse, match a pool, enqueue (after the queue delay). */
  #receive(event: WebhookEvent): void {
    const job = event.job;
    const repo = this.#model.repoById(job.repoId);
    if (!repo || (event.action !== 'queued' && event.action !== 'in_progress' && event.action !== 'completed' && event.action !== 'waiting')) return;
    const repository = { owner: repo.owner, repo: repo.name };
    const match = this.#matcher(job.labels, { repository });
    const jobEvent: JobEvent = {
      deliveryId: event.guid,
      action: event.action,
      job: {
        id: job.id,
        runId: job.runId,
        runAttempt: job.runAttempt,
        name: job.name,
        workflowName: job.workflowName,
        labels: job.labels,
        ...(job.conclusion === undefined ? {} : { conclusion: job.conclusion }),
        createdAt: job.createdAt,
        ...(job.startedAt === undefined ? {} : { startedAt: job.startedAt }),
        ...(job.completedAt === undefined ? {} : { completedAt: job.completedAt }),
        ...(job.runnerId === undefined ? {} : { runnerId: job.runnerId }),
        ...(job.runnerName === undefined ? {} : { runnerName: job.runnerName }),
        ...(job.runnerGroupId === undefined ? {} : { runnerGroupId: job.runnerGroupId }),
        ...(job.runnerGroupName === undefined ? {} : { runnerGroupName: job.runnerGroupName }),
      },
      repository,
      installationId: event.installationId,
      poolId: match.pool?.id ?? null,
      receivedAt: this.#scheduler.now(),
    };
    const delay = this.#s.queueDelay ?? (this.#isGhr ? 0 : 30_000);
    const send = () =>
      this.#scheduler.spawn('queue.send', async () => {
        await this.#queue.send([jobEvent], NEVER);
        this.#schedulePoll(this.#scheduler.now() + this.#s.batchWindow);
      });
    if (delay > 0) this.#scheduler.after(delay, send);
    else send();
  }

  // ---------------------------------------------------------------------------------------------------------
  // Queue → scale-up runs.

  #schedulePoll(at: number): void {
    if (this.#pollAt !== undefined && this.#pollAt <= at && this.#pollAt >= this.#scheduler.now()) return;
    this.#pollAt = at;
    this.#scheduler.at(at, () => {
      if (this.#pollAt === at) this.#pollAt = undefined;
      this.#scheduler.spawn('queue.poll', async () => {
        for (;;) {
          const messages = await this.#queue.receive(this.#s.batchSize, NEVER);
          if (messages.length === 0) return;
          this.#scheduler.spawn('scale-up', () => this.#scaleUpRun(messages));
        }
      });
    });
  }

  async #scaleUpRun(messages: readonly QueueMessage[]): Promise<void> {
    const { signal, done: finished } = this.#deadline();
    // Only a run that is going to crash pays for the gate around its ports.
    const gate = this.#chaosRng.chance(this.#chaos.scaleUpCrashes) ? new CrashGate() : undefined;
    if (gate) this.#scheduler.after(this.#chaosRng.uniform(0, 3_000), () => gate.crash());
    const done: string[] = [];
    try {
      if (this.#isGhr) {
        const engine = this.#engine(gate);
        const events = messages.map((m) => m.event);
        const result = await engine.ingest(events, signal);
        const failed = new Set(result.unprocessed.map((u) => u.event));
        for (const m of messages) if (!failed.has(m.event)) done.push(m.id);
        if (result.touchedPools.length > 0 && !signal.aborted) {
          const reconcile = await engine.reconcile({ pools: result.touchedPools, sweep: false }, signal);
          if (!gate?.crashed) this.#countErrors(reconcile.errors);
        }
      } else {
        const baseline = this.#baseline(gate);
        for (const m of messages) {
          if (signal.aborted) break;
          try {
            await baseline.scaleUp(m.event, signal);
            done.push(m.id);
          } catch (error) {
            if (!gate?.crashed) this.#countError(error);
          }
        }
      }
    } catch (error) {
      if (!gate?.crashed) this.#countError(error);
    }
    finished();
    const crashed = gate?.crashed === true;
    if (crashed) this.#bump('scale-up run crashed (chaos)');
    else if (done.length > 0) await this.#queue.ack(done, NEVER);
    if (crashed || done.length < messages.length) this.#schedulePoll(this.#scheduler.now() + this.#s.visibilityTimeout + 1);
  }

  /** A run's deadline (a Lambda's timeout) as a signal that fires after `runDeadline` unless the run is done. */
  #deadline(): { signal: AbortSignal; done: () => void } {
    const controller = new AbortController();
    let finished = false;
    this.#scheduler.after(this.#s.runDeadline, () => {
      if (!finished) controller.abort(DEADLINE);
    });
    return {
      signal: controller.signal,
      done: () => {
        finished = true;
      },
    };
  }

  #fullReconcile(): void {
    const engine = this.#engine();
    this.#scheduler.spawn('reconcile', async () => {
      const { signal, done } = this.#deadline();
      try {
        const result = await engine.reconcile({ sweep: true }, signal);
        this.#countErrors(result.errors);
      } catch (error) {
        this.#countError(error);
      }
      done();
    });
  }

  #scaleDown(): void {
    const baseline = this.#baseline();
    this.#scheduler.spawn('scale-down', async () => {
      const { signal, done } = this.#deadline();
      try {
        await baseline.scaleDown(signal);
      } catch (error) {
        this.#countError(error);
      }
      done();
    });
  }

  // ---------------------------------------------------------------------------------------------------------
  // Cloud hooks.

  #launched(instance: CloudInstance): void {
    this.#providerIds.set(instance.name, instance.providerId);
    this.#observer.launched(instance);
  }

  #booted(instance: CloudInstance): void {
    const bootstrap = instance.request.bootstrap;
    try {
      if (bootstrap.kind === 'jit') {
        const runner = this.#model.connectRunner(bootstrap.encodedJitConfig);
        this.#runnerIds.set(instance.name, runner.id);
      } else {
        const runner = this.#model.registerRunner({
          token: bootstrap.token,
          name: instance.name,
          labels: instance.request.labels,
          ephemeral: instance.request.ephemeral,
          ...(bootstrap.runnerGroup === undefined ? {} : { runnerGroup: bootstrap.runnerGroup }),
          replace: true,
        });
        this.#runnerIds.set(instance.name, runner.id);
      }
    } catch {
      // The registration is gone or the config was used: the runner process fails and the machine idles
      // until someone terminates it.
    }
  }

  #interruptionWarning(instance: CloudInstance): void {
    if (!this.#isGhr) return;
    const engine = this.#engine();
    this.#scheduler.spawn('interrupted', async () => {
      const { signal, done } = this.#deadline();
      await engine.interrupted([instance.providerId], signal);
      done();
    });
  }

  #terminating(instance: CloudInstance, cause: InstanceEndCause): void {
    const runnerId = this.#runnerIds.get(instance.name);
    const runner = runnerId === undefined ? undefined : this.#model.runner(runnerId);
    const busy = runner !== undefined && runner.status === 'online' && runner.busy;
    this.#observer.ending(instance, cause, busy);
    if (runnerId !== undefined) this.#model.disconnectRunner(runnerId);
  }

  // ---------------------------------------------------------------------------------------------------------
  // Measuring.

  #sample(): void {
    let runners = 0;
    const alive = new Map<string, number>();
    for (const instance of this.#cloud.aliveInstances()) {
      runners++;
      alive.set(instance.poolId, (alive.get(instance.poolId) ?? 0) + 1);
    }
    const pools: Record<string, { queued: number; running: number; runners: number }> = {};
    for (const poolId of this.#pools.keys()) {
      const running = this.#poolRunning.get(poolId) ?? 0;
      pools[poolId] = { queued: Math.max(0, (this.#poolOpen.get(poolId) ?? 0) - running), running, runners: alive.get(poolId) ?? 0 };
    }
    this.#observer.sample({ queued: Math.max(0, this.#openJobs - this.#running), running: this.#running, runners, pools });
  }

  #countErrors(errors: readonly { readonly step: string; readonly code: string }[]): void {
    for (const e of errors) this.#bump(`${e.step}: ${e.code}`);
  }

  #countError(error: unknown): void {
    const code = (error as { code?: unknown }).code;
    this.#bump(typeof code === 'string' ? code : ((error as Error).message ?? String(error)).slice(0, 80));
  }

  #bump(key: string): void {
    this.#errors.set(key, (this.#errors.get(key) ?? 0) + 1);
  }

  #report(): SimulationReport {
    const now = this.#scheduler.now();
    const model = this.#model;
    // Orphans (DESIGN.md §5.4), each allowed two full passes once it is one: an instance without a registration
    // past its pool's boot timeout; a registration without an alive instance once its instance ended and it is
    // past the boot timeout (before that its machine may still come up, and a fresh listing may miss it).
    const registered = new Set(model.allRunners().map((r) => r.name));
    const alive = new Set<string>();
    const orphans: Leftovers['orphans'][number][] = [];
    const age = (since: number) => Math.round((now - since) / 1000);
    const grace = this.#twoPasses;
    for (const instance of this.#cloud.aliveInstances()) {
      alive.add(instance.name);
      if (registered.has(instance.name)) continue;
      const exited = this.#exitedAt.get(instance.name);
      if (exited !== undefined && now - exited <= this.#s.shutdownDelay + 5_000) continue;
      if (now - instance.launchedAt > this.#bootTimeoutOf(instance.name) + grace) orphans.push({ kind: 'instance', name: instance.name, ageSeconds: age(instance.launchedAt) });
    }
    for (const runner of model.allRunners()) {
      if (alive.has(runner.name)) continue;
      const providerId = this.#providerIds.get(runner.name);
      const endedAt = (providerId === undefined ? undefined : this.#cloud.instance(providerId)?.terminatedAt) ?? 0;
      const since = Math.max(runner.createdAt + this.#bootTimeoutOf(runner.name), endedAt);
      if (now - since > grace) orphans.push({ kind: 'registration', name: runner.name, ageSeconds: age(runner.createdAt) });
    }
    const jobsLost: Leftovers['jobsLost'][number][] = [];
    for (const job of model.queuedJobs()) {
      const repo = model.repoById(job.repoId);
      if (!repo) continue;
      if (this.#matcher(job.labels, { repository: { owner: repo.owner, repo: repo.name } }).pool) {
        jobsLost.push({ id: job.id, runAttempt: job.runAttempt, labels: job.labels, ageSeconds: age(job.queuedAt ?? job.createdAt) });
      }
    }
    for (const { label, error } of this.#scheduler.errors) {
      const code = (error as { code?: unknown }).code;
      if (code === 'aborted') continue;
      this.#bump(`${label}: ${typeof code === 'string' ? code : (error as Error).message}`);
    }
    const boots = [...this.#cloud.instances()]
      .filter((i) => i.bootedAt !== undefined)
      .map((i) => ((i.bootedAt as number) - i.launchedAt) / 1000)
      .sort((a, b) => a - b);
    const result = this.#observer.finish({
      policy: this.#o.policy,
      seed: this.#o.seed,
      jobsLost: jobsLost.length,
      orphansLeft: orphans.length,
      githubApiCalls: this.#github.total,
      cloudApiCalls: this.#cloud.totalCalls,
      totalJobs: this.#o.trace.jobs.length,
      instances: this.#cloud.instances(),
    });
    return {
      result,
      timeline: this.#observer.timeline,
      simulatedSeconds: Math.round((now - this.#s.start) / 1000),
      steps: this.#scheduler.steps,
      pools: this.#observer.pools(),
      errors: Object.fromEntries([...this.#errors].sort((a, b) => b[1] - a[1])),
      calls: { github: Object.fromEntries(this.#github.calls), cloud: { ...this.#cloud.calls } },
      bootSecondsP50: Math.round(quantile(boots, 0.5) * 10) / 10,
      bootSecondsP95: Math.round(quantile(boots, 0.95) * 10) / 10,
      waits: [...this.#observer.waits],
      leftovers: { orphans, jobsLost },
    };
  }
}

/** A logger that adds the virtual time to every line. */
function virtualTimeLogger(logger: Logger, simSeconds: () => number): Logger {
  const at = (fields?: LogFields): LogFields => ({ simSeconds: simSeconds(), ...fields });
  return {
    debug: (message, fields) => logger.debug(message, at(fields)),
    info: (message, fields) => logger.info(message, at(fields)),
    warn: (message, fields) => logger.warn(message, at(fields)),
    error: (message, fields) => logger.error(message, at(fields)),
  };
}

/** The engine's default `redeliveryInterval`. */
const DEFAULT_REDELIVERY_INTERVAL = 300_000;
const NEVER = new AbortController().signal;
const DEADLINE = new Error('The run reached its deadline (Lambda timeout).');
