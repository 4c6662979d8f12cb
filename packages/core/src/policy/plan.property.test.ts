// Invariants of `plan` over random snapshots (fast-check).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Job, Pool, Runner, RunnerState } from '../domain.js';
import type { GitHubRunner, Instance } from '../ports.js';
import { plan } from './plan.js';
import type { Plan, PlanOptions, Snapshot } from './types.js';
import { warmTarget } from './warm.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const BASE = Date.UTC(2026, 5, 1, 0, 0);
const POOL_IDS = ['p0', 'p1', 'p2'];
const ALIVE: readonly RunnerState[] = ['launching', 'booting', 'idle', 'busy', 'draining'];
const RUNS = { numRuns: 150 };

const windowArb = fc.record({
  schedule: fc.constantFrom('* * * * *', '* 0-11 * * *', '* 12-23 * * *', '0-29 * * * *', '* 8-17 * * mon-fri'),
  timeZone: fc.constantFrom('UTC', 'Europe/Berlin', 'Asia/Kolkata'),
  size: fc.integer({ min: 0, max: 6 }),
});

const poolArb = (id: string) =>
  fc.record({
    ephemeral: fc.boolean(),
    maxRunners: fc.integer({ min: 0, max: 8 }),
    warm: fc.array(windowArb, { maxLength: 2 }),
    idleTimeout: fc.integer({ min: 1, max: 60 }).map((m) => m * MIN),
    minimumLifetime: fc.integer({ min: 0, max: 60 }).map((m) => m * MIN),
    bootTimeout: fc.integer({ min: 1, max: 30 }).map((m) => m * MIN),
    maxRuntime: fc.integer({ min: 1, max: 8 * 60 }).map((m) => m * MIN),
    drainOrder: fc.constantFrom('oldest-first' as const, 'newest-first' as const),
  }).map(
    (p): Pool => ({ id, labels: ['self-hosted', id], match: 'subset', priority: 0, scope: { kind: 'org', org: 'acme' }, instance: {}, ...p }),
  );

const ago = (max: number) => fc.integer({ min: 0, max });
const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });

const runnerArb = fc.record({
  poolId: fc.constantFrom(...POOL_IDS, 'gone'),
  state: fc.constantFrom<RunnerState>('launching', 'booting', 'idle', 'busy', 'draining', 'terminated', 'failed'),
  created: ago(10 * HOUR),
  launchedAfter: optional(ago(5 * MIN)),
  idleFor: optional(ago(2 * HOUR)),
  hasMachine: fc.boolean(),
  registered: fc.boolean(),
});

const jobArb = fc.record({
  poolId: fc.constantFrom<string | null>(...POOL_IDS, null, 'gone'),
  status: fc.constantFrom('queued' as const, 'waiting' as const, 'in_progress' as const, 'completed' as const),
  queued: ago(10 * HOUR),
  checked: optional(ago(HOUR)),
});

interface World {
  readonly pools: readonly Pool[];
  readonly snapshot: Snapshot;
  readonly now: number;
  readonly options: PlanOptions;
}

