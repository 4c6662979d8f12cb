// `ghr serve` over real HTTP against the simulated GitHub: signed webhooks in, stub runner processes out.
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { poolFixture } from '@ghr/contracts';
import { GitHubClient } from '@ghr/github';
import { LocalProcessProvider, openLocalStore } from '@ghr/local';
import { startSimulatedGitHub } from '@ghr/sim';
import type { SimulatedGitHub } from '@ghr/sim';
import { stubRunnerCommand } from '../src/demo/runner-program.js';
import { startServe } from '../src/serve/runtime.js';
import type { ServeRuntime } from '../src/serve/runtime.js';

const SECRET = 'a-webhook-secret-for-tests';
const sign = (body: string, secret = SECRET) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function world(options: { maxRunners?: number } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'ghr-serve-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const github: SimulatedGitHub = await startSimulatedGitHub({ webhookSecret: SECRET, webhookConcurrency: 4 });
  cleanups.push(() => github.close());
  github.model.createOrg({ login: 'acme' });
  github.model.createRepo({ owner: 'acme', name: 'web' });
  github.model.createInstallation({ account: 'acme' });
  const store = openLocalStore({ path: join(dir, 'ghr.db'), visibilityTimeout: 5_000 });
  cleanups.push(() => store.close());
  const provider = new LocalProcessProvider({ workRoot: join(dir, 'runners'), command: stubRunnerCommand(), maxProcesses: 12, terminateGrace: 2_000 });
  cleanups.push(async () => {
    const left = (await provider.list({}, AbortSignal.timeout(5_000))).filter((i) => i.state !== 'terminated');
    await provider.terminate(left.map((i) => i.providerId), AbortSignal.timeout(10_000));
  });
  const client = new GitHubClient({ auth: { kind: 'app', appId: github.app.id, privateKey: github.app.privateKey ?? '' }, githubUrl: github.url, apiUrl: github.apiUrl });
  const pool = { ...poolFixture('linux', { labels: ['self-hosted', 'linux'], maxRunners: options.maxRunners ?? 6, scope: { kind: 'org', org: 'acme' } }), idleTimeout: 2_000, bootTimeout: 30_000 };
  const serve: ServeRuntime = await startServe({
    pools: [pool],
    ledger: store.ledger,
    queue: store.queue,
    provider,
    github: client,
    webhookSecrets: ['a-new-secret-not-yet-in-use', SECRET],
    port: 0,
    sweepInterval: 1_000,
    pollInterval: 50,
    // Sweeps every second that list the world every time (as real ones do every few minutes).
    engineOptions: { githubUrl: github.url, launchBackoff: 200, listingInterval: 0 },
  });
  cleanups.push(() => serve.close());
  await github.control.setWebhook({ url: serve.webhookUrl, secret: SECRET });
  return { github, serve, store, provider };
}

async function until(check: () => Promise<boolean> | boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`not settled within ${timeoutMs} ms`);
}

