// `ghr demo` as a function: the simulated GitHub over HTTP, `ghr serve` in the same process (SQLite ledger and
// queue, stub runner processes), a workload replayed in real time (compressed by `speed`), a sampled live view,
// and a report with the figures of `ghr simulate`.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ALIVE_RUNNER_STATES, createMatcher, silentLogger } from '@ghr/core';
import type { Logger, Pool, RunnerState } from '@ghr/core';
import { GitHubClient } from '@ghr/github';
import { LocalProcessProvider, openLocalStore } from '@ghr/local';
import type { RunnerCommand } from '@ghr/local';
import { quantile, startSimulatedGitHub } from '@ghr/sim';
import type { SimulationReport, TimelinePoint, Trace } from '@ghr/sim';
import { startServe } from '../serve/runtime.js';
import { stubRunnerCommand } from './runner-program.js';
import type { DemoFrame } from './view.js';

/** Options of {@link runDemo}. */
export interface DemoOptions {
  /** The pools (demo timings applied by the caller). Their org and repository scopes are created in the simulated GitHub. */
  readonly pools: readonly Pool[];
  readonly trace: Trace;
  /** Trace seconds per real second (durations and arrival times are divided by it). */
  readonly speed: number;
  readonly seed: number;
  /** Give up waiting for the work to settle after this long (ms). */
  readonly timeout: number;
  /** Called with the state about every `frameInterval` ms. */
  readonly onFrame?: (frame: DemoFrame) => void;
  readonly frameInterval?: number;
  readonly logger?: Logger;
  /** What each runner runs. Default: the stub runner. */
  readonly runnerCommand?: RunnerCommand;
  /** Full sweep interval of the embedded `ghr serve` (ms). Default 2 s. */
  readonly sweepInterval?: number;
}

/** What {@link runDemo} returns: a report shaped as `ghr simulate`'s, and what was left at the end. */
export interface DemoReport extends SimulationReport {
  readonly realSeconds: number;
  /** True when the work settled before the timeout. */
  readonly settled: boolean;
  readonly webhooks: { readonly delivered: number; readonly failed: number };
}

const ALIVE: ReadonlySet<RunnerState> = new Set(ALIVE_RUNNER_STATES);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs the demo and returns its report. Starts everything on loopback and a temporary directory, and removes
 * them again (runner processes included) before it returns.
 *
 * @example
 * ```ts
 * const report = await runDemo({ pools, trace, speed: 30, seed: 1, timeout: 90_000 });
 * console.log(report.result.jobs);
 * ```
 */
