// The engine in a small, messy world: lost, duplicated and reordered webhooks, concurrent reconcilers, launch
// failures. Invariants (DESIGN.md §5): never above maxRunners, never terminate a runner GitHub reports busy,
// every job served in the end, nothing left behind once the work is done.
import { jobEvent, poolFixture } from '@ghr/contracts';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { JobEvent, JobStatus } from '../domain.js';
import { ManualClock } from '../memory/manual-clock.js';
import { MemoryLedger } from '../memory/memory-ledger.js';
import { MemoryRunnerProvider } from '../memory/memory-runner-provider.js';
import { createEngine } from './engine.js';
import { PLAN_DEFAULTS } from '../policy/plan.js';
import { FakeGitHub } from './fake-github.test-support.js';

const T0 = Date.UTC(2026, 0, 5, 9);
const MIN = 60_000;
const MAX = 4;
const sig = () => AbortSignal.timeout(30_000);

type Op =
  | { kind: 'job' }
  | { kind: 'cancel' }
  | { kind: 'boot' }
  | { kind: 'assign' }
  | { kind: 'finish' }
  | { kind: 'deliver'; lose: boolean; duplicate: boolean; reverse: boolean }
  | { kind: 'reconcile'; engine: 0 | 1; sweep: boolean; concurrent: boolean }
  | { kind: 'fail-launch'; code: 'capacity' | 'quota' }
  | { kind: 'advance'; ms: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.constant<Op>({ kind: 'job' }) },
  { weight: 1, arbitrary: fc.constant<Op>({ kind: 'cancel' }) },
  { weight: 3, arbitrary: fc.constant<Op>({ kind: 'boot' }) },
  { weight: 3, arbitrary: fc.constant<Op>({ kind: 'assign' }) },
  { weight: 3, arbitrary: fc.constant<Op>({ kind: 'finish' }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('deliver' as const), lose: fc.boolean(), duplicate: fc.boolean(), reverse: fc.boolean() }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('reconcile' as const),
      engine: fc.constantFrom(0 as const, 1 as const),
      sweep: fc.boolean(),
      concurrent: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('fail-launch' as const), code: fc.constantFrom('capacity' as const, 'quota' as const) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 1_000, max: 8 * MIN }) }) },
);

