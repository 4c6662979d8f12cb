import { jobEvent, poolFixture } from '@ghr/contracts';
import { describe, expect, it } from 'vitest';
import type { JobEvent, JobStatus, Pool } from '../domain.js';
import { GhrError } from '../errors.js';
import type { LogFields, MetricUnit } from '../ports.js';
import type { Plan } from '../policy/types.js';
import { ManualClock } from '../memory/manual-clock.js';
import { MemoryLedger } from '../memory/memory-ledger.js';
import { MemoryRunnerProvider } from '../memory/memory-runner-provider.js';
import { createEngine } from './engine.js';
import { FakeGitHub } from './fake-github.test-support.js';
import type { EngineOptions } from './types.js';

const T0 = Date.UTC(2026, 0, 5, 9);
const MIN = 60_000;
const sig = () => AbortSignal.timeout(30_000);

function seeded(seed = 1): () => number {
  let s = seed;
  return () => {
    s = (s * 1_103_515_245 + 12_345) % 2 ** 31;
    return s / 2 ** 31;
  };
}

interface Setup {
  pools?: Pool[];
  options?: EngineOptions;
  clock?: ManualClock;
  ledger?: MemoryLedger;
  provider?: MemoryRunnerProvider;
  github?: FakeGitHub;
}

function setup(opts: Setup = {}) {
  const clock = opts.clock ?? new ManualClock({ start: T0, autoAdvance: true });
  const ledger = opts.ledger ?? new MemoryLedger({ clock });
  const provider = opts.provider ?? new MemoryRunnerProvider({ clock });
  const github = opts.github ?? new FakeGitHub();
  const logs: { level: string; message: string; fields?: LogFields }[] = [];
  const logAt = (level: string) => (message: string, fields?: LogFields) => void logs.push({ level, message, fields });
  const metrics: { name: string; value: number; unit: MetricUnit; dimensions?: Readonly<Record<string, string>> }[] = [];
  const pools = opts.pools ?? [poolFixture('linux', { maxRunners: 5 })];
  const engine = createEngine({
    ledger,
    github,
    provider,
    clock,
    pools,
    logger: { debug: logAt('debug'), info: logAt('info'), warn: logAt('warn'), error: logAt('error') },
    metrics: { record: (name, value, unit, dimensions) => void metrics.push({ name, value, unit, dimensions }), flush: async () => undefined },
    options: { random: seeded(), launchBackoff: 1_000, ...opts.options },
  });
  const metricSum = (name: string, dims: Record<string, string> = {}) =>
    metrics
      .filter((m) => m.name === name && Object.entries(dims).every(([k, v]) => m.dimensions?.[k] === v))
      .reduce((a, m) => a + m.value, 0);
  return { clock, ledger, provider, github, logs, metrics, metricSum, engine, pools };
}

function ev(id: number, action: JobStatus, extra: { runnerName?: string; conclusion?: string; at?: number; delivery?: string; poolId?: string | null } = {}): JobEvent {
  const base = jobEvent(id);
  return {
    ...base,
    deliveryId: extra.delivery ?? `${action}-${id}`,
    action,
    poolId: extra.poolId === undefined ? 'linux' : extra.poolId,
    job: { ...base.job, runnerName: extra.runnerName, conclusion: extra.conclusion },
    receivedAt: extra.at ?? T0,
  };
}

describe('engine: happy path', () => {
  it('takes a job from queued to a launched, online, busy and finally retired runner', async () => {
    const s = setup();

    const queued = await s.engine.ingest([ev(1, 'queued')], sig());
    expect(queued.events).toEqual([{ deliveryId: 'queued-1', jobId: 1, outcome: 'applied' }]);
    expect(queued.touchedPools).toEqual(['linux']);

    const up = await s.engine.reconcile({ pools: ['linux'], sweep: false }, sig());
    expect(up.launched).toHaveLength(1);
    const name = up.launched[0]!;
    expect(name).toMatch(/^ghr-linux-[a-z0-9]{8}$/);
    const booting = await s.ledger.getRunner(name, sig());
    expect(booting).toMatchObject({ state: 'booting', poolId: 'linux', ephemeral: true });
    expect(booting?.githubId).toBe(s.github.byName(name)?.id);
    expect(s.provider.bootstrapOf(booting!.providerId!)).toEqual({ kind: 'jit', encodedJitConfig: expect.stringMatching(/^JIT-SECRET-/) });
    expect(s.metricSum('RunnersLaunched', { pool: 'linux' })).toBe(1);

    // A second reconcile does not launch again: the booting runner covers the queued job.
    expect((await s.engine.reconcile({ pools: ['linux'], sweep: false }, sig())).launched).toEqual([]);

    // The runner connects: a sweep sees it online and idle.
    s.github.online(name);
    await s.engine.reconcile({ sweep: true }, sig());
    expect(await s.ledger.getRunner(name, sig())).toMatchObject({ state: 'idle', onlineAt: expect.any(Number) });

    // GitHub hands it the job.
    const startAt = T0 + 45_000;
    const started = await s.engine.ingest([ev(1, 'in_progress', { runnerName: name, at: startAt })], sig());
    expect(started.events[0]?.outcome).toBe('applied');
    expect(await s.ledger.getRunner(name, sig())).toMatchObject({ state: 'busy', jobId: 1, busySince: startAt });
    expect(s.metrics.find((m) => m.name === 'JobStartLatency')).toMatchObject({ value: 45_000, unit: 'Milliseconds', dimensions: { pool: 'linux' } });

    // The job completes: the ephemeral runner is retired at once.
    s.github.registrations.delete(s.github.byName(name)!.id); // GitHub removes an ephemeral runner after its job
    const done = await s.engine.ingest([ev(1, 'completed', { runnerName: name, conclusion: 'success' })], sig());
    expect(done.retired).toEqual([name]);
    expect(await s.ledger.getRunner(name, sig())).toMatchObject({ state: 'terminated', reason: 'job-completed' });
    expect(s.provider.instances()).toEqual([]);
    expect(await s.ledger.alive('linux', sig())).toBe(0);
    expect((await s.ledger.getJob(1, sig()))?.status).toBe('completed');

    // Nothing left to do.
    const idle = await s.engine.reconcile({ sweep: true }, sig());
    expect(idle.launched).toEqual([]);
    expect(idle.terminatedInstances).toEqual([]);
  });

  it('never writes a JIT config or token into a log line or metric', async () => {
    const s = setup({ pools: [poolFixture('linux', { maxRunners: 5 }), poolFixture('persistent', { ephemeral: false, maxRunners: 2 })] });
    await s.engine.ingest([ev(1, 'queued'), ev(2, 'queued', { poolId: 'persistent' })], sig());
    s.provider.failNextLaunch({ code: 'invalid-config' });
    await s.engine.reconcile({ sweep: false }, sig());
    await s.engine.reconcile({ sweep: true }, sig());
    expect(s.github.secrets.length).toBeGreaterThan(0);
    const text = JSON.stringify([s.logs, s.metrics]);
    for (const secret of s.github.secrets) expect(text).not.toContain(secret);
  });

  it('names the runner and the job in every log line about them', async () => {
    const s = setup();
    await s.engine.ingest([ev(1, 'queued')], sig());
    const { launched } = await s.engine.reconcile({ sweep: false }, sig());
    await s.engine.ingest([ev(1, 'in_progress', { runnerName: launched[0] }), ev(1, 'completed', { runnerName: launched[0] })], sig());
    const about = s.logs.filter((l) => /^(runner|job) /.test(l.message));
    expect(about.length).toBeGreaterThan(3);
    for (const line of about) expect(line.fields?.runner ?? line.fields?.job).toBeDefined();
  });

  it('gives a non-ephemeral pool a registration token and puts its runner back to idle after a job', async () => {
    const pool = poolFixture('persistent', { ephemeral: false, maxRunners: 2, scope: { kind: 'repo', owner: 'acme', repo: 'web' } });
    const s = setup({ pools: [pool] });
    await s.engine.ingest([ev(1, 'queued', { poolId: 'persistent' })], sig());
    const { launched } = await s.engine.reconcile({ sweep: false }, sig());
    const runner = await s.ledger.getRunner(launched[0]!, sig());
    expect(s.provider.bootstrapOf(runner!.providerId!)).toMatchObject({ kind: 'registration', url: 'https://github.com/acme/web', token: expect.stringMatching(/^REG-TOKEN-/) });
    expect(s.github.calls.get('createJitConfig')).toBeUndefined();

    await s.engine.ingest([ev(1, 'in_progress', { runnerName: runner!.name }), ev(1, 'completed', { runnerName: runner!.name })], sig());
    expect(await s.ledger.getRunner(runner!.name, sig())).toMatchObject({ state: 'idle', jobId: 1 });
    expect(s.provider.instances()).toHaveLength(1);
  });
});

