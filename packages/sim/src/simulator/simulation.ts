// The simulator: a trace of jobs against the GitHub model, the cloud model and a policy (ghr's real engine,
// or the stateless baseline), wired as on AWS — webhooks (with chaos) → the run layer's webhook handler → queue
// (delay, batches) → concurrent scale-up runs, plus scheduled full sweeps (ghr) or scale-downs (baseline) — all
// in virtual time. ghr runs exactly the run-layer functions the Lambdas and `ghr serve` run.
import { ENGINE_DEFAULTS, createEngine, createMatcher, createWebhookHandler, interruption, readWebhook, scaleUp, sweep } from '@ghr/core';
import type { Engine, EventQueue, JobEvent, Ledger, Logger, Matcher, Pool, QueueMessage, RunnerProvider, WebhookHandler } from '@ghr/core';
import { MemoryEventQueue } from '@ghr/core/testing';
import { GitHubModel } from '../github/model.js';
import type { WebhookAttempt, WebhookEvent } from '../github/types.js';
import { BaselinePolicy } from './baseline.js';
import { CHAOS_PRESETS, outageWindow } from './chaos.js';
import type { Chaos } from './chaos.js';
import { SimulatedCloud } from './cloud.js';
import type { CloudInstance, InstanceEndCause } from './cloud.js';
import type { CrashGate } from './crash.js';
import { ModelGitHubApi } from './model-github.js';
import { Observer, judgeLeftovers } from './observer.js';
import { Random } from './random.js';
import { PoolLoad } from './pool-load.js';
import { ErrorTally, quantile } from './results.js';
import type { SimulationReport } from './results.js';
import { RunStarter } from './runs.js';
import type { Run } from './runs.js';
import { Scheduler, virtualTimeLogger } from './scheduler.js';
import { SIMULATOR_DEFAULTS } from './settings.js';
import type { SimulateOptions, SimulatorSettings } from './settings.js';
import { bootTimeoutOf, maxBootTimeout, setUpGitHub } from './setup.js';
import { unkindPorts } from './unreliable.js';

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
  readonly #pools: ReadonlyMap<string, Pool>;
  readonly #matcher: Matcher;
  readonly #queue: MemoryEventQueue;
  readonly #chaosRng: Random;
  readonly #runs: RunStarter;
  /** The ledger every run shares (with the production-like world's index lag and ambiguous writes). */
  readonly #ledger: Ledger;
  /** The cloud as the runs see it (with ambiguous launches and terminations). */
  readonly #provider: RunnerProvider;
  readonly #webhookHandler: WebhookHandler;
  readonly #engineRandom: () => number;
  readonly #nextBaselineName: (poolId: string) => string;
  readonly #runnerIds = new Map<string, number>();
  readonly #providerIds = new Map<string, string>();
  readonly #exitedAt = new Map<string, number>();
  /** `jobId:runAttempt` of every `queued` event GitHub sent (the others vanished without a trace). */
  readonly #queuedSent = new Set<string>();
  readonly #traceJobs = new Set<number>();
  readonly #errors = new ErrorTally();
  readonly #logger: Logger | undefined;
  readonly #outage: { readonly from: number; readonly until: number } | undefined;
  #openJobs = 0;
  /** The pool label matching picks per job ('' for none), and the per-pool load for the timeline. */
  readonly #poolOfJob = new Map<number, string>();
  readonly #load = new PoolLoad();
  #running = 0;
  #arrived = 0;
  #arriving = false;
  #lastActivityAt = 0;
  #pollAt: number | undefined;
  #tickAt: number | undefined;
  #workers = 0;

  constructor(options: SimulateOptions) {
    this.#o = options;
    this.#s = { ...SIMULATOR_DEFAULTS, ...options.settings };
    const chaos = (this.#chaos = options.chaos ?? CHAOS_PRESETS.none);
    const rng = new Random(options.seed);
    this.#chaosRng = rng.fork('chaos');
    this.#scheduler = new Scheduler(this.#s.start);
    this.#model = new GitHubModel({ clock: this.#scheduler, seed: options.seed, ...(chaos.github ? { behaviour: chaos.github } : {}) });
    this.#pools = new Map(options.pools.map((p) => [p.id, p]));
    this.#matcher = createMatcher(options.pools);
    const principal = setUpGitHub(this.#model, options.pools, options.trace);
    this.#observer = new Observer(options.pools, () => this.#scheduler.now());
    this.#cloud = new SimulatedCloud({
      scheduler: this.#scheduler,
      random: rng.fork('cloud'),
      capacityErrorRate: chaos.capacityErrors,
      spotInterruptionsPerHour: chaos.spotInterruptionsPerHour,
      shutdownDelay: this.#s.shutdownDelay,
      twoStepNaming: chaos.namingFailures > 0 || chaos.listingLag > 0,
      namingFailureRate: chaos.namingFailures,
      listingLag: chaos.listingLag,
      ...(this.#s.bootTimes ? { bootTimes: this.#s.bootTimes } : {}),
      hooks: {
        onLaunched: (i) => this.#observer.launched(i),
        onNamed: (i) => this.#providerIds.set(i.name, i.providerId),
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
      errorRate: chaos.githubErrors,
      rateLimitRate: chaos.githubRateLimits,
    });
    this.#queue = new MemoryEventQueue({ clock: this.#scheduler, visibilityTimeout: this.#s.visibilityTimeout });
    ({ ledger: this.#ledger, provider: this.#provider } = unkindPorts(chaos, this.#scheduler, rng, this.#cloud));
    this.#runs = new RunStarter({
      scheduler: this.#scheduler,
      random: rng.fork('runs'),
      timeout: this.#s.runDeadline,
      deadlineMargin: this.#s.deadlineMargin,
      crashes: chaos.runCrashes,
    });
    const engineRng = rng.fork('engine');
    this.#engineRandom = () => engineRng.next();
    let baselineSeq = 0;
    this.#nextBaselineName = (poolId) => `runner-${poolId}-${(++baselineSeq).toString(36)}`;
    this.#logger = this.#s.logger ? virtualTimeLogger(this.#s.logger, () => (this.#scheduler.now() - this.#s.start) / 1000) : undefined;
    // The webhook endpoint: the run layer's handler, reading deliveries that never left the process (the HTTP
    // server and the Lambdas check the signature first); for the baseline, messages become visible after the
    // queue delay.
    this.#webhookHandler = createWebhookHandler({
      verify: (request, receivedAt) => readWebhook(request, { receivedAt }),
      pools: options.pools,
      queue: this.#ingress(),
      clock: this.#scheduler,
    });
    this.#outage = outageWindow(options.trace, this.#s.start, chaos.outageMinutes);
    this.#model.onWebhook((attempt) => this.#webhook(attempt));
    // Ground truth for the observer: every transition, whether or not GitHub sends its webhook.
    this.#model.onJobTransition((event) => this.#observe(event));
    // The bootstrap shuts the machine down when its runner process exits, whatever the reason.
    this.#model.onRunnerExit((exit) => {
      const providerId = this.#providerIds.get(exit.runnerName);
      const instance = providerId === undefined ? undefined : this.#cloud.instance(providerId);
      if (!instance || instance.terminatedAt !== undefined) return;
      this.#exitedAt.set(exit.runnerName, exit.at);
      this.#cloud.shutdownLater(instance.providerId);
    });
  }

  /** ghr's engine as one run has it: created per run, its ports cut off when the run is killed. */
  #engine(gate: CrashGate): Engine {
    return createEngine({
      ledger: gate.wrap(this.#ledger),
      github: gate.wrap(this.#github.client()),
      provider: gate.wrap(this.#provider),
      pools: this.#o.pools,
      clock: this.#scheduler,
      ...(this.#logger ? { logger: this.#logger } : {}),
      options: { rerunInterruptedJobs: true, ...this.#s.engine, random: this.#engineRandom },
    });
  }

  /** The baseline as one run has it. */
  #baseline(gate?: CrashGate): BaselinePolicy {
    const wrap = <T extends object>(port: T): T => (gate ? gate.wrap(port) : port);
    return new BaselinePolicy({
      pools: this.#o.pools,
      github: wrap(this.#github.client()),
      provider: wrap(this.#provider),
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
    if (this.#isGhr) every(s.reconcileInterval, () => this.#fullSweep());
    else every(s.scaleDownInterval, () => this.#scaleDown());
    this.#sample();

    const lastArrival = start + trace.jobs.reduce((last, j) => Math.max(last, j.cancelAt ?? j.at), 0) * 1000;
    const settle = () => this.#syncModelTimers();
    await this.#scheduler.runUntil(lastArrival, () => (settle(), false));
    this.#lastActivityAt = Math.max(this.#lastActivityAt, lastArrival, this.#outage?.until ?? 0);
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
    // ghr's full passes are the sweeps that list the world: once per listing interval.
    const listing = this.#s.engine?.listingInterval ?? ENGINE_DEFAULTS.listingInterval;
    return 2 * (this.#isGhr ? Math.max(this.#s.reconcileInterval, listing) : this.#s.scaleDownInterval) + 5_000;
  }

  /**
   * How long the work must stay settled before the observer judges: ghr's slowest own repair (a failed-delivery
   * redelivery interval, or a pool's boot timeout for a launch whose outcome was unknown) plus two full passes.
   */
  #repairWindow(): number {
    if (!this.#isGhr) return this.#twoPasses;
    const redelivery = this.#s.engine?.redeliveryInterval ?? ENGINE_DEFAULTS.redeliveryInterval;
    return Math.max(redelivery, maxBootTimeout(this.#o.pools)) + this.#twoPasses;
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
  // Webhooks: chaos (and outages), then the endpoint.

  #webhook(attempt: WebhookAttempt): void {
    if (attempt.event.event !== 'workflow_job') return;
    if (attempt.event.action === 'queued') this.#queuedSent.add(`${attempt.event.job.id}:${attempt.event.job.runAttempt}`);
    const chaos = this.#chaos;
    const rng = this.#chaosRng;
    const now = this.#scheduler.now();
    if (this.#outage && now >= this.#outage.from && now < this.#outage.until) {
      this.#model.recordDelivery(attempt, { statusCode: 0, status: 'failed to connect to host', durationMs: 10_000 });
      return;
    }
    if (rng.chance(chaos.webhookLoss)) {
      this.#model.recordDelivery(attempt, { statusCode: 502, durationMs: 10_000 });
      return;
    }
    let delay = rng.lognormal(Math.max(1, chaos.webhookDelay), 0.5);
    if (rng.chance(chaos.webhookReorder)) delay += rng.uniform(0, chaos.webhookReorderWindow);
    this.#scheduler.after(delay, () => this.#deliver(attempt, true));
    if (rng.chance(chaos.webhookDuplication)) {
      this.#scheduler.after(delay + rng.uniform(100, 10_000), () => this.#deliver(attempt, false));
    }
  }

  /**
   * POSTs the attempt to the endpoint (the run layer's handler) with the headers its reader uses (checking the
   * signature is the adapter's, not the simulator's); GitHub records the answer it got.
   */
  #deliver(attempt: WebhookAttempt, record: boolean): void {
    this.#scheduler.spawn('webhook', async () => {
      const headers = { 'x-github-event': attempt.event.event, 'x-github-delivery': attempt.event.guid };
      const response = await this.#webhookHandler({ headers, body: attempt.body }, NEVER);
      if (record) this.#model.recordDelivery(attempt, { statusCode: response.status, durationMs: 40 });
    });
  }

  #poolOf(job: WebhookEvent['job']): string {
    const repo = this.#model.repoById(job.repoId);
    const poolId = this.#poolOfJob.get(job.id) ?? (repo ? (this.#matcher(job.labels, { repository: { owner: repo.owner, repo: repo.name } }).pool?.id ?? '') : '');
    this.#poolOfJob.set(job.id, poolId);
    return poolId;
  }

  #observe(event: WebhookEvent): void {
    const { job } = event;
    const poolId = this.#poolOf(job);
    switch (event.action) {
      case 'queued':
        this.#load.queued(job.id, poolId);
        this.#openJobs++;
        this.#lastActivityAt = this.#scheduler.now();
        if (this.#arriving) {
          this.#traceJobs.add(job.id);
          this.#observer.jobQueued(job.id);
        }
        break;
      case 'in_progress':
        {
          const providerId = job.runnerName === undefined ? undefined : this.#providerIds.get(job.runnerName);
          this.#load.started(job.id, poolId, (providerId === undefined ? undefined : this.#cloud.instance(providerId)?.poolId) ?? poolId);
        }
        this.#running++;
        this.#lastActivityAt = this.#scheduler.now();
        if (this.#traceJobs.has(job.id)) this.#observer.jobStarted(job.id, job.runnerName);
        else if (job.runnerName !== undefined) this.#observer.jobStarted(-1, job.runnerName);
        break;
      case 'completed': {
        this.#openJobs--;
        const started = job.startedAt !== undefined && job.runnerName !== undefined;
        if (started) this.#running--;
        this.#load.completed(job.id, poolId, started);
        this.#observer.jobFinished(job.id, job.runnerName, job.conclusion === 'cancelled');
        break;
      }
    }
  }

  // ---------------------------------------------------------------------------------------------------------
  // Queue → scale-up runs (at most `scaleUpConcurrency` at once, as an SQS event source mapping runs them).

  /** The queue as the webhook handler sees it: sends become visible after the queue delay, then a poll follows. */
  #ingress(): EventQueue {
    const queue = this.#queue;
    const delay = this.#s.queueDelay ?? (this.#isGhr ? 0 : 30_000);
    const visible = async (events: readonly JobEvent[]) => {
      const result = await queue.send(events, NEVER);
      this.#schedulePoll(this.#scheduler.now() + this.#s.batchWindow);
      return result;
    };
    return {
      send: async (events) => {
        if (delay <= 0) return visible(events);
        this.#scheduler.after(delay, () => this.#scheduler.spawn('queue.send', () => visible(events)));
        return { failed: [] };
      },
      receive: (max, signal) => queue.receive(max, signal),
      ack: (ids, signal) => queue.ack(ids, signal),
    };
  }

  #schedulePoll(at: number): void {
    if (this.#pollAt !== undefined && this.#pollAt <= at && this.#pollAt >= this.#scheduler.now()) return;
    this.#pollAt = at;
    this.#scheduler.at(at, () => {
      if (this.#pollAt === at) this.#pollAt = undefined;
      this.#scheduler.spawn('queue.poll', async () => {
        while (this.#workers < this.#s.scaleUpConcurrency) {
          const messages = await this.#queue.receive(this.#s.batchSize, NEVER);
          if (messages.length === 0) return;
          this.#workers++;
          this.#scheduler.spawn('scale-up', async () => {
            try {
              await this.#scaleUpRun(messages);
            } finally {
              this.#workers--;
              this.#schedulePoll(this.#scheduler.now());
            }
          });
        }
      });
    });
  }

  async #scaleUpRun(messages: readonly QueueMessage[]): Promise<void> {
    const run = this.#runs.start();
    let acknowledge: readonly string[] = [];
    try {
      if (this.#isGhr) {
        const result = await scaleUp(this.#engine(run.gate), messages, run.signal);
        acknowledge = result.acknowledge;
        if (!run.gate.crashed && result.reconcile) this.#errors.steps(result.reconcile.errors);
        if (!run.gate.crashed && result.reconcileError !== undefined) this.#errors.count(`scale-up reconcile: ${result.reconcileError.slice(0, 60)}`);
      } else {
        acknowledge = await this.#baselineScaleUp(messages, run);
      }
    } catch (error) {
      if (!run.gate.crashed) this.#errors.error(error);
    }
    const crashed = run.gate.crashed;
    run.done();
    // A killed run never returns: the event source mapping deletes nothing, and the batch comes back.
    if (crashed) this.#errors.count('run killed (chaos or timeout)');
    else if (acknowledge.length > 0) await this.#queue.ack(acknowledge, NEVER);
    if (crashed || acknowledge.length < messages.length) this.#schedulePoll(this.#scheduler.now() + this.#s.visibilityTimeout + 1);
  }

  async #baselineScaleUp(messages: readonly QueueMessage[], run: Run): Promise<string[]> {
    const baseline = this.#baseline(run.gate);
    const done: string[] = [];
    for (const m of messages) {
      if (run.signal.aborted) break;
      try {
        await baseline.scaleUp(m.event, run.signal);
        done.push(m.id);
      } catch (error) {
        if (!run.gate.crashed) this.#errors.error(error);
      }
    }
    return done;
  }

  #fullSweep(): void {
    this.#scheduler.spawn('sweep', async () => {
      const run = this.#runs.start();
      try {
        const result = await sweep(this.#engine(run.gate), run.signal);
        if (!run.gate.crashed) this.#errors.steps(result.reconcile.errors);
      } catch (error) {
        if (!run.gate.crashed) this.#errors.error(error);
      }
      if (run.gate.crashed) this.#errors.count('run killed (chaos or timeout)');
      run.done();
    });
  }

  #scaleDown(): void {
    this.#scheduler.spawn('scale-down', async () => {
      const run = this.#runs.start();
      try {
        await this.#baseline(run.gate).scaleDown(run.signal);
      } catch (error) {
        if (!run.gate.crashed) this.#errors.error(error);
      }
      run.done();
    });
  }

  // ---------------------------------------------------------------------------------------------------------
  // Cloud hooks.

  #booted(instance: CloudInstance): void {
    // An instance that never got its name cannot find its hand-off: its runner never starts.
    if (instance.name === '') return;
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
    this.#scheduler.spawn('interrupted', async () => {
      const run = this.#runs.start();
      try {
        await interruption(this.#engine(run.gate), [instance.providerId], run.signal);
      } catch (error) {
        if (!run.gate.crashed) this.#errors.error(error);
      }
      run.done();
    });
  }

  #terminating(instance: CloudInstance, cause: InstanceEndCause): void {
    const runnerId = instance.name === '' ? undefined : this.#runnerIds.get(instance.name);
    const runner = runnerId === undefined ? undefined : this.#model.runner(runnerId);
    // Ground truth, not GitHub's flag (which lags, and lies for a wedged runner): a live runner process with a job
    // in progress.
    const jobId = runner?.jobId;
    const busy = runner !== undefined && runner.lostAt === undefined && jobId !== undefined && this.#model.job(jobId)?.status === 'in_progress';
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
    const pools = this.#load.sample(this.#pools.keys(), alive);
    this.#observer.sample({ queued: Math.max(0, this.#openJobs - this.#running), running: this.#running, runners, pools });
  }

  #report(): SimulationReport {
    const now = this.#scheduler.now();
    const model = this.#model;
    // Lost: still queued, and a pool serves it (label matching as the endpoint does it).
    const matcher = (labels: readonly string[], repoId: number) => {
      const repo = model.repoById(repoId);
      return repo !== undefined && this.#matcher(labels, { repository: { owner: repo.owner, repo: repo.name } }).pool !== null;
    };
    const leftovers = judgeLeftovers(
      {
        registrations: model.allRunners(),
        aliveInstances: this.#cloud.aliveInstances(),
        instanceOf: (name) => {
          const id = this.#providerIds.get(name);
          return id === undefined ? undefined : this.#cloud.instance(id);
        },
        exitedAt: (name) => this.#exitedAt.get(name),
        bootTimeout: (name, poolId) => {
          const providerId = this.#providerIds.get(name);
          return bootTimeoutOf(this.#pools, name, poolId ?? (providerId === undefined ? undefined : this.#cloud.instance(providerId)?.poolId));
        },
        servableQueuedJobs: model
          .queuedJobs()
          .filter((j) => matcher(j.labels, j.repoId))
          .map((j) => ({ id: j.id, runAttempt: j.runAttempt, labels: j.labels, queuedAt: j.queuedAt ?? j.createdAt })),
        queuedSent: (jobId, runAttempt) => this.#queuedSent.has(`${jobId}:${runAttempt}`),
        grace: this.#twoPasses,
        shutdownDelay: this.#s.shutdownDelay,
      },
      now,
    );
    for (const { label, error } of this.#scheduler.errors) {
      const code = (error as { code?: unknown }).code;
      if (code === 'aborted') continue;
      this.#errors.count(`${label}: ${typeof code === 'string' ? code : (error as Error).message}`);
    }
    const boots = [...this.#cloud.instances()]
      .filter((i) => i.bootedAt !== undefined)
      .map((i) => ((i.bootedAt as number) - i.launchedAt) / 1000)
      .sort((a, b) => a - b);
    const result = this.#observer.finish({
      policy: this.#o.policy,
      seed: this.#o.seed,
      jobsLost: leftovers.jobsLost.length,
      orphansLeft: leftovers.orphans.length,
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
      errors: this.#errors.byCount(),
      calls: { github: Object.fromEntries(this.#github.calls), cloud: { ...this.#cloud.calls } },
      bootSecondsP50: Math.round(quantile(boots, 0.5) * 10) / 10,
      bootSecondsP95: Math.round(quantile(boots, 0.95) * 10) / 10,
      waits: [...this.#observer.waits],
      leftovers: { ...leftovers, busyTerminated: [...this.#observer.busyTerminations] },
    };
  }
}

const NEVER = new AbortController().signal;
