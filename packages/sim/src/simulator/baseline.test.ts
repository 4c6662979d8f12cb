import { poolFixture } from '@ghr/contracts';
import { describe, expect, it } from 'vitest';
import type { JobEvent, Pool } from '@ghr/core';
import { GitHubModel } from '../github/model.js';
import { BaselinePolicy } from './baseline.js';
import { SimulatedCloud } from './cloud.js';
import { ModelGitHubApi } from './model-github.js';
import { Random } from './random.js';
import { Scheduler } from './scheduler.js';

const pool: Pool = poolFixture('small', { labels: ['self-hosted', 'linux'], maxRunners: 2 });
const signal = new AbortController().signal;

function world() {
  const scheduler = new Scheduler(Date.UTC(2026, 0, 5, 8));
  const model = new GitHubModel({ clock: scheduler });
  model.createRepo({ owner: 'acme', name: 'web' });
  const installation = model.createInstallation({ account: 'acme' });
  const github = new ModelGitHubApi({ model, scheduler, random: new Random(1), principal: `installation:${installation.id}` });
  const cloud = new SimulatedCloud({
    scheduler,
    random: new Random(2),
    hooks: {
      onBooted: (i) => {
        if (i.request.bootstrap.kind === 'jit') model.connectRunner(i.request.bootstrap.encodedJitConfig);
      },
    },
  });
  const baseline = new BaselinePolicy({ pools: [pool], github, provider: cloud, clock: scheduler });
  const run = async <T>(task: () => Promise<T>): Promise<T> => {
    let out: { value: T } | undefined;
    scheduler.spawn('task', async () => {
      out = { value: await task() };
    });
    await scheduler.runUntil(scheduler.now() + 60_000, () => out !== undefined);
    if (!out) throw new Error('task did not finish');
    return out.value;
  };
  return { scheduler, model, cloud, baseline, run };
}

const queued = (id: number): JobEvent => ({
  deliveryId: `d-${id}`,
  action: 'queued',
  job: { id, runId: id, runAttempt: 1, labels: ['self-hosted', 'linux'] },
  repository: { owner: 'acme', repo: 'web' },
  poolId: 'small',
  receivedAt: 0,
});

describe('BaselinePolicy', () => {
  it('creates one runner per queued event while a fresh count is below max, then none', async () => {
    // Arrange
    const { baseline, run, cloud } = world();
    // Act
    const outcomes = [];
    for (const id of [1, 2, 3]) outcomes.push(await run(() => baseline.scaleUp(queued(id), signal)));
    // Assert
    expect(outcomes).toEqual(['launched', 'launched', 'at-max']);
    expect([...cloud.aliveInstances()]).toHaveLength(2);
    expect(cloud.calls.list).toBe(3);
  });

  it('ignores events that are not queued or have no pool', async () => {
    const { baseline, run } = world();
    expect(await run(() => baseline.scaleUp({ ...queued(1), action: 'completed' }, signal))).toBe('ignored');
    expect(await run(() => baseline.scaleUp({ ...queued(2), poolId: null }, signal))).toBe('ignored');
  });

  it('scales down an idle runner past the minimum running time, and leaves a busy one alone', async () => {
    const { baseline, run, cloud, scheduler, model } = world();
    await run(() => baseline.scaleUp(queued(1), signal));
    await run(() => baseline.scaleUp(queued(2), signal));
    await scheduler.runUntil(scheduler.now() + 200_000); // both boot and connect
    model.queueJob({ repo: 'acme/web', labels: ['self-hosted', 'linux'], durationMs: 3_600_000 }); // one gets busy
    await scheduler.runUntil(scheduler.now() + 200_000); // past 5 minutes
    await run(() => baseline.scaleDown(signal));
    const alive = [...cloud.aliveInstances()];
    expect(alive).toHaveLength(1);
    expect(model.allRunners().find((r) => r.name === alive[0]?.name)?.busy).toBe(true);
  });
});