describe('engine: ingest is idempotent', () => {
  it('absorbs duplicates and reordered events; a late queued cannot resurrect a completed job', async () => {
    const s = setup();
    const first = await s.engine.ingest([ev(1, 'completed', { conclusion: 'cancelled' })], sig());
    expect(first.events[0]?.outcome).toBe('applied');
    expect(await s.ledger.getJob(1, sig())).toMatchObject({ status: 'completed', conclusion: 'cancelled', poolId: 'linux' });

    const late = await s.engine.ingest([ev(1, 'queued'), ev(1, 'in_progress', { runnerName: 'ghr-linux-x' }), ev(1, 'completed', { delivery: 'again' })], sig());
    expect(late.events.map((e) => e.outcome)).toEqual(['stale', 'stale', 'duplicate']);
    expect(late.touchedPools).toEqual([]);
    expect((await s.ledger.getJob(1, sig()))?.version).toBe(1);
    expect((await s.engine.reconcile({ sweep: false }, sig())).launched).toEqual([]);
  });

  it('applies events of one job in any order to the same end state', async () => {
    const s = setup();
    await s.engine.ingest([ev(2, 'queued')], sig());
    const { launched } = await s.engine.reconcile({ sweep: false }, sig());
    const name = launched[0]!;
    const result = await s.engine.ingest(
      [ev(2, 'completed', { runnerName: name, conclusion: 'success' }), ev(2, 'in_progress', { runnerName: name }), ev(2, 'queued', { delivery: 'dup' })],
      sig(),
    );
    expect(result.events.map((e) => e.outcome)).toEqual(['applied', 'stale', 'stale']);
    expect(await s.ledger.getRunner(name, sig())).toMatchObject({ state: 'terminated' });
  });

  it('counts a duplicate delivery once and leaves the runner as it was', async () => {
    const s = setup();
    await s.engine.ingest([ev(3, 'queued')], sig());
    const { launched } = await s.engine.reconcile({ sweep: false }, sig());
    const name = launched[0]!;
    await s.engine.ingest([ev(3, 'in_progress', { runnerName: name })], sig());
    const before = await s.ledger.getRunner(name, sig());
    const again = await s.engine.ingest([ev(3, 'in_progress', { runnerName: name })], sig());
    expect(again.events[0]?.outcome).toBe('duplicate');
    expect(await s.ledger.getRunner(name, sig())).toEqual(before);
    expect(s.metrics.filter((m) => m.name === 'JobStartLatency')).toHaveLength(1);
  });

  it('touches the pool again on a repeated queued event, in case the reconcile after the first was lost', async () => {
    const s = setup();
    await s.engine.ingest([ev(7, 'queued')], sig());
    const again = await s.engine.ingest([ev(7, 'queued')], sig());
    expect(again.events[0]?.outcome).toBe('duplicate');
    expect(again.touchedPools).toEqual(['linux']);
  });

  it('records the pool at first sight, fills it in later if unknown, and ignores runners that are not ours', async () => {
    const s = setup();
    await s.engine.ingest([ev(4, 'waiting', { poolId: null })], sig());
    expect((await s.ledger.getJob(4, sig()))?.poolId).toBeNull();
    const r = await s.engine.ingest([ev(4, 'queued'), ev(4, 'in_progress', { runnerName: 'someone-elses-runner' })], sig());
    expect(r.events.map((e) => e.outcome)).toEqual(['applied', 'applied']);
    expect(await s.ledger.getJob(4, sig())).toMatchObject({ status: 'in_progress', poolId: 'linux', runnerName: 'someone-elses-runner' });
    expect(await s.ledger.listRunners({}, sig())).toEqual([]);
  });

  it('reports events it could not process when the deadline already fired', async () => {
    const s = setup();
    const controller = new AbortController();
    controller.abort();
    const result = await s.engine.ingest([ev(5, 'queued'), ev(6, 'queued')], controller.signal);
    expect(result.events).toEqual([]);
    expect(result.unprocessed.map((u) => u.event.job.id)).toEqual([5, 6]);
    expect(await s.ledger.getJob(5, sig())).toBeUndefined();
  });
});

