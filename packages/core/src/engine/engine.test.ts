import { poolFixture } from '@ghr/contracts';
import { describe, expect, it } from 'vitest';
import type { Plan } from '../policy/types.js';
import { ManualClock } from '../memory/manual-clock.js';
import { MemoryLedger } from '../memory/memory-ledger.js';
import { MemoryRunnerProvider } from '../memory/memory-runner-provider.js';
import { FakeGitHub } from './fake-github.test-support.js';
import { MIN, T0, ev, seeded, setup, sig } from './engine.test-support.js';

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
      terminations: [], expirations: [], deregistrations: [], rechecks: [], deferredRechecks: [], stuckDrains: [], retirements: [], overdue: [], pools: [],
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