const worldArb: fc.Arbitrary<World> = fc
  .record({
    pools: fc.tuple(poolArb('p0'), poolArb('p1'), poolArb('p2')).chain((all) => fc.subarray(all, { minLength: 1 })),
    runners: fc.array(runnerArb, { maxLength: 25 }),
    jobs: fc.array(jobArb, { maxLength: 25 }),
    now: fc.integer({ min: 0, max: 7 * 24 * 60 }).map((m) => BASE + 10 * HOUR + m * MIN),
    sweep: fc.boolean(),
    instanceNoise: fc.array(
      fc.record({ of: fc.nat(40), renamed: fc.boolean(), state: fc.constantFrom('pending' as const, 'running' as const, 'terminated' as const), age: ago(HOUR), interrupted: fc.boolean(), pool: fc.constantFrom(...POOL_IDS, 'gone') }),
      { maxLength: 25 },
    ),
    registrationNoise: fc.array(fc.record({ of: fc.nat(40), busy: fc.boolean(), renamed: fc.boolean() }), { maxLength: 20 }),
    budget: fc.integer({ min: 0, max: 5 }),
  })
  .map(({ pools, runners: rs, jobs: js, now, sweep, instanceNoise, registrationNoise, budget }): World => {
    const runners: Runner[] = rs.map((r, i) => {
      const createdAt = now - r.created;
      const launchedAt = r.launchedAfter === undefined ? undefined : Math.min(now, createdAt + r.launchedAfter);
      return {
        name: `ghr-${i}`,
        poolId: r.poolId,
        state: r.state,
        labels: [],
        ephemeral: true,
        providerId: r.hasMachine ? `i-${i}` : undefined,
        githubId: r.registered ? 1000 + i : undefined,
        createdAt,
        launchedAt,
        idleSince: r.idleFor === undefined ? undefined : Math.max(createdAt, now - r.idleFor),
        updatedAt: createdAt,
        version: 1,
      };
    });
    const jobs: Job[] = js.map((j, i) => ({
      id: i + 1,
      runId: 1,
      runAttempt: 1,
      repository: { owner: 'acme', repo: 'app' },
      labels: [],
      status: j.status,
      poolId: j.poolId,
      queuedAt: now - j.queued,
      startedAt: j.status === 'in_progress' ? now - j.queued : undefined,
      checkedAt: j.checked === undefined ? undefined : now - Math.min(j.checked, j.queued),
      updatedAt: now - j.queued,
      version: 1,
    }));
    // Instances and registrations: those of the runners (some missing), plus noise that reuses their ids and
    // names, renames them, or invents new ones.
    const instances: Instance[] = [];
    const registrations: GitHubRunner[] = [];
    if (sweep) {
      for (const [k, n] of instanceNoise.entries()) {
        const r = runners[n.of];
        const providerId = r?.providerId ?? `i-x${k}`;
        // a cloud's ids are unique
        if (instances.some((i) => i.providerId === providerId)) continue;
        instances.push({
          providerId,
          name: r && !n.renamed ? r.name : `ghr-x${k}`,
          poolId: r?.poolId ?? n.pool,
          state: n.state,
          launchedAt: now - n.age,
          interruptedAt: n.interrupted ? now - 1 : undefined,
        });
      }
      for (const [k, n] of registrationNoise.entries()) {
        const r = runners[n.of];
        const id = r?.githubId ?? 5000 + k;
        const name = r && !n.renamed ? r.name : `ghr-y${k}`;
        // GitHub's ids and names are unique (within a scope)
        if (registrations.some((g) => g.id === id || g.name === name)) continue;
        registrations.push({
          id,
          name,
          status: 'online',
          busy: n.busy,
          labels: [],
        });
      }
    }
    const snapshot: Snapshot = sweep
      ? { jobs, runners, instances, registrations: [{ scope: { kind: 'org', org: 'acme' }, runners: registrations }] }
      : { jobs, runners };
    return { pools, snapshot, now, options: { recheckBudget: budget, recheckAfter: 10 * MIN } };
  });

/** Carries out a plan on a snapshot, as a perfect engine would at the same instant. */
function apply(snapshot: Snapshot, result: Plan): Snapshot {
  const terminated = new Set(result.terminations.map((t) => t.providerId));
  const expired = new Set(result.expirations.map((e) => e.runnerName));
  const drained = new Set(result.drains.map((d) => d.runnerName));
  const deregistered = new Set(result.deregistrations.map((d) => d.githubId));
  const runners: Runner[] = snapshot.runners
    .filter((r) => !expired.has(r.name) && !(r.providerId !== undefined && terminated.has(r.providerId)))
    .map((r) => (drained.has(r.name) ? { ...r, state: 'draining' } : r));
  for (const launch of result.launches) {
    for (let i = 0; i < launch.count; i++) {
      runners.push({
        name: `ghr-new-${launch.poolId}-${i}`,
        poolId: launch.poolId,
        state: 'launching',
        labels: [],
        ephemeral: true,
        createdAt: result.at,
        updatedAt: result.at,
        version: 1,
      });
    }
  }
  return {
    jobs: snapshot.jobs,
    runners,
    ...(snapshot.instances && { instances: snapshot.instances.filter((i) => !terminated.has(i.providerId)) }),
    ...(snapshot.registrations && {
      registrations: snapshot.registrations.map((l) => ({ ...l, runners: l.runners.filter((r) => !deregistered.has(r.id)) })),
    }),
  };
}

