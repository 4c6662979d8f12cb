import { describe, expect, it } from 'vitest';
import { GhrError } from '../errors.js';
import { PLAN_DEFAULTS, plan } from './plan.js';
import { HOUR, MIN, NOW, instance, job, jobs, pool, registration, runner, runners, snapshot } from './plan.test-support.js';
import { isWarmWindowActive, warmTarget } from './warm.js';

describe('plan: demand and launches', () => {
  it('launches one runner per queued job, with the numbers as the reason', () => {
    const result = plan(snapshot({ jobs: jobs(3) }), [pool()], NOW);
    expect(result.launches).toEqual([
      { poolId: 'linux', count: 3, reason: { queued: 3, warm: 0, want: 3, covered: 0, alive: 0, maxRunners: 10, capped: false } },
    ]);
    expect(result.at).toBe(NOW);
  });

  it('does not count waiting, in-progress, completed, unmatched or unknown-pool jobs as demand', () => {
    const result = plan(
      snapshot({
        jobs: [
          job({ status: 'waiting' }),
          job({ status: 'in_progress', startedAt: NOW - MIN }),
          job({ status: 'completed' }),
          job({ poolId: null }),
          job({ poolId: 'gone' }),
        ],
        runners: [runner({ state: 'busy' })],
      }),
      [pool()],
      NOW,
    );
    expect(result.launches).toEqual([]);
    expect(result.pools[0]).toMatchObject({ queued: 0, waiting: 1, inProgress: 1, want: 0 });
  });

  it('counts idle, booting and launching runners as covering demand, and busy or draining ones as not', () => {
    const result = plan(
      snapshot({
        jobs: jobs(5),
        runners: [
          runner({ state: 'idle' }),
          runner({ state: 'booting', providerId: 'i-b' }),
          runner({ state: 'launching' }),
          runner({ state: 'busy' }),
          runner({ state: 'draining' }),
        ],
      }),
      [pool()],
      NOW,
    );
    expect(result.launches).toEqual([
      { poolId: 'linux', count: 2, reason: { queued: 5, warm: 0, want: 5, covered: 3, alive: 5, maxRunners: 10, capped: false } },
    ]);
  });

  it('launches nothing when demand is already covered', () => {
    const result = plan(snapshot({ jobs: jobs(2), runners: runners(2, { state: 'booting' }) }), [pool()], NOW);
    expect(result.launches).toEqual([]);
    expect(result.drains).toEqual([]);
  });

  it('never goes above maxRunners, counting busy and draining runners, and says it was capped', () => {
    const result = plan(
      snapshot({ jobs: jobs(6), runners: [...runners(2, { state: 'busy' }), runner({ state: 'draining' })] }),
      [pool({ maxRunners: 4 })],
      NOW,
    );
    expect(result.launches).toEqual([
      { poolId: 'linux', count: 1, reason: { queued: 6, warm: 0, want: 6, covered: 0, alive: 3, maxRunners: 4, capped: true } },
    ]);
    expect(result.pools[0]).toMatchObject({ launch: 1, unmet: 5, alive: 4, launching: 1 });
  });

  it('launches nothing when the pool is already at (or above) maxRunners', () => {
    const result = plan(snapshot({ jobs: jobs(3), runners: runners(5, { state: 'busy' }) }), [pool({ maxRunners: 4 })], NOW);
    expect(result.launches).toEqual([]);
    expect(result.pools[0]).toMatchObject({ unmet: 3, alive: 5 });
  });

  it('plans each pool on its own, in the order of pools', () => {
    const result = plan(
      snapshot({ jobs: [job({ poolId: 'arm' }), job({ poolId: 'linux' }), job({ poolId: 'arm' })] }),
      [pool(), pool({ id: 'arm' })],
      NOW,
    );
    expect(result.launches.map((l) => [l.poolId, l.count])).toEqual([
      ['linux', 1],
      ['arm', 2],
    ]);
    expect(result.pools.map((p) => p.poolId)).toEqual(['linux', 'arm']);
  });

  it('uses the first of two pools with the same id', () => {
    const result = plan(snapshot({ jobs: jobs(3) }), [pool({ maxRunners: 1 }), pool({ maxRunners: 9 })], NOW);
    expect(result.launches).toEqual([expect.objectContaining({ count: 1 })]);
    expect(result.pools).toHaveLength(1);
  });

  it('treats a non-ephemeral runner back to idle after a job like any idle runner, and an ephemeral busy one as gone for demand', () => {
    const persistent = pool({ id: 'persistent', ephemeral: false });
    const result = plan(
      snapshot({
        jobs: [job({ poolId: 'persistent' }), job({ poolId: 'linux' })],
        runners: [
          runner({ poolId: 'persistent', ephemeral: false, createdAt: NOW - 2 * HOUR, idleSince: NOW - 30_000, jobId: 7 }),
          runner({ poolId: 'linux', state: 'busy' }),
        ],
      }),
      [pool(), persistent],
      NOW,
    );
    expect(result.launches.map((l) => [l.poolId, l.count])).toEqual([['linux', 1]]);
    expect(result.drains).toEqual([]);
  });
});

