import { describe, expect, it } from 'vitest';
import { parseConfig } from '@ghr/core/config';
import type { Pool } from '@ghr/core';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CHAOS_PRESETS } from './chaos.js';
import { generateTrace, generatorContextFor } from './generators.js';
import { simulate } from './simulation.js';
import type { Trace } from './trace.js';

const examplePath = fileURLToPath(new URL('../../../../examples/ghr.config.yaml', import.meta.url));
const pools: readonly Pool[] = parseConfig(readFileSync(examplePath, 'utf8')).pools;
const small = pools[0] as Pool;

describe('simulate', () => {
  it('serves a small burst with ghr, within the pool limits, and reports the issue’s result shape', async () => {
    // Arrange
    const trace = generateTrace('burst', { seed: 1, size: 40, ...generatorContextFor(pools) });
    // Act
    const report = await simulate({ pools, trace, policy: 'ghr', seed: 1 });
    // Assert
    const r = report.result;
    expect(Object.keys(r)).toEqual([
      'policy',
      'seed',
      'jobs',
      'waitSeconds',
      'runnerSeconds',
      'runnersLaunched',
      'runnersWithoutJob',
      'githubApiCalls',
      'cloudApiCalls',
      'violations',
    ]);
    expect(r.jobs).toEqual({ total: 40, served: 40, unserved: 0, cancelled: 0 });
    expect(r.violations).toEqual({ maxRunnersExceeded: 0, busyRunnerTerminated: 0, orphansLeft: 0, jobsLost: 0 });
    expect(r.waitSeconds.p50).toBeGreaterThan(10);
    expect(r.waitSeconds.p50).toBeLessThanOrEqual(r.waitSeconds.p95);
    expect(r.runnerSeconds.busy).toBeGreaterThan(0);
    expect(report.pools.every((p) => p.peakAlive <= p.maxRunners)).toBe(true);
  });

  it('is deterministic for a seed', async () => {
    const trace = generateTrace('mixed-labels', { seed: 5, size: 30, ...generatorContextFor(pools) });
    const a = await simulate({ pools, trace, policy: 'ghr', seed: 5, chaos: CHAOS_PRESETS.flaky });
    const b = await simulate({ pools, trace, policy: 'ghr', seed: 5, chaos: CHAOS_PRESETS.flaky });
    expect(b.result).toEqual(a.result);
    expect(b.timeline).toEqual(a.timeline);
  });

  it('counts a job cancelled while queued as cancelled, not served', async () => {
    const trace: Trace = {
      jobs: [
        { at: 10, repo: 'acme/web', labels: small.labels, duration: 60, cancelAt: 15 },
        { at: 10, repo: 'acme/web', labels: small.labels, duration: 60 },
      ],
    };
    const report = await simulate({ pools: pools.map((p) => ({ ...p, warm: [] })), trace, policy: 'ghr', seed: 2 });
    expect(report.result.jobs).toEqual({ total: 2, served: 1, unserved: 0, cancelled: 1 });
  });

  it('shows the baseline dropping queued events while at max, so jobs are lost', async () => {
    const tight = pools.map((p) => ({ ...p, maxRunners: 3, warm: [] }));
    const trace = generateTrace('burst', { seed: 3, size: 30, ...generatorContextFor(tight) });
    const report = await simulate({ pools: tight, trace, policy: 'baseline', seed: 3 });
    expect(report.result.policy).toBe('baseline');
    expect(report.result.violations.jobsLost).toBeGreaterThan(0);
  });

  it('counts a job no pool can serve as unserved but not lost', async () => {
    const trace: Trace = { jobs: [{ at: 5, repo: 'acme/web', labels: ['self-hosted', 'gpu'], duration: 30 }] };
    const report = await simulate({ pools, trace, policy: 'ghr', seed: 1, settings: { drainLimit: 600_000 } });
    expect(report.result.jobs.unserved).toBe(1);
    expect(report.result.violations.jobsLost).toBe(0);
  });

  it('judges only after the work stayed settled for ghr\'s repair window (redelivery interval or boot timeout, plus two sweeps)', async () => {
    // Arrange
    const trace: Trace = { jobs: [{ at: 5, repo: 'acme/web', labels: small.labels, duration: 30 }] };
    const longestBoot = Math.max(...pools.map((p) => p.bootTimeout));
    // Act
    const report = await simulate({ pools, trace, policy: 'ghr', seed: 1 });
    // Assert
    expect(report.result.jobs.served).toBe(1);
    const window = Math.max(300_000, longestBoot) + 2 * 60_000 + 5_000;
    expect(report.simulatedSeconds).toBeGreaterThanOrEqual(35 + window / 1000);
    expect(report.simulatedSeconds).toBeLessThan(35 + window / 1000 + 600);
    expect(report.leftovers).toEqual({ orphans: [], jobsLost: [], jobsUnseen: [], busyTerminated: [] });
  });

  it('still ends, and names the job, when a queued job is never heard of (every delivery lost)', async () => {
    // Arrange
    const trace: Trace = { jobs: [{ at: 5, repo: 'acme/web', labels: small.labels, duration: 30 }] };
    const chaos = { ...CHAOS_PRESETS.none, webhookLoss: 1 };
    // Act
    const report = await simulate({ pools: pools.map((p) => ({ ...p, warm: [] })), trace, policy: 'ghr', seed: 1, chaos });
    // Assert
    expect(report.result.violations.jobsLost).toBe(1);
    expect(report.leftovers.jobsLost).toEqual([expect.objectContaining({ labels: small.labels, runAttempt: 1 })]);
    expect(report.simulatedSeconds).toBeLessThan(3 * 3_600);
  });

  it('passes the engine\'s log lines to settings.logger with the virtual time', async () => {
    // Arrange
    const trace: Trace = { jobs: [{ at: 5, repo: 'acme/web', labels: small.labels, duration: 30 }] };
    const lines: { message: string; simSeconds: unknown }[] = [];
    const log = (message: string, fields?: Readonly<Record<string, unknown>>) => lines.push({ message, simSeconds: fields?.simSeconds });
    // Act
    await simulate({ pools, trace, policy: 'ghr', seed: 1, settings: { logger: { debug: log, info: log, warn: log, error: log } } });
    // Assert
    const launched = lines.find((l) => l.message === 'runner launched');
    expect(launched?.simSeconds).toBeGreaterThanOrEqual(5);
    expect(launched?.simSeconds).toBeLessThan(60);
  });
});
