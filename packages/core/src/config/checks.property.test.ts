import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PoolScope, RepositoryRef } from '../domain.js';
import { createMatcher } from '../matching/matcher.js';
import { testPool } from '../matching/test-pools.test-support.js';
import { checkConfig } from './checks.js';

const UNIVERSE = ['self-hosted', 'linux', 'x64', 'large'];
const SCOPES: readonly PoolScope[] = [
  { kind: 'org', org: 'acme' },
  { kind: 'repo', owner: 'acme', repo: 'web' },
  { kind: 'org', org: 'beta' },
];
// Every repository a scope above can serve, plus ones no repo-scoped pool names.
const REPOS: readonly RepositoryRef[] = [
  { owner: 'acme', repo: 'web' },
  { owner: 'acme', repo: 'other' },
  { owner: 'beta', repo: 'other' },
];

/** Every non-empty subset of the label universe: every job that could matter. */
const JOBS: string[][] = [];
for (let mask = 1; mask < 1 << UNIVERSE.length; mask++) JOBS.push(UNIVERSE.filter((_, i) => mask & (1 << i)));

const poolsArb = fc
  .array(
    fc.record({
      labels: fc.subarray(UNIVERSE, { minLength: 1 }),
      match: fc.constantFrom('exact' as const, 'subset' as const),
      priority: fc.integer({ min: 0, max: 2 }),
      scope: fc.constantFrom(...SCOPES),
    }),
    { minLength: 1, maxLength: 6 },
  )
  .map((specs) => specs.map((spec, index) => ({ index, pool: testPool({ id: `p${index}`, ...spec }) })));

describe('checkConfig: unreachable pools (property)', () => {
  it('flags a pool as never chosen exactly when no job from any repository is matched to it', () => {
    fc.assert(
      fc.property(poolsArb, (indexed) => {
        // Arrange
        const pools = indexed.map((p) => p.pool);
        const match = createMatcher(pools);
        const chosen = new Set<string>();
        for (const repository of REPOS) {
          for (const job of JOBS) {
            const { pool } = match(job, { repository });
            if (pool) chosen.add(pool.id);
          }
        }
        // Act
        const issues = checkConfig(undefined, indexed);
        // Assert
        const twins = new Set(issues.filter((i) => i.message.startsWith('same labels')).map((i) => i.path.replace('.labels', '')));
        const flagged = new Set(issues.filter((i) => i.message.startsWith('can never be chosen')).map((i) => i.path));
        for (const { index, pool } of indexed) {
          const path = `pools[${index}]`;
          if (twins.has(path)) continue;
          expect(flagged.has(path), `${path} ${JSON.stringify(pools)}`).toBe(!chosen.has(pool.id));
        }
      }),
      { numRuns: 300 },
    );
  });
});