/** Runners GitHub reports busy (by registration id or name), whatever the ledger's state says. */
function busyAtGitHub(snapshot: Snapshot): Set<string> {
  const busy = (snapshot.registrations ?? []).flatMap((l) => l.runners.filter((r) => r.busy));
  const ids = new Set(busy.map((r) => r.id));
  const names = new Set(busy.map((r) => r.name));
  return new Set(snapshot.runners.filter((r) => names.has(r.name) || (r.githubId !== undefined && ids.has(r.githubId))).map((r) => r.name));
}

const alive = (snapshot: Snapshot, poolId: string, states: readonly RunnerState[] = ALIVE) =>
  snapshot.runners.filter((r) => r.poolId === poolId && states.includes(r.state)).length;
const queued = (snapshot: Snapshot, poolId: string) => snapshot.jobs.filter((j) => j.poolId === poolId && j.status === 'queued').length;

describe('plan (properties)', () => {
  it('never plans a pool above maxRunners', () => {
    fc.assert(
      fc.property(worldArb, ({ pools, snapshot, now, options }) => {
        const result = plan(snapshot, pools, now, options);
        const after = apply(snapshot, result);
        for (const pool of pools) {
          const launched = result.launches.find((l) => l.poolId === pool.id)?.count ?? 0;
          if (launched > 0) expect(alive(after, pool.id)).toBeLessThanOrEqual(pool.maxRunners);
          expect(alive(after, pool.id)).toBeLessThanOrEqual(Math.max(pool.maxRunners, alive(snapshot, pool.id)));
        }
      }),
      RUNS,
    );
  });

  it('never drains, terminates, expires or deregisters a busy runner', () => {
    fc.assert(
      fc.property(worldArb, ({ pools, snapshot, now, options }) => {
        const result = plan(snapshot, pools, now, options);
        // Busy in the ledger, or busy at GitHub (the ledger lags: an in_progress event not yet ingested)
        const githubBusy = (snapshot.registrations ?? []).flatMap((l) => l.runners.filter((r) => r.busy));
        const atGitHub = busyAtGitHub(snapshot);
        const busy = snapshot.runners.filter((r) => r.state === 'busy' || atGitHub.has(r.name));
        const busyNames = new Set(busy.map((r) => r.name));
        const busyMachines = new Set(busy.flatMap((r) => (r.providerId === undefined ? [] : [r.providerId])));
        const busyIds = new Set([...githubBusy.map((r) => r.id), ...busy.flatMap((r) => (r.githubId === undefined ? [] : [r.githubId]))]);
        for (const d of result.drains) expect(busyNames.has(d.runnerName)).toBe(false);
        for (const e of result.expirations) expect(busyNames.has(e.runnerName)).toBe(false);
        for (const t of result.terminations) {
          expect(busyMachines.has(t.providerId)).toBe(false);
          expect(t.runnerName !== undefined && busyNames.has(t.runnerName)).toBe(false);
        }
        for (const d of result.deregistrations) {
          expect(busyIds.has(d.githubId)).toBe(false);
          expect(busyNames.has(d.runnerName)).toBe(false);
        }
        // and only idle runners are ever drained
        const idle = new Set(snapshot.runners.filter((r) => r.state === 'idle').map((r) => r.name));
        for (const d of result.drains) expect(idle.has(d.runnerName)).toBe(true);
      }),
      RUNS,
    );
  });

  it('launches nothing for a pool whose demand its surviving idle, booting and launching runners cover', () => {
    fc.assert(
      fc.property(worldArb, ({ pools, snapshot, now, options }) => {
        const result = plan(snapshot, pools, now, options);
        const removed = new Set([
          ...busyAtGitHub(snapshot),
          ...result.drains.map((d) => d.runnerName),
          ...result.expirations.map((e) => e.runnerName),
          ...result.terminations.flatMap((t) => (t.runnerName === undefined ? [] : [t.runnerName])),
        ]);
        for (const pool of pools) {
          const covering = snapshot.runners.filter(
            (r) => r.poolId === pool.id && ['idle', 'booting', 'launching'].includes(r.state) && !removed.has(r.name),
          ).length;
          if (covering >= queued(snapshot, pool.id) + warmTarget(pool, now)) {
            expect(result.launches.find((l) => l.poolId === pool.id)).toBeUndefined();
          }
        }
      }),
      RUNS,
    );
  });

  it('is idempotent: carried out and planned again at the same time, it launches nothing and repeats nothing', () => {
    fc.assert(
      fc.property(worldArb, ({ pools, snapshot, now, options }) => {
        const first = plan(snapshot, pools, now, options);
        const second = plan(apply(snapshot, first), pools, now, options);
        expect(second.launches).toEqual([]);
        const drained = new Set(first.drains.map((d) => d.runnerName));
        for (const d of second.drains) expect(drained.has(d.runnerName)).toBe(false);
        const terminated = new Set(first.terminations.map((t) => t.providerId));
        for (const t of second.terminations) expect(terminated.has(t.providerId)).toBe(false);
        const deregistered = new Set(first.deregistrations.map((d) => d.githubId));
        for (const d of second.deregistrations) expect(deregistered.has(d.githubId)).toBe(false);
        expect(second.expirations).toEqual([]);
      }),
      RUNS,
    );
  });

  it('honours the warm target plus queued jobs, within maxRunners', () => {
    fc.assert(
      fc.property(worldArb, ({ pools, snapshot, now, options }) => {
        const after = apply(snapshot, plan(snapshot, pools, now, options));
        for (const pool of pools) {
          const want = queued(snapshot, pool.id) + warmTarget(pool, now);
          const covered = alive(after, pool.id, ['idle', 'booting', 'launching']);
          expect(covered >= want || alive(after, pool.id) >= pool.maxRunners).toBe(true);
          expect(warmTarget(pool, now)).toBeLessThanOrEqual(pool.maxRunners);
        }
      }),
      RUNS,
    );
  });

  it('explains every launch with numbers that add up', () => {
    fc.assert(
      fc.property(worldArb, ({ pools, snapshot, now, options }) => {
        const result = plan(snapshot, pools, now, options);
        for (const { count, reason } of result.launches) {
          expect(count).toBeGreaterThan(0);
          expect(reason.want).toBe(reason.queued + reason.warm);
          expect(count).toBe(Math.min(reason.want - reason.covered, reason.maxRunners - reason.alive));
          expect(reason.capped).toBe(reason.maxRunners - reason.alive < reason.want - reason.covered);
        }
      }),
      RUNS,
    );
  });

  it('re-checks at most the budget, the stalest first, only matched open jobs', () => {
    fc.assert(
      fc.property(worldArb, ({ pools, snapshot, now, options }) => {
        const result = plan(snapshot, pools, now, options);
        expect(result.rechecks.length).toBeLessThanOrEqual(options.recheckBudget ?? 0);
        const byId = new Map(snapshot.jobs.map((j) => [j.id, j]));
        const known = new Set(pools.map((p) => p.id));
        const news = (id: number) => {
          const j = byId.get(id) as Job;
          return Math.max(j.startedAt ?? j.queuedAt, j.checkedAt ?? 0);
        };
        for (const r of result.rechecks) {
          const j = byId.get(r.jobId) as Job;
          expect(j.poolId !== null && known.has(j.poolId) && j.status !== 'completed').toBe(true);
        }
        for (let i = 1; i < result.rechecks.length; i++) {
          expect(news((result.rechecks[i - 1] as { jobId: number }).jobId)).toBeLessThanOrEqual(news((result.rechecks[i] as { jobId: number }).jobId));
        }
      }),
      RUNS,
    );
  });

  it('is deterministic and leaves its input unchanged', () => {
    fc.assert(
      fc.property(worldArb, ({ pools, snapshot, now, options }) => {
        const copy = structuredClone(snapshot);
        const first = plan(snapshot, pools, now, options);
        expect(plan(copy, structuredClone(pools), now, options)).toEqual(first);
        expect(snapshot).toEqual(copy);
      }),
      { numRuns: 60 },
    );
  });
});
