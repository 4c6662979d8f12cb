// Contract suite of the GitHubApi port: JIT configs (a duplicate name is a conflict), registration tokens,
// runners (list per scope and past one page, get, delete: deleted, busy, not-found), jobs, re-runs, failed
// webhook deliveries as GitHub defines them (200–399 success; 400–599 and timeouts failure; a redelivery is a
// new delivery with the same GUID) and redelivery, and the latest runner release.
import type { GitHubApi, GitHubRunner, JitConfig, RepositoryRef, RunnerScope, WebhookDelivery } from '@ghr/core';
import { afterEach, describe, expect, it } from 'vitest';

/** What a GitHubApi factory returns: the API, and a handle on the world behind it to arrange the tests. */
export interface GitHubApiContractSubject {
  readonly github: GitHubApi;
  /** A scope without runners where the API may manage runners (an organization, say). */
  readonly scope: RunnerScope;
  /** Another scope without runners, also manageable (a repository, say). */
  readonly otherScope: RunnerScope;
  /** A repository jobs are queued in; a runner of `scope` can run its jobs. */
  readonly repository: RepositoryRef;
  /** The world's time, epoch ms: what token expiries and delivery times are stamped with. */
  now(): number;
  /** Lets `ms` of the world's time pass. */
  advance(ms: number): Promise<void>;
  /** The runner process of a JIT config starts: the runner comes online, idle. */
  connect(jit: JitConfig): Promise<void>;
  /**
   * Queues a job with these labels in `repository`, which sends a `workflow_job` `queued` webhook. When an online
   * idle runner has all the labels, the job is running on it (`in_progress`, runner busy) before this resolves.
   */
  queueJob(labels: readonly string[]): Promise<number>;
  /** Ends a job: a running one completes with `conclusion`; a queued one is cancelled. */
  finishJob(jobId: number, conclusion: 'success' | 'failure' | 'cancelled'): Promise<void>;
  /** Whether a re-run (the next attempt) of the job was queued. */
  rerunQueued(jobId: number): Promise<boolean>;
  /**
   * How the App's webhook receiver answers deliveries from now on: an HTTP status, or 0 for no answer in time
   * (a timeout). Until called: 200.
   */
  answerWebhooks(statusCode: number): Promise<void>;
  /** Waits until every webhook sent so far was answered and recorded in the deliveries log. Default: nothing. */
  settle?(): Promise<void>;
  cleanup?(): Promise<void>;
}

/** Tuning of the GitHubApi contract suite. */
export interface GitHubApiContractOptions {
  /** Per-test timeout (ms). Default 30 s. */
  readonly timeout?: number;
}

const signal = () => AbortSignal.timeout(60_000);
const STEP = 10_000;

/**
 * Registers a vitest `describe` block that checks a `GitHubApi` against GitHub's documented behaviour, with the
 * world behind it arranged through the subject.
 *
 * @example
 * ```ts
 * describeGitHubApiContract('FakeGitHub', async () => {
 *   const github = new FakeGitHub();
 *   return { github, scope: { kind: 'org', org: 'acme' }, ...world(github) };
 * });
 * ```
 */
