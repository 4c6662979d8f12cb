import { describe, expect, it } from 'vitest';
import { createManualClock } from '../clock.js';
import { SimError } from '../errors.js';
import { PRODUCTION_GITHUB_BEHAVIOUR } from './behaviour.js';
import type { GitHubModelBehaviour } from './behaviour.js';
import { GitHubModel } from './model.js';
import type { RunnerExit, WebhookAttempt } from './types.js';

const T0 = Date.UTC(2026, 0, 5, 9);
const LINUX = ['self-hosted', 'linux', 'x64'];
const ORG = { kind: 'org', org: 'acme' } as const;
const MINUTE = 60_000;

function setup(behaviour: GitHubModelBehaviour) {
  const clock = createManualClock(T0);
  const model = new GitHubModel({ clock, webhookSecret: 'secret', behaviour });
  const attempts: WebhookAttempt[] = [];
  const exits: RunnerExit[] = [];
  model.onWebhook((attempt) => attempts.push(attempt));
  model.onRunnerExit((exit) => exits.push(exit));
  model.createEnterprise({ slug: 'megacorp' });
  model.createOrg({ login: 'acme', enterprise: 'megacorp' });
  model.createRepo({ owner: 'acme', name: 'web' });
  model.createInstallation({ account: 'acme' });
  const online = (name: string, labels = LINUX) => {
    const jit = model.generateJitConfig(ORG, { name, runnerGroupId: 1, labels });
    return model.connectRunner(jit.encodedJitConfig);
  };
  const advance = (ms: number) => {
    clock.advance(ms);
    model.tick();
  };
  return { clock, model, attempts, exits, online, advance };
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

const lease = { jobLease: { leaseMs: 10 * MINUTE, assignToDeadRunners: true } } satisfies GitHubModelBehaviour;

describe('GitHubModel behaviour: job lease', () => {
  it('keeps a runner whose process died online and its job in progress until the lease runs out, then fails the job', () => {
    // Arrange
    const { model, online, advance } = setup(lease);
    const runner = online('r1');
    const job = model.queueJob({ repo: 'acme/web', labels: ['linux'], durationMs: 2 * MINUTE });
    // Act
    model.disconnectRunner(runner.id);
    advance(5 * MINUTE);
    const shown = model.getRunner(ORG, runner.id);
    const during = { job: model.job(job.id)?.status, runner: { status: shown.status, busy: shown.busy } };
    advance(5 * MINUTE);
    // Assert
    expect(during.job).toBe('in_progress');
    expect(during.runner).toMatchObject({ status: 'online', busy: true });
    expect(model.job(job.id)).toMatchObject({ status: 'completed', conclusion: 'failure', completedAt: T0 + 10 * MINUTE });
    expect(model.runner(runner.id)).toMatchObject({ status: 'offline', busy: false });
    expect(model.counters.jobsLostCommunication).toBe(1);
  });

  it('routes a queued job to a dead but online runner, which never picks it up: the pickup timeout queues it again', () => {
    // Arrange
    const { model, online, advance } = setup({ ...lease, pickup: { delayMs: 0, timeoutMs: MINUTE, missRate: 0 } });
    const dead = online('dead');
    model.disconnectRunner(dead.id);
    // Act
    const job = model.queueJob({ repo: 'acme/web', labels: ['linux'] });
    const assigned = model.job(job.id)?.assignedRunnerId;
    advance(MINUTE);
    const requeued = model.counters.jobsRequeued;
    const again = model.job(job.id)?.assignedRunnerId;
    online('live');
    advance(9 * MINUTE);
    // Assert
    expect(assigned).toBe(dead.id);
    expect(requeued).toBe(1);
    expect(again).toBe(dead.id);
    expect(model.job(job.id)).toMatchObject({ status: 'in_progress', runnerName: 'live' });
  });

  it('fails a dead runner’s job at once without a lease, as the exact model does', () => {
    const { model, online } = setup({});
    const runner = online('r1');
    const job = model.queueJob({ repo: 'acme/web', labels: ['linux'] });
    model.disconnectRunner(runner.id);
    expect(model.job(job.id)).toMatchObject({ status: 'completed', conclusion: 'failure' });
  });
});

describe('GitHubModel behaviour: busy view', () => {
  const view = (over: Partial<NonNullable<GitHubModelBehaviour['busyView']>>): GitHubModelBehaviour => ({
    busyView: { listCacheMs: 0, busyLagMs: 0, hiddenBusyRate: 0, stuckBusyRate: 0, ...over },
  });

  it('serves a runner list from a snapshot for up to listCacheMs', () => {
    // Arrange
    const { model, online, advance } = setup(view({ listCacheMs: MINUTE }));
    online('r1');
    const first = model.listRunners(ORG);
    // Act
    online('r2');
    advance(59_000);
    const cached = model.listRunners(ORG);
    advance(1_000);
    const fresh = model.listRunners(ORG);
    // Assert
    expect(first.map((r) => r.name)).toEqual(['r1']);
    expect(cached.map((r) => r.name)).toEqual(['r1']);
    expect(fresh.map((r) => r.name)).toEqual(['r1', 'r2']);
  });

  it('shows busy busyLagMs after the runner took its job, and idle that long after it finished', () => {
    // Arrange
    const { model, advance } = setup(view({ busyLagMs: 20_000 }));
    const token = model.createRunnerToken(ORG);
    const runner = model.registerRunner({ token: token.token, name: 'p1', labels: LINUX });
    const job = model.queueJob({ repo: 'acme/web', labels: ['linux'] });
    // Act
    const atStart = model.getRunner(ORG, runner.id).busy;
    advance(20_000);
    const afterLag = model.getRunner(ORG, runner.id).busy;
    model.completeJob(job.id);
    const atEnd = model.getRunner(ORG, runner.id).busy;
    advance(20_000);
    // Assert
    expect([atStart, afterLag, atEnd, model.getRunner(ORG, runner.id).busy]).toEqual([false, true, true, false]);
    expect(model.runner(runner.id)?.busy).toBe(false);
  });

  it('may show a running runner idle for its whole job; a DELETE then succeeds, failing the job and ending the process', () => {
    // Arrange
    const { model, online, exits } = setup(view({ hiddenBusyRate: 1 }));
    const runner = online('r1');
    const job = model.queueJob({ repo: 'acme/web', labels: ['linux'] });
    // Act
    const shown = model.getRunner(ORG, runner.id).busy;
    model.deleteRunner(ORG, runner.id);
    // Assert
    expect(model.runner(runner.id)).toBeUndefined();
    expect(shown).toBe(false);
    expect(model.job(job.id)).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(exits).toEqual([{ runnerId: runner.id, runnerName: 'r1', reason: 'removed', at: T0 }]);
  });

  it('may wedge a runner after its job: busy, taking no job, refusing DELETE until its process goes away', () => {
    // Arrange
    const { model, online, exits } = setup(view({ stuckBusyRate: 1 }));
    const runner = online('r1');
    const first = model.queueJob({ repo: 'acme/web', labels: ['linux'] });
    // Act
    model.completeJob(first.id);
    const second = model.queueJob({ repo: 'acme/web', labels: ['linux'] });
    const refused = errorOf(() => model.deleteRunner(ORG, runner.id));
    model.disconnectRunner(runner.id);
    model.deleteRunner(ORG, runner.id);
    // Assert
    expect(refused.status).toBe(422);
    expect(model.job(second.id)?.status).toBe('queued');
    expect(model.counters.runnersWedged).toBe(1);
    expect(exits).toEqual([]);
    expect(model.runner(runner.id)).toBeUndefined();
  });
});

describe('GitHubModel behaviour: pickup and routing', () => {
  it('sends a job its runner missed back to the queue after timeoutMs, and the runner takes the next assignment', () => {
    // Arrange
    const { model, online, advance } = setup({ pickup: { delayMs: 0, timeoutMs: MINUTE, missRate: 1 } });
    online('r1');
    // Act
    const job = model.queueJob({ repo: 'acme/web', labels: ['linux'] });
    advance(MINUTE - 1);
    const before = model.job(job.id)?.assignedRunnerId;
    advance(1);
    // Assert
    expect(before).toBeDefined();
    expect(model.counters.jobsRequeued).toBeGreaterThanOrEqual(1);
    expect(model.job(job.id)?.status).toBe('queued');
  });

  it('starts a job after a pickup delay drawn between its bounds', () => {
    const { model, online, advance } = setup({ pickup: { delayMs: { minMs: 1_000, maxMs: 5_000 }, timeoutMs: MINUTE, missRate: 0 } });
    online('r1');
    const job = model.queueJob({ repo: 'acme/web', labels: ['linux'] });
    advance(999);
    expect(model.job(job.id)?.status).toBe('queued');
    advance(4_001);
    expect(model.job(job.id)).toMatchObject({ status: 'in_progress', startedAt: expect.any(Number) });
    expect((model.job(job.id)?.startedAt ?? 0) - T0).toBeGreaterThanOrEqual(1_000);
  });

  it('routes at random among matching runners of every scope in the random mode, never so in the preferred mode', () => {
    // Arrange
    const names = (routing: 'random' | 'preferred') => {
      const { model } = setup({ routing });
      const scopes = [
        { kind: 'enterprise', enterprise: 'megacorp' },
        ORG,
        { kind: 'repo', owner: 'acme', repo: 'web' },
      ] as const;
      const taken = new Set<string>();
      for (let i = 0; i < 30; i += 1) {
        const scope = scopes[i % 3] ?? ORG;
        const jit = model.generateJitConfig(scope, { name: `${scope.kind}-${i}`, runnerGroupId: 1, labels: LINUX });
        model.connectRunner(jit.encodedJitConfig);
      }
      for (let i = 0; i < 10; i += 1) {
        const job = model.queueJob({ repo: 'acme/web', labels: ['linux'] });
        taken.add((model.job(job.id)?.runnerName ?? '').split('-')[0] ?? '');
      }
      return taken;
    };
    // Act / Assert
    expect(names('preferred')).toEqual(new Set(['repo']));
    expect(names('random').size).toBeGreaterThan(1);
  });

  it('gives config.sh runners the self-hosted, OS and architecture labels unless told not to', () => {
    const { model } = setup({ configDefaultLabels: true });
    const token = model.createRunnerToken(ORG).token;
    const plain = model.registerRunner({ token, name: 'p1', labels: ['gpu'], os: 'Windows', arch: 'ARM64' });
    const bare = model.registerRunner({ token, name: 'p2', labels: ['gpu'], noDefaultLabels: true });
    expect(plain.labels).toEqual(['self-hosted', 'Windows', 'ARM64', 'gpu']);
    expect(bare.labels).toEqual(['gpu']);
  });
});

describe('GitHubModel behaviour: server-side JIT clean-up', () => {
  const expiry = { jitExpiry: { idleRemovalMs: 6 * MINUTE, unusedConfigMs: 60 * MINUTE } } satisfies GitHubModelBehaviour;

  it('removes a connected JIT runner idle for idleRemovalMs and reports its process exit', () => {
    // Arrange
    const { model, online, exits, advance } = setup(expiry);
    const runner = online('r1');
    // Act
    advance(6 * MINUTE - 1);
    const before = model.runner(runner.id)?.status;
    advance(1);
    // Assert
    expect(before).toBe('online');
    expect(model.runner(runner.id)).toBeUndefined();
    expect(exits).toEqual([{ runnerId: runner.id, runnerName: 'r1', reason: 'removed', at: T0 + 6 * MINUTE }]);
    expect(model.counters.idleJitRunnersRemoved).toBe(1);
  });

  it('keeps a JIT runner that took a job, and voids a config left unused for unusedConfigMs', () => {
    // Arrange
    const { model, online, advance } = setup(expiry);
    const busy = online('busy');
    model.queueJob({ repo: 'acme/web', labels: ['linux'] });
    const unused = model.generateJitConfig(ORG, { name: 'late', runnerGroupId: 1, labels: LINUX });
    // Act
    advance(60 * MINUTE);
    const refused = errorOf(() => model.connectRunner(unused.encodedJitConfig));
    // Assert
    expect(model.runner(busy.id)?.busy).toBe(true);
    expect(model.runner(unused.runner.id)).toBeUndefined();
    expect(refused.code).toBe('not-found');
    expect(model.counters.jitConfigsExpired).toBe(1);
  });

  it('reports the exit of an ephemeral runner after its job', () => {
    const { model, online, exits } = setup({});
    const runner = online('r1');
    const job = model.queueJob({ repo: 'acme/web', labels: ['linux'] });
    model.completeJob(job.id);
    expect(exits).toEqual([{ runnerId: runner.id, runnerName: 'r1', reason: 'job-finished', at: T0 }]);
  });
});

describe('PRODUCTION_GITHUB_BEHAVIOUR', () => {
  it('turns every knob on with the documented or observed values', () => {
    const b = PRODUCTION_GITHUB_BEHAVIOUR;
    expect(b.jobLease).toEqual({ leaseMs: 10 * MINUTE, assignToDeadRunners: true });
    expect(b.busyView?.listCacheMs).toBe(MINUTE);
    expect(b.pickup?.timeoutMs).toBe(MINUTE);
    expect(b.routing).toBe('random');
    expect(b.configDefaultLabels).toBe(true);
    expect(b.jitExpiry?.idleRemovalMs).toEqual({ minMs: 2 * MINUTE, maxMs: 6 * MINUTE });
    expect(b.events?.completedLateMs).toEqual({ minMs: 10 * MINUTE, maxMs: 30 * MINUTE });
    expect(b.reruns).toEqual({ maxReruns: 50, maxAgeMs: 30 * 24 * 60 * MINUTE });
    expect(b.rateLimits).toMatchObject({ primaryPerHour: 5_000, maxConcurrent: 100, contentCreationPerMinute: 80, contentCreationPerHour: 500 });
  });

  it('takes its rate-limit shapes under the model’s own rateLimits, so a 15,000 budget (Enterprise Cloud) can be set', () => {
    const standard = new GitHubModel({ behaviour: PRODUCTION_GITHUB_BEHAVIOUR });
    const enterprise = new GitHubModel({ behaviour: PRODUCTION_GITHUB_BEHAVIOUR, rateLimits: { primaryPerHour: 15_000 } });
    expect(standard.rateLimits.status('installation:1').limit).toBe(5_000);
    expect(enterprise.rateLimits.status('installation:1').limit).toBe(15_000);
  });

  it('runs a day of jobs on runners that come and go without breaking the model', () => {
    // Arrange
    const { model, online, advance } = setup(PRODUCTION_GITHUB_BEHAVIOUR);
    // Act
    for (let i = 0; i < 200; i += 1) {
      model.queueJob({ repo: 'acme/web', labels: ['linux'], durationMs: 5 * MINUTE });
      const runner = online(`r${i}`);
      if (i % 7 === 0) model.disconnectRunner(runner.id);
      advance(7 * MINUTE);
    }
    advance(24 * 60 * MINUTE);
    // Assert
    const jobs = model.allJobs();
    expect(jobs.every((j) => j.status === 'completed' || j.status === 'queued')).toBe(true);
    expect(model.counters.jobsStarted).toBeGreaterThan(100);
  });
});