describe('plan: warm capacity', () => {
  const office = { schedule: '* 8-17 * * mon-fri', timeZone: 'Europe/Berlin', size: 3 };

  it('keeps the warm target of an active window idle, on top of queued jobs', () => {
    const result = plan(snapshot({ jobs: jobs(1), runners: runners(1) }), [pool({ warm: [office] })], NOW);
    expect(result.launches).toEqual([
      { poolId: 'linux', count: 3, reason: { queued: 1, warm: 3, want: 4, covered: 1, alive: 1, maxRunners: 10, capped: false } },
    ]);
  });

  it('keeps a window active for its whole span, in its time zone', () => {
    const p = pool({ warm: [office] });
    // 17:59 and 08:00 Berlin time (UTC+2) are inside, 18:00 and 07:59 outside; Saturday is outside
    expect(warmTarget(p, Date.UTC(2026, 5, 3, 15, 59))).toBe(3);
    expect(warmTarget(p, Date.UTC(2026, 5, 3, 16, 0))).toBe(0);
    expect(warmTarget(p, Date.UTC(2026, 5, 3, 6, 0))).toBe(3);
    expect(warmTarget(p, Date.UTC(2026, 5, 3, 5, 59))).toBe(0);
    expect(warmTarget(p, Date.UTC(2026, 5, 6, 10, 0))).toBe(0);
    expect(isWarmWindowActive(office, NOW)).toBe(true);
  });

  it('takes the largest active window and caps it at maxRunners', () => {
    const always = { schedule: '* * * * *', timeZone: 'UTC', size: 1 };
    const big = { schedule: '* * * * *', timeZone: 'UTC', size: 50 };
    const night = { schedule: '* 0-5 * * *', timeZone: 'UTC', size: 20 };
    expect(warmTarget(pool({ warm: [always, office, night] }), NOW)).toBe(3);
    expect(warmTarget(pool({ warm: [office, always] }), NOW)).toBe(3);
    expect(warmTarget(pool({ warm: [big], maxRunners: 4 }), NOW)).toBe(4);
    expect(warmTarget(pool({ warm: [] }), NOW)).toBe(0);
  });

  it('does not drain idle runners that the warm target keeps', () => {
    const old = { createdAt: NOW - 2 * HOUR, idleSince: NOW - HOUR };
    const result = plan(snapshot({ runners: runners(4, old) }), [pool({ warm: [office] })], NOW);
    expect(result.drains).toHaveLength(1);
    expect(result.launches).toEqual([]);
  });

  it('throws an invalid-config GhrError for a bad schedule or time zone', () => {
    const badCron = pool({ warm: [{ schedule: '* 8-18 * * 1-5x', timeZone: 'UTC', size: 1 }] });
    const badZone = pool({ warm: [{ schedule: '* * * * *', timeZone: 'Mars/Base', size: 1 }] });
    expect(() => plan(snapshot({}), [badCron], NOW)).toThrowError(expect.objectContaining({ code: 'invalid-config' }));
    expect(() => plan(snapshot({}), [badCron], NOW)).toThrowError(/is not a cron expression/);
    expect(() => warmTarget(badZone, NOW)).toThrowError(GhrError);
    expect(() => warmTarget(badZone, NOW)).toThrowError(/Unknown time zone "Mars\/Base"/);
  });
});