export async function runDemo(options: DemoOptions): Promise<DemoReport> {
  const logger = options.logger ?? silentLogger;
  const dir = await mkdtemp(join(tmpdir(), 'ghr-demo-'));
  const secret = randomBytes(24).toString('hex');
  const github = await startSimulatedGitHub({ webhookSecret: secret, seed: options.seed, webhookConcurrency: 4 });
  const store = openLocalStore({ path: join(dir, 'ghr.db'), visibilityTimeout: 10_000 });
  const totalMax = options.pools.reduce((n, p) => n + p.maxRunners, 0);
  const provider = new LocalProcessProvider({
    workRoot: join(dir, 'runners'),
    command: options.runnerCommand ?? stubRunnerCommand(),
    maxProcesses: totalMax + 2,
    terminateGrace: 2_000,
  });
  const started = Date.now();
  let serve: Awaited<ReturnType<typeof startServe>> | undefined;
  try {
    // Accounts: every org and repository the pools and the trace name, each org with the App installed.
    const owners = new Set<string>();
    const repos = new Set<string>();
    for (const pool of options.pools) {
      if (pool.scope.kind === 'org') owners.add(pool.scope.org);
      if (pool.scope.kind === 'repo') repos.add(`${pool.scope.owner}/${pool.scope.repo}`);
    }
    for (const job of options.trace.jobs) repos.add(job.repo);
    for (const repo of repos) owners.add(repo.split('/')[0] ?? repo);
    for (const owner of owners) github.model.createOrg({ login: owner });
    for (const repo of repos) {
      const [owner = '', name = ''] = repo.split('/');
      github.model.createRepo({ owner, name });
    }
    for (const owner of owners) github.model.createInstallation({ account: owner });

    const client = new GitHubClient({
      auth: { kind: 'app', appId: github.app.id, privateKey: github.app.privateKey ?? '' },
      githubUrl: github.url,
      apiUrl: github.apiUrl,
      logger,
    });
    serve = await startServe({
      pools: options.pools,
      ledger: store.ledger,
      queue: store.queue,
      provider,
      github: client,
      webhookSecrets: [secret],
      port: 0,
      sweepInterval: options.sweepInterval ?? 2_000,
      pollInterval: 100,
      logger,
      // Compressed time: the sweeps list the world every time, as they would every few minutes in real time.
      engineOptions: { githubUrl: github.url, launchBackoff: 500, listingInterval: 0 },
      gauges: () => [{ name: 'queue_visible', help: 'Events waiting in the queue.', samples: [{ value: store.queue.depth().visible }] }],
    });
    await github.control.setWebhook({ url: serve.webhookUrl, secret });

    // The workload, in real time.
    const jobIds: number[] = [];
    let arrived = 0;
    const timers: NodeJS.Timeout[] = [];
    for (const job of options.trace.jobs) {
      timers.push(
        setTimeout(() => {
          const queued = github.model.queueJob({ repo: job.repo, labels: job.labels, durationMs: Math.max(200, Math.round((job.duration * 1000) / options.speed)) });
          jobIds.push(queued.id);
          arrived++;
          if (job.cancelAt !== undefined) {
            timers.push(
              setTimeout(() => {
                if (github.model.job(queued.id)?.status !== 'completed') github.model.cancelJob(queued.id);
              }, Math.max(0, ((job.cancelAt - job.at) * 1000) / options.speed)),
            );
          }
        }, (job.at * 1000) / options.speed),
      );
    }

    // Sampling: the live view, the timeline and runner time. Queued jobs count for the pool label matching picks.
    const matcher = createMatcher(options.pools);
    const poolOfJob = new Map<number, string | undefined>();
    const poolOf = (job: { id: number; labels: readonly string[]; repoId: number }) => {
      if (!poolOfJob.has(job.id)) {
        const repo = github.model.repoById(job.repoId);
        poolOfJob.set(job.id, repo ? matcher(job.labels, { repository: { owner: repo.owner, repo: repo.name } }).pool?.id : undefined);
      }
      return poolOfJob.get(job.id);
    };
    const timeline: TimelinePoint[] = [];
    const seconds = { busy: 0, idle: 0, booting: 0 };
    const peak = new Map<string, number>();
    let maxRunnersExceeded = 0;
    let last = Date.now();
    const frameInterval = options.frameInterval ?? 250;
    let settled = false;
    while (Date.now() - started < options.timeout) {
      await sleep(frameInterval);
      const now = Date.now();
      const dt = (now - last) / 1000;
      last = now;
      const runners = (await store.ledger.listRunners({}, AbortSignal.timeout(5_000))).filter((r) => ALIVE.has(r.state));
      const instances = (await provider.list({}, AbortSignal.timeout(5_000))).filter((i) => i.state === 'running' || i.state === 'stopping');
      const jobs = jobIds.map((id) => github.model.job(id)).filter((j) => j !== undefined);
      const queued = jobs.filter((j) => j.status === 'queued').length;
      const running = jobs.filter((j) => j.status === 'in_progress').length;
      const done = jobs.filter((j) => j.status === 'completed').length;
      const pools = options.pools.map((pool) => {
        const mine = runners.filter((r) => r.poolId === pool.id);
        const byState: Partial<Record<RunnerState, number>> = {};
        for (const r of mine) byState[r.state] = (byState[r.state] ?? 0) + 1;
        const processes = instances.filter((i) => i.poolId === pool.id).length;
        if (processes > (peak.get(pool.id) ?? 0)) peak.set(pool.id, processes);
        if (processes > pool.maxRunners) maxRunnersExceeded++;
        return { id: pool.id, maxRunners: pool.maxRunners, runners: byState, processes, queuedJobs: jobs.filter((j) => j.status === 'queued' && poolOf(j) === pool.id).length };
      });
      for (const r of runners) {
        if (r.state === 'busy') seconds.busy += dt;
        else if (r.state === 'idle') seconds.idle += dt;
        else if (r.state === 'launching' || r.state === 'booting') seconds.booting += dt;
      }
      const counters = github.counters().webhooks;
      timeline.push({
        at: Math.round((now - started) / 100) / 10,
        queued,
        running,
        runners: instances.length,
        pools: Object.fromEntries(pools.map((p) => [p.id, { queued: p.queuedJobs, running: p.runners.busy ?? 0, runners: p.processes }])),
      });
      options.onFrame?.({
        elapsedSeconds: (now - started) / 1000,
        jobs: { total: options.trace.jobs.length, arrived, queued, running, done },
        pools,
        webhooks: { delivered: counters.succeeded, failed: counters.failed },
      });
      if (arrived === options.trace.jobs.length && done === jobs.length && runners.length === 0 && instances.length === 0) {
        settled = true;
        break;
      }
    }
    for (const timer of timers) clearTimeout(timer);

    // The report: jobs from GitHub's side, runner time sampled from the ledger.
    const jobs = jobIds.map((id) => github.model.job(id)).filter((j) => j !== undefined);
    const waits = jobs
      .filter((j) => j.startedAt !== undefined)
      .map((j) => ((j.startedAt as number) - (j.queuedAt ?? j.createdAt)) / 1000)
      .sort((a, b) => a - b);
    const served = waits.length;
    const cancelled = jobs.filter((j) => j.startedAt === undefined && j.conclusion === 'cancelled').length;
    const total = options.trace.jobs.length;
    const leftInstances = (await provider.list({}, AbortSignal.timeout(5_000))).filter((i) => i.state !== 'terminated');
    const registrations = github.model.allRunners();
    const engineStats = serve.engine.stats();
    const githubCalls = Object.values(client.stats().operations).reduce((n, op) => n + op.requests, 0) + client.stats().tokenMints;
    const cloudCalls = engineStats.apiCallsByTarget['provider'] ?? 0;
    const round1 = (n: number) => Math.round(n * 10) / 10;
    const round3 = (n: number) => Math.round(n * 1000) / 1000;
    const counters = github.counters().webhooks;
    const realSeconds = (Date.now() - started) / 1000;
    const everyRunner = await store.ledger.listRunners({}, AbortSignal.timeout(5_000));
    const boots = everyRunner
      .filter((r) => r.onlineAt !== undefined && r.launchedAt !== undefined)
      .map((r) => Math.max(0, (r.onlineAt as number) - (r.launchedAt as number)) / 1000)
      .sort((a, b) => a - b);
    const unservedJobs = jobs.filter((j) => j.status === 'queued');
    return {
      result: {
        policy: 'ghr',
        seed: options.seed,
        jobs: { total, served, unserved: Math.max(0, total - served - cancelled), cancelled },
        waitSeconds: { p50: round1(quantile(waits, 0.5)), p95: round1(quantile(waits, 0.95)), p99: round1(quantile(waits, 0.99)), max: round1(waits[waits.length - 1] ?? 0) },
        runnerSeconds: { busy: Math.round(seconds.busy), idle: Math.round(seconds.idle), booting: Math.round(seconds.booting) },
        runnersLaunched: engineStats.runnersLaunched,
        runnersWithoutJob: everyRunner.filter((r) => r.launchedAt !== undefined && r.jobId === undefined).length,
        githubApiCalls: { total: githubCalls, perJob: round3(total === 0 ? 0 : githubCalls / total), perHour: Math.round(githubCalls / Math.max(realSeconds / 3600, 1 / 3600)) },
        cloudApiCalls: { total: cloudCalls, perJob: round3(total === 0 ? 0 : cloudCalls / total) },
        violations: {
          maxRunnersExceeded,
          busyRunnerTerminated: jobs.filter((j) => j.conclusion === 'failure' && j.plannedConclusion === 'success').length,
          orphansLeft: leftInstances.length + registrations.length,
          jobsLost: unservedJobs.length,
        },
      },
      timeline,
      simulatedSeconds: Math.round(realSeconds),
      steps: serve.stats().batches,
      pools: options.pools.map((p) => ({ id: p.id, maxRunners: p.maxRunners, peakAlive: peak.get(p.id) ?? 0, launched: 0 })),
      errors: Object.fromEntries(Object.entries(engineStats.apiErrors)),
      calls: { github: Object.fromEntries(Object.entries(client.stats().operations).map(([k, v]) => [k, v.requests])), cloud: { ...engineStats.apiCalls } },
      bootSecondsP50: round1(quantile(boots, 0.5)),
      bootSecondsP95: round1(quantile(boots, 0.95)),
      waits,
      leftovers: {
        orphans: [
          ...leftInstances.map((i) => ({ kind: 'instance' as const, name: i.name, ageSeconds: Math.round((Date.now() - i.launchedAt) / 1000) })),
          ...registrations.map((r) => ({ kind: 'registration' as const, name: r.name, ageSeconds: Math.round((Date.now() - r.createdAt) / 1000) })),
        ],
        jobsLost: unservedJobs.map((j) => ({ id: j.id, runAttempt: j.runAttempt, labels: j.labels, ageSeconds: Math.round((Date.now() - j.createdAt) / 1000) })),
      },
      realSeconds,
      settled,
      webhooks: { delivered: counters.succeeded, failed: counters.failed },
    };
  } finally {
    await serve?.close();
    const left = (await provider.list({}, AbortSignal.timeout(5_000)).catch(() => [])).filter((i) => i.state !== 'terminated');
    if (left.length > 0) await provider.terminate(left.map((i) => i.providerId), AbortSignal.timeout(15_000)).catch(() => undefined);
    store.close();
    await github.close();
    await rm(dir, { recursive: true, force: true });
  }
}
