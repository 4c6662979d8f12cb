import { describe, expect, it } from 'vitest';
import type { Pool } from '../domain.js';
import { runnerAcceptsJob } from './labels.js';
import { createMatcher, matchPool } from './matcher.js';
import type { NoPoolMatch } from './matcher.js';
import { testPool } from './test-pools.test-support.js';

const small = testPool({ id: 'small', labels: ['self-hosted', 'linux', 'x64'], match: 'subset' });
const large = testPool({ id: 'large', labels: ['self-hosted', 'linux', 'x64', 'large'], match: 'subset' });
const exactGpu = testPool({ id: 'gpu', labels: ['self-hosted', 'linux', 'gpu'] });

function unmatched(labels: readonly string[], pools: readonly Pool[], repository?: { owner: string; repo: string }): NoPoolMatch {
  const result = matchPool(labels, pools, repository ? { repository } : undefined);
  expect(result.pool).toBeNull();
  return result as NoPoolMatch;
}

describe('runnerAcceptsJob', () => {
  it('is GitHub’s rule: the job’s labels are a subset of the runner’s, case-insensitively', () => {
    expect(runnerAcceptsJob(['self-hosted', 'Linux', 'X64'], ['linux', 'SELF-HOSTED'])).toBe(true);
    expect(runnerAcceptsJob(['self-hosted', 'linux'], ['self-hosted', 'linux', 'x64'])).toBe(false);
    expect(runnerAcceptsJob(['self-hosted'], [])).toBe(false);
  });
});

describe('matchPool', () => {
  it('gives a subset pool any job whose labels it has', () => {
    expect(matchPool(['self-hosted', 'linux'], [small])).toEqual({ pool: small });
    expect(matchPool(['x64'], [small]).pool).toBe(small);
  });

  it('gives an exact pool only its own label set, in any case, order or repetition', () => {
    expect(matchPool(['GPU', 'linux', 'self-hosted', 'gpu'], [exactGpu]).pool).toBe(exactGpu);
    expect(matchPool(['self-hosted', 'gpu'], [exactGpu]).pool).toBeNull();
  });

  it('prefers the pool with fewer labels among equals (least waste)', () => {
    expect(matchPool(['self-hosted', 'linux'], [large, small]).pool).toBe(small);
    expect(matchPool(['self-hosted', 'linux', 'large'], [large, small]).pool).toBe(large);
  });

  it('prefers higher priority over fewer labels', () => {
    const preferred = { ...large, priority: 1 };
    expect(matchPool(['self-hosted', 'linux'], [small, preferred]).pool).toBe(preferred);
  });

  it('breaks a full tie by declaration order', () => {
    const a = testPool({ id: 'a', labels: ['x', 'y'], match: 'subset' });
    const b = testPool({ id: 'b', labels: ['x', 'z'], match: 'subset' });
    expect(matchPool(['x'], [a, b]).pool).toBe(a);
    expect(matchPool(['x'], [b, a]).pool).toBe(b);
  });

  it('does not add GitHub’s implicit labels to a pool', () => {
    const custom = testPool({ id: 'custom', labels: ['linux-large'] });
    expect(matchPool(['self-hosted', 'linux-large'], [custom]).pool).toBeNull();
    expect(matchPool(['linux-large'], [custom]).pool).toBe(custom);
  });

  it('skips pools whose scope cannot serve the job’s repository', () => {
    const web = testPool({ id: 'web', labels: ['self-hosted', 'linux'], match: 'subset', priority: 5, scope: { kind: 'repo', owner: 'acme', repo: 'web' } });
    const org = testPool({ id: 'org', labels: ['self-hosted', 'linux'], match: 'subset', scope: { kind: 'org', org: 'ACME' } });
    const ent = testPool({ id: 'ent', labels: ['self-hosted', 'linux'], match: 'subset', priority: -5, scope: { kind: 'enterprise', enterprise: 'corp' } });
    const pools = [web, org, ent];
    expect(matchPool(['linux'], pools, { repository: { owner: 'acme', repo: 'Web' } }).pool).toBe(web);
    expect(matchPool(['linux'], pools, { repository: { owner: 'acme', repo: 'api' } }).pool).toBe(org);
    expect(matchPool(['linux'], pools, { repository: { owner: 'beta', repo: 'api' } }).pool).toBe(ent);
    // Without a repository, scope is not considered.
    expect(matchPool(['linux'], pools).pool).toBe(web);
  });

  it('reuses one matcher per pools array', () => {
    const pools = [small];
    expect(matchPool(['linux'], pools).pool).toBe(small);
    expect(matchPool(['linux'], pools).pool).toBe(small);
    expect(matchPool(['linux'], [large]).pool).toBe(large);
  });
});

describe('matchPool: the reason when no pool fits', () => {
  it('names labels no pool has', () => {
    const result = unmatched(['self-hosted', 'GPU', 'fpga', 'gpu'], [small, large]);
    expect(result.reason).toBe('no pool has the labels "GPU", "fpga" (the job asks for [self-hosted, GPU, fpga])');
    expect(result.missingLabels).toEqual(['GPU', 'fpga']);
  });

  it('names the closest pool and what it lacks', () => {
    const arm = testPool({ id: 'arm', labels: ['self-hosted', 'linux', 'arm64'], match: 'subset' });
    const result = unmatched(['self-hosted', 'linux', 'arm64', 'large'], [small, large, arm]);
    // Both "large" and "arm" lack one label; "arm" has no label the job does not ask for.
    expect(result.closestPoolId).toBe('arm');
    expect(result.missingLabels).toEqual(['large']);
    expect(result.reason).toBe(
      'no single pool has all of the job\'s labels; closest is pool "arm" [self-hosted, linux, arm64], which lacks "large" (the job asks for [self-hosted, linux, arm64, large])',
    );
  });

  it('explains an exact pool that has more labels than the job asks for', () => {
    const result = unmatched(['self-hosted', 'gpu'], [exactGpu]);
    expect(result.closestPoolId).toBe('gpu');
    expect(result.missingLabels).toEqual([]);
    expect(result.reason).toMatch(/^pool "gpu" has every label the job asks for but matches exact label sets only.*set match: subset/);
  });

  it('explains a repository no pool serves', () => {
    const result = unmatched(['linux'], [small, testPool({ id: 'r', labels: ['linux'], scope: { kind: 'repo', owner: 'x', repo: 'y' } })], {
      owner: 'beta',
      repo: 'web',
    });
    expect(result.reason).toBe('no pool serves repository beta/web (pools are scoped to org acme; repo x/y)');
  });

  it('explains a job without labels and a config without pools', () => {
    expect(unmatched([], [small]).reason).toBe('the job has no runs-on labels');
    expect(unmatched(['linux'], []).reason).toBe('no pools are configured');
  });

  it('names the enterprise in a scope explanation', () => {
    const ent = testPool({ id: 'e', labels: ['x'], scope: { kind: 'enterprise', enterprise: 'corp' } });
    // An enterprise pool serves any repository, so the reason is about labels.
    expect(unmatched(['y'], [ent], { owner: 'a', repo: 'b' }).reason).toMatch(/no pool has the label "y"/);
  });
});

describe('createMatcher', () => {
  it('matches many events against the same pools', () => {
    const match = createMatcher([small, large, exactGpu]);
    expect(match(['self-hosted', 'linux', 'gpu']).pool).toBe(exactGpu);
    expect(match(['large']).pool).toBe(large);
    expect(match(['x64']).pool).toBe(small);
  });
});
