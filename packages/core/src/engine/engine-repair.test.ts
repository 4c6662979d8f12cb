import { poolFixture } from '@ghr/contracts';
import { describe, expect, it } from 'vitest';
import { GhrError } from '../errors.js';
import { MIN, T0, ev, setup, sig } from './engine.test-support.js';

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
    expect(partial.plan.expirations).toEqual([]);
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
