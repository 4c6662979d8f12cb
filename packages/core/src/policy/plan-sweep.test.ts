import { describe, expect, it } from 'vitest';
import { plan } from './plan.js';
import { HOUR, MIN, NOW, instance, jobs, pool, registration, runner, snapshot } from './plan.test-support.js';

describe('plan: full sweep', () => {
  it('terminates instances no alive runner owns once older than bootTimeout', () => {
    const orphan = instance({ launchedAt: NOW - 11 * MIN });
    const young = instance({ launchedAt: NOW - 5 * MIN });
    const unknownPool = instance({ poolId: 'old', launchedAt: NOW - 11 * MIN });
    const unknownPoolOld = instance({ poolId: 'old', launchedAt: NOW - 16 * MIN });
    const result = plan(snapshot({ instances: [orphan, young, unknownPool, unknownPoolOld] }), [pool()], NOW);
    expect(result.terminations).toEqual([
      { providerId: orphan.providerId, runnerName: orphan.name, poolId: 'linux', reason: 'orphan-instance' },
      { providerId: unknownPoolOld.providerId, runnerName: unknownPoolOld.name, poolId: 'old', reason: 'orphan-instance' },
    ]);
  });

  it('leaves owned, foreign-named and already terminated instances alone', () => {
    const owned = runner({ providerId: 'i-owned' });
    const registering = runner({ state: 'launching', name: 'ghr-reg' });
    const result = plan(
      snapshot({
        runners: [owned, registering],
        instances: [
          instance({ providerId: 'i-owned', name: owned.name }),
          instance({ providerId: 'i-reg', name: 'ghr-reg' }),
          instance({ name: 'someone-else' }),
          instance({ state: 'terminated' }),
        ],
      }),
      [pool()],
      NOW,
    );
    expect(result.terminations).toEqual([]);
  });

  it('never reaps an instance or registration that an alive runner claims by id, whatever its name says', () => {
    const busy = runner({ state: 'busy', providerId: 'i-busy', githubId: 77 });
    const scope = { kind: 'org' as const, org: 'acme' };
    const result = plan(
      snapshot({
        runners: [busy],
        instances: [instance({ providerId: 'i-busy', name: 'ghr-renamed' })],
        registrations: [{ scope, runners: [registration({ id: 77, name: 'ghr-renamed' })] }],
      }),
      [pool()],
      NOW,
    );
    expect(result.terminations).toEqual([]);
    expect(result.deregistrations).toEqual([]);
  });

  it('trusts GitHub over a lagging ledger: a runner GitHub reports busy is treated as busy', () => {
    // the ledger missed the in_progress event: it still thinks these are booting, idle or ended
    const booting = runner({ state: 'booting', providerId: 'i-1', githubId: 1, createdAt: NOW - HOUR });
    const idle = runner({ providerId: 'i-2', githubId: 2, createdAt: NOW - 7 * HOUR, idleSince: NOW - HOUR });
    const removed = runner({ poolId: 'old', providerId: 'i-3', githubId: 3 });
    const ended = runner({ state: 'failed', providerId: 'i-4', githubId: 4 });
    const draining = runner({ state: 'draining', providerId: 'i-5', githubId: 5, createdAt: NOW - HOUR });
    const scope = { kind: 'org' as const, org: 'acme' };
    const result = plan(
      snapshot({
        jobs: jobs(1),
        runners: [booting, idle, removed, ended, draining],
        instances: [instance({ providerId: 'i-2', name: idle.name }), instance({ providerId: 'i-3', name: removed.name }), instance({ providerId: 'i-4', name: ended.name })],
        registrations: [
          {
            scope,
            runners: [booting, idle, removed, ended, draining].map((r) => registration({ id: r.githubId as number, name: r.name, busy: true })),
          },
        ],
      }),
      [pool()],
      NOW,
    );
    expect(result.terminations).toEqual([]);
    expect(result.expirations).toEqual([]);
    expect(result.drains).toEqual([]);
    expect(result.deregistrations).toEqual([]);
    expect(result.pools[0]).toMatchObject({ busy: 2, booting: 0, idle: 0, draining: 1 });
    expect(result.launches).toEqual([expect.objectContaining({ count: 1 })]);
    expect(result.overdue).toEqual([expect.objectContaining({ runnerName: idle.name, state: 'busy' })]);
  });

  it('terminates at once an instance whose runner the ledger says ended', () => {
    const ended = runner({ state: 'terminated', providerId: 'i-x', endedAt: NOW - MIN });
    const failed = runner({ state: 'failed' });
    const result = plan(
      snapshot({
        runners: [ended, failed],
        instances: [instance({ providerId: 'i-x', name: ended.name, launchedAt: NOW - MIN }), instance({ providerId: 'i-f', name: failed.name, launchedAt: NOW - MIN })],
      }),
      [pool()],
      NOW,
    );
    expect(result.terminations).toEqual([
      { providerId: 'i-x', runnerName: ended.name, poolId: 'linux', reason: 'runner-ended' },
      { providerId: 'i-f', runnerName: failed.name, poolId: 'linux', reason: 'runner-ended' },
    ]);
  });

  it('terminates the instance of a runner this plan expires, and does not terminate one twice', () => {
    const expired = runner({ state: 'launching', createdAt: NOW - 11 * MIN });
    const timedOut = runner({ state: 'booting', providerId: 'i-t', createdAt: NOW - 11 * MIN });
    const result = plan(
      snapshot({
        runners: [expired, timedOut],
        instances: [instance({ providerId: 'i-e', name: expired.name, launchedAt: NOW - MIN }), instance({ providerId: 'i-t', name: timedOut.name })],
      }),
      [pool()],
      NOW,
    );
    expect(result.expirations).toEqual([expect.objectContaining({ runnerName: expired.name })]);
    expect(result.terminations).toEqual([
      { providerId: 'i-t', runnerName: timedOut.name, poolId: 'linux', reason: 'boot-timeout', end: { state: 'failed' } },
      { providerId: 'i-e', runnerName: expired.name, poolId: 'linux', reason: 'runner-ended' },
    ]);
  });

  it('reaps a second machine for an idle runner, but never one carrying a busy or draining runner name', () => {
    const idle = runner({ providerId: 'i-1' });
    const busy = runner({ state: 'busy', providerId: 'i-2' });
    const draining = runner({ state: 'draining', providerId: 'i-3' });
    const result = plan(
      snapshot({
        runners: [idle, busy, draining],
        instances: [
          instance({ providerId: 'i-1', name: idle.name }),
          instance({ providerId: 'i-1b', name: idle.name }),
          instance({ providerId: 'i-2', name: busy.name }),
          instance({ providerId: 'i-2b', name: busy.name }),
          instance({ providerId: 'i-3', name: draining.name }),
          instance({ providerId: 'i-3b', name: draining.name }),
        ],
      }),
      [pool()],
      NOW,
    );
    expect(result.terminations).toEqual([{ providerId: 'i-1b', runnerName: idle.name, poolId: 'linux', reason: 'orphan-instance' }]);
  });

  it('ends idle and draining runners whose instance is gone, once past bootTimeout, but never busy ones', () => {
    const idle = runner({ providerId: 'i-gone', githubId: 11, createdAt: NOW - HOUR });
    const draining = runner({ state: 'draining', providerId: 'i-gone2', createdAt: NOW - HOUR });
    const listedTerminated = runner({ providerId: 'i-dead', createdAt: NOW - HOUR });
    const busy = runner({ state: 'busy', providerId: 'i-gone3', createdAt: NOW - HOUR });
    const fresh = runner({ providerId: 'i-new', createdAt: NOW - MIN });
    const result = plan(
      snapshot({
        jobs: jobs(1),
        runners: [idle, draining, listedTerminated, busy, fresh],
        instances: [instance({ providerId: 'i-dead', name: listedTerminated.name, state: 'terminated' })],
      }),
      [pool()],
      NOW,
    );
    expect(result.terminations).toEqual([
      {
        providerId: 'i-gone',
        runnerName: idle.name,
        poolId: 'linux',
        reason: 'instance-gone',
        end: { state: 'terminated', deregister: { scope: { kind: 'org', org: 'acme' }, githubId: 11 } },
      },
      { providerId: 'i-gone2', runnerName: draining.name, poolId: 'linux', reason: 'instance-gone', end: { state: 'terminated' } },
      { providerId: 'i-dead', runnerName: listedTerminated.name, poolId: 'linux', reason: 'instance-gone', end: { state: 'terminated' } },
    ]);
    expect(result.deregistrations).toEqual([]);
    expect(result.pools[0]).toMatchObject({ idle: 1, busy: 1, draining: 0 });
    expect(result.launches).toEqual([]);
  });

  it('drains an idle runner and ends a booting one whose instance is being interrupted', () => {
    const idle = runner({ providerId: 'i-1' });
    const booting = runner({ state: 'booting', providerId: 'i-2', githubId: 3 });
    const busy = runner({ state: 'busy', providerId: 'i-3' });
    const result = plan(
      snapshot({
        runners: [idle, booting, busy],
        instances: [
          instance({ providerId: 'i-1', name: idle.name, interruptedAt: NOW - 5_000 }),
          instance({ providerId: 'i-2', name: booting.name, interruptedAt: NOW - 5_000 }),
          instance({ providerId: 'i-3', name: busy.name, interruptedAt: NOW - 5_000 }),
        ],
      }),
      [pool()],
      NOW,
    );
    expect(result.drains).toEqual([{ runnerName: idle.name, poolId: 'linux', reason: 'interrupted' }]);
    expect(result.terminations).toEqual([
      {
        providerId: 'i-2',
        runnerName: booting.name,
        poolId: 'linux',
        reason: 'interrupted',
        end: { state: 'terminated', deregister: { scope: { kind: 'org', org: 'acme' }, githubId: 3 } },
      },
    ]);
    expect(result.deregistrations).toEqual([]);
  });

  it('deregisters ghr registrations that no alive runner owns, unless GitHub says they are busy', () => {
    const owned = runner({ githubId: 1 });
    const ended = runner({ state: 'terminated', githubId: 2 });
    const orphan = registration();
    const busyOrphan = registration({ busy: true });
    const scope = { kind: 'org' as const, org: 'acme' };
    const result = plan(
      snapshot({
        runners: [owned, ended],
        registrations: [
          {
            scope,
            runners: [
              registration({ id: 1, name: owned.name }),
              registration({ id: 2, name: ended.name }),
              orphan,
              busyOrphan,
              registration({ name: 'my-laptop' }),
            ],
          },
        ],
      }),
      [pool()],
      NOW,
    );
    expect(result.deregistrations).toEqual([
      { scope, githubId: 2, runnerName: ended.name, reason: 'orphan-registration' },
      { scope, githubId: orphan.id, runnerName: orphan.name, reason: 'orphan-registration' },
    ]);
    expect(result.terminations).toEqual([]);
  });

  it('does not deregister twice a registration this plan already deregisters, and honours a custom prefix', () => {
    const stuck = runner({ name: 'ci-stuck', state: 'booting', providerId: 'i-1', githubId: 50, createdAt: NOW - HOUR });
    const result = plan(
      snapshot({
        runners: [stuck],
        registrations: [
          { scope: { kind: 'org', org: 'acme' }, runners: [registration({ id: 50, name: 'ci-stuck' }), registration({ id: 51, name: 'ci-other' })] },
        ],
      }),
      [pool()],
      NOW,
      { namePrefix: 'ci-' },
    );
    expect(result.terminations.map((d) => [d.end?.deregister?.githubId, d.reason])).toEqual([[50, 'boot-timeout']]);
    expect(result.deregistrations.map((d) => [d.githubId, d.reason])).toEqual([[51, 'orphan-registration']]);
  });
});