describe('plan: draining idle runners', () => {
  const stale = { createdAt: NOW - 2 * HOUR, idleSince: NOW - 10 * MIN };

  it('drains idle runners past idleTimeout beyond the demand, oldest first by default', () => {
    const a = runner({ ...stale, createdAt: NOW - 3 * HOUR });
    const b = runner({ ...stale, createdAt: NOW - 2 * HOUR });
    const c = runner({ ...stale, createdAt: NOW - 1 * HOUR });
    const result = plan(snapshot({ jobs: jobs(1), runners: [c, a, b] }), [pool()], NOW);
    expect(result.drains).toEqual([
      { runnerName: a.name, poolId: 'linux', reason: 'idle-timeout' },
      { runnerName: b.name, poolId: 'linux', reason: 'idle-timeout' },
    ]);
    expect(result.launches).toEqual([]);
    expect(result.pools[0]).toMatchObject({ idle: 1, draining: 2, alive: 3 });
  });

  it('drains newest first when the pool says so, breaking ties by name', () => {
    const a = runner({ ...stale, name: 'ghr-a', createdAt: NOW - 3 * HOUR });
    const b = runner({ ...stale, name: 'ghr-b', createdAt: NOW - HOUR });
    const c = runner({ ...stale, name: 'ghr-c', createdAt: NOW - HOUR });
    const result = plan(snapshot({ runners: [a, c, b] }), [pool({ drainOrder: 'newest-first' })], NOW);
    expect(result.drains.map((d) => d.runnerName)).toEqual(['ghr-b', 'ghr-c', 'ghr-a']);
    const oldest = plan(snapshot({ runners: [b, c, a] }), [pool()], NOW);
    expect(oldest.drains.map((d) => d.runnerName)).toEqual(['ghr-a', 'ghr-b', 'ghr-c']);
  });

  it('keeps idle runners that queued jobs need, even past idleTimeout', () => {
    const result = plan(snapshot({ jobs: jobs(2), runners: runners(2, stale) }), [pool()], NOW);
    expect(result.drains).toEqual([]);
    expect(result.launches).toEqual([]);
  });

  it('keeps idle runners not yet idle for idleTimeout, or not yet alive for minimumLifetime', () => {
    const result = plan(
      snapshot({
        runners: [
          runner({ createdAt: NOW - 2 * HOUR, idleSince: NOW - 4 * MIN }),
          runner({ createdAt: NOW - 20 * MIN, launchedAt: NOW - 20 * MIN, idleSince: NOW - 19 * MIN }),
        ],
      }),
      [pool({ minimumLifetime: HOUR })],
      NOW,
    );
    expect(result.drains).toEqual([]);
  });

  it('measures idleness from idleSince, else onlineAt, else launch', () => {
    const p = [pool()];
    const online = runner({ createdAt: NOW - HOUR, onlineAt: NOW - 6 * MIN });
    const fresh = runner({ createdAt: NOW - HOUR, onlineAt: NOW - 2 * MIN });
    const launched = runner({ createdAt: NOW - HOUR, launchedAt: NOW - 2 * MIN });
    expect(plan(snapshot({ runners: [online, fresh, launched] }), p, NOW).drains.map((d) => d.runnerName)).toEqual([online.name]);
  });

  it('never drains busy or draining runners, however long they run', () => {
    const result = plan(
      snapshot({ runners: [runner({ ...stale, state: 'busy' }), runner({ ...stale, state: 'draining' })] }),
      [pool()],
      NOW,
    );
    expect(result.drains).toEqual([]);
    expect(result.terminations).toEqual([]);
  });
});

