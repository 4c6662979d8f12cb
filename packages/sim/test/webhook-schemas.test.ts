// Every kind of `workflow_job` webhook the model emits validates against @octokit/webhooks-schemas, and the
// validator itself accepts GitHub's own examples (so it is not stricter than GitHub).
import { beforeAll, describe, expect, it } from 'vitest';
import { createManualClock, GitHubModel } from '../src/index.js';
import type { WebhookAttempt } from '../src/index.js';
import { createWebhookValidator, workflowJobExamples } from './support/schemas.js';

let validate: (body: unknown) => string[];
beforeAll(() => {
  validate = createWebhookValidator();
}, 30_000);

describe('workflow_job webhooks of the model', () => {
  it('accepts GitHub\'s current workflow_job examples', () => {
    const examples = workflowJobExamples();
    // The oldest example predates fields the schema now requires (run_attempt, workflow_name, ...).
    const accepted = examples.filter((example) => validate(example).length === 0);
    expect(examples.length).toBeGreaterThanOrEqual(8);
    expect(accepted.length).toBeGreaterThanOrEqual(examples.length - 1);
  });

  it('emits bodies valid for every action, outcome and account type', () => {
    // Arrange: an org and a user account, org/repo runners, persistent and ephemeral.
    const clock = createManualClock(Date.UTC(2026, 2, 1, 12));
    const model = new GitHubModel({ clock, webhookSecret: 's', seed: 3 });
    const attempts: WebhookAttempt[] = [];
    model.onWebhook((a) => attempts.push(a));
    model.createOrg({ login: 'acme' });
    model.createUser({ login: 'solo' });
    model.createRepo({ owner: 'acme', name: 'web' });
    model.createRepo({ owner: 'solo', name: 'tool', private: false });
    model.createInstallation({ account: 'acme' });
    model.createInstallation({ account: 'solo', repositories: ['tool'] });
    const group = model.createRunnerGroup({ kind: 'org', org: 'acme' }, { name: 'big', allowsPublicRepositories: true });
    const org = model.generateJitConfig({ kind: 'org', org: 'acme' }, { name: 'o1', runnerGroupId: group.id, labels: ['self-hosted', 'linux'] });
    const repo = model.generateJitConfig({ kind: 'repo', owner: 'solo', repo: 'tool' }, { name: 'p1', runnerGroupId: 1, labels: ['self-hosted', 'macOS', 'ARM64'] });

    // Act: every transition kind.
    const ok = model.queueJob({ repo: 'acme/web', labels: ['self-hosted', 'linux'], durationMs: 60_000 });
    const waiting = model.queueJob({ repo: 'acme/web', labels: ['linux'], environment: 'production' });
    const cancelled = model.queueJob({ repo: 'acme/web', labels: ['gpu'] });
    const onUser = model.queueJob({ repo: 'solo/tool', labels: ['macos'], sender: 'solo' });
    model.cancelJob(cancelled.id);
    model.connectRunner(org.encodedJitConfig);
    model.connectRunner(repo.encodedJitConfig);
    model.approveJob(waiting.id);
    clock.advance(60_000);
    model.tick();
    model.completeJob(onUser.id, 'failure');
    const timedOut = model.queueJob({ repo: 'acme/web', labels: ['never'] });
    clock.advance(24 * 3_600_000);
    model.tick();
    model.rerunJob('acme/web', timedOut.id);

    // Assert
    const actions = new Set(attempts.map((a) => a.event.action));
    expect([...actions].sort()).toEqual(['completed', 'in_progress', 'queued', 'waiting']);
    expect(attempts.length).toBeGreaterThanOrEqual(12);
    const failures = attempts.flatMap((a) => validate(JSON.parse(a.body)).map((e) => `${a.event.action} job ${a.event.jobId}: ${e}`));
    expect(failures).toEqual([]);
    const userPayload = JSON.parse(attempts.find((a) => a.event.jobId === onUser.id)?.body ?? '{}') as Record<string, unknown>;
    expect(userPayload.organization).toBeUndefined();
    expect(model.job(ok.id)?.status).toBe('completed');
  });
});