async function runWorld(ops: readonly Op[], lossRate: number): Promise<void> {
  const clock = new ManualClock({ start: T0, autoAdvance: true });
  const ledger = new MemoryLedger({ clock });
  const provider = new MemoryRunnerProvider({ clock });
  const github = new FakeGitHub();
  const pool = poolFixture('linux', { maxRunners: MAX, bootTimeout: 5 * MIN, idleTimeout: 2 * MIN });
  const violations: string[] = [];

  // Guard rail: a termination of a machine whose runner GitHub reports busy is a violation.
  const terminate = provider.terminate.bind(provider);
  provider.terminate = async (ids, signal) => {
    for (const id of ids) {
      const instance = provider.instances().find((i) => i.providerId === id);
      if (instance && github.byName(instance.name)?.busy) violations.push(`terminated busy runner ${instance.name}`);
    }
    return terminate(ids, signal);
  };
  const engines = [1, 2].map((seed) => {
    let s = seed;
    return createEngine({
      ledger,
      github,
      provider,
      clock,
      pools: [pool],
      options: {
        launchBackoff: 500,
        planOptions: { recheckAfter: 3 * MIN },
        redeliveryLookback: 24 * 60 * MIN,
        random: () => ((s = (s * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31),
      },
    });
  });

  // The world: GitHub's view of jobs, and webhooks in flight.
  const jobs = new Map<number, { status: JobStatus; runner?: string; conclusion?: string }>();
  let inFlight: JobEvent[] = [];
  let nextJob = 1;
  let delivery = 0;
  const emit = (id: number, action: JobStatus, runnerName?: string, conclusion?: string) => {
    const base = jobEvent(id);
    inFlight.push({ ...base, deliveryId: `d-${++delivery}`, action, job: { ...base.job, runnerName, conclusion }, receivedAt: clock.now() });
    github.jobs.set(id, { id, runId: base.job.runId, status: action, conclusion, labels: base.job.labels, runnerName });
  };
  // A lost webhook is a failed delivery at GitHub, which can be redelivered (FIELD-NOTES).
  const lost = new Map<number, JobEvent>();
  let attempts = 0;
  github.onRedeliver = (id) => {
    const event = lost.get(id);
    if (event) inFlight.push({ ...event, receivedAt: clock.now() });
  };
  const check = async (where: string) => {
    const alive = await ledger.alive('linux', sig());
    if (alive > MAX) violations.push(`${where}: ${alive} alive runners > max ${MAX}`);
    const instances = provider.instances().length;
    if (instances > MAX) violations.push(`${where}: ${instances} instances > max ${MAX}`);
  };
  const reconcile = async (engine: number, sweep: boolean) => {
    await engines[engine]!.reconcile({ sweep }, sig());
  };

  const apply = async (op: Op) => {
    switch (op.kind) {
      case 'job': {
        const id = nextJob++;
        jobs.set(id, { status: 'queued' });
        emit(id, 'queued');
        break;
      }
      case 'cancel': {
        const queued = [...jobs].find(([, j]) => j.status === 'queued');
        if (!queued) break;
        queued[1].status = 'completed';
        queued[1].conclusion = 'cancelled';
        emit(queued[0], 'completed', undefined, 'cancelled');
        break;
      }
      case 'boot':
        // Runners whose machine is up connect to GitHub.
        for (const instance of provider.instances()) {
          const reg = github.byName(instance.name);
          if (reg && reg.status === 'offline') github.online(instance.name);
        }
        break;
      case 'assign':
        // GitHub gives queued jobs to online, idle runners whose machine still runs.
        for (const [id, job] of jobs) {
          if (job.status !== 'queued') continue;
          const reg = [...github.registrations.values()].find(
            (r) => r.status === 'online' && !r.busy && provider.instances().some((i) => i.name === r.name),
          );
          if (!reg) break;
          reg.busy = true;
          job.status = 'in_progress';
          job.runner = reg.name;
          emit(id, 'in_progress', reg.name);
        }
        break;
      case 'finish':
        for (const [id, job] of jobs) {
          if (job.status !== 'in_progress') continue;
          job.status = 'completed';
          job.conclusion = 'success';
          const reg = github.byName(job.runner!);
          if (reg) github.registrations.delete(reg.id); // ephemeral: gone after its job
          emit(id, 'completed', job.runner, 'success');
        }
        break;
      case 'deliver': {
        let batch = inFlight;
        inFlight = [];
        if (op.lose) {
          const kept = batch.filter((_, i) => (i * 7919) % 100 >= lossRate * 100);
          for (const event of batch.filter((e) => !kept.includes(e))) {
            const id = ++attempts; // each delivery attempt has its own id at GitHub (the guid stays)
            lost.set(id, event);
            github.failedDeliveries.push({ id, guid: event.deliveryId, deliveredAt: clock.now(), event: 'workflow_job', action: event.action, statusCode: 502, redelivery: false });
          }
          batch = kept;
        }
        if (op.duplicate) batch = [...batch, ...batch.slice(0, 3)];
        if (op.reverse) batch = [...batch].reverse();
        const result = await engines[0]!.ingest(batch, sig());
        expect(result.unprocessed).toEqual([]);
        break;
      }
      case 'reconcile':
        if (op.concurrent) await Promise.all([reconcile(0, op.sweep), reconcile(1, op.sweep)]);
        else await reconcile(op.engine, op.sweep);
        break;
      case 'fail-launch':
        provider.failNextLaunch({ code: op.code, count: 1 });
        break;
      case 'advance':
        await clock.advance(op.ms);
        break;
    }
    await check(op.kind);
  };

  for (const op of ops) await apply(op);

  // Settle: events flow reliably, GitHub keeps scheduling, sweeps repair the rest.
  for (let round = 0; round < 12; round += 1) {
    await apply({ kind: 'deliver', lose: false, duplicate: false, reverse: false });
    await apply({ kind: 'reconcile', engine: 0, sweep: true, concurrent: round % 3 === 0 });
    await apply({ kind: 'boot' });
    await apply({ kind: 'assign' });
    await apply({ kind: 'finish' });
    await apply({ kind: 'advance', ms: 4 * MIN });
  }
  await apply({ kind: 'deliver', lose: false, duplicate: false, reverse: false });
  await apply({ kind: 'reconcile', engine: 0, sweep: true, concurrent: false });
  await apply({ kind: 'reconcile', engine: 1, sweep: true, concurrent: false });

  expect(violations).toEqual([]);
  const unserved = [...jobs].filter(([, j]) => j.status !== 'completed').map(([id]) => id);
  expect(unserved).toEqual([]);
  expect(await ledger.listJobs({ statuses: ['queued', 'waiting', 'in_progress'] }, sig())).toEqual([]);
  // Nothing left behind: no machine, no registration, no runner alive.
  expect(provider.instances()).toEqual([]);
  expect([...github.registrations.values()].filter((r) => r.name.startsWith(PLAN_DEFAULTS.namePrefix))).toEqual([]);
  expect(await ledger.alive('linux', sig())).toBe(0);
}

describe('engine in a messy world (property)', () => {
  it('keeps the safety rules and serves every job despite lost, duplicated and reordered webhooks', { timeout: 60_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 10, maxLength: 60 }), fc.constantFrom(0, 0.3), async (ops, loss) => {
        await runWorld(ops, loss);
      }),
      { numRuns: 60 },
    );
  });
});