describe('plan: timeouts', () => {
  it('terminates (and deregisters) booting runners past bootTimeout, and launches replacements in the same plan', () => {
    const stuck = runner({ state: 'booting', providerId: 'i-stuck', githubId: 42, createdAt: NOW - 20 * MIN, launchedAt: NOW - 11 * MIN });
    const result = plan(snapshot({ jobs: jobs(1), runners: [stuck] }), [pool({ scope: { kind: 'repo', owner: 'acme', repo: 'app' } })], NOW);
    expect(result.terminations).toEqual([
      {
        providerId: 'i-stuck',
        runnerName: stuck.name,
        poolId: 'linux',
        reason: 'boot-timeout',
        end: { state: 'failed', deregister: { scope: { kind: 'repo', owner: 'acme', repo: 'app' }, githubId: 42 } },
      },
    ]);
    expect(result.deregistrations).toEqual([]);
    expect(result.launches).toEqual([expect.objectContaining({ count: 1, reason: expect.objectContaining({ covered: 0, alive: 0 }) })]);
  });

  it('expires a launching runner that never got a machine in a full sweep, without a termination', () => {
    const stuck = runner({ state: 'launching', createdAt: NOW - 10 * MIN });
    const result = plan(snapshot({ runners: [stuck], instances: [] }), [pool()], NOW);
    expect(result.expirations).toEqual([{ runnerName: stuck.name, poolId: 'linux', reason: 'boot-timeout' }]);
    expect(result.terminations).toEqual([]);
    expect(result.deregistrations).toEqual([]);
  });

  it('keeps a runner that never got a machine outside a full sweep: only a listing shows it has none', () => {
    const stuck = runner({ state: 'launching', githubId: 8, createdAt: NOW - 10 * MIN });
    const result = plan(snapshot({ jobs: jobs(1), runners: [stuck] }), [pool()], NOW);
    expect(result.expirations).toEqual([]);
    expect(result.deregistrations).toEqual([]);
    expect(result.pools[0]).toMatchObject({ launching: 1, alive: 1 });
    expect(result.launches).toEqual([]);
  });

  it('keeps a booting runner within bootTimeout', () => {
    const result = plan(snapshot({ runners: [runner({ state: 'booting', providerId: 'i-1', createdAt: NOW - 9 * MIN })] }), [pool()], NOW);
    expect(result.terminations).toEqual([]);
    expect(result.pools[0]).toMatchObject({ booting: 1 });
  });

  it('ends a booting runner past a maxRuntime shorter than bootTimeout with reason max-runtime', () => {
    const r = runner({ state: 'booting', providerId: 'i-1', githubId: 9, createdAt: NOW - 3 * MIN });
    const result = plan(snapshot({ runners: [r] }), [pool({ maxRuntime: 2 * MIN, scope: { kind: 'enterprise', enterprise: 'big' } })], NOW);
    expect(result.terminations).toEqual([
      expect.objectContaining({
        providerId: 'i-1',
        reason: 'max-runtime',
        end: { state: 'terminated', deregister: { scope: { kind: 'enterprise', enterprise: 'big' }, githubId: 9 } },
      }),
    ]);
    expect(result.deregistrations).toEqual([]);
  });

  it('drains an idle runner past maxRuntime even when demand wants it, and launches a replacement', () => {
    const old = runner({ createdAt: NOW - 7 * HOUR, idleSince: NOW - 10_000 });
    const result = plan(snapshot({ jobs: jobs(1), runners: [old] }), [pool()], NOW);
    expect(result.drains).toEqual([{ runnerName: old.name, poolId: 'linux', reason: 'max-runtime' }]);
    expect(result.launches).toEqual([expect.objectContaining({ count: 1 })]);
  });

  it('reports busy and draining runners past maxRuntime as overdue and re-checks the job, never terminating them', () => {
    const busy = runner({ state: 'busy', jobId: 77, createdAt: NOW - 8 * HOUR, launchedAt: NOW - 7 * HOUR });
    const draining = runner({ state: 'draining', createdAt: NOW - 7 * HOUR });
    const running = job({ id: 77, status: 'in_progress', queuedAt: NOW - 7 * HOUR, startedAt: NOW - 6.5 * HOUR });
    const result = plan(snapshot({ jobs: [running], runners: [busy, draining] }), [pool()], NOW);
    expect(result.overdue).toEqual([
      { runnerName: busy.name, poolId: 'linux', state: 'busy', jobId: 77, age: 7 * HOUR },
      { runnerName: draining.name, poolId: 'linux', state: 'draining', jobId: undefined, age: 7 * HOUR },
    ]);
    expect(result.terminations).toEqual([]);
    expect(result.drains).toEqual([]);
    expect(result.rechecks).toEqual([{ jobId: 77, repository: { owner: 'acme', repo: 'app' }, reason: 'stale-in-progress' }]);
  });
});

