// The AWS control plane end to end, everything over real HTTP on loopback (see harness/world.ts): the simulated
// GitHub sends signed webhooks to an API Gateway-like front, the webhook function queues them in moto's SQS, an
// event source mapping feeds the scale-up function, a timer invokes the reconcile function, and a runner agent
// boots every EC2 instance moto reports. Each scenario ends with nothing left anywhere.
import { afterEach, describe, expect, inject, it } from 'vitest';
import type { ControlPlane } from '../src/control-plane/deps.js';
import { startWorld } from './harness/world.js';
import type { Leftovers, World, WorldOptions } from './harness/world.js';

const moto = inject('motoEndpoint');
const POOLS: WorldOptions['pools'] = [
  { id: 'linux', labels: ['self-hosted', 'linux', 'x64'], maxRunners: 30 },
  { id: 'arm', labels: ['self-hosted', 'linux', 'arm64'], maxRunners: 30 },
];
const NOTHING_LEFT: Leftovers = {
  unfinishedJobs: [],
  instances: [],
  registrations: [],
  handoffs: [],
  queueMessages: 0,
  deadLetters: 0,
  aliveRunnersInLedger: [],
  ledgerJobsNotCompleted: [],
};

let world: World | undefined;
afterEach(async () => {
  await world?.stop();
  world = undefined;
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const value = await probe();
    if (value !== undefined) return value;
    await sleep(250);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Every job served, nothing left, the ledger agreeing with GitHub and EC2, no secret in a log line; prints calls per job. */
async function expectServedAndClean(w: World, scenario: string, timeoutMs: number, extraSecrets: readonly string[] = []): Promise<void> {
  const left = await w.settle(timeoutMs);
  if (JSON.stringify(left) !== JSON.stringify(NOTHING_LEFT)) console.log(await w.explain(left));
  expect(left).toEqual(NOTHING_LEFT);

  const jobs = await w.control.listJobs();
  expect(jobs.length).toBeGreaterThan(0);
  expect(jobs.every((j) => j.status === 'completed')).toBe(true);
  // The ledger agrees with GitHub: every job GitHub ran is known, completed; no runner alive, as on EC2.
  const signal = AbortSignal.timeout(20_000);
  for (const job of jobs) {
    const known = await w.ledger.getJob(job.id, signal);
    expect(known?.status, `ledger status of job ${job.id}`).toBe('completed');
  }

  // GitHub and AWS calls, per job served.
  const calls = w.calls();
  const served = jobs.length;
  const total = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);
  const perJob = (r: Record<string, number>) =>
    Object.entries(r)
      .sort((a, b) => b[1] - a[1])
      .map(([k, n]) => `${k} ${(n / served).toFixed(2)}`)
      .join(', ');
  const invocations = [...w.invocations.counts].map(([name, c]) => `${name.replace('ghr-e2e-', '')} ${c.ok}${c.failed ? `(+${c.failed} failed)` : ''}`).join(', ');
  console.log(
    [
      `[${scenario}] ${served} jobs served in ${((Date.now() - w.startedAt) / 1000).toFixed(1)} s; invocations: ${invocations}`,
      `  GitHub calls: ${total(calls.github)} (${(total(calls.github) / served).toFixed(2)} per job): ${perJob(calls.github)}`,
      `  AWS calls: ${total(calls.aws)} (${(total(calls.aws) / served).toFixed(2)} per job): ${perJob(calls.aws)}`,
      `  webhook answers: ${[...w.front.statuses].map(([s, n]) => `${s}×${n}`).join(', ')}; scale-up batches ${w.poller.stats.invocations}, records ${w.poller.stats.records}, item failures ${w.poller.stats.failedItems}`,
    ].join('\n'),
  );
  // No JIT config, token or secret in any captured log line.
  const text = w.logs.map((l) => JSON.stringify(l));
  const secrets = [w.webhookSecret, ...w.agent.secrets, ...extraSecrets];
  expect(w.agent.secrets.length).toBeGreaterThan(0);
  for (const secret of secrets) expect(text.filter((l) => l.includes(secret)), 'a secret in the logs').toEqual([]);
  expect(text.filter((l) => /ghs_[A-Za-z0-9]{8,}|BEGIN [A-Z ]*PRIVATE KEY/.test(l))).toEqual([]);
  // Every function log line carries the request id, the job id and the runner name keys.
  const lines = w.logs.filter((l) => typeof l['level'] === 'string');
  expect(lines.length).toBeGreaterThan(0);
  for (const l of lines) expect(Object.keys(l)).toEqual(expect.arrayContaining(['function_request_id', 'jobId', 'runnerName']));

}

describe('the AWS control plane end to end (moto + simulated GitHub over HTTP)', () => {
  it('serves a burst of 50 jobs across two pools and leaves nothing behind', async () => {
    world = await startWorld(moto, { pools: POOLS });
    for (let i = 0; i < 50; i++) {
      await world.control.queueJob({ repo: 'acme/web', labels: i % 2 ? ['self-hosted', 'linux', 'x64'] : ['self-hosted', 'linux', 'arm64'], durationMs: 1_000 });
    }
    await expectServedAndClean(world, 'burst', 150_000);
    const calls = world.calls();
    // One CreateFleet per pool per batch, never one per runner; one JIT config per runner.
    expect(calls.aws['CreateFleet'] ?? 0).toBeLessThan(50);
    expect(calls.github['POST /orgs/:org/actions/runners/generate-jitconfig'] ?? 0).toBeGreaterThanOrEqual(50);
  });

  it('repairs lost webhooks by redelivery from the sweep', async () => {
    world = await startWorld(moto, { pools: POOLS, githubFaults: { webhooks: [{ fault: 'lose', action: 'queued', times: 3 }] } });
    for (let i = 0; i < 4; i++) await world.control.queueJob({ repo: 'acme/web', labels: ['self-hosted', 'linux', 'x64'], durationMs: 1_000 });
    await expectServedAndClean(world, 'lost webhooks', 90_000);
    expect(world.github.counters().webhooks.redeliveries).toBeGreaterThanOrEqual(3);
  });

  it('recovers from a scale-up that throws midway: SQS redelivers the batch', async () => {
    let crashes = 1;
    const crashing = (plane: ControlPlane): ControlPlane => ({
      ...plane,
      engine: {
        ...plane.engine,
        ingest: async (events, signal) => {
          if (crashes <= 0) return plane.engine.ingest(events, signal);
          crashes -= 1;
          // Half the batch (at least one event) reaches the ledger, then the function dies.
          await plane.engine.ingest(events.slice(0, Math.ceil(events.length / 2)), signal);
          throw new Error('Runtime.ExitError: the function crashed midway');
        },
        reconcile: (request, signal) => plane.engine.reconcile(request, signal),
        interrupted: (ids, signal) => plane.engine.interrupted(ids, signal),
        stats: () => plane.engine.stats(),
      },
    });
    world = await startWorld(moto, { pools: POOLS, wrapScaleUp: crashing, visibilityTimeoutSeconds: 12 });
    const jobs = [];
    for (let i = 0; i < 5; i++) jobs.push(await world.control.queueJob({ repo: 'acme/web', labels: ['self-hosted', 'linux', 'arm64'], durationMs: 1_000 }));
    await expectServedAndClean(world, 'scale-up crash', 90_000);
    expect(crashes).toBe(0);
    // The crashed batch was reported failed as a whole, and SQS delivered its messages again.
    expect(world.poller.stats.failedItems).toBeGreaterThan(0);
    expect(world.logs.some((l) => l['message'] === 'job event processed' && Number(l['receiveCount']) >= 2)).toBe(true);
  });

  it('re-runs a job whose spot instance is interrupted mid-job', async () => {
    world = await startWorld(moto, { pools: POOLS });
    const job = await world.control.queueJob({ repo: 'acme/web', labels: ['self-hosted', 'linux', 'x64'], durationMs: 4_000 });
    const w = world;
    const running = await waitFor(
      'the job to start on a runner',
      async () => {
        const j = await w.control.getJob(job.id);
        if (j.status !== 'in_progress') return undefined;
        return [...w.agent.machines.values()].find((m) => m.runnerName === j.runnerName);
      },
      40_000,
    );
    // Let the in_progress event reach the ledger, then EC2 warns and takes the machine.
    await waitFor('the ledger to see the runner busy', async () => ((await w.ledger.getRunner(running.runnerName, AbortSignal.timeout(5_000)))?.state === 'busy' ? true : undefined), 20_000);
    const warned = (await w.ec2Event('EC2 Spot Instance Interruption Warning', running.instanceId)) as { runners: string[] };
    expect(warned.runners).toEqual([running.runnerName]);
    await w.agent.interrupt(running.instanceId);
    await w.ec2Event('EC2 Instance State-change Notification', running.instanceId, 'terminated');

    await expectServedAndClean(w, 'spot interruption', 90_000);
    const all = await w.control.listJobs();
    const first = all.find((j) => j.id === job.id);
    expect(first?.conclusion).toBe('failure');
    const rerun = all.find((j) => j.id !== job.id && j.runId === job.runId);
    expect(rerun?.conclusion).toBe('success');
    expect(w.logs.some((l) => l['message'] === 'interrupted job re-run')).toBe(true);
  });
});
