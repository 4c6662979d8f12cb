import { describe, expect, it } from 'vitest';
import type { Pool } from '@ghr/core';
import type { CloudInstance } from './cloud.js';
import { Observer } from './observer.js';

const pool = { id: 'p', maxRunners: 1 } as Pool;
let now = 0;
const instance = (name: string): CloudInstance => ({
  providerId: `i-${name}`,
  name,
  poolId: 'p',
  instanceType: 'default',
  request: { name, poolId: 'p', labels: [], ephemeral: true, bootstrap: { kind: 'jit', encodedJitConfig: 'x' } },
  launchedAt: now,
  bootAt: now + 50_000,
});

describe('Observer', () => {
  it('counts every launch above maxRunners and only API terminations of busy runners', () => {
    now = 0;
    const observer = new Observer([pool], () => now);
    const a = instance('a');
    observer.launched(a);
    observer.launched(instance('b'));
    observer.ending(a, 'spot', true);
    observer.ending(instance('b'), 'terminate-api', true);
    observer.ending(instance('c'), 'terminate-api', false);
    expect(observer.maxRunnersExceeded).toBe(1);
    expect(observer.busyRunnerTerminated).toBe(1);
    expect(observer.busyTerminations).toEqual(['b']);
  });

  it('measures waits, served and cancelled jobs, and busy/idle/booting time', () => {
    now = 0;
    const observer = new Observer([{ ...pool, maxRunners: 5 }], () => now);
    observer.jobQueued(1);
    observer.jobQueued(2);
    const a = instance('a');
    observer.launched(a);
    now = 50_000;
    a.bootedAt = now;
    now = 60_000;
    observer.jobStarted(1, 'a');
    observer.jobFinished(2, undefined, true);
    now = 120_000;
    observer.jobFinished(1, 'a', false);
    now = 130_000;
    a.terminatedAt = now;
    const result = observer.finish({
      policy: 'ghr',
      seed: 1,
      jobsLost: 0,
      orphansLeft: 0,
      githubApiCalls: 3,
      cloudApiCalls: 4,
      totalJobs: 2,
      instances: [a],
    });
    expect(result.jobs).toEqual({ total: 2, served: 1, unserved: 0, cancelled: 1 });
    expect(result.waitSeconds).toEqual({ p50: 60, p95: 60, p99: 60, max: 60 });
    expect(result.runnerSeconds).toEqual({ busy: 60, idle: 20, booting: 50 });
    expect(result.githubApiCalls).toEqual({ total: 3, perJob: 1.5, perHour: expect.any(Number) });
  });
});