describe('plan: runners of a pool that is no longer configured', () => {
  it('drains idle ones, reaps launching or booting ones past the grace, and leaves busy ones alone', () => {
    const idle = runner({ poolId: 'old' });
    const stuck = runner({ poolId: 'old', state: 'booting', providerId: 'i-old', githubId: 5, createdAt: NOW - 16 * MIN });
    const young = runner({ poolId: 'old', state: 'launching', createdAt: NOW - MIN });
    const busy = runner({ poolId: 'old', state: 'busy', createdAt: NOW - 9 * HOUR });
    const result = plan(snapshot({ runners: [idle, stuck, young, busy] }), [pool()], NOW);
    expect(result.drains).toEqual([{ runnerName: idle.name, poolId: 'old', reason: 'pool-removed' }]);
    // no scope to deregister in: a later sweep's orphan-registration rule or GitHub's own cleanup removes it
    expect(result.terminations).toEqual([
      { providerId: 'i-old', runnerName: stuck.name, poolId: 'old', reason: 'boot-timeout', end: { state: 'failed', deregister: { scope: undefined, githubId: 5 } } },
    ]);
    expect(result.deregistrations).toEqual([]);
    expect(result.overdue).toEqual([]);
  });

  it('honours a custom grace', () => {
    const stuck = runner({ poolId: 'old', state: 'launching', createdAt: NOW - 2 * MIN });
    expect(plan(snapshot({ runners: [stuck], instances: [] }), [], NOW, { unknownPoolGrace: MIN }).expirations).toHaveLength(1);
    expect(PLAN_DEFAULTS.unknownPoolGrace).toBe(15 * MIN);
  });
});

describe('plan: stale jobs', () => {
  it('re-checks queued and waiting jobs with no news for recheckAfter, oldest first', () => {
    const a = job({ queuedAt: NOW - 20 * MIN });
    const b = job({ status: 'waiting', queuedAt: NOW - 30 * MIN });
    const checked = job({ queuedAt: NOW - HOUR, checkedAt: NOW - MIN });
    const fresh = job({ queuedAt: NOW - MIN });
    const unmatched = job({ poolId: null, queuedAt: NOW - HOUR });
    const result = plan(snapshot({ jobs: [a, b, checked, fresh, unmatched] }), [pool()], NOW);
    expect(result.rechecks).toEqual([
      { jobId: b.id, repository: b.repository, reason: 'stale-waiting' },
      { jobId: a.id, repository: a.repository, reason: 'stale-queued' },
    ]);
  });

  it('spends at most recheckBudget per plan on the stalest jobs, ties by job id', () => {
    const stale = [5, 9, 1, 7, 3, 8, 2, 6, 4].map((minutesOld) => job({ queuedAt: NOW - (10 + minutesOld) * MIN }));
    const tie = job({ id: 1, queuedAt: NOW - 19 * MIN });
    const result = plan(snapshot({ jobs: [...stale, tie] }), [pool()], NOW, { recheckBudget: 3, recheckAfter: 10 * MIN });
    expect(result.rechecks.map((r) => r.jobId)).toEqual([tie.id, stale[1]?.id, stale[5]?.id]);
    expect(plan(snapshot({ jobs: stale }), [pool()], NOW, { recheckBudget: 0 }).rechecks).toEqual([]);
  });

  it('re-checks an in-progress job only when it runs longer than maxRuntime and was not checked recently', () => {
    const long = job({ status: 'in_progress', queuedAt: NOW - 8 * HOUR });
    const checked = job({ status: 'in_progress', startedAt: NOW - 8 * HOUR, checkedAt: NOW - MIN });
    const short = job({ status: 'in_progress', startedAt: NOW - HOUR });
    const result = plan(snapshot({ jobs: [long, checked, short] }), [pool()], NOW);
    expect(result.rechecks).toEqual([{ jobId: long.id, repository: long.repository, reason: 'stale-in-progress' }]);
  });
});

describe('plan: purity', () => {
  it('gives the same plan for the same input and does not change its input', () => {
    const input = snapshot({
      jobs: jobs(3, { queuedAt: NOW - HOUR }),
      runners: [runner({ createdAt: NOW - 2 * HOUR, idleSince: NOW - HOUR }), runner({ state: 'booting', providerId: 'i-9', createdAt: NOW - HOUR })],
      instances: [instance()],
      registrations: [{ scope: { kind: 'org', org: 'acme' }, runners: [registration()] }],
    });
    const frozen = structuredClone(input);
    const pools = [pool({ warm: [{ schedule: '* * * * *', timeZone: 'UTC', size: 2 }] })];
    const first = plan(input, pools, NOW);
    expect(plan(input, pools, NOW)).toEqual(first);
    expect(input).toEqual(frozen);
  });
});
