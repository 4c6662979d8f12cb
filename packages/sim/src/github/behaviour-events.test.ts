import { describe, expect, it } from 'vitest';
import { createManualClock } from '../clock.js';
import { SimError } from '../errors.js';
import type { EventBehaviour, GitHubModelBehaviour } from './behaviour.js';
import { GitHubModel } from './model.js';
import type { WebhookAttempt, WebhookEvent } from './types.js';

const T0 = Date.UTC(2026, 0, 5, 9);
const LINUX = ['self-hosted', 'linux', 'x64'];
const ORG = { kind: 'org', org: 'acme' } as const;
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

function setup(behaviour: GitHubModelBehaviour) {
  const clock = createManualClock(T0);
  const model = new GitHubModel({ clock, webhookSecret: 'secret', behaviour });
  const attempts: WebhookAttempt[] = [];
  const transitions: WebhookEvent[] = [];
  model.onWebhook((attempt) => attempts.push(attempt));
  model.onJobTransition((event) => transitions.push(event));
  model.createOrg({ login: 'acme' });
  model.createRepo({ owner: 'acme', name: 'web' });
  model.createInstallation({ account: 'acme' });
  const token = model.createRunnerToken(ORG).token;
  // A persistent runner: it takes every job, one at a time.
  const runner = model.registerRunner({ token, name: 'p1', labels: LINUX });
  const sent = (action: string) => attempts.filter((a) => a.event.action === action);
  const advance = (ms: number) => {
    clock.advance(ms);
    model.tick();
  };
  return { clock, model, attempts, transitions, runner, sent, advance };
}

function errorOf(fn: () => unknown): SimError {
  try {
    fn();
  } catch (error) {
    if (error instanceof SimError) return error;
    throw error;
  }
  throw new Error('expected a SimError');
}

const events = (over: Partial<EventBehaviour>): GitHubModelBehaviour => ({
  events: {
    queuedVanishRate: 0,
    completedLateRate: 0,
    completedLateMs: 0,
    completedNeverRate: 0,
    completedDuplicateRate: 0,
    resendCarriedOverCompleted: false,
    ...over,
  },
});

describe('GitHubModel behaviour: events that vanish, arrive late or repeat', () => {
  it('never sends nor logs a vanished queued event, while the transition is seen and the job is listed', () => {
    // Arrange
    const { model, sent, transitions, runner } = setup(events({ queuedVanishRate: 1 }));
    model.disconnectRunner(runner.id);
    // Act
    const job = model.queueJob({ repo: 'acme/web', labels: ['linux'] });
    // Assert
    expect(sent('queued')).toEqual([]);
    expect(model.webhookEvents()).toEqual([]);
    expect(model.allDeliveries()).toEqual([]);
    expect(transitions.map((e) => `${e.action}:${e.jobId}`)).toEqual([`queued:${job.id}`]);
    expect(model.queuedJobs().map((j) => j.id)).toEqual([job.id]);
    expect(model.counters.webhooksVanished).toBe(1);
  });

  it('sends completed late, by a delay drawn between its bounds, with the body of the job as it completed', () => {
    // Arrange
    const { model, sent, advance } = setup(events({ completedLateRate: 1, completedLateMs: { minMs: 10 * MINUTE, maxMs: 30 * MINUTE } }));
    const job = model.queueJob({ repo: 'acme/web', labels: ['linux'] });
    // Act
    model.completeJob(job.id);
    advance(10 * MINUTE - 1);
    const early = sent('completed').length;
    advance(20 * MINUTE + 1);
    // Assert
    expect(early).toBe(0);
    expect(sent('completed')).toHaveLength(1);
    expect(JSON.parse(sent('completed')[0]?.body ?? '{}')).toMatchObject({ workflow_job: { id: job.id, conclusion: 'success' } });
    expect(model.counters.webhooksLate).toBe(1);
  });

  it('may never send completed', () => {
    const { model, sent, advance } = setup(events({ completedNeverRate: 1 }));
    const job = model.queueJob({ repo: 'acme/web', labels: ['linux'] });
    model.completeJob(job.id);
    advance(DAY);
    expect(sent('completed')).toEqual([]);
    expect(sent('in_progress')).toHaveLength(1);
    expect(model.counters.webhooksNeverSent).toBe(1);
  });

  it('may send completed twice, the second time as a new delivery with its own GUID', () => {
    const { model, sent } = setup(events({ completedDuplicateRate: 1 }));
    const job = model.queueJob({ repo: 'acme/web', labels: ['linux'] });
    model.completeJob(job.id);
    const completed = sent('completed');
    expect(completed).toHaveLength(2);
    expect(new Set(completed.map((a) => a.event.guid)).size).toBe(2);
    expect(completed.map((a) => a.event.jobId)).toEqual([job.id, job.id]);
  });

  it('re-sends completed for the jobs a re-run carried over from the earlier attempt', () => {
    // Arrange
    const { model, sent, transitions } = setup({ ...events({ resendCarriedOverCompleted: true }), reruns: { maxReruns: 50, maxAgeMs: 30 * DAY } });
    const [a, b] = model.queueRun({ repo: 'acme/web', jobs: [{ name: 'a', labels: ['linux'] }, { name: 'b', labels: ['linux'] }] });
    model.completeJob(a?.id ?? 0, 'failure');
    model.completeJob(b?.id ?? 0);
    // Act
    const rerun = model.rerunJob('acme/web', a?.id ?? 0);
    // Assert
    const resent = sent('completed').slice(2);
    expect(resent).toHaveLength(1);
    expect(JSON.parse(resent[0]?.body ?? '{}')).toMatchObject({ workflow_job: { name: 'b', run_attempt: 2, conclusion: 'success' } });
    expect(rerun).toMatchObject({ name: 'a', runAttempt: 2, status: 'in_progress' });
    expect(model.counters.webhooksResentAfterRerun).toBe(1);
    expect(transitions.filter((e) => e.action === 'completed')).toHaveLength(2);
  });
});

