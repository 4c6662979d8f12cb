import { describe, expect, it } from 'vitest';
import { parseConfig } from '@ghr/core';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { generateTrace, generatorContextFor } from './generators.js';
import { simulate } from './simulation.js';

const examplePath = fileURLToPath(new URL('../../../../examples/ghr.config.yaml', import.meta.url));
const pools = parseConfig(readFileSync(examplePath, 'utf8')).pools;

describe('simulate', () => {
  it('runs the baseline on a burst', async () => {
    const trace = generateTrace('burst', { seed: 1, size: 60, ...generatorContextFor(pools) });
    const report = await simulate({ pools, trace, policy: 'baseline', seed: 1 });
    console.log(JSON.stringify(report.result), report.errors, report.steps);
    expect(report.result.jobs.total).toBe(60);
  });
});
