import { describeGitHubApiContract } from '@ghr/contracts';
import type { GhrError, GitHubApi } from '@ghr/core';
import { describe, expect, it } from 'vitest';
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

  it('reads the deliveries log once: a later listing, by any client, pages back only to what was read', async () => {
    // Arrange: 250 failed deliveries, one every 10 s.
    const { github, run, model, scheduler } = world();
    model.onWebhook((attempt) => model.recordDelivery(attempt, { statusCode: 502, durationMs: 10 }));
    const since = scheduler.now();
    for (let i = 0; i < 250; i++) {
      model.queueJob({ repo: 'acme/web', labels: ['self-hosted', `nobody-${i}`] });
      await scheduler.runUntil(scheduler.now() + 10_000);
    }
    const pages = () => github.calls.get('GET /app/hook/deliveries') ?? 0;

    // Act
    const first = await run(() => github.listFailedDeliveries(since, signal));
    const pagesFirst = pages();
    model.queueJob({ repo: 'acme/web', labels: ['self-hosted', 'nobody-new'] });
    const second = await run(() => github.client().listFailedDeliveries(since, signal));

    // Assert
    expect(first).toHaveLength(250);
    expect(pagesFirst).toBe(3);
    expect(second).toHaveLength(251);
    expect(pages() - pagesFirst).toBe(1);
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

/** The API with every call run to its end in virtual time, so a test can await it like a real client's. */
function inVirtualTime(api: ModelGitHubApi, scheduler: Scheduler): GitHubApi {
  const run = async <T>(task: () => Promise<T>): Promise<T> => {
    let out: { value: T } | { error: unknown } | undefined;
    scheduler.spawn('contract', async () => {
      try {
        out = { value: await task() };
      } catch (error) {
        out = { error };
      }
    });
    await scheduler.runUntil(scheduler.now() + 10 * 60_000, () => out !== undefined);
    if (!out) throw new Error('the call did not finish in 10 minutes of virtual time');
    if ('error' in out) throw out.error;
    return out.value;
  };
  return {
    createJitConfig: (...args) => run(() => api.createJitConfig(...args)),
    createRegistrationToken: (...args) => run(() => api.createRegistrationToken(...args)),
    listRunners: (...args) => run(() => api.listRunners(...args)),
    getRunner: (...args) => run(() => api.getRunner(...args)),
    deleteRunner: (...args) => run(() => api.deleteRunner(...args)),
    getJob: (...args) => run(() => api.getJob(...args)),
    rerunJob: (...args) => run(() => api.rerunJob(...args)),
    listFailedDeliveries: (...args) => run(() => api.listFailedDeliveries(...args)),
    redeliver: (...args) => run(() => api.redeliver(...args)),
    latestRunnerRelease: (...args) => run(() => api.latestRunnerRelease(...args)),
  };
}

describeGitHubApiContract('ModelGitHubApi over the GitHub model, in virtual time', async () => {
  const scheduler = new Scheduler(Date.UTC(2026, 0, 5, 8));
  const model = new GitHubModel({ clock: scheduler });
  model.createOrg({ login: 'acme' });
  model.createRepo({ owner: 'acme', name: 'web', private: true });
  const installation = model.createInstallation({ account: 'acme' });
  model.createUser({ login: 'solo' });
  model.createRepo({ owner: 'solo', name: 'tool' });
  model.createInstallation({ account: 'solo' });
  // The App's webhook receiver: every attempt (new events and redeliveries) is answered at once, as set.
  let answer = 200;
  model.onWebhook((attempt) => {
    model.recordDelivery(attempt, answer === 0 ? { statusCode: 0, status: 'timed out', durationMs: 10_000 } : { statusCode: answer, durationMs: 20 });
  });
  const api = new ModelGitHubApi({ model, scheduler, random: new Random(7), principal: `installation:${installation.id}` });
  return {
    github: inVirtualTime(api, scheduler),
    scope: { kind: 'org', org: 'acme' },
    otherScope: { kind: 'repo', owner: 'solo', repo: 'tool' },
    repository: { owner: 'acme', repo: 'web' },
    now: () => scheduler.now(),
    advance: async (ms) => {
      await scheduler.runUntil(scheduler.now() + ms);
      model.tick();
    },
    connect: async (jit) => {
      model.connectRunner(jit.encodedJitConfig);
    },
    queueJob: async (labels) => model.queueJob({ repo: 'acme/web', labels }).id,
    finishJob: async (jobId, conclusion) => {
      if (model.job(jobId)?.status === 'in_progress' && conclusion !== 'cancelled') model.completeJob(jobId, conclusion);
      else model.cancelJob(jobId);
    },
    rerunQueued: async (jobId) => {
      const job = model.job(jobId);
      return model.allJobs().some((j) => j.runId === job?.runId && j.name === job.name && j.runAttempt > job.runAttempt);
    },
    answerWebhooks: async (statusCode) => {
      answer = statusCode;
    },
  };
});
