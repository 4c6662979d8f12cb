import { describe, expect, it } from 'vitest';
import { PLAN_DEFAULTS, plan } from './plan.js';
import { MIN, NOW, instance, job, pool, registration, runner, snapshot } from './plan.test-support.js';

const org = { kind: 'org' as const, org: 'acme' };

describe('plan: stuck drains', () => {
  it('finishes draining runners untouched for stuckDrainAfter, deregistering first', () => {
    // Arrange
    const stuck = runner({ state: 'draining', reason: 'idle-timeout', githubId: 7, providerId: 'i-7', updatedAt: NOW - 2 * MIN });
    const fresh = runner({ state: 'draining', reason: 'idle-timeout', githubId: 8, providerId: 'i-8', updatedAt: NOW - 10_000 });
    const unnamed = runner({ state: 'draining', providerId: 'i-9', updatedAt: NOW - 2 * MIN });
    // Act
    const result = plan(snapshot({ runners: [stuck, fresh, unnamed] }), [pool()], NOW);
    // Assert
    expect(result.stuckDrains).toEqual([
      { runnerName: stuck.name, poolId: 'linux', reason: 'idle-timeout', end: { state: 'terminated', deregister: { scope: org, githubId: 7 } } },
      { runnerName: unnamed.name, poolId: 'linux', reason: 'drained', end: { state: 'terminated', deregister: { scope: org, githubId: undefined } } },
    ]);
    expect(PLAN_DEFAULTS.stuckDrainAfter).toBe(MIN);
    expect(plan(snapshot({ runners: [stuck] }), [pool()], NOW, { stuckDrainAfter: 3 * MIN }).stuckDrains).toEqual([]);
  });

  it('skips the deregistration of a retired ephemeral runner, and of one a full sweep lists no registration for', () => {
    const retired = runner({ state: 'draining', reason: 'job-completed', githubId: 1, providerId: 'i-1', updatedAt: NOW - 2 * MIN });
    const unlisted = runner({ state: 'draining', reason: 'interrupted', githubId: 2, providerId: 'i-2', updatedAt: NOW - 2 * MIN });
    const listed = runner({ poolId: 'old', state: 'draining', reason: 'pool-removed', providerId: 'i-3', updatedAt: NOW - 2 * MIN });
    const result = plan(
      snapshot({
        runners: [retired, unlisted, listed],
        instances: [instance({ providerId: 'i-1', name: retired.name }), instance({ providerId: 'i-2', name: unlisted.name }), instance({ providerId: 'i-3', name: listed.name })],
        registrations: [{ scope: org, runners: [registration({ id: 30, name: listed.name, status: 'offline' })] }],
      }),
      [pool()],
      NOW,
    );
    expect(result.stuckDrains).toEqual([
      { runnerName: retired.name, poolId: 'linux', reason: 'job-completed', end: { state: 'terminated' } },
      { runnerName: unlisted.name, poolId: 'linux', reason: 'interrupted', end: { state: 'terminated' } },
      // A removed pool's runner: deregistered in the scope and by the id the listing shows.
      { runnerName: listed.name, poolId: 'old', reason: 'pool-removed', end: { state: 'terminated', deregister: { scope: org, githubId: 30 } } },
    ]);
  });

  it('leaves a draining runner this plan already ends to its termination', () => {
    const gone = runner({ state: 'draining', providerId: 'i-gone', createdAt: NOW - 60 * MIN, updatedAt: NOW - 2 * MIN });
    const result = plan(snapshot({ runners: [gone], instances: [] }), [pool()], NOW);
    expect(result.terminations).toEqual([expect.objectContaining({ runnerName: gone.name, reason: 'instance-gone' })]);
    expect(result.stuckDrains).toEqual([]);
  });
});