describe('ghr serve over HTTP', () => {
  it('serves a burst of jobs with stub runner processes and leaves nothing over', async () => {
    // Arrange
    const w = await world({ maxRunners: 6 });
    // Act: a burst of 15 jobs, each running 1.5 s, more than the pool's 6 runners at once.
    const jobs = Array.from({ length: 15 }, () => w.github.model.queueJob({ repo: 'acme/web', labels: ['self-hosted', 'linux'], durationMs: 1_500 }));
    let peak = 0;
    await until(async () => {
      const alive = (await w.provider.list({}, AbortSignal.timeout(5_000))).filter((i) => i.state !== 'terminated').length;
      peak = Math.max(peak, alive);
      const done = jobs.every((j) => w.github.model.job(j.id)?.status === 'completed');
      const counted = (await w.store.ledger.listRunners({ states: ['launching', 'booting', 'idle', 'busy', 'draining'] }, AbortSignal.timeout(5_000))).length;
      return done && alive === 0 && counted === 0 && w.github.model.allRunners().length === 0;
    }, 90_000);
    // Assert: every job ran to success on a runner, never more than 6 at once, no registration or process left.
    expect(jobs.map((j) => w.github.model.job(j.id)?.conclusion)).toEqual(jobs.map(() => 'success'));
    expect(peak).toBeLessThanOrEqual(6);
    expect(w.github.model.allRunners()).toEqual([]);
    const alive = (await w.store.ledger.listRunners({ states: ['launching', 'booting', 'idle', 'busy', 'draining'] }, AbortSignal.timeout(5_000))).length;
    expect(alive).toBe(0);
    expect(w.store.queue.depth()).toMatchObject({ visible: 0, inFlight: 0, deadLetters: 0 });
    expect(w.github.counters().webhooks.failed).toBe(0);
  }, 120_000);

  it('answers health and Prometheus metrics', async () => {
    const w = await world();
    await w.serve.sweepNow();
    const health = await fetch(`${w.serve.url}/healthz`);
    const metrics = await (await fetch(`${w.serve.url}/metrics`)).text();
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok' });
    expect(metrics).toMatch(/^# TYPE ghr_serve_sweeps gauge$/m);
    expect(metrics).toMatch(/^ghr_serve_sweeps [1-9]/m);
    expect((await fetch(`${w.serve.url}/nope`)).status).toBe(404);
  }, 60_000);

  it('answers webhooks as the webhook Lambda does: 401, 400, 413, 200 for pings and other events, 202 for jobs; never 5xx', async () => {
    // Arrange
    const w = await world();
    const post = (body: string, headers: Record<string, string>) => fetch(w.serve.webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    const job = JSON.stringify({
      action: 'queued',
      workflow_job: { id: 77, run_id: 7, run_attempt: 1, labels: ['self-hosted', 'linux'], name: 'build', created_at: new Date().toISOString() },
      repository: { name: 'web', owner: { login: 'acme' } },
      installation: { id: 1 },
    });
    const big = `{"pad":"${'x'.repeat(1024 * 1024 + 10)}"}`;
    // Act
    const answers = {
      badSignature: await post(job, { 'x-github-event': 'workflow_job', 'x-github-delivery': 'd-1', 'x-hub-signature-256': sign(job, 'wrong secret') }),
      noSignature: await post(job, { 'x-github-event': 'workflow_job', 'x-github-delivery': 'd-2' }),
      malformed: await post('{not json', { 'x-github-event': 'workflow_job', 'x-github-delivery': 'd-3', 'x-hub-signature-256': sign('{not json') }),
      oversized: await post(big, { 'x-github-event': 'workflow_job', 'x-github-delivery': 'd-4', 'x-hub-signature-256': sign(big) }),
      ping: await post('{"zen":"hi","hook_id":1}', { 'x-github-event': 'ping', 'x-github-delivery': 'd-5', 'x-hub-signature-256': sign('{"zen":"hi","hook_id":1}') }),
      push: await post('{"ref":"main"}', { 'x-github-event': 'push', 'x-github-delivery': 'd-6', 'x-hub-signature-256': sign('{"ref":"main"}') }),
      accepted: await post(job, { 'x-github-event': 'workflow_job', 'x-github-delivery': 'd-7', 'x-hub-signature-256': sign(job) }),
      duplicate: await post(job, { 'x-github-event': 'workflow_job', 'x-github-delivery': 'd-7', 'x-hub-signature-256': sign(job) }),
      get: await fetch(w.serve.webhookUrl),
    };
    // Assert
    const statuses = Object.fromEntries(Object.entries(answers).map(([k, r]) => [k, r.status]));
    expect(statuses).toEqual({ badSignature: 401, noSignature: 401, malformed: 400, oversized: 413, ping: 200, push: 200, accepted: 202, duplicate: 200, get: 405 });
    expect(await answers.accepted.json()).toMatchObject({ outcome: 'accepted', poolId: 'linux' });
    expect(await answers.push.json()).toMatchObject({ outcome: 'ignored' });
  }, 60_000);

  it('stops gracefully: the endpoint closes and no queue message is left in flight', async () => {
    const w = await world();
    const job = JSON.stringify({
      action: 'queued',
      workflow_job: { id: 88, run_id: 8, run_attempt: 1, labels: ['self-hosted', 'linux'], name: 'build', created_at: new Date().toISOString() },
      repository: { name: 'web', owner: { login: 'acme' } },
      installation: { id: 1 },
    });
    await w.serve.close();
    const depth = w.store.queue.depth();
    expect(depth.inFlight).toBe(0);
    await expect(fetch(w.serve.webhookUrl, { method: 'POST', body: job })).rejects.toThrow();
  }, 60_000);
});
