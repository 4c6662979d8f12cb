import { poolFixture } from '@ghr/contracts';
import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import type { PlanFunction } from '../engine/types.js';
import { PLAN_DEFAULTS, plan } from './plan.js';
import type { Runner } from '../domain.js';

const exampleUrl = new URL('../../examples/embed-plan.ts', import.meta.url);
const customUrl = new URL('../../examples/custom-policy.ts', import.meta.url);
const readmeUrl = new URL('../../README.md', import.meta.url);

describe('README "Embedding the policy" example', () => {
  it('is the file examples/embed-plan.ts, word for word (without its lint directive)', () => {
    const example = readFileSync(exampleUrl, 'utf8').replace(/^\/\* eslint-disable[^\n]*\n/, '');
    const readme = readFileSync(readmeUrl, 'utf8');
    const section = readme.slice(readme.indexOf('## Embedding the policy'));
    expect(section).toContain(`\`\`\`ts\n${example}\`\`\``);
  });

  it('runs and prints the launch it promises', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    // A computed specifier: tsc does not follow it (the example imports '@ghr/core' by name, which vitest
    // resolves to this package's sources).
    const specifier = exampleUrl.href;
    await import(/* @vite-ignore */ specifier);
    expect(log).toHaveBeenCalledWith('linux-x64: launch 4', {
      queued: 3,
      warm: 2,
      want: 5,
      covered: 1,
      alive: 1,
      maxRunners: 10,
      capped: false,
    });
  });
});

describe('README "Embedding the policy" example of a whole policy', () => {
  const MIN = 60_000;
  const HOUR = 60 * MIN;
  const pools = [poolFixture('linux', { idleTimeout: 5 * MIN })];
  const idle = (name: string, at: number): Runner => ({
    name,
    poolId: 'linux',
    state: 'idle',
    labels: [],
    ephemeral: true,
    providerId: `i-${name}`,
    createdAt: at - HOUR,
    idleSince: at - 30 * MIN,
    updatedAt: at - 30 * MIN,
    version: 1,
  });

  async function loadPolicy(): Promise<PlanFunction> {
    const specifier = customUrl.href;
    const module = (await import(/* @vite-ignore */ specifier)) as { officeHoursPolicy: PlanFunction; createOfficeHoursEngine: unknown };
    expect(typeof module.createOfficeHoursEngine).toBe('function');
    return module.officeHoursPolicy;
  }

  it('is the file examples/custom-policy.ts, word for word', () => {
    const example = readFileSync(customUrl, 'utf8');
    const readme = readFileSync(readmeUrl, 'utf8');
    expect(readme.slice(readme.indexOf('## Embedding the policy'))).toContain(`\`\`\`ts\n${example}\`\`\``);
  });

  it('keeps idle runners in office hours, drains them as ghr does outside, and tunes stuck drains', async () => {
    const policy = await loadPolicy();
    const wednesdayNoon = Date.UTC(2026, 5, 3, 12);
    const saturdayNoon = Date.UTC(2026, 5, 6, 12);
    const office = policy({ jobs: [], runners: [idle('ghr-a', wednesdayNoon)] }, pools, wednesdayNoon, {});
    const weekend = policy({ jobs: [], runners: [idle('ghr-a', saturdayNoon)] }, pools, saturdayNoon, {});
    expect(office.drains).toEqual([]);
    expect(weekend.drains).toEqual(plan({ jobs: [], runners: [idle('ghr-a', saturdayNoon)] }, pools, saturdayNoon).drains);
    expect(weekend.drains).toHaveLength(1);

    const draining: Runner = { ...idle('ghr-b', saturdayNoon), state: 'draining', updatedAt: saturdayNoon - 2 * MIN };
    expect(plan({ jobs: [], runners: [draining] }, pools, saturdayNoon).stuckDrains).toHaveLength(1);
    expect(policy({ jobs: [], runners: [draining] }, pools, saturdayNoon, {}).stuckDrains).toEqual([]);
    expect(PLAN_DEFAULTS.stuckDrainAfter).toBeLessThan(5 * MIN);
  });
});