describe('engine: launch failures', () => {
  it('deletes the registration and releases the admission when the provider refuses for good', async () => {
    const s = setup();
    await s.engine.ingest([ev(1, 'queued'), ev(2, 'queued')], sig());
    s.provider.failNextLaunch({ code: 'quota', count: 1 });
    const result = await s.engine.reconcile({ sweep: false }, sig());
    expect(result.launched).toHaveLength(1);
    expect(result.launchFailures).toEqual([{ runnerName: expect.stringMatching(/^ghr-linux-/), code: 'quota' }]);
    const failed = result.launchFailures[0]!.runnerName;
    expect(await s.ledger.getRunner(failed, sig())).toMatchObject({ state: 'failed', reason: 'quota' });
    expect(s.github.byName(failed)).toBeUndefined();
    expect(await s.ledger.alive('linux', sig())).toBe(1);
    expect(s.metricSum('LaunchFailures', { pool: 'linux', code: 'quota' })).toBe(1);
    expect(s.provider.calls.launch).toBe(1);
  });

  it('retries a retryable failure with backoff and launches on a later attempt', async () => {
    const s = setup();
    await s.engine.ingest([ev(1, 'queued'), ev(2, 'queued'), ev(3, 'queued')], sig());
    s.provider.failNextLaunch({ code: 'capacity', count: 2 });
    const before = s.clock.now();
    const result = await s.engine.reconcile({ sweep: false }, sig());
    expect(result.launched).toHaveLength(3);
    expect(result.launchFailures).toEqual([]);
    expect(s.provider.calls.launch).toBe(2);
    expect(s.clock.now() - before).toBeGreaterThanOrEqual(500); // slept (virtual) before retrying
    expect(await s.ledger.listRunners({ states: ['booting'] }, sig())).toHaveLength(3);
  });

  it('gives up after the bounded attempts and fails the runners', async () => {
    const s = setup({ options: { launchAttempts: 3 } });
    await s.engine.ingest([ev(1, 'queued')], sig());
    for (let i = 0; i < 3; i += 1) s.provider.failNextLaunch({ code: 'throttled' });
    const result = await s.engine.reconcile({ sweep: false }, sig());
    expect(s.provider.calls.launch).toBe(3);
    expect(result.launchFailures).toEqual([{ runnerName: expect.any(String), code: 'throttled' }]);
    expect(await s.ledger.alive('linux', sig())).toBe(0);
    expect(s.github.registrations.size).toBe(0);
  });

  it('fails a runner whose JIT config could not be minted and launches the others', async () => {
    const s = setup();
    await s.engine.ingest([ev(1, 'queued'), ev(2, 'queued')], sig());
    s.github.failJit = 1;
    const result = await s.engine.reconcile({ sweep: false }, sig());
    expect(result.launched).toHaveLength(1);
    expect(result.launchFailures.map((f) => f.code)).toEqual(['internal']);
    expect(await s.ledger.alive('linux', sig())).toBe(1);
  });

  it('treats a provider that throws as a failure of every runner of the call', async () => {
    const s = setup();
    await s.engine.ingest([ev(1, 'queued')], sig());
    s.provider.launch = async () => {
      throw Object.assign(new Error('InvalidLaunchTemplateId.NotFound'), { code: 'invalid-config', retryable: false });
    };
    const result = await s.engine.reconcile({ sweep: false }, sig());
    expect(result.launchFailures.map((f) => f.code)).toEqual(['invalid-config']);
    expect(await s.ledger.alive('linux', sig())).toBe(0);
    expect(s.github.registrations.size).toBe(0);
  });
  it('counts machines that started although launch threw (a timeout), and keeps the others launching instead of launching them again', async () => {
    const s = setup();
    await s.engine.ingest([ev(1, 'queued'), ev(2, 'queued')], sig());
    const launch = s.provider.launch.bind(s.provider);
    s.provider.launch = async (pool, requests, signal) => {
      await launch(pool, requests.slice(0, 1), signal);
      throw Object.assign(new Error('socket timeout'), { code: 'timeout', retryable: true });
    };
    const result = await s.engine.reconcile({ sweep: false }, sig());
    // The call started one machine and threw: the listing shows that one; the other's outcome is unknown (a listing
    // lags launches), so it is neither failed (its slot would be freed while a machine may run) nor launched again.
    expect(s.provider.calls.launch).toBe(1);
    expect(result.launchFailures).toEqual([]);
    expect(result.launched).toHaveLength(1);
    const [instance] = s.provider.instances();
    expect(await s.ledger.getRunner(instance!.name, sig())).toMatchObject({ state: 'booting', providerId: instance!.providerId });
    const others = (await s.ledger.listRunners({ states: ['launching'] }, sig())).filter((r) => r.name !== instance!.name);
    expect(others).toHaveLength(1);
    expect(others[0]?.githubId).toBeDefined();
    expect(s.provider.instances()).toHaveLength(1);
  });

  it('fails the runners of a launch the provider refused outright (throttled), and retries them', async () => {
    const s = setup();
    await s.engine.ingest([ev(1, 'queued')], sig());
    const launch = s.provider.launch.bind(s.provider);
    let refusals = 1;
    s.provider.launch = async (pool, requests, signal) => {
      if (refusals-- > 0) throw Object.assign(new Error('RequestLimitExceeded'), { code: 'throttled', retryable: true });
      return launch(pool, requests, signal);
    };
    const result = await s.engine.reconcile({ sweep: false }, sig());
    expect(s.provider.calls.launch).toBe(1);
    expect(result.launched).toHaveLength(1);
    expect(s.provider.instances()).toHaveLength(1);
  });
});