describe('GitHubModel behaviour: workflow runs and re-runs', () => {
  const reruns = { reruns: { maxReruns: 2, maxAgeMs: 30 * DAY } } satisfies GitHubModelBehaviour;

  it('queues a matrix run whose jobs share a run id, and holds a job until the jobs it needs succeeded', () => {
    // Arrange
    const { model, runner } = setup({});
    model.disconnectRunner(runner.id);
    // Act
    const jobs = model.queueRun({
      repo: 'acme/web',
      jobs: [
        { name: 'test (1)', labels: ['linux'] },
        { name: 'test (2)', labels: ['linux'] },
        { name: 'deploy', labels: ['linux'], needs: ['test (1)', 'test (2)'] },
      ],
    });
    const queuedFirst = model.queuedJobs().map((j) => j.name);
    model.startRunner(runner.id);
    model.completeJob(jobs[0]?.id ?? 0);
    const afterOne = model.allJobs().map((j) => j.name);
    model.completeJob(jobs[1]?.id ?? 0);
    // Assert
    expect(new Set(jobs.map((j) => j.runId)).size).toBe(1);
    expect(queuedFirst).toEqual(['test (1)', 'test (2)']);
    expect(afterOne).not.toContain('deploy');
    expect(model.job(jobs[2]?.id ?? 0)).toMatchObject({ name: 'deploy', status: 'in_progress', runAttempt: 1 });
  });

  it('refuses with 403 a re-run while the run is in progress, outside its latest attempt, and past the re-run limit', () => {
    // Arrange
    const { model } = setup(reruns);
    const [a, b] = model.queueRun({ repo: 'acme/web', jobs: [{ name: 'a', labels: ['linux'] }, { name: 'b', labels: ['linux'] }] });
    const aId = a?.id ?? 0;
    model.completeJob(aId, 'failure');
    // Act
    const inProgress = errorOf(() => model.rerunJob('acme/web', aId));
    model.completeJob(b?.id ?? 0);
    const first = model.rerunJob('acme/web', aId);
    model.completeJob(first.id, 'failure');
    const outside = errorOf(() => model.rerunJob('acme/web', aId));
    const second = model.rerunJob('acme/web', first.id);
    model.completeJob(second.id, 'failure');
    const limit = errorOf(() => model.rerunJob('acme/web', second.id));
    // Assert
    expect([inProgress.status, outside.status, limit.status]).toEqual([403, 403, 403]);
    expect(inProgress.message).toMatch(/in progress/);
    expect(outside.message).toMatch(/latest attempt/);
    expect(limit.message).toMatch(/2 times/);
    expect(model.run(first.runId)).toMatchObject({ attempt: 3, reruns: 2 });
    expect(model.counters.rerunsRefused).toBe(3);
  });

  it('refuses a re-run of a run older than maxAgeMs', () => {
    const { model, advance } = setup(reruns);
    const job = model.queueJob({ repo: 'acme/web', labels: ['linux'] });
    model.completeJob(job.id, 'failure');
    advance(30 * DAY + 1);
    expect(errorOf(() => model.rerunJob('acme/web', job.id))).toMatchObject({ status: 403, message: expect.stringMatching(/too old/) });
  });

  it('re-runs the jobs that need the re-run job, after it, and carries the others over', () => {
    // Arrange
    const { model } = setup(reruns);
    const [build, lint, deploy] = model.queueRun({
      repo: 'acme/web',
      jobs: [
        { name: 'build', labels: ['linux'] },
        { name: 'lint', labels: ['linux'] },
        { name: 'deploy', labels: ['linux'], needs: ['build'] },
      ],
    });
    model.completeJob(build?.id ?? 0, 'failure');
    model.completeJob(lint?.id ?? 0);
    const skipped = model.job(deploy?.id ?? 0);
    // Act
    const rerun = model.rerunJob('acme/web', build?.id ?? 0);
    const held = model.allJobs().filter((j) => j.runAttempt === 2).map((j) => `${j.name}:${j.status}`);
    model.completeJob(rerun.id);
    // Assert
    expect(skipped).toMatchObject({ status: 'completed', conclusion: 'skipped' });
    expect(held).toEqual(['lint:completed', 'build:in_progress']);
    const attempt2 = model.allJobs().filter((j) => j.runAttempt === 2);
    expect(attempt2.map((j) => `${j.name}:${j.status}`)).toEqual(['lint:completed', 'build:completed', 'deploy:in_progress']);
    expect(attempt2.find((j) => j.name === 'lint')?.carriedOver).toBe(true);
  });

  it('keeps the simple rule without the knob: any completed job re-runs, even in a run still in progress', () => {
    const { model } = setup({});
    const [a] = model.queueRun({ repo: 'acme/web', jobs: [{ name: 'a', labels: ['linux'] }, { name: 'b', labels: ['linux'] }] });
    model.completeJob(a?.id ?? 0, 'failure');
    expect(model.rerunJob('acme/web', a?.id ?? 0)).toMatchObject({ name: 'a', runAttempt: 2 });
  });
});
