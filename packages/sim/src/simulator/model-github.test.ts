import { describe, expect, it } from 'vitest';
import type { GhrError } from '@ghr/core';
import { GitHubModel } from '../github/model.js';
import { ModelGitHubApi } from './model-github.js';
import { Random } from './random.js';
import { Scheduler } from './scheduler.js';

const org = { kind: 'org' as const, org: 'acme' };
const signal = new AbortController().signal;

function world(options: { errorRate?: number; pointsPerMinute?: number } = {}) {
  const scheduler = new Scheduler(Date.UTC(2026, 0, 5, 8));
  const model = new GitHubModel({
    clock: scheduler,
    ...(options.pointsPerMinute === undefined ? {} : { rateLimits: { pointsPerMinute: options.pointsPerMinute } }),
  });
  model.createRepo({ owner: 'acme', name: 'web' });
  const installation = model.createInstallation({ account: 'acme' });
  const github = new ModelGitHubApi({
    model,
    scheduler,
    random: new Random(1),
    principal: `installation:${installation.id}`,
    ...(options.errorRate === undefined ? {} : { errorRate: options.errorRate }),
  });
  const run = async <T>(task: () => Promise<T>): Promise<T> => {
    let out: { value: T } | { error: unknown } | undefined;
    scheduler.spawn('task', async () => {
      try {
        out = { value: await task() };
      } catch (error) {
        out = { error };
      }
    });
    await scheduler.runUntil(scheduler.now() + 10 * 60_000, () => out !== undefined);
    if (!out) throw new Error('task did not finish');
    if ('error' in out) throw out.error;
    return out.value;
  };
  return { scheduler, model, github, run };
}

describe('ModelGitHubApi', () => {
  it('mints JIT configs, lists and deletes runners through the model, in virtual time', async () => {
    // Arrange
    const { github, run, scheduler } = world();
    const started = scheduler.now();
    // Act
    const jit = await run(() => github.createJitConfig(org, { name: 'ghr-a', labels: ['self-hosted', 'linux'] }, signal));
    const listed = await run(() => github.listRunners(org, signal));
    const deleted = await run(() => github.deleteRunner(org, jit.runnerId, signal));
    const again = await run(() => github.deleteRunner(org, jit.runnerId, signal));
    // Assert
    expect(listed.map((r) => r.name)).toEqual(['ghr-a']);
    expect(deleted).toBe('deleted');
    expect(again).toBe('not-found');
    expect(scheduler.now()).toBeGreaterThan(started);
    expect(github.total).toBe(4);
  });

  it('answers busy for a runner that runs a job, and reports the job', async () => {
    const { github, run, model } = world();
    const jit = await run(() => github.createJitConfig(org, { name: 'ghr-b', labels: ['self-hosted', 'linux'] }, signal));
    model.connectRunner(jit.encodedJitConfig);
    const job = model.queueJob({ repo: 'acme/web', labels: ['self-hosted', 'linux'] });
    expect(await run(() => github.deleteRunner(org, jit.runnerId, signal))).toBe('busy');
    const seen = await run(() => github.getJob({ owner: 'acme', repo: 'web' }, job.id, signal));
    expect(seen).toMatchObject({ id: job.id, status: 'in_progress', runnerName: 'ghr-b' });
  });

  it('waits out a secondary rate limit, as the real client does, and counts the refused request', async () => {
    const { github, run, scheduler } = world({ pointsPerMinute: 10 });
    const started = scheduler.now();
    for (const name of ['ghr-1', 'ghr-2', 'ghr-3']) {
      await run(() => github.createJitConfig(org, { name, labels: ['linux'] }, signal));
    }
    expect(scheduler.now() - started).toBeGreaterThanOrEqual(55_000);
    expect(github.total).toBe(4);
  });

  it('retries a 5xx three times, then fails with a retryable error', async () => {
    const { github, run } = world({ errorRate: 1 });
    const error = await run(() => github.listRunners(org, signal)).catch((e: unknown) => e);
    expect((error as GhrError).code).toBe('unavailable');
    expect((error as GhrError).retryable).toBe(true);
    expect(github.total).toBe(4);
  });

  it('paces the writes of one client 340 ms apart, while separate clients share the counters', async () => {
    const { github, run, scheduler } = world();
    const other = github.client();
    const t0 = scheduler.now();
    await run(() => Promise.all([github.createJitConfig(org, { name: 'x1', labels: ['l'] }, signal), github.createJitConfig(org, { name: 'x2', labels: ['l'] }, signal)]));
    expect(scheduler.now() - t0).toBeGreaterThanOrEqual(340);
    await run(() => other.createJitConfig(org, { name: 'x3', labels: ['l'] }, signal));
    expect(github.total).toBe(3);
  });
});
