import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Pool, PoolScope, RepositoryRef } from '../domain.js';
import { createMatcher, scopeServes } from './matcher.js';
import { testPool } from './test-pools.test-support.js';

const UNIVERSE = ['self-hosted', 'linux', 'x64', 'large', 'gpu'];
const SCOPES: readonly PoolScope[] = [
  { kind: 'org', org: 'acme' },
  { kind: 'repo', owner: 'acme', repo: 'web' },
  { kind: 'org', org: 'beta' },
];
const REPOS: readonly RepositoryRef[] = [
  { owner: 'acme', repo: 'web' },
  { owner: 'acme', repo: 'api' },
  { owner: 'beta', repo: 'web' },
];

const labels = (min: number) => fc.subarray(UNIVERSE, { minLength: min });

const poolsArb = fc
  .array(
    fc.record({
      labels: labels(1),
      match: fc.constantFrom('exact' as const, 'subset' as const),
      priority: fc.integer({ min: 0, max: 2 }),
      scope: fc.constantFrom(...SCOPES),
    }),
    { minLength: 1, maxLength: 6 },
  )
  .map((specs) => specs.map((spec, i) => testPool({ id: `p${i}`, ...spec })));

const jobArb = fc.tuple(labels(0), fc.boolean()).map(([ls, unknown]) => (unknown ? [...ls, 'fpga'] : ls));

const lowerSet = (ls: readonly string[]): Set<string> => new Set(ls.map((l) => l.toLowerCase()));

function canTake(pool: Pool, job: readonly string[]): boolean {
  const want = lowerSet(job);
  const have = lowerSet(pool.labels);
  if (want.size === 0 || ![...want].every((l) => have.has(l))) return false;
  return pool.match === 'subset' || want.size === have.size;
}

/** The specification, written the slow way: filter, sort by (priority desc, size asc, index asc), first. */
function reference(pools: readonly Pool[], job: readonly string[], repository?: RepositoryRef): Pool | null {
  const ranked = pools
    .map((pool, index) => ({ pool, index, size: lowerSet(pool.labels).size }))
    .filter(({ pool }) => canTake(pool, job) && (!repository || scopeServes(pool.scope, repository)))
    .sort((a, b) => b.pool.priority - a.pool.priority || a.size - b.size || a.index - b.index);
  return ranked[0]?.pool ?? null;
}

/** The same labels in another order and case, with a repeat. */
const scrambleArb = (job: readonly string[]) =>
  fc.tuple(fc.shuffledSubarray([...job], { minLength: job.length, maxLength: job.length }), fc.array(fc.boolean(), { minLength: job.length, maxLength: job.length }), fc.boolean()).map(
    ([order, upper, repeat]) => {
      const out = order.map((l, i) => (upper[i] ? l.toUpperCase() : l));
      return repeat && out.length > 0 ? [...out, out[0] as string] : out;
    },
  );

const RUNS = { numRuns: 300 };

describe('createMatcher (properties)', () => {
  it('chooses exactly the pool the specification chooses, with or without a repository', () => {
    fc.assert(
      fc.property(poolsArb, jobArb, fc.option(fc.constantFrom(...REPOS), { nil: undefined }), (pools, job, repository) => {
        const result = createMatcher(pools)(job, repository ? { repository } : undefined);
        expect(result.pool).toBe(reference(pools, job, repository));
      }),
      RUNS,
    );
  });

  it('only ever chooses a pool that can run the job, and an exact pool only for its own label set', () => {
    fc.assert(
      fc.property(poolsArb, jobArb, (pools, job) => {
        const { pool } = createMatcher(pools)(job);
        if (pool === null) return;
        const want = lowerSet(job);
        const have = lowerSet(pool.labels);
        expect([...want].every((l) => have.has(l))).toBe(true);
        if (pool.match === 'exact') expect([...have].sort()).toEqual([...want].sort());
      }),
      RUNS,
    );
  });

  it('reports no pool only when no pool can take the job, always with a reason', () => {
    fc.assert(
      fc.property(poolsArb, jobArb, (pools, job) => {
        const result = createMatcher(pools)(job);
        if (result.pool === null) {
          expect(pools.some((p) => canTake(p, job))).toBe(false);
          expect(result.reason.length).toBeGreaterThan(0);
        }
      }),
      RUNS,
    );
  });

  it('does not depend on the case, order or repetition of the job’s labels', () => {
    fc.assert(
      fc.property(
        poolsArb,
        jobArb.chain((job) => fc.tuple(fc.constant(job), scrambleArb(job))),
        ([...pools], [job, scrambled]) => {
          const match = createMatcher(pools);
          expect(match(scrambled).pool).toBe(match(job).pool);
        },
      ),
      RUNS,
    );
  });

  it('does not depend on the case or order of the pools’ labels', () => {
    fc.assert(
      fc.property(poolsArb, jobArb, (pools, job) => {
        const upper = pools.map((p) => ({ ...p, labels: [...p.labels].reverse().map((l) => l.toUpperCase()) }));
        expect(createMatcher(upper)(job).pool?.id).toBe(createMatcher(pools)(job).pool?.id);
      }),
      RUNS,
    );
  });
});
