import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createManualClock } from '../clock.js';
import { SimError } from '../errors.js';
import { decodeJitConfig } from './jit.js';
import { GitHubModel } from './model.js';
import { signWebhook } from './signature.js';
import type { WebhookAttempt } from './types.js';

const T0 = Date.UTC(2026, 0, 5, 9);
const LINUX = ['self-hosted', 'linux', 'x64'];

function setup(options: ConstructorParameters<typeof GitHubModel>[0] = {}) {
  const clock = createManualClock(T0);
  const model = new GitHubModel({ clock, webhookSecret: 'secret', ...options });
  const attempts: WebhookAttempt[] = [];
  model.onWebhook((attempt) => attempts.push(attempt));
  model.createEnterprise({ slug: 'megacorp' });
  model.createOrg({ login: 'acme', enterprise: 'megacorp' });
  model.createRepo({ owner: 'acme', name: 'web' });
  model.createRepo({ owner: 'acme', name: 'api' });
  model.createInstallation({ account: 'acme' });
  const actions = () => attempts.map((a) => `${a.event.action}:${a.event.jobId}`);
  const orgRunner = (name: string, labels = LINUX, runnerGroupId = 1) => {
    const jit = model.generateJitConfig({ kind: 'org', org: 'acme' }, { name, runnerGroupId, labels });
    return { jit, runner: jit.runner };
  };
  return { clock, model, attempts, actions, orgRunner };
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

describe('GitHubModel routing', () => {
  it('runs a queued job on an online ephemeral runner and removes the runner afterwards', () => {
    // Arrange
    const { model, actions, orgRunner } = setup();
    const { jit } = orgRunner('r1');
    // Act
    const job = model.queueJob({ repo: 'acme/web', labels: ['self-hosted', 'linux'] });
    model.connectRunner(jit.encodedJitConfig);
    model.completeJob(job.id);
    // Assert
    expect(actions()).toEqual([`queued:${job.id}`, `in_progress:${job.id}`, `completed:${job.id}`]);
    expect(model.job(job.id)).toMatchObject({ status: 'completed', conclusion: 'success', runnerName: 'r1', runnerGroupName: 'Default' });
    expect(model.runner(jit.runner.id)).toBeUndefined();
  });

  it('matches labels case-insensitively and needs every job label on the runner', () => {
    const { model, orgRunner } = setup();
    const { jit } = orgRunner('r1', ['self-hosted', 'Linux', 'X64']);
    model.connectRunner(jit.encodedJitConfig);
    const gpu = model.queueJob({ repo: 'acme/web', labels: ['self-hosted', 'linux', 'gpu'] });
    const plain = model.queueJob({ repo: 'acme/web', labels: ['SELF-HOSTED', 'LINUX'] });
    expect(model.job(gpu.id)?.status).toBe('queued');
    expect(model.job(plain.id)?.status).toBe('in_progress');
  });

  it('prefers repository runners to organization runners, and organization runners to enterprise runners', () => {
    const { model } = setup();
    const enterprise = model.generateJitConfig({ kind: 'enterprise', enterprise: 'megacorp' }, { name: 'e1', runnerGroupId: 1, labels: LINUX });
    const org = model.generateJitConfig({ kind: 'org', org: 'acme' }, { name: 'o1', runnerGroupId: 1, labels: LINUX });
    const repo = model.generateJitConfig({ kind: 'repo', owner: 'acme', repo: 'web' }, { name: 'p1', runnerGroupId: 1, labels: LINUX });
    for (const jit of [enterprise, org, repo]) model.connectRunner(jit.encodedJitConfig);
    const first = model.queueJob({ repo: 'acme/web', labels: ['linux'] });
    const second = model.queueJob({ repo: 'acme/web', labels: ['linux'] });
    const third = model.queueJob({ repo: 'acme/web', labels: ['linux'] });
    expect([first, second, third].map((j) => model.job(j.id)?.runnerName)).toEqual(['p1', 'o1', 'e1']);
  });

  it('keeps repository runners to their own repository', () => {
    const { model } = setup();
    const jit = model.generateJitConfig({ kind: 'repo', owner: 'acme', repo: 'web' }, { name: 'p1', runnerGroupId: 1, labels: LINUX });
    model.connectRunner(jit.encodedJitConfig);
    const other = model.queueJob({ repo: 'acme/api', labels: ['linux'] });
    expect(model.job(other.id)?.status).toBe('queued');
  });

  it('gives the oldest queued job to the runner that comes online', () => {
    const { model, clock, orgRunner } = setup();
    const first = model.queueJob({ repo: 'acme/web', labels: ['linux'] });
    clock.advance(1_000);
    const second = model.queueJob({ repo: 'acme/api', labels: ['linux'] });
    model.connectRunner(orgRunner('r1').jit.encodedJitConfig);
    expect(model.job(first.id)?.status).toBe('in_progress');
    expect(model.job(second.id)?.status).toBe('queued');
  });

  it('respects runner group access: selected repositories and public repositories', () => {
    const { model } = setup();
    model.createRepo({ owner: 'acme', name: 'site', private: false });
    const group = model.createRunnerGroup({ kind: 'org', org: 'acme' }, { name: 'web-only', visibility: 'selected', selectedRepositories: ['acme/web'] });
    const jit = model.generateJitConfig({ kind: 'org', org: 'acme' }, { name: 'g1', runnerGroupId: group.id, labels: LINUX });
    model.connectRunner(jit.encodedJitConfig);
    const api = model.queueJob({ repo: 'acme/api', labels: ['linux'] });
    const site = model.queueJob({ repo: 'acme/site', labels: ['linux'] });
    expect(model.job(api.id)?.status).toBe('queued');
    expect(model.job(site.id)?.status).toBe('queued');
    const web = model.queueJob({ repo: 'acme/web', labels: ['linux'] });
    expect(model.job(web.id)).toMatchObject({ status: 'in_progress', runnerGroupId: group.id, runnerGroupName: 'web-only' });
  });

  it('lets enterprise runner groups serve only the organizations they select', () => {
    const { model } = setup();
    model.createOrg({ login: 'other', enterprise: 'megacorp' });
    model.createRepo({ owner: 'other', name: 'svc' });
    const group = model.createRunnerGroup({ kind: 'enterprise', enterprise: 'megacorp' }, { name: 'ent', visibility: 'selected', selectedOrganizations: ['other'] });
    const jit = model.generateJitConfig({ kind: 'enterprise', enterprise: 'megacorp' }, { name: 'e1', runnerGroupId: group.id, labels: LINUX });
    model.connectRunner(jit.encodedJitConfig);
    const acme = model.queueJob({ repo: 'acme/web', labels: ['linux'] });
    const other = model.queueJob({ repo: 'other/svc', labels: ['linux'] });
    expect(model.job(acme.id)?.status).toBe('queued');
    expect(model.job(other.id)?.runnerName).toBe('e1');
    expect(model.listRunnerGroups({ kind: 'org', org: 'other' }).inherited.map((g) => g.name)).toEqual(['ent']);
    expect(model.listRunnerGroups({ kind: 'org', org: 'acme' }).inherited).toEqual([]);
  });

  it('returns a persistent runner to idle after its job, and it takes the next one', () => {
    const { model } = setup();
    const token = model.createRunnerToken({ kind: 'org', org: 'acme' });
    const runner = model.registerRunner({ token: token.token, name: 'persistent', labels: LINUX });
    const first = model.queueJob({ repo: 'acme/web', labels: ['linux'] });
    const second = model.queueJob({ repo: 'acme/web', labels: ['linux'] });
    expect(model.job(second.id)?.status).toBe('queued');
    model.completeJob(first.id, 'failure');
    expect(model.job(second.id)).toMatchObject({ status: 'in_progress', runnerId: runner.id });
    expect(model.runner(runner.id)).toMatchObject({ busy: true, ephemeral: false });
  });
});

describe('GitHubModel runners', () => {
  it('answers 422 to deleting a busy runner, 204-style success when idle, 404 when unknown', () => {
    const { model, orgRunner } = setup();
    const scope = { kind: 'org', org: 'acme' } as const;
    const busy = orgRunner('busy');
    model.connectRunner(busy.jit.encodedJitConfig);
    model.queueJob({ repo: 'acme/web', labels: ['linux'] });
    const idle = orgRunner('idle');
    model.connectRunner(idle.jit.encodedJitConfig);

    const error = errorOf(() => model.deleteRunner(scope, busy.runner.id));
    expect(error).toMatchObject({ status: 422, code: 'unprocessable' });
    expect(error.message).toContain('is still running a job');
    model.deleteRunner(scope, idle.runner.id);
    expect(model.runner(idle.runner.id)).toBeUndefined();
    expect(errorOf(() => model.deleteRunner(scope, 999)).status).toBe(404);
    expect(errorOf(() => model.deleteRunner({ kind: 'repo', owner: 'acme', repo: 'web' }, busy.runner.id)).status).toBe(404);
  });

  it('answers 409 to a JIT config with a name already used in the scope', () => {
    const { model, orgRunner } = setup();
    orgRunner('dup');
    const error = errorOf(() => orgRunner('DUP'));
    expect(error).toMatchObject({ status: 409 });
    expect(error.message).toBe('Already exists - A runner with the name DUP already exists.');
    expect(() => model.generateJitConfig({ kind: 'repo', owner: 'acme', repo: 'web' }, { name: 'dup', runnerGroupId: 1, labels: LINUX })).not.toThrow();
  });

  it('mints JIT configs that encode the runner and work once', () => {
    const { model, orgRunner } = setup();
    const { jit } = orgRunner('r1');
    expect(decodeJitConfig(jit.encodedJitConfig)).toMatchObject({ runnerId: jit.runner.id, runnerName: 'r1', runnerGroupId: 1 });
    expect(jit.runner).toMatchObject({ status: 'offline', busy: false, ephemeral: true });
    model.connectRunner(jit.encodedJitConfig);
    expect(errorOf(() => model.connectRunner(jit.encodedJitConfig)).status).toBe(409);
    expect(errorOf(() => model.connectRunner(Buffer.from('{}').toString('base64'))).status).toBe(400);
  });

  it('refuses a JIT config whose runner was deleted before it connected', () => {
    const { model, orgRunner } = setup();
    const { jit } = orgRunner('gone');
    model.deleteRunner({ kind: 'org', org: 'acme' }, jit.runner.id);
    expect(errorOf(() => model.connectRunner(jit.encodedJitConfig)).status).toBe(404);
  });

  it('refuses JIT configs for unknown runner groups and scopes', () => {
    const { model } = setup();
    expect(errorOf(() => model.generateJitConfig({ kind: 'org', org: 'acme' }, { name: 'x', runnerGroupId: 77, labels: LINUX })).status).toBe(404);
    expect(errorOf(() => model.generateJitConfig({ kind: 'org', org: 'nope' }, { name: 'x', runnerGroupId: 1, labels: LINUX })).status).toBe(404);
    expect(errorOf(() => model.generateJitConfig({ kind: 'org', org: 'acme' }, { name: 'x', runnerGroupId: 1, labels: [] })).status).toBe(422);
  });

  it('fails the job of a runner that disconnects mid-job and leaves its registration offline', () => {
    const { model, orgRunner } = setup();
    const { jit } = orgRunner('r1');
    model.connectRunner(jit.encodedJitConfig);
    const job = model.queueJob({ repo: 'acme/web', labels: ['linux'] });
    model.disconnectRunner(jit.runner.id);
    expect(model.job(job.id)).toMatchObject({ status: 'completed', conclusion: 'failure' });
    // The ephemeral registration stays behind, offline and not busy: a ghost a reconciler must delete.
    expect(model.runner(jit.runner.id)).toMatchObject({ status: 'offline', busy: false });
    model.deleteRunner({ kind: 'org', org: 'acme' }, jit.runner.id);
  });

  it('removes offline ephemeral runners after a day and persistent ones after 14 days', () => {
    const { model, clock, orgRunner } = setup();
    const never = orgRunner('never-connected').runner;
    const token = model.createRunnerToken({ kind: 'org', org: 'acme' });
    const persistent = model.registerRunner({ token: token.token, name: 'p', labels: LINUX });
    model.disconnectRunner(persistent.id);
    clock.advance(24 * 3_600_000);
    model.tick();
    expect(model.runner(never.id)).toBeUndefined();
    expect(model.runner(persistent.id)).toBeDefined();
    clock.advance(13 * 24 * 3_600_000);
    model.tick();
    expect(model.runner(persistent.id)).toBeUndefined();
  });

  it('refuses an expired registration token', () => {
    const { model, clock } = setup();
    const token = model.createRunnerToken({ kind: 'org', org: 'acme' });
    clock.advance(3_600_000);
    expect(errorOf(() => model.registerRunner({ token: token.token, name: 'late', labels: LINUX })).status).toBe(401);
  });
});

describe('GitHubModel pick-up delay (busy flag lag)', () => {
  it('keeps an assigned job queued and the runner shown idle until it picks the job up', () => {
    const { model, clock, orgRunner, actions } = setup({ pickupDelayMs: 5_000 });
    const { jit } = orgRunner('r1');
    model.connectRunner(jit.encodedJitConfig);
    const job = model.queueJob({ repo: 'acme/web', labels: ['linux'] });
    expect(model.job(job.id)?.status).toBe('queued');
    expect(model.getRunner({ kind: 'org', org: 'acme' }, jit.runner.id)).toMatchObject({ busy: false, assignedJobId: job.id });
    clock.advance(5_000);
    model.tick();
    expect(model.job(job.id)).toMatchObject({ status: 'in_progress', runnerName: 'r1', startedAt: T0 + 5_000 });
    expect(actions()).toEqual([`queued:${job.id}`, `in_progress:${job.id}`]);
  });

  it('lets a delete win the race before pick-up, and queues the job again for another runner', () => {
    const { model, clock, orgRunner } = setup({ pickupDelayMs: 5_000 });
    const first = orgRunner('r1');
    model.connectRunner(first.jit.encodedJitConfig);
    const job = model.queueJob({ repo: 'acme/web', labels: ['linux'] });
    model.deleteRunner({ kind: 'org', org: 'acme' }, first.runner.id);
    expect(model.queuedJobs().map((j) => j.id)).toEqual([job.id]);
    expect(model.counters.jobsRequeued).toBe(1);
    const second = orgRunner('r2');
    model.connectRunner(second.jit.encodedJitConfig);
    clock.advance(5_000);
    model.tick();
    expect(model.job(job.id)).toMatchObject({ status: 'in_progress', runnerName: 'r2' });
  });

  it('frees the assigned runner when the job is cancelled before pick-up', () => {
    const { model, orgRunner } = setup({ pickupDelayMs: 5_000 });
    const { jit } = orgRunner('r1');
    model.connectRunner(jit.encodedJitConfig);
    const job = model.queueJob({ repo: 'acme/web', labels: ['linux'] });
    model.cancelJob(job.id);
    const next = model.queueJob({ repo: 'acme/web', labels: ['linux'] });
    expect(model.runner(jit.runner.id)?.assignedJobId).toBe(next.id);
  });
});

describe('GitHubModel jobs', () => {
  it('completes a job by itself after its duration, at the due time, during tick()', () => {
    const { model, clock, orgRunner } = setup();
    model.connectRunner(orgRunner('r1').jit.encodedJitConfig);
    const job = model.queueJob({ repo: 'acme/web', labels: ['linux'], durationMs: 90_000 });
    expect(model.nextDeadline()).toBe(T0 + 90_000);
    clock.advance(100_000);
    expect(model.tick()).toBe(1);
    expect(model.job(job.id)).toMatchObject({ status: 'completed', conclusion: 'success', completedAt: T0 + 90_000 });
  });

  it('cancels queued and running jobs with conclusion cancelled, freeing the runner', () => {
    const { model, actions } = setup();
    const queued = model.queueJob({ repo: 'acme/web', labels: ['gpu'] });
    model.cancelJob(queued.id);
    const token = model.createRunnerToken({ kind: 'org', org: 'acme' });
    const runner = model.registerRunner({ token: token.token, name: 'p', labels: LINUX });
    const running = model.queueJob({ repo: 'acme/web', labels: ['linux'] });
    model.cancelJob(running.id);
    model.cancelJob(running.id);
    expect(model.job(queued.id)).toMatchObject({ status: 'completed', conclusion: 'cancelled' });
    expect(model.job(queued.id)?.runnerId).toBeUndefined();
    expect(model.job(running.id)).toMatchObject({ status: 'completed', conclusion: 'cancelled' });
    expect(model.runner(runner.id)).toMatchObject({ busy: false, status: 'online' });
    expect(actions().filter((a) => a.startsWith('completed'))).toHaveLength(2);
  });

  it('holds waiting jobs until approval', () => {
    const { model, orgRunner, actions } = setup();
    model.connectRunner(orgRunner('r1').jit.encodedJitConfig);
    const job = model.queueJob({ repo: 'acme/web', labels: ['linux'], environment: 'production' });
    expect(model.job(job.id)?.status).toBe('waiting');
    model.approveJob(job.id);
    expect(actions()).toEqual([`waiting:${job.id}`, `queued:${job.id}`, `in_progress:${job.id}`]);
  });

  it('fails a job that stayed queued for 24 hours', () => {
    const { model, clock } = setup();
    const job = model.queueJob({ repo: 'acme/web', labels: ['gpu'] });
    clock.advance(24 * 3_600_000);
    model.tick();
    expect(model.job(job.id)).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(model.counters.jobsTimedOut).toBe(1);
  });

  it('re-runs a completed job as a new job with the next attempt, and refuses an unfinished one', () => {
    const { model } = setup();
    const job = model.queueJob({ repo: 'acme/web', labels: ['gpu'] });
    expect(errorOf(() => model.rerunJob('acme/web', job.id)).status).toBe(403);
    model.cancelJob(job.id);
    const again = model.rerunJob('acme/web', job.id);
    expect(again).toMatchObject({ runId: job.runId, runAttempt: 2, status: 'queued' });
    expect(again.id).not.toBe(job.id);
  });

  it('sends webhooks only for repositories the App is installed on', () => {
    const { model, attempts } = setup();
    model.createOrg({ login: 'elsewhere' });
    model.createRepo({ owner: 'elsewhere', name: 'x' });
    model.queueJob({ repo: 'elsewhere/x', labels: ['linux'] });
    expect(attempts).toHaveLength(0);
    expect(model.counters.webhooksSkippedNoInstallation).toBe(1);
  });
});

describe('GitHubModel webhooks and deliveries', () => {
  it('signs bodies with X-Hub-Signature-256 and sends the GitHub headers', () => {
    const { model, attempts } = setup({ appId: 42, hookId: 7 });
    model.queueJob({ repo: 'acme/web', labels: ['linux'] });
    const [attempt] = attempts;
    expect(attempt?.headers).toMatchObject({
      'x-github-event': 'workflow_job',
      'x-github-hook-id': '7',
      'x-github-hook-installation-target-id': '42',
      'x-github-hook-installation-target-type': 'integration',
      'x-hub-signature-256': signWebhook('secret', attempt?.body ?? ''),
    });
    expect(attempt?.headers['x-github-delivery']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('computes GitHub\'s published signature test vector', () => {
    expect(signWebhook("It's a Secret to Everybody", 'Hello, World!')).toBe(
      'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
    );
  });

  it('keeps a deliveries log, newest first, with cursor pages, a status filter and redelivery', () => {
    const { model, attempts } = setup();
    for (let i = 0; i < 5; i += 1) model.queueJob({ repo: 'acme/web', labels: ['gpu'] });
    attempts.forEach((attempt, i) => model.recordDelivery(attempt, { statusCode: i === 1 ? 502 : 200, durationMs: 30 }));
    const first = model.listDeliveries({ perPage: 2 });
    expect(first.deliveries.map((d) => d.statusCode)).toEqual([200, 200]);
    expect(first.nextCursor).toBeDefined();
    const rest = model.listDeliveries({ perPage: 10, cursor: first.nextCursor });
    expect(rest.deliveries).toHaveLength(3);
    expect(rest.nextCursor).toBeUndefined();
    const failed = model.listDeliveries({ status: 'failure' }).deliveries;
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ status: 'Invalid HTTP Response: 502', redelivery: false, action: 'queued' });

    const redelivered = model.redeliver(failed[0]?.id ?? 0);
    expect(redelivered.redelivery).toBe(true);
    expect(redelivered.event.guid).toBe(failed[0]?.guid);
    expect(redelivered.body).toBe(attempts[1]?.body);
    expect(attempts).toHaveLength(6);
  });

  it('forgets deliveries after the retention period', () => {
    const { model, attempts, clock } = setup();
    model.queueJob({ repo: 'acme/web', labels: ['gpu'] });
    const delivery = model.recordDelivery(attempts[0] as WebhookAttempt, { statusCode: 500, durationMs: 1 });
    clock.advance(3 * 24 * 3_600_000 + 1);
    expect(model.listDeliveries().deliveries).toHaveLength(0);
    expect(errorOf(() => model.redeliver(delivery.id)).status).toBe(404);
  });

  it('is deterministic for a seed: the same operations give the same GUIDs, tokens and bodies', () => {
    const run = () => {
      const { model, attempts, orgRunner } = setup({ seed: 7 });
      model.connectRunner(orgRunner('r1').jit.encodedJitConfig);
      const job = model.queueJob({ repo: 'acme/web', labels: ['linux'] });
      model.completeJob(job.id);
      return { bodies: attempts.map((a) => a.body), guids: attempts.map((a) => a.event.guid), token: model.mintInstallationToken(40_000_001).token };
    };
    expect(run()).toEqual(run());
  });
});

describe('GitHubModel tokens and access', () => {
  it('mints installation tokens that expire after an hour and counts mints', () => {
    const { model, clock } = setup();
    const installation = model.installationForAccount('acme');
    const { token, expiresAt } = model.mintInstallationToken(installation.id);
    expect(token).toMatch(/^ghs_[A-Za-z0-9]{36}$/);
    expect(expiresAt).toBe(T0 + 3_600_000);
    expect(model.authenticate(token)).toEqual({ kind: 'installation', installationId: installation.id });
    clock.advance(3_600_000);
    expect(model.authenticate(token)).toBeUndefined();
    expect(model.installation(installation.id)?.tokenMints).toBe(1);
  });

  it('lets an installation reach its own repositories and org, and only a personal token reach enterprises', () => {
    const { model } = setup();
    model.createOrg({ login: 'other' });
    model.createRepo({ owner: 'other', name: 'x' });
    const principal = { kind: 'installation', installationId: model.installationForAccount('acme').id } as const;
    expect(() => model.authorize(principal, { kind: 'org', org: 'acme' })).not.toThrow();
    expect(errorOf(() => model.authorize(principal, { kind: 'org', org: 'other' })).status).toBe(403);
    expect(errorOf(() => model.authorize(principal, { kind: 'repo', owner: 'other', repo: 'x' })).status).toBe(404);
    expect(errorOf(() => model.authorize(principal, { kind: 'enterprise', enterprise: 'megacorp' })).status).toBe(403);
    const pat = model.authenticate(model.createPersonalToken({ enterprises: ['megacorp'] }));
    expect(pat?.kind).toBe('pat');
    expect(() => model.authorize(pat as never, { kind: 'enterprise', enterprise: 'megacorp' })).not.toThrow();
  });
});

describe('GitHubModel invariants', () => {
  it('never runs a job on a runner without its labels, never gives a runner two jobs, and keeps busy flags true', () => {
    const labelSets = [['linux'], ['linux', 'x64'], ['linux', 'gpu'], ['windows']];
    const op = fc.oneof(
      fc.record({ kind: fc.constant('queue' as const), labels: fc.integer({ min: 0, max: 3 }), repo: fc.constantFrom('acme/web', 'acme/api') }),
      fc.record({ kind: fc.constant('runner' as const), labels: fc.integer({ min: 0, max: 3 }), repoScoped: fc.boolean() }),
      fc.record({ kind: fc.constant('complete' as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant('cancel' as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant('disconnect' as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 600_000 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), fc.constantFrom(0, 30_000), (ops, pickupDelayMs) => {
        const { model, clock } = setup({ pickupDelayMs });
        let n = 0;
        for (const o of ops) {
          const jobs = model.allJobs();
          const runners = model.allRunners();
          switch (o.kind) {
            case 'queue':
              model.queueJob({ repo: o.repo, labels: labelSets[o.labels] as string[], durationMs: 120_000 });
              break;
            case 'runner': {
              n += 1;
              const scope = o.repoScoped ? ({ kind: 'repo', owner: 'acme', repo: 'web' } as const) : ({ kind: 'org', org: 'acme' } as const);
              const jit = model.generateJitConfig(scope, { name: `r${n}`, runnerGroupId: 1, labels: ['self-hosted', ...(labelSets[o.labels] as string[])] });
              model.connectRunner(jit.encodedJitConfig);
              break;
            }
            case 'complete': {
              const running = jobs.filter((j) => j.status === 'in_progress');
              const job = running[o.pick % Math.max(1, running.length)];
              if (job) model.completeJob(job.id);
              break;
            }
            case 'cancel': {
              const job = jobs[o.pick % Math.max(1, jobs.length)];
              if (job) model.cancelJob(job.id);
              break;
            }
            case 'disconnect': {
              const runner = runners[o.pick % Math.max(1, runners.length)];
              if (runner) model.disconnectRunner(runner.id);
              break;
            }
            case 'advance':
              clock.advance(o.ms);
              model.tick();
              break;
          }
          const running = model.allJobs().filter((j) => j.status === 'in_progress');
          const seen = new Set<number>();
          for (const job of running) {
            const runner = model.runner(job.runnerId ?? -1);
            expect(runner?.busy).toBe(true);
            expect(runner?.jobId).toBe(job.id);
            expect(seen.has(runner?.id ?? -1)).toBe(false);
            seen.add(runner?.id ?? -1);
            const have = new Set(runner?.labels.map((l) => l.toLowerCase()));
            expect(job.labels.every((l) => have.has(l.toLowerCase()))).toBe(true);
          }
          for (const runner of model.allRunners()) if (runner.busy) expect(seen.has(runner.id)).toBe(true);
          // No queued job could run on an idle runner (routing is eager).
          const idle = model.allRunners().filter((r) => r.status === 'online' && !r.busy && r.assignedJobId === undefined);
          for (const runner of model.allRunners()) {
            if (runner.assignedJobId !== undefined) expect(model.job(runner.assignedJobId)).toMatchObject({ status: 'queued', assignedRunnerId: runner.id });
          }
          for (const job of model.queuedJobs()) {
            const repo = model.repoById(job.repoId);
            for (const runner of idle) {
              const have = new Set(runner.labels.map((l) => l.toLowerCase()));
              const reachable = runner.scope === 'org:acme' || runner.scope === `repo:${repo?.fullName.toLowerCase()}`;
              expect(reachable && job.labels.every((l) => have.has(l.toLowerCase()))).toBe(false);
            }
          }
        }
      }),
      { numRuns: 60, seed: 20260105 },
    );
  });
});
