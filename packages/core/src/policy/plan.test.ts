import { describe, expect, it } from 'vitest';
import type { Job, Pool, Runner } from '../domain.js';
import { GhrError } from '../errors.js';
import type { GitHubRunner, Instance } from '../ports.js';
import { PLAN_DEFAULTS, plan } from './plan.js';
import type { Snapshot } from './types.js';
import { isWarmWindowActive, warmTarget } from './warm.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
// Wednesday 3 June 2026, 12:00 UTC (14:00 in Berlin)
const NOW = Date.UTC(2026, 5, 3, 12, 0);

function pool(overrides: Partial<Pool> = {}): Pool {
  return {
    id: 'linux',
    labels: ['self-hosted', 'linux'],
    match: 'subset',
    priority: 0,
    scope: { kind: 'org', org: 'acme', runnerGroup: 'ci' },
    ephemeral: true,
    maxRunners: 10,
    warm: [],
    idleTimeout: 5 * MIN,
    minimumLifetime: 0,
    bootTimeout: 10 * MIN,
    maxRuntime: 6 * HOUR,
    drainOrder: 'oldest-first',
    instance: {},
    ...overrides,
  };
}

let seq = 0;
function runner(overrides: Partial<Runner> = {}): Runner {
  seq += 1;
  return {
    name: `ghr-${seq}`,
    poolId: 'linux',
    state: 'idle',
    labels: ['self-hosted', 'linux'],
    ephemeral: true,
    createdAt: NOW - MIN,
    updatedAt: NOW - MIN,
    version: 1,
    ...overrides,
  };
}

function job(overrides: Partial<Job> = {}): Job {
  seq += 1;
  return {
    id: seq,
    runId: 1,
    runAttempt: 1,
    repository: { owner: 'acme', repo: 'app' },
    labels: ['self-hosted', 'linux'],
    status: 'queued',
    poolId: 'linux',
    queuedAt: NOW - 10_000,
    updatedAt: NOW - 10_000,
    version: 1,
    ...overrides,
  };
}

function instance(overrides: Partial<Instance> = {}): Instance {
  seq += 1;
  return { providerId: `i-${seq}`, name: `ghr-${seq}`, poolId: 'linux', state: 'running', launchedAt: NOW - HOUR, ...overrides };
}

function registration(overrides: Partial<GitHubRunner> = {}): GitHubRunner {
  seq += 1;
  return { id: 1000 + seq, name: `ghr-${seq}`, status: 'online', busy: false, labels: ['self-hosted', 'linux'], ...overrides };
}

const jobs = (count: number, overrides: Partial<Job> = {}) => Array.from({ length: count }, () => job(overrides));
const runners = (count: number, overrides: Partial<Runner> = {}) => Array.from({ length: count }, () => runner(overrides));
const snapshot = (parts: Partial<Snapshot>): Snapshot => ({ jobs: [], runners: [], ...parts });

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
    expect(result.terminations).toEqual([{ providerId: 'i-stuck', runnerName: stuck.name, poolId: 'linux', reason: 'boot-timeout' }]);
    expect(result.deregistrations).toEqual([
      { scope: { kind: 'repo', owner: 'acme', repo: 'app' }, githubId: 42, runnerName: stuck.name, reason: 'boot-timeout' },
    ]);
    expect(result.launches).toEqual([expect.objectContaining({ count: 1, reason: expect.objectContaining({ covered: 0, alive: 0 }) })]);
  });

  it('expires a launching runner that never got a machine, without a termination', () => {
    const stuck = runner({ state: 'launching', createdAt: NOW - 10 * MIN });
    const result = plan(snapshot({ runners: [stuck] }), [pool()], NOW);
    expect(result.expirations).toEqual([{ runnerName: stuck.name, poolId: 'linux', reason: 'boot-timeout' }]);
    expect(result.terminations).toEqual([]);
    expect(result.deregistrations).toEqual([]);
  });

  it('keeps a booting runner within bootTimeout', () => {
    const result = plan(snapshot({ runners: [runner({ state: 'booting', providerId: 'i-1', createdAt: NOW - 9 * MIN })] }), [pool()], NOW);
    expect(result.terminations).toEqual([]);
    expect(result.pools[0]).toMatchObject({ booting: 1 });
  });

  it('ends a booting runner past a maxRuntime shorter than bootTimeout with reason max-runtime', () => {
    const r = runner({ state: 'booting', providerId: 'i-1', githubId: 9, createdAt: NOW - 3 * MIN });
    const result = plan(snapshot({ runners: [r] }), [pool({ maxRuntime: 2 * MIN, scope: { kind: 'enterprise', enterprise: 'big' } })], NOW);
    expect(result.terminations).toEqual([expect.objectContaining({ providerId: 'i-1', reason: 'max-runtime' })]);
    expect(result.deregistrations).toEqual([
      { scope: { kind: 'enterprise', enterprise: 'big' }, githubId: 9, runnerName: r.name, reason: 'max-runtime' },
    ]);
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
    expect(result.terminations).toEqual([{ providerId: 'i-old', runnerName: stuck.name, poolId: 'old', reason: 'boot-timeout' }]);
    // no scope to deregister in: a later sweep's orphan-registration rule or GitHub's own cleanup removes it
    expect(result.deregistrations).toEqual([]);
    expect(result.overdue).toEqual([]);
  });

  it('honours a custom grace', () => {
    const stuck = runner({ poolId: 'old', state: 'launching', createdAt: NOW - 2 * MIN });
    expect(plan(snapshot({ runners: [stuck] }), [], NOW, { unknownPoolGrace: MIN }).expirations).toHaveLength(1);
    expect(PLAN_DEFAULTS.unknownPoolGrace).toBe(15 * MIN);
  });
});

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
      { providerId: 'i-t', runnerName: timedOut.name, poolId: 'linux', reason: 'boot-timeout' },
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
      { providerId: 'i-gone', runnerName: idle.name, poolId: 'linux', reason: 'instance-gone' },
      { providerId: 'i-gone2', runnerName: draining.name, poolId: 'linux', reason: 'instance-gone' },
      { providerId: 'i-dead', runnerName: listedTerminated.name, poolId: 'linux', reason: 'instance-gone' },
    ]);
    expect(result.deregistrations).toEqual([
      { scope: { kind: 'org', org: 'acme' }, githubId: 11, runnerName: idle.name, reason: 'instance-gone' },
    ]);
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
    expect(result.terminations).toEqual([{ providerId: 'i-2', runnerName: booting.name, poolId: 'linux', reason: 'interrupted' }]);
    expect(result.deregistrations).toEqual([expect.objectContaining({ githubId: 3, reason: 'interrupted' })]);
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
    expect(result.deregistrations.map((d) => [d.githubId, d.reason])).toEqual([
      [50, 'boot-timeout'],
      [51, 'orphan-registration'],
    ]);
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