describe('plan: vanished busy runners (full sweep)', () => {
  const busy = (overrides: Parameters<typeof runner>[0] = {}) =>
    runner({ state: 'busy', githubId: 99, providerId: 'i-x', busySince: NOW - 2 * MIN, ...overrides });

  it('re-checks the job of a busy runner whose registration is gone, once past vanishedGrace', () => {
    // Arrange
    const running = job({ id: 501, status: 'in_progress', startedAt: NOW - 3 * MIN });
    const gone = busy({ jobId: 501 });
    const young = busy({ jobId: 502, busySince: NOW - 10_000 });
    const listed = busy({ jobId: 503 });
    // Act
    const result = plan(
      snapshot({
        jobs: [running],
        runners: [gone, young, listed],
        instances: [instance({ providerId: 'i-x', name: gone.name }), instance({ name: young.name }), instance({ name: listed.name })],
        registrations: [{ scope: org, runners: [registration({ name: listed.name, busy: true })] }],
      }),
      [pool()],
      NOW,
    );
    // Assert
    expect(result.rechecks).toEqual([{ jobId: 501, repository: running.repository, reason: 'runner-vanished' }]);
    expect(result.retirements).toEqual([]);
    expect(PLAN_DEFAULTS.vanishedGrace).toBe(MIN);
  });

  it('re-checks one whose machine is gone while GitHub lists it offline and idle, and retires an ephemeral one busy by flag only', () => {
    const spotKilled = busy({ jobId: 600 });
    const flagOnly = busy({ providerId: 'i-f' });
    const longLived = busy({ ephemeral: false });
    const online = busy({ jobId: 601 });
    const result = plan(
      snapshot({
        runners: [spotKilled, flagOnly, longLived, online],
        instances: [],
        registrations: [
          {
            scope: org,
            runners: [
              registration({ name: spotKilled.name, status: 'offline' }),
              registration({ name: online.name, status: 'online' }),
            ],
          },
        ],
      }),
      [pool()],
      NOW,
    );
    // The job is not in the snapshot: the ledger's record names its repository.
    expect(result.rechecks).toEqual([{ jobId: 600, reason: 'runner-vanished' }]);
    expect(result.retirements).toEqual([{ runnerName: flagOnly.name, poolId: 'linux', reason: 'runner-vanished' }]);
  });

  it('spends the re-check budget, on top of the stale jobs, and asks about a job once', () => {
    const stale = job({ id: 700, status: 'in_progress', startedAt: NOW - 7 * 3_600_000 });
    const twice = [busy({ jobId: 700 }), busy({ jobId: 701 }), busy({ jobId: 701 }), busy({ jobId: 702 })];
    const result = plan(snapshot({ jobs: [stale], runners: twice, instances: [], registrations: [] }), [pool()], NOW, { recheckBudget: 2 });
    expect(result.rechecks.map((r) => [r.jobId, r.reason])).toEqual([
      [700, 'stale-in-progress'],
      [701, 'runner-vanished'],
      [702, 'runner-vanished'],
    ]);
    const tight = plan(snapshot({ runners: twice, instances: [], registrations: [] }), [pool()], NOW, { recheckBudget: 1 });
    expect(tight.rechecks.map((r) => r.jobId)).toEqual([700]);
  });

  it('decides nothing about vanished runners outside a full sweep', () => {
    const result = plan(snapshot({ runners: [busy({ jobId: 800 }), busy()] }), [pool()], NOW);
    expect(result.rechecks).toEqual([]);
    expect(result.retirements).toEqual([]);
  });
});

describe('plan: deferred re-checks', () => {
  it('defers stale queued jobs of a full pool with no idle runner, not waiting ones nor those of a pool with room', () => {
    // Arrange
    const full = pool({ id: 'full', maxRunners: 0 });
    const roomy = pool({ id: 'roomy' });
    const queuedFull = job({ poolId: 'full', queuedAt: NOW - 20 * MIN });
    const waitingFull = job({ poolId: 'full', status: 'waiting', queuedAt: NOW - 20 * MIN });
    const queuedRoomy = job({ poolId: 'roomy', queuedAt: NOW - 20 * MIN });
    // Act
    const result = plan(snapshot({ jobs: [queuedFull, waitingFull, queuedRoomy] }), [full, roomy], NOW);
    // Assert
    expect(result.deferredRechecks).toEqual([{ jobId: queuedFull.id, repository: queuedFull.repository, reason: 'stale-queued' }]);
    expect(result.rechecks.map((r) => r.jobId)).toEqual([waitingFull.id, queuedRoomy.id]);
  });

  it('re-checks them again once the full pool has an idle runner', () => {
    const full = pool({ maxRunners: 1 });
    const queued = job({ queuedAt: NOW - 20 * MIN });
    const result = plan(snapshot({ jobs: [queued, job({ queuedAt: NOW - 20 * MIN })], runners: [runner({ providerId: 'i-1' })] }), [full], NOW);
    expect(result.pools[0]).toMatchObject({ idle: 1, unmet: 1 });
    expect(result.deferredRechecks).toEqual([]);
    expect(result.rechecks).toHaveLength(2);
  });
});
