// The engine's safety rules (DESIGN.md §5), checked in virtual time by the simulator's independent observer:
// many seeds × every generator × every chaos preset, more than 10,000 jobs in all. Zero tolerance.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseConfig } from '@ghr/core';
import type { Pool } from '@ghr/core';
import { describe, expect, it } from 'vitest';
import { CHAOS_PRESETS, generateTrace, generatorContextFor, simulate } from '../src/index.js';
import type { ChaosPresetName, GeneratorName } from '../src/index.js';

const example = fileURLToPath(new URL('../../../examples/ghr.config.yaml', import.meta.url));
const examplePools: readonly Pool[] = parseConfig(readFileSync(example, 'utf8')).pools;
// Roomy pools (5× the example's maxRunners) so waits come from the world, and the example's own tight pools.
const roomy = examplePools.map((p) => ({ ...p, maxRunners: p.maxRunners * 5 }));

interface Case {
  readonly generator: GeneratorName;
  readonly size: number;
  readonly seeds: readonly number[];
  readonly pools: readonly Pool[];
  readonly label: string;
}

const CASES: readonly Case[] = [
  { generator: 'burst', size: 250, seeds: [1, 2, 3, 5], pools: roomy, label: 'roomy' },
  { generator: 'burst', size: 120, seeds: [4], pools: examplePools, label: 'tight' },
  { generator: 'cancellations', size: 250, seeds: [1, 2, 3, 4, 5], pools: roomy, label: 'roomy' },
  { generator: 'mixed-labels', size: 250, seeds: [1, 2, 3, 5], pools: roomy, label: 'roomy' },
  { generator: 'cancellations', size: 200, seeds: [6], pools: examplePools, label: 'tight' },
  { generator: 'mixed-labels', size: 200, seeds: [4], pools: examplePools, label: 'tight' },
  { generator: 'steady', size: 400, seeds: [1], pools: roomy, label: 'roomy' },
];
const PRESETS: readonly ChaosPresetName[] = ['none', 'flaky', 'hostile'];

let jobs = 0;

describe.each(PRESETS)('ghr under chaos "%s"', (preset) => {
  const runs = CASES.flatMap((c) => c.seeds.map((seed) => ({ ...c, seed })));
  it.each(runs)('$generator ($label pools, $size jobs, seed $seed): no violation', async ({ generator, size, seed, pools }) => {
    // Arrange
    const trace = generateTrace(generator, { seed, size, ...generatorContextFor(pools) });
    // Act
    const report = await simulate({
      pools,
      trace,
      policy: 'ghr',
      seed,
      chaos: CHAOS_PRESETS[preset],
      settings: { drainLimit: 3 * 3_600_000 },
    });
    jobs += report.result.jobs.total;
    // Assert
    expect(report.result.violations, JSON.stringify({ errors: report.errors, jobs: report.result.jobs })).toEqual({
      maxRunnersExceeded: 0,
      busyRunnerTerminated: 0,
      orphansLeft: 0,
      jobsLost: 0,
    });
    expect(report.result.jobs.served + report.result.jobs.cancelled).toBe(report.result.jobs.total);
  });
});

// Regression: a failed delivery was marked redelivered before the redeliver call, so a call cut off by the run's
// deadline was never retried and this job stayed queued forever (jobsLost 1).
describe('ghr regressions', () => {
  it('cancellations (roomy pools, 250 jobs, seed 4, hostile, no re-run of interrupted jobs): no job lost', async () => {
    // Arrange
    const trace = generateTrace('cancellations', { seed: 4, size: 250, ...generatorContextFor(roomy) });
    // Act
    const report = await simulate({
      pools: roomy,
      trace,
      policy: 'ghr',
      seed: 4,
      chaos: CHAOS_PRESETS.hostile,
      settings: { drainLimit: 3 * 3_600_000, engine: { rerunInterruptedJobs: false } },
    });
    // Assert
    expect(report.result.violations, JSON.stringify({ errors: report.errors, jobs: report.result.jobs })).toEqual({
      maxRunnersExceeded: 0,
      busyRunnerTerminated: 0,
      orphansLeft: 0,
      jobsLost: 0,
    });
    expect(report.result.jobs.served + report.result.jobs.cancelled).toBe(report.result.jobs.total);
  });
});

describe('the invariant suite', () => {
  it('covered at least 10,000 jobs', () => {
    expect(jobs).toBeGreaterThanOrEqual(10_000);
  });
});
