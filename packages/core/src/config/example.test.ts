import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createMatcher } from '../matching/matcher.js';
import { parseConfig } from './load.js';

const path = fileURLToPath(new URL('../../../../examples/ghr.config.yaml', import.meta.url));

describe('examples/ghr.config.yaml', () => {
  const config = parseConfig(readFileSync(path, 'utf8'), { source: 'examples/ghr.config.yaml' });

  it('is a valid config with two overlapping Linux pools in one org and a warm window', () => {
    expect(config.pools.map((p) => p.id)).toEqual(['linux-small', 'linux-large']);
    expect(config.pools.every((p) => p.scope.kind === 'org')).toBe(true);
    expect(config.pools[0]?.warm).toEqual([{ schedule: '* 8-17 * * mon-fri', timeZone: 'Europe/Berlin', size: 2 }]);
  });

  it('routes the small, large and shared label sets as the simulator expects', () => {
    const match = createMatcher(config.pools);
    const repository = { owner: 'acme', repo: 'web' };
    expect(match(['self-hosted', 'linux', 'x64'], { repository }).pool?.id).toBe('linux-small');
    expect(match(['self-hosted', 'linux', 'x64', 'large'], { repository }).pool?.id).toBe('linux-large');
    // Both pools can serve it; the one with fewer labels wins.
    expect(match(['self-hosted', 'linux'], { repository }).pool?.id).toBe('linux-small');
    expect(match(['self-hosted', 'gpu'], { repository }).pool).toBeNull();
  });
});
