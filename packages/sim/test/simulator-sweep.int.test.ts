// A wide, opt-in sweep of the engine's safety rules (DESIGN.md §5): many seeds × generators × chaos presets ×
// re-runs on/off, listing every run with a violation and its parameters. Too slow for CI's default run (minutes);
// it runs only when GHR_SIM_SWEEP is set:
//   cd packages/sim && GHR_SIM_SWEEP=1 npx vitest run test/simulator-sweep.int.test.ts
// Knobs (environment): GHR_SIM_SWEEP_SEEDS="1-30", GHR_SIM_SWEEP_PRESETS="hostile", GHR_SIM_SWEEP_GENERATORS
// (default all four), GHR_SIM_SWEEP_SIZE=250, GHR_SIM_SWEEP_RERUNS="on,off", GHR_SIM_SWEEP_POOLS="roomy" (the example's
// pools with 5× maxRunners; "tight": the example's own), GHR_SIM_SWEEP_OUT=<file for the JSON>.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseConfig } from '@ghr/core/config';
import type { Pool } from '@ghr/core';
import { describe, expect, it } from 'vitest';
import { CHAOS_PRESETS, GENERATOR_NAMES, generateTrace, generatorContextFor, simulate } from '../src/index.js';
import type { ChaosPresetName, GeneratorName, Leftovers } from '../src/index.js';

const env = process.env;
const enabled = env.GHR_SIM_SWEEP !== undefined && env.GHR_SIM_SWEEP !== '' && env.GHR_SIM_SWEEP !== '0';

function range(spec: string): number[] {
  return spec.split(',').flatMap((part) => {
    const [from, to] = part.split('-').map(Number);
    if (from === undefined || !Number.isInteger(from)) return [];
    const last = to === undefined || !Number.isInteger(to) ? from : to;
    return Array.from({ length: last - from + 1 }, (_, i) => from + i);
  });
}

const example = fileURLToPath(new URL('../../../examples/ghr.config.yaml', import.meta.url));
const examplePools: readonly Pool[] = parseConfig(readFileSync(example, 'utf8')).pools;
const roomy = examplePools.map((p) => ({ ...p, maxRunners: p.maxRunners * 5 }));

const seeds = range(env.GHR_SIM_SWEEP_SEEDS ?? '1-30');
const presets = (env.GHR_SIM_SWEEP_PRESETS ?? 'hostile').split(',') as ChaosPresetName[];
const generators = (env.GHR_SIM_SWEEP_GENERATORS?.split(',') ?? GENERATOR_NAMES) as GeneratorName[];
const size = Number(env.GHR_SIM_SWEEP_SIZE ?? 250);
const reruns = (env.GHR_SIM_SWEEP_RERUNS ?? 'on,off').split(',').map((r) => r === 'on');
const poolsLabel = env.GHR_SIM_SWEEP_POOLS === 'tight' ? 'tight' : 'roomy';
const pools = poolsLabel === 'tight' ? examplePools : roomy;

interface Violation {
  readonly pools: string;
  readonly preset: ChaosPresetName;
  readonly generator: GeneratorName;
  readonly seed: number;
  readonly rerun: boolean;
  readonly violations: Record<string, number>;
  readonly leftovers: Leftovers;
  readonly errors: Record<string, number>;
}

describe.runIf(enabled)('ghr safety sweep', () => {
  it(`${poolsLabel} pools × ${String(presets)} × ${String(generators)} × seeds ${String(seeds.length)} × re-runs ${String(reruns)}`, async () => {
    const found: Violation[] = [];
    let runs = 0;
    let jobs = 0;
    const started = Date.now();
    for (const preset of presets) {
      for (const generator of generators) {
        for (const rerun of reruns) {
          for (const seed of seeds) {
            const trace = generateTrace(generator, { seed, size, ...generatorContextFor(pools) });
            const report = await simulate({
              pools,
              trace,
              policy: 'ghr',
              seed,
              chaos: CHAOS_PRESETS[preset],
              settings: { drainLimit: 3 * 3_600_000, engine: { rerunInterruptedJobs: rerun } },
            });
            runs++;
            jobs += report.result.jobs.total;
            const v = report.result.violations;
            if (Object.values(v).some((n) => n > 0)) {
              const violation = { pools: poolsLabel, preset, generator, seed, rerun, violations: { ...v }, leftovers: report.leftovers, errors: report.errors };
              found.push(violation);
              process.stdout.write(`VIOLATION ${JSON.stringify(violation)}\n`);
            }
          }
        }
      }
    }
    const summary = { runs, jobs, violatingRuns: found.length, seconds: Math.round((Date.now() - started) / 1000), found };
    process.stdout.write(`SWEEP ${JSON.stringify({ ...summary, found: found.length })}\n`);
    if (env.GHR_SIM_SWEEP_OUT) writeFileSync(env.GHR_SIM_SWEEP_OUT, JSON.stringify(summary, null, 2));
    expect(found).toEqual([]);
  }, 3_600_000);
});

describe.skipIf(enabled)('ghr safety sweep (opt-in)', () => {
  it('is skipped unless GHR_SIM_SWEEP is set', () => {
    expect(enabled).toBe(false);
  });
});