export function describeGitHubApiContract(
  name: string,
  make: () => Promise<GitHubApiContractSubject>,
  options: GitHubApiContractOptions = {},
): void {
  describe(`GitHubApi contract: ${name}`, { timeout: options.timeout ?? 30_000 }, () => {
    let subject: GitHubApiContractSubject | undefined;
    afterEach(async () => {
      await subject?.cleanup?.();
      subject = undefined;
    });
    const open = async () => (subject = await make());
    const names = (runners: readonly GitHubRunner[]) => runners.map((r) => r.name).sort();

    /** A failed webhook: its receiver answers `statusCode` to the `queued` event of a new job. */
    const failedWebhook = async (s: GitHubApiContractSubject, statusCode: number): Promise<void> => {
      await s.answerWebhooks(statusCode);
      await s.queueJob(['self-hosted', 'contract-nobody']);
      await s.settle?.();
      await s.advance(STEP);
    };

    describe('runners', () => {
      it('mints a JIT config for an ephemeral runner with exactly the labels asked for, offline until it connects', async () => {
        const s = await open();
        const jit = await s.github.createJitConfig(s.scope, { name: 'ghr-contract-1', labels: ['self-hosted', 'linux', 'x64'] }, signal());

        expect(jit.runnerId).toBeGreaterThan(0);
        expect(typeof jit.encodedJitConfig).toBe('string');
        expect(jit.encodedJitConfig.length).toBeGreaterThan(0);
        const runner = await s.github.getRunner(s.scope, jit.runnerId, signal());
        expect(runner).toMatchObject({ id: jit.runnerId, name: 'ghr-contract-1', status: 'offline', busy: false, ephemeral: true });
        expect([...(runner?.labels ?? [])].sort()).toEqual(['linux', 'self-hosted', 'x64']);

        await s.connect(jit);
        expect(await s.github.getRunner(s.scope, jit.runnerId, signal())).toMatchObject({ status: 'online', busy: false });
      });

      it('answers conflict, not retryable, for a name already registered in the scope; a deleted name is free again', async () => {
        const s = await open();
        const first = await s.github.createJitConfig(s.scope, { name: 'ghr-twin', labels: ['self-hosted'] }, signal());

        await expect(s.github.createJitConfig(s.scope, { name: 'ghr-twin', labels: ['self-hosted'] }, signal())).rejects.toMatchObject({
          code: 'conflict',
          retryable: false,
        });
        expect(names(await s.github.listRunners(s.scope, signal()))).toEqual(['ghr-twin']);

        expect(await s.github.deleteRunner(s.scope, first.runnerId, signal())).toBe('deleted');
        const again = await s.github.createJitConfig(s.scope, { name: 'ghr-twin', labels: ['self-hosted'] }, signal());
        expect(again.runnerId).not.toBe(first.runnerId);
      });

      it('creates a registration token that expires in about an hour', async () => {
        const s = await open();
        const before = s.now();
        const { token, expiresAt } = await s.github.createRegistrationToken(s.scope, signal());

        expect(typeof token).toBe('string');
        expect(token.length).toBeGreaterThanOrEqual(20);
        expect(expiresAt).toBeGreaterThan(before + 50 * 60_000);
        expect(expiresAt).toBeLessThanOrEqual(s.now() + 61 * 60_000);
      });

      it("lists a scope's runners only, past one page of 100", async () => {
        const s = await open();
        const count = 105;
        for (let i = 0; i < count; i++) {
          await s.github.createJitConfig(s.scope, { name: `ghr-many-${String(i).padStart(3, '0')}`, labels: ['self-hosted'] }, signal());
        }
        const other = await s.github.createJitConfig(s.otherScope, { name: 'ghr-elsewhere', labels: ['self-hosted'] }, signal());

        const listed = await s.github.listRunners(s.scope, signal());
        expect(listed).toHaveLength(count);
        expect(new Set(listed.map((r) => r.id)).size).toBe(count);
        expect(listed.some((r) => r.name === 'ghr-elsewhere')).toBe(false);
        expect(names(await s.github.listRunners(s.otherScope, signal()))).toEqual(['ghr-elsewhere']);
        expect(await s.github.getRunner(s.scope, other.runnerId, signal())).toBeUndefined();
        expect(await s.github.deleteRunner(s.scope, other.runnerId, signal())).toBe('not-found');
        expect(await s.github.getRunner(s.otherScope, other.runnerId, signal())).toMatchObject({ name: 'ghr-elsewhere' });
      }, 120_000);

      it('reports a runner running a job as online and busy, and refuses to delete it: busy, still registered', async () => {
        const s = await open();
        const jit = await s.github.createJitConfig(s.scope, { name: 'ghr-worker', labels: ['self-hosted', 'contract-gpu'] }, signal());
        await s.connect(jit);
        const jobId = await s.queueJob(['self-hosted', 'contract-gpu']);

        expect(await s.github.getRunner(s.scope, jit.runnerId, signal())).toMatchObject({ status: 'online', busy: true });
        expect((await s.github.listRunners(s.scope, signal())).find((r) => r.id === jit.runnerId)?.busy).toBe(true);
        expect(await s.github.deleteRunner(s.scope, jit.runnerId, signal())).toBe('busy');
        expect(await s.github.getRunner(s.scope, jit.runnerId, signal())).toMatchObject({ name: 'ghr-worker' });
        expect(await s.github.getJob(s.repository, jobId, signal())).toMatchObject({ id: jobId, status: 'in_progress', runnerName: 'ghr-worker' });
      });

      it('deletes an idle runner; after that, delete answers not-found and get undefined', async () => {
        const s = await open();
        const jit = await s.github.createJitConfig(s.scope, { name: 'ghr-idle', labels: ['self-hosted'] }, signal());
        await s.connect(jit);

        expect(await s.github.deleteRunner(s.scope, jit.runnerId, signal())).toBe('deleted');
        expect(await s.github.deleteRunner(s.scope, jit.runnerId, signal())).toBe('not-found');
        expect(await s.github.getRunner(s.scope, jit.runnerId, signal())).toBeUndefined();
        expect(await s.github.listRunners(s.scope, signal())).toEqual([]);
      });
    });

    describe('jobs', () => {
      it('reads a queued job with its labels and run, and a finished one with its conclusion; an unknown job is undefined', async () => {
        const s = await open();
        const queued = await s.queueJob(['self-hosted', 'contract-nobody']);
        const job = await s.github.getJob(s.repository, queued, signal());
        expect(job).toMatchObject({ id: queued, status: 'queued', labels: ['self-hosted', 'contract-nobody'] });
        expect(job?.runId).toBeGreaterThan(0);

        const jit = await s.github.createJitConfig(s.scope, { name: 'ghr-runs', labels: ['self-hosted', 'contract-arm'] }, signal());
        await s.connect(jit);
        const ran = await s.queueJob(['self-hosted', 'contract-arm']);
        await s.advance(STEP);
        await s.finishJob(ran, 'failure');
        const done = await s.github.getJob(s.repository, ran, signal());
        expect(done).toMatchObject({ id: ran, status: 'completed', conclusion: 'failure', runnerName: 'ghr-runs' });
        expect(done?.completedAt).toBeGreaterThanOrEqual(done?.startedAt ?? Number.POSITIVE_INFINITY);

        expect(await s.github.getJob(s.repository, 987_654_321, signal())).toBeUndefined();
      });

      it('re-runs a completed job, and refuses (not retryable) to re-run one that has not completed', async () => {
        const s = await open();
        const queued = await s.queueJob(['self-hosted', 'contract-nobody']);
        await expect(s.github.rerunJob(s.repository, queued, signal())).rejects.toMatchObject({ retryable: false });
        expect(await s.rerunQueued(queued)).toBe(false);

        await s.finishJob(queued, 'cancelled');
        await s.github.rerunJob(s.repository, queued, signal());
        expect(await s.rerunQueued(queued)).toBe(true);
      });
    });

    describe('webhook deliveries', () => {
      it('lists a delivery answered 5xx with its GUID, event, action and status code', async () => {
        const s = await open();
        const since = s.now();
        await failedWebhook(s, 503);

        const failed = await s.github.listFailedDeliveries(since, signal());
        expect(failed).toHaveLength(1);
        expect(failed[0]).toMatchObject({ event: 'workflow_job', action: 'queued', statusCode: 503, redelivery: false });
        expect(failed[0]?.guid.length).toBeGreaterThan(0);
        expect(failed[0]?.deliveredAt).toBeGreaterThanOrEqual(Math.floor(since / 1000) * 1000);
      });

      it('counts 400–599 and timeouts as failed, 200–399 as delivered, and lists the failed newest first', async () => {
        const s = await open();
        const since = s.now();
        for (const statusCode of [200, 302, 400, 0, 500]) await failedWebhook(s, statusCode);

        const failed = await s.github.listFailedDeliveries(since, signal());
        expect(failed.map((d) => d.statusCode)).toEqual([500, 0, 400]);
        expect(new Set(failed.map((d) => d.guid)).size).toBe(3);
      });

      it('redelivers as a new delivery with the same GUID, flagged redelivery; listed once, by its newest attempt', async () => {
        const s = await open();
        const since = s.now();
        await failedWebhook(s, 502);
        const [original] = await s.github.listFailedDeliveries(since, signal());

        await s.answerWebhooks(504);
        await s.github.redeliver(original!.id, signal());
        await s.settle?.();
        const failed = await s.github.listFailedDeliveries(since, signal());

        expect(failed).toHaveLength(1);
        expect(failed[0]).toMatchObject({ guid: original!.guid, redelivery: true, statusCode: 504, event: 'workflow_job', action: 'queued' });
        expect(failed[0]?.id).not.toBe(original!.id);
      });

      it('leaves out a GUID once any attempt of it was delivered', async () => {
        const s = await open();
        const since = s.now();
        await failedWebhook(s, 500);
        await failedWebhook(s, 500);
        const [newest, oldest] = await s.github.listFailedDeliveries(since, signal());

        await s.answerWebhooks(200);
        await s.github.redeliver(oldest!.id, signal());
        await s.settle?.();

        const failed = await s.github.listFailedDeliveries(since, signal());
        expect(failed.map((d: WebhookDelivery) => d.guid)).toEqual([newest!.guid]);
      });

      it('lists only deliveries made since `since`', async () => {
        const s = await open();
        const start = s.now();
        await failedWebhook(s, 500);
        const middle = s.now();
        await s.advance(STEP);
        await failedWebhook(s, 502);

        const recent = await s.github.listFailedDeliveries(middle + STEP / 2, signal());
        const all = await s.github.listFailedDeliveries(start, signal());
        expect(recent.map((d) => d.statusCode)).toEqual([502]);
        expect(all.map((d) => d.statusCode)).toEqual([502, 500]);
        expect(await s.github.listFailedDeliveries(s.now() + STEP, signal())).toEqual([]);
      });

      it('refuses to redeliver an unknown delivery: not-found', async () => {
        const s = await open();
        await expect(s.github.redeliver(987_654_321, signal())).rejects.toMatchObject({ code: 'not-found', retryable: false });
      });
    });

    describe('runner releases', () => {
      it('names the latest actions/runner release, with a linux x64 download of that version', async () => {
        const s = await open();
        const release = await s.github.latestRunnerRelease(signal());

        expect(release.version).toMatch(/^\d+\.\d+\.\d+$/);
        const linux = release.assets.find((a) => a.os === 'linux' && a.arch === 'x64');
        expect(linux?.name).toContain(release.version);
        expect(linux?.url).toMatch(/^https?:\/\//);
        expect(linux?.size).toBeGreaterThan(0);
      });
    });
  });
}