describe('engine: drains', () => {
  async function idleRunner(s: ReturnType<typeof setup>) {
    await s.engine.ingest([ev(1, 'queued')], sig());
    const { launched } = await s.engine.reconcile({ sweep: false }, sig());
    const name = launched[0]!;
    await s.engine.ingest([ev(1, 'in_progress', { runnerName: name }), ev(1, 'completed', { runnerName: name })], sig());
    return name;
  }

  it('leaves alone and marks busy a runner that GitHub says is busy', async () => {
    const s = setup({ pools: [poolFixture('linux', { ephemeral: false, maxRunners: 3, idleTimeout: 5 * MIN })] });
    const name = await idleRunner(s);
    s.github.addRegistration({ kind: 'org', org: 'acme' }, 'placeholder');
    s.github.registrations.delete(s.github.byName('placeholder')!.id);
    // Non-ephemeral: registered by token, so GitHub's id comes from the sweep.
    const id = s.github.addRegistration({ kind: 'org', org: 'acme' }, name, true);
    await s.clock.advance(10 * MIN);

    const result = await s.engine.reconcile({ sweep: true }, sig());
    expect(result.terminatedInstances).toEqual([]);
    expect(s.provider.instances()).toHaveLength(1);
    expect(await s.ledger.getRunner(name, sig())).toMatchObject({ state: 'busy', githubId: id });
  });

  it('drains an idle runner past idleTimeout: deregisters first, then terminates', async () => {
    const s = setup({ pools: [poolFixture('linux', { ephemeral: false, maxRunners: 3, idleTimeout: 5 * MIN })] });
    const name = await idleRunner(s);
    const id = s.github.addRegistration({ kind: 'org', org: 'acme' }, name, false);
    await s.clock.advance(10 * MIN);

    const result = await s.engine.reconcile({ sweep: true }, sig());
    expect(result.plan.drains.map((d) => d.runnerName)).toEqual([name]);
    expect(result.deletedRegistrations).toEqual([id]);
    expect(result.drained).toEqual([name]);
    expect(s.provider.instances()).toEqual([]);
    expect(await s.ledger.getRunner(name, sig())).toMatchObject({ state: 'terminated', reason: 'idle-timeout' });
  });

  it('does not terminate when GitHub answers busy to the deregistration of a planned drain', async () => {
    const busyPlan = (drainName: () => string) => (): Plan => ({
      at: T0, launches: [], drains: [{ runnerName: drainName(), poolId: 'linux', reason: 'idle-timeout' }],
      terminations: [], expirations: [], deregistrations: [], rechecks: [], overdue: [], pools: [],
    });
    let target = '';
    const s = setup({ options: { plan: busyPlan(() => target) } });
    const runner = (await s.ledger.admit('linux', [{ name: 'ghr-linux-aaaa', poolId: 'linux', state: 'launching', labels: [], ephemeral: true, createdAt: T0, updatedAt: T0, version: 1 }], 5, sig()))[0]!;
    const [launched] = (await s.provider.launch(s.pools[0]!, [{ name: runner.name, poolId: 'linux', labels: [], ephemeral: true, bootstrap: { kind: 'jit', encodedJitConfig: 'x' } }], sig())).launched;
    const jit = await s.github.createJitConfig({ kind: 'org', org: 'acme' }, { name: runner.name, labels: [] });
    await s.ledger.putRunner({ ...runner, state: 'idle', providerId: launched!.providerId, githubId: jit.runnerId, version: 2 }, sig());
    s.github.online(runner.name, true);
    target = runner.name;

    const result = await s.engine.reconcile({ sweep: false }, sig());
    expect(result.foundBusy).toEqual([runner.name]);
    expect(s.provider.calls.terminate).toBe(0);
    expect(await s.ledger.getRunner(runner.name, sig())).toMatchObject({ state: 'busy' });
  });
});

describe('engine: concurrency and deadlines', () => {
  it('never exceeds maxRunners with two engines reconciling one ledger at once', async () => {
    const clock = new ManualClock({ start: T0, autoAdvance: true });
    const ledger = new MemoryLedger({ clock });
    const provider = new MemoryRunnerProvider({ clock });
    const github = new FakeGitHub();
    const pools = [poolFixture('linux', { maxRunners: 10 })];
    const a = setup({ clock, ledger, provider, github, pools, options: { random: seeded(1) } });
    const b = setup({ clock, ledger, provider, github, pools, options: { random: seeded(2) } });
    await a.engine.ingest(Array.from({ length: 40 }, (_, i) => ev(i + 1, 'queued')), sig());

    const results = await Promise.all([
      a.engine.reconcile({ sweep: false }, sig()),
      b.engine.reconcile({ sweep: false }, sig()),
      a.engine.reconcile({ sweep: true }, sig()),
      b.engine.reconcile({ sweep: true }, sig()),
    ]);
    const launched = results.flatMap((r) => r.launched);
    expect(launched).toHaveLength(10);
    expect(await ledger.alive('linux', sig())).toBe(10);
    expect(provider.instances()).toHaveLength(10);
    expect(github.registrations.size).toBe(10);
  });

  it('starts nothing once the deadline has fired', async () => {
    const s = setup();
    await s.engine.ingest([ev(1, 'queued')], sig());
    const controller = new AbortController();
    controller.abort();
    const result = await s.engine.reconcile({ sweep: false }, controller.signal);
    expect(result.aborted).toBe(true);
    expect(result.launched).toEqual([]);
    expect(s.provider.calls.launch).toBe(0);
    expect(await s.ledger.alive('linux', sig())).toBe(0);
  });

  it('leaves the ledger consistent when the deadline fires in the middle of a launch', async () => {
    const s = setup();
    await s.engine.ingest([ev(1, 'queued'), ev(2, 'queued')], sig());
    const controller = new AbortController();
    const mint = s.github.createJitConfig.bind(s.github);
    s.github.createJitConfig = async (scope, request) => {
      const jit = await mint(scope, request);
      controller.abort(); // the Lambda's deadline fires while minting
      return jit;
    };
    const result = await s.engine.reconcile({ sweep: false }, controller.signal);
    expect(result.aborted).toBe(true);
    const runners = await s.ledger.listRunners({}, sig());
    expect(runners.length).toBeGreaterThan(0);
    for (const r of runners) expect(['booting', 'failed']).toContain(r.state);
    const failed = runners.filter((r) => r.state === 'failed');
    for (const r of failed) expect(s.github.byName(r.name)).toBeUndefined();
    expect(await s.ledger.alive('linux', sig())).toBe(runners.length - failed.length);
  });

  it('stops retrying a launch when the deadline fires during the backoff', async () => {
    const clock = new ManualClock({ start: T0 }); // sleeps wait for advance(): the deadline comes first
    const s = setup({ clock });
    await s.engine.ingest([ev(1, 'queued')], sig());
    s.provider.failNextLaunch({ code: 'capacity' });
    const controller = new AbortController();
    const pending = s.engine.reconcile({ sweep: false }, controller.signal);
    while (clock.pendingSleeps === 0) await new Promise((r) => setImmediate(r));
    controller.abort();
    const result = await pending;
    expect(result.launchFailures.map((f) => f.code)).toEqual(['capacity']);
    expect(s.provider.calls.launch).toBe(1);
    expect(await s.ledger.alive('linux', sig())).toBe(0);
    expect(s.github.registrations.size).toBe(0);
  });

  it('counts every external call by target', async () => {
    const s = setup();
    await s.engine.ingest([ev(1, 'queued')], sig());
    await s.engine.reconcile({ sweep: true }, sig());
    const stats = s.engine.stats();
    expect(stats.apiCalls['github.createJitConfig']).toBe(1);
    expect(stats.apiCalls['github.listRunners']).toBe(1);
    expect(stats.apiCalls['provider.launch']).toBe(1);
    expect(stats.apiCalls['provider.list']).toBe(1);
    expect(stats.apiCallsByTarget.github).toBe(s.github.total());
    expect(s.metricSum('ApiCalls', { target: 'github' })).toBe(s.github.total());
    expect(s.metricSum('ApiCalls', { target: 'provider' })).toBe(2);
    expect(stats.runnersLaunched).toBe(1);
  });
});

describe('engine: sweeps repair what events missed', () => {
  it('reaps an instance without a runner past bootTimeout and a registration without a runner', async () => {
    const s = setup({ pools: [poolFixture('linux', { bootTimeout: 5 * MIN })] });
    await s.provider.launch(s.pools[0]!, [{ name: 'ghr-linux-orphan01', poolId: 'linux', labels: [], ephemeral: true, bootstrap: { kind: 'jit', encodedJitConfig: 'x' } }], sig());
    const ghost = s.github.addRegistration({ kind: 'org', org: 'acme' }, 'ghr-linux-ghost001');
    s.github.registrations.get(ghost)!.status = 'offline';
    const busyGhost = s.github.addRegistration({ kind: 'org', org: 'acme' }, 'ghr-linux-ghost002', true);
    const notOurs = s.github.addRegistration({ kind: 'org', org: 'acme' }, 'someone-else');
    await s.clock.advance(6 * MIN);

    const result = await s.engine.reconcile({ sweep: true }, sig());
    expect(s.provider.instances()).toEqual([]);
    expect(result.deletedRegistrations).toEqual([ghost]);
    expect([...s.github.registrations.keys()].sort()).toEqual([busyGhost, notOurs].sort());
    expect(s.engine.stats().orphansReaped).toBe(2);
    expect(s.metricSum('OrphansReaped')).toBe(2);
  });

  it('terminates a runner that never came online within bootTimeout, deregistering it first', async () => {
    const s = setup({ pools: [poolFixture('linux', { bootTimeout: 5 * MIN })] });
    await s.engine.ingest([ev(1, 'queued')], sig());
    const { launched } = await s.engine.reconcile({ sweep: false }, sig());
    await s.clock.advance(6 * MIN);
    const result = await s.engine.reconcile({ sweep: true }, sig());
    expect(await s.ledger.getRunner(launched[0]!, sig())).toMatchObject({ state: 'failed', reason: 'boot-timeout' });
    expect(s.github.byName(launched[0]!)).toBeUndefined();
    // The job still waits: a replacement is launched in the same reconcile.
    expect(result.launched).toHaveLength(1);
    expect(s.provider.instances().map((i) => i.name)).toEqual(result.launched);
  });

  it('ends a runner that never got a machine only in a full sweep, which shows any machine it has', async () => {
    const s = setup({ pools: [poolFixture('linux', { bootTimeout: 5 * MIN, maxRunners: 1 })] });
    // A run crashed after admitting the runner: no machine recorded.
    await s.ledger.admit('linux', [{ name: 'ghr-linux-crashed1', poolId: 'linux', state: 'launching', labels: [], ephemeral: true, createdAt: T0, updatedAt: T0, version: 1 }], 1, sig());
    await s.clock.advance(6 * MIN);
    const partial = await s.engine.reconcile({ sweep: false }, sig());
    expect(partial.plan.expirations).toHaveLength(1);
    expect(await s.ledger.alive('linux', sig())).toBe(1);

    const sweep = await s.engine.reconcile({ sweep: true }, sig());
    expect(await s.ledger.getRunner('ghr-linux-crashed1', sig())).toMatchObject({ state: 'failed', reason: 'boot-timeout' });
    expect(sweep.launched).toEqual([]);
  });

  it('defers re-checks of stale queued jobs while their pool is full and has no idle runner', async () => {
    const s = setup({ pools: [poolFixture('linux', { maxRunners: 0 })] });
    await s.engine.ingest([ev(1, 'queued')], sig());
    await s.clock.advance(6 * MIN);
    expect((await s.engine.reconcile({ sweep: true }, sig())).rechecked).toBe(0);
    expect(s.github.calls.get('getJob')).toBeUndefined();
  });

  it('re-checks a stale queued job with GitHub: a cancelled job stops counting as demand', async () => {
    const s = setup({ pools: [poolFixture('linux', { maxRunners: 2 })] });
    await s.engine.ingest([ev(1, 'queued'), ev(2, 'queued')], sig());
    s.github.jobs.set(1, { id: 1, runId: 1001, status: 'completed', conclusion: 'cancelled', labels: [] });
    s.github.jobs.set(2, { id: 2, runId: 1002, status: 'queued', labels: [] });
    await s.clock.advance(6 * MIN);
    // Scale-up reconciles spend no GitHub requests on re-checks: full sweeps do.
    expect((await s.engine.reconcile({ sweep: false }, sig())).rechecked).toBe(0);
    expect(s.github.calls.get('getJob')).toBeUndefined();
    const result = await s.engine.reconcile({ sweep: true }, sig());
    expect(result.rechecked).toBe(2);
    expect(await s.ledger.getJob(1, sig())).toMatchObject({ status: 'completed', conclusion: 'cancelled' });
    expect(await s.ledger.getJob(2, sig())).toMatchObject({ status: 'queued', checkedAt: s.clock.now() });
    // Checked just now: not asked again in the next sweep.
    expect((await s.engine.reconcile({ sweep: true }, sig())).rechecked).toBe(0);
  });

  it('re-checks a job whose in_progress event was lost and marks its runner busy', async () => {
    const s = setup();
    await s.engine.ingest([ev(1, 'queued')], sig());
    const { launched } = await s.engine.reconcile({ sweep: false }, sig());
    s.github.jobs.set(1, { id: 1, runId: 1001, status: 'in_progress', labels: [], runnerName: launched[0], startedAt: T0 + MIN });
    await s.clock.advance(6 * MIN);
    await s.engine.reconcile({ sweep: true }, sig());
    expect(await s.ledger.getJob(1, sig())).toMatchObject({ status: 'in_progress', runnerName: launched[0] });
    expect(await s.ledger.getRunner(launched[0]!, sig())).toMatchObject({ state: 'busy', jobId: 1 });
  });

  it('re-requests failed workflow_job deliveries once each, queued first, with a budget that follows the backlog', async () => {
    const s = setup({ options: { redeliveryBudget: 2 } });
    const base = { event: 'workflow_job', statusCode: 502, redelivery: false };
    s.github.failedDeliveries = [
      { id: 1, guid: 'g1', deliveredAt: T0 - MIN, ...base, action: 'completed' },
      { id: 2, guid: 'g2', deliveredAt: T0 - MIN, ...base, event: 'push' },
      { id: 3, guid: 'g3', deliveredAt: T0 - 2 * MIN, ...base, action: 'queued' },
      { id: 4, guid: 'g4', deliveredAt: T0 - 3 * MIN, ...base, action: 'queued' },
    ];
    // GitHub's new attempt gets a 2xx: it no longer lists the delivery as failed.
    s.github.onRedeliver = (id) => (s.github.failedDeliveries = s.github.failedDeliveries.filter((d) => d.id !== id));
    // A backlog of 3 beyond the budget of 2: all go, `queued` first, oldest first.
    expect((await s.engine.reconcile({ sweep: true }, sig())).redelivered).toBe(3);
    expect(s.github.redelivered.slice(0, 2)).toEqual([4, 3]);
    // Looked for at most once per interval (5 min), however often sweeps run.
    expect((await s.engine.reconcile({ sweep: true }, sig())).redelivered).toBe(0);
    expect(s.github.calls.get('listFailedDeliveries')).toBe(1);
    await s.clock.advance(5 * MIN);
    expect((await s.engine.reconcile({ sweep: true }, sig())).redelivered).toBe(0);
    expect([...s.github.redelivered].sort()).toEqual([1, 3, 4]);
  });

  it('caps the redeliveries of one interval (GitHub\'s secondary limit) and goes on in the next', async () => {
    const s = setup();
    s.github.failedDeliveries = Array.from({ length: 200 }, (_, i) => ({
      id: i + 1, guid: `g${i + 1}`, deliveredAt: T0 - MIN, event: 'workflow_job', action: 'queued', statusCode: 0, redelivery: false,
    }));
    s.github.onRedeliver = (id) => (s.github.failedDeliveries = s.github.failedDeliveries.filter((d) => d.id !== id));
    expect((await s.engine.reconcile({ sweep: true }, sig())).redelivered).toBe(150);
    await s.clock.advance(5 * MIN);
    expect((await s.engine.reconcile({ sweep: true }, sig())).redelivered).toBe(50);
  });

  it('re-requests a redelivered delivery again while its new attempts keep failing (the endpoint is still down)', async () => {
    const s = setup();
    s.github.failedDeliveries = [{ id: 9, guid: 'g9', deliveredAt: T0 - MIN, event: 'workflow_job', action: 'queued', statusCode: 0, redelivery: false }];
    expect((await s.engine.reconcile({ sweep: true }, sig())).redelivered).toBe(1);
    // Its attempt landing: not asked again in the next interval.
    await s.clock.advance(5 * MIN);
    expect((await s.engine.reconcile({ sweep: true }, sig())).redelivered).toBe(0);
    // Still listed as failed after that: asked again.
    await s.clock.advance(5 * MIN);
    expect((await s.engine.reconcile({ sweep: true }, sig())).redelivered).toBe(1);
    expect(s.github.redelivered).toEqual([9, 9]);
  });

  it('a failed re-check is not asked again in every sweep, and a rate-limited answer stops the sweep\'s re-checks', async () => {
    const s = setup({ pools: [poolFixture('linux', { maxRunners: 20 })], options: { concurrency: 1 } });
    await s.engine.ingest([1, 2, 3, 4, 5].map((id) => ev(id, 'queued')), sig());
    const asked: number[] = [];
    s.github.getJob = async (_repo, id) => {
      asked.push(id);
      throw new GhrError('GitHub rate limit exceeded: retry after 60 s.', { code: 'throttled' });
    };
    await s.clock.advance(6 * MIN);
    const first = await s.engine.reconcile({ sweep: true }, sig());
    // One refused call, then no more in this sweep; the attempt is recorded on the job.
    expect(asked).toHaveLength(1);
    expect(first.errors.filter((e) => e.step === 'recheck')).toEqual([expect.objectContaining({ code: 'throttled' })]);
    expect(await s.ledger.getJob(asked[0]!, sig())).toMatchObject({ status: 'queued', checkedAt: expect.any(Number) });

    // The next sweeps ask about the jobs not attempted yet, not the same one again.
    await s.engine.reconcile({ sweep: true }, sig());
    await s.engine.reconcile({ sweep: true }, sig());
    expect(asked).toHaveLength(3);
    expect(new Set(asked).size).toBe(3);
  });

  it('re-requests a failed delivery in the next interval when the redeliver call failed', async () => {
    const s = setup();
    s.github.failedDeliveries = [{ id: 7, guid: 'g7', deliveredAt: T0 - MIN, event: 'workflow_job', statusCode: 502, redelivery: false }];
    const redeliver = s.github.redeliver.bind(s.github);
    s.github.redeliver = async () => {
      throw new GhrError('GitHub answered 502 to the redelivery.', { code: 'unavailable' });
    };
    const failed = await s.engine.reconcile({ sweep: true }, sig());
    expect(failed.redelivered).toBe(0);
    expect(failed.errors.map((e) => e.step)).toContain('redeliver');

    s.github.redeliver = redeliver;
    s.github.onRedeliver = (id) => (s.github.failedDeliveries = s.github.failedDeliveries.filter((d) => d.id !== id));
    await s.clock.advance(5 * MIN);
    expect((await s.engine.reconcile({ sweep: true }, sig())).redelivered).toBe(1);
    expect(s.github.redelivered).toEqual([7]);
    // Done: its new attempt succeeded, so it does not go out again.
    for (let i = 0; i < 3; i += 1) {
      await s.clock.advance(5 * MIN);
      expect((await s.engine.reconcile({ sweep: true }, sig())).redelivered).toBe(0);
    }
    expect(s.github.redelivered).toEqual([7]);
  });

  it('re-requests a failed delivery in the next interval when the deadline cut the redeliver call off', async () => {
    const s = setup();
    s.github.failedDeliveries = [{ id: 8, guid: 'g8', deliveredAt: T0 - MIN, event: 'workflow_job', statusCode: 502, redelivery: false }];
    const controller = new AbortController();
    const redeliver = s.github.redeliver.bind(s.github);
    s.github.redeliver = async () => {
      // The run's deadline fires while GitHub is being asked.
      controller.abort(new GhrError('The run reached its deadline.', { code: 'aborted' }));
      controller.signal.throwIfAborted();
    };
    const cut = await s.engine.reconcile({ sweep: true }, controller.signal);
    expect(cut.redelivered).toBe(0);
    expect(s.github.redelivered).toEqual([]);

    s.github.redeliver = redeliver;
    await s.clock.advance(5 * MIN);
    expect((await s.engine.reconcile({ sweep: true }, sig())).redelivered).toBe(1);
    expect(s.github.redelivered).toEqual([8]);
  });

  it('retires a busy ephemeral runner whose completed event was lost, once GitHub no longer lists it', async () => {
    const s = setup();
    await s.engine.ingest([ev(1, 'queued')], sig());
    const { launched } = await s.engine.reconcile({ sweep: false }, sig());
    const name = launched[0]!;
    await s.engine.ingest([ev(1, 'in_progress', { runnerName: name })], sig());
    // The job ends; the runner removes itself at GitHub; the `completed` webhook never arrives.
    s.github.registrations.delete(s.github.byName(name)!.id);
    s.github.jobs.set(1, { id: 1, runId: 1001, status: 'completed', conclusion: 'success', labels: [], runnerName: name });
    await s.clock.advance(2 * MIN);

    const result = await s.engine.reconcile({ sweep: true }, sig());
    expect(result.rechecked).toBe(1);
    expect(await s.ledger.getJob(1, sig())).toMatchObject({ status: 'completed', conclusion: 'success' });
    expect(await s.ledger.getRunner(name, sig())).toMatchObject({ state: 'terminated', reason: 'job-completed' });
    expect(s.provider.instances()).toEqual([]);
  });

  it("retires a runner busy by GitHub's flag alone once its registration is gone", async () => {
    const s = setup();
    await s.engine.ingest([ev(1, 'queued')], sig());
    const { launched } = await s.engine.reconcile({ sweep: false }, sig());
    const name = launched[0]!;
    s.github.online(name, true);
    await s.engine.reconcile({ sweep: true }, sig());
    expect(await s.ledger.getRunner(name, sig())).toMatchObject({ state: 'busy' });
    s.github.registrations.delete(s.github.byName(name)!.id);
    await s.clock.advance(2 * MIN);
    await s.engine.reconcile({ sweep: true }, sig());
    expect(await s.ledger.getRunner(name, sig())).toMatchObject({ state: 'terminated' });
  });

  it('finds the machine of a runner whose launch was never recorded (a crashed run) before ending it', async () => {
    const s = setup();
    await s.engine.ingest([ev(1, 'queued')], sig());
    // A run admitted the runner and launched its machine, then crashed before recording the machine.
    const [runner] = await s.ledger.admit('linux', [{ name: 'ghr-linux-crash001', poolId: 'linux', state: 'launching', labels: [], ephemeral: true, createdAt: T0, updatedAt: T0, version: 1 }], 5, sig());
    const { launched } = await s.provider.launch(s.pools[0]!, [{ name: runner!.name, poolId: 'linux', labels: [], ephemeral: true, bootstrap: { kind: 'jit', encodedJitConfig: 'x' } }], sig());
    await s.engine.ingest([ev(1, 'in_progress', { runnerName: runner!.name })], sig());

    const done = await s.engine.ingest([ev(1, 'completed', { runnerName: runner!.name })], sig());
    expect(done.retired).toEqual([runner!.name]);
    expect(s.provider.instances()).toEqual([]);
    expect(s.engine.stats().apiCalls['provider.terminate']).toBe(1);
    expect(launched[0]?.providerId).toBeDefined();
  });

  it('ends a runner whose machine was never recorded only once a full sweep shows it has none', async () => {
    const s = setup();
    await s.engine.ingest([ev(1, 'queued'), ev(2, 'queued')], sig());
    // Two runners of a crashed run: one has a machine, one has none. Neither machine id was recorded.
    const admitted = await s.ledger.admit('linux', ['ghr-linux-crash003', 'ghr-linux-crash004'].map((name) => ({ name, poolId: 'linux', state: 'launching' as const, labels: [], ephemeral: true, createdAt: T0, updatedAt: T0, version: 1 })), 5, sig());
    const [withMachine, without] = admitted.map((r) => r.name) as [string, string];
    await s.provider.launch(s.pools[0]!, [{ name: withMachine, poolId: 'linux', labels: [], ephemeral: true, bootstrap: { kind: 'jit', encodedJitConfig: 'x' } }], sig());
    // A lookup by name that lags the launch (as a cloud's listing may): it finds nothing.
    const list = s.provider.list.bind(s.provider);
    s.provider.list = async (filter, signal) => (filter.names ? [] : list(filter, signal));
    await s.engine.ingest([ev(1, 'in_progress', { runnerName: withMachine }), ev(2, 'in_progress', { runnerName: without })], sig());

    // Their jobs end: an event handler's lookup proves nothing, so both keep their slots.
    const done = await s.engine.ingest([ev(1, 'completed', { runnerName: withMachine }), ev(2, 'completed', { runnerName: without })], sig());
    expect(done.retired).toEqual([]);
    expect(await s.ledger.getRunner(withMachine, sig())).toMatchObject({ state: 'draining', reason: 'job-completed' });
    expect(await s.ledger.alive('linux', sig())).toBe(2);
    expect(s.provider.instances().map((i) => i.name)).toEqual([withMachine]);

    // A full sweep's listing shows none for one: it ends. It shows the other's machine: recorded, then
    // terminated (by the next sweep: recording it made the drain fresh again), then the runner ends.
    await s.clock.advance(2 * MIN);
    await s.engine.reconcile({ sweep: true }, sig());
    expect(await s.ledger.getRunner(without, sig())).toMatchObject({ state: 'terminated', reason: 'job-completed' });
    expect(await s.ledger.getRunner(withMachine, sig())).toMatchObject({ state: 'draining', providerId: s.provider.instances()[0]?.providerId });
    await s.clock.advance(2 * MIN);
    await s.engine.reconcile({ sweep: true }, sig());
    expect(s.provider.instances()).toEqual([]);
    expect(await s.ledger.getRunner(withMachine, sig())).toMatchObject({ state: 'terminated', providerId: expect.any(String) });
    expect(await s.ledger.getRunner(without, sig())).toMatchObject({ state: 'terminated', reason: 'job-completed' });
    expect(await s.ledger.alive('linux', sig())).toBe(0);
  });

  it('keeps a runner launching when a launch threw and its machines could not be listed, until a sweep settles it', async () => {
    const s = setup();
    await s.engine.ingest([ev(1, 'queued')], sig());
    const launch = s.provider.launch.bind(s.provider);
    const list = s.provider.list.bind(s.provider);
    // The machine starts, but the answer never comes back, and the follow-up listing fails too.
    s.provider.launch = async (pool, requests, signal) => {
      await launch(pool, requests, signal);
      throw new GhrError('CreateFleet timed out.', { code: 'timeout' });
    };
    s.provider.list = async () => {
      throw new GhrError('DescribeInstances throttled.', { code: 'throttled' });
    };
    const result = await s.engine.reconcile({ sweep: false }, sig());
    expect(result.launchFailures).toEqual([]);
    const [runner] = await s.ledger.listRunners({ poolId: 'linux' }, sig());
    // Not failed (its slot stays taken while a machine may run), not launched twice, its registration kept.
    expect(runner).toMatchObject({ state: 'launching', githubId: expect.any(Number) });
    expect(runner?.providerId).toBeUndefined();
    expect(s.provider.instances()).toHaveLength(1);
    expect(s.github.byName(runner!.name)).toBeDefined();

    s.provider.launch = launch;
    s.provider.list = list;
    await s.engine.reconcile({ sweep: true }, sig());
    expect(await s.ledger.getRunner(runner!.name, sig())).toMatchObject({ state: 'booting', providerId: s.provider.instances()[0]?.providerId });
  });

  it('records in a sweep the machine a crashed run started for a runner', async () => {
    const s = setup();
    const [runner] = await s.ledger.admit('linux', [{ name: 'ghr-linux-crash002', poolId: 'linux', state: 'launching', labels: [], ephemeral: true, createdAt: T0, updatedAt: T0, version: 1 }], 5, sig());
    const { launched } = await s.provider.launch(s.pools[0]!, [{ name: runner!.name, poolId: 'linux', labels: [], ephemeral: true, bootstrap: { kind: 'jit', encodedJitConfig: 'x' } }], sig());
    await s.engine.reconcile({ sweep: true }, sig());
    expect(await s.ledger.getRunner(runner!.name, sig())).toMatchObject({ state: 'booting', providerId: launched[0]!.providerId });
  });

  it('finishes a drain that an earlier reconcile left half done', async () => {
    const s = setup();
    await s.engine.ingest([ev(1, 'queued')], sig());
    const { launched } = await s.engine.reconcile({ sweep: false }, sig());
    const name = launched[0]!;
    const terminate = s.provider.terminate.bind(s.provider);
    s.provider.terminate = async () => {
      throw new Error('EC2 unavailable');
    };
    await s.engine.ingest([ev(1, 'in_progress', { runnerName: name }), ev(1, 'completed', { runnerName: name })], sig());
    expect(await s.ledger.getRunner(name, sig())).toMatchObject({ state: 'draining', reason: 'job-completed' });
    s.provider.terminate = terminate;
    await s.clock.advance(2 * MIN);
    await s.engine.reconcile({ sweep: false }, sig());
    expect(await s.ledger.getRunner(name, sig())).toMatchObject({ state: 'terminated' });
    expect(s.provider.instances()).toEqual([]);
  });
});

describe('engine: spot interruption', () => {
  async function running(s: ReturnType<typeof setup>, busy: boolean) {
    await s.engine.ingest([ev(1, 'queued')], sig());
    const { launched } = await s.engine.reconcile({ sweep: false }, sig());
    const name = launched[0]!;
    s.github.online(name, busy);
    if (busy) await s.engine.ingest([ev(1, 'in_progress', { runnerName: name })], sig());
    else await s.engine.reconcile({ sweep: true }, sig());
    return (await s.ledger.getRunner(name, sig()))!;
  }

  it('deregisters and terminates an idle runner at once', async () => {
    const s = setup();
    const runner = await running(s, false);
    expect(runner.state).toBe('idle');
    const result = await s.engine.interrupted([runner.providerId!, 'i-unknown'], sig());
    expect(result).toEqual({ runners: [runner.name], ended: [runner.name], rerunJobs: [] });
    expect(await s.ledger.getRunner(runner.name, sig())).toMatchObject({ state: 'terminated', reason: 'spot-interruption' });
    expect(s.github.byName(runner.name)).toBeUndefined();
    expect(s.provider.instances()).toEqual([]);
  });

  it('marks a busy runner and re-runs its job once it completed unsuccessfully', async () => {
    const s = setup({ options: { rerunInterruptedJobs: true } });
    const runner = await running(s, true);
    const result = await s.engine.interrupted([runner.providerId!], sig());
    expect(result.ended).toEqual([]);
    expect(await s.ledger.getRunner(runner.name, sig())).toMatchObject({ state: 'busy', reason: 'spot-interruption' });
    expect(s.provider.instances()).toHaveLength(1); // never terminate a runner running a job

    s.provider.kill(runner.providerId!);
    await s.engine.ingest([ev(1, 'completed', { runnerName: runner.name, conclusion: 'failure' })], sig());
    expect(s.github.reruns).toEqual([1]);
    expect(await s.ledger.getRunner(runner.name, sig())).toMatchObject({ state: 'terminated' });
  });

  it('learns from a full sweep that a spot-killed busy runner\'s job ended when its completed event is lost, re-runs it and reaps the registration', async () => {
    const s = setup({ options: { rerunInterruptedJobs: true } });
    const runner = await running(s, true);
    await s.engine.interrupted([runner.providerId!], sig());
    // The machine dies: GitHub fails the job and keeps the registration, offline and idle; no `completed` arrives.
    s.provider.kill(runner.providerId!);
    const reg = s.github.byName(runner.name)!;
    reg.status = 'offline';
    reg.busy = false;
    s.github.jobs.set(1, { id: 1, runId: 1001, status: 'completed', conclusion: 'failure', labels: [], runnerName: runner.name });
    await s.clock.advance(2 * MIN);

    const first = await s.engine.reconcile({ sweep: true }, sig());
    expect(first.rechecked).toBe(1);
    expect(s.github.reruns).toEqual([1]);
    expect(await s.ledger.getJob(1, sig())).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(await s.ledger.getRunner(runner.name, sig())).toMatchObject({ state: 'terminated' });
    await s.clock.advance(MIN);
    await s.engine.reconcile({ sweep: true }, sig());
    expect(s.github.byName(runner.name)).toBeUndefined();
  });

  it('leaves a busy runner alone while GitHub lists its registration busy or its machine is still there', async () => {
    const s = setup({ options: { rerunInterruptedJobs: true } });
    const runner = await running(s, true);
    await s.engine.interrupted([runner.providerId!], sig());
    const reg = s.github.byName(runner.name)!;
    reg.status = 'offline';
    reg.busy = false;
    await s.clock.advance(2 * MIN);
    // Its machine is still listed: nothing to ask.
    expect((await s.engine.reconcile({ sweep: true }, sig())).rechecked).toBe(0);
    // Its machine is gone but GitHub says it is busy: still nothing.
    s.provider.kill(runner.providerId!);
    reg.busy = true;
    expect((await s.engine.reconcile({ sweep: true }, sig())).rechecked).toBe(0);
    expect(await s.ledger.getRunner(runner.name, sig())).toMatchObject({ state: 'busy' });
  });

  it('does not re-run a job that succeeded, nor without the option', async () => {
    const s = setup({ options: { rerunInterruptedJobs: true } });
    const runner = await running(s, true);
    await s.engine.interrupted([runner.providerId!], sig());
    await s.engine.ingest([ev(1, 'completed', { runnerName: runner.name, conclusion: 'success' })], sig());
    expect(s.github.reruns).toEqual([]);

    const t = setup();
    const other = await running(t, true);
    await t.engine.interrupted([other.providerId!], sig());
    await t.engine.ingest([ev(1, 'completed', { runnerName: other.name, conclusion: 'failure' })], sig());
    expect(t.github.reruns).toEqual([]);
  });
});
