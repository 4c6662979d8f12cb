// Ingest is idempotent and order-insensitive: any delivery order, with duplicates, ends in the same state.
import { jobEvent, poolFixture } from '@ghr/contracts';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { JobEvent, JobStatus } from '../domain.js';
import { ManualClock } from '../memory/manual-clock.js';
import { MemoryLedger } from '../memory/memory-ledger.js';
import { MemoryRunnerProvider } from '../memory/memory-runner-provider.js';
import { createEngine } from './engine.js';
import { FakeGitHub } from './fake-github.test-support.js';

const T0 = Date.UTC(2026, 0, 5, 9);
const sig = () => AbortSignal.timeout(10_000);
const ORDER: readonly JobStatus[] = ['waiting', 'queued', 'in_progress', 'completed'];

/** The events of one job's life, up to `last`, on runner `runner`. */
function life(id: number, last: number, runner: string): JobEvent[] {
  return ORDER.slice(0, last + 1).map((action, i) => {
    const base = jobEvent(id);
    return {
      ...base,
      deliveryId: `${id}-${action}`,
      action,
      job: {
        ...base.job,
        createdAt: T0,
        ...(i >= 2 ? { runnerName: runner, startedAt: T0 + 1_000 } : {}),
        ...(action === 'completed' ? { conclusion: 'success', completedAt: T0 + 2_000 } : {}),
      },
      receivedAt: T0 + i * 1_000,
    };
  });
}

async function world() {
  const clock = new ManualClock({ start: T0, autoAdvance: true });
  const ledger = new MemoryLedger({ clock });
  const provider = new MemoryRunnerProvider({ clock });
  const engine = createEngine({ ledger, provider, github: new FakeGitHub(), clock, pools: [poolFixture('linux', { maxRunners: 20 })] });
  return { ledger, engine, provider };
}

describe('ingest (property)', () => {
  it('reaches the same jobs and runners whatever the order and duplication of the events', async () => {
    const jobsArb = fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 6 });
    await fc.assert(
      fc.asyncProperty(jobsArb, fc.infiniteStream(fc.nat()), fc.array(fc.nat(), { maxLength: 8 }), async (lasts, randoms, dupIdx) => {
        // Reference: every event once, in order, one batch per event.
        const runners = lasts.map((_, i) => `ghr-linux-r${i}`);
        const events = lasts.flatMap((last, i) => life(i + 1, last, runners[i]!));
        const ref = await world();
        const other = await world();
        for (const w of [ref, other]) {
          const admitted = await w.ledger.admit('linux', runners.map((name) => ({ name, poolId: 'linux', state: 'launching', labels: [], ephemeral: true, createdAt: T0, updatedAt: T0, version: 1 })), 20, sig());
          for (const r of admitted) {
            const [m] = (await w.provider.launch(poolFixture('linux'), [{ name: r.name, poolId: 'linux', labels: [], ephemeral: true, bootstrap: { kind: 'jit', encodedJitConfig: 'x' } }], sig())).launched;
            await w.ledger.putRunner({ ...r, state: 'idle', providerId: m!.providerId, version: 2 }, sig());
          }
        }
        for (const e of events) await ref.engine.ingest([e], sig());

        // Shuffled with duplicates, in random batches.
        const shuffled = [...events, ...dupIdx.map((d) => events[d % events.length]!)];
        const it = randoms[Symbol.iterator]();
        for (let i = shuffled.length - 1; i > 0; i -= 1) {
          const j = (it.next().value as number) % (i + 1);
          [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
        }
        for (let i = 0; i < shuffled.length; ) {
          const size = 1 + ((it.next().value as number) % 4);
          const result = await other.engine.ingest(shuffled.slice(i, i + size), sig());
          expect(result.unprocessed).toEqual([]);
          i += size;
        }

        const strip = <T extends { version: number; updatedAt: number }>(r: T | undefined) => r && { ...r, version: 0, updatedAt: 0 };
        for (let i = 0; i < lasts.length; i += 1) {
          const [a, b] = [await ref.ledger.getJob(i + 1, sig()), await other.ledger.getJob(i + 1, sig())];
          expect({ ...strip(b), queuedAt: 0, checkedAt: undefined }).toEqual({ ...strip(a), queuedAt: 0, checkedAt: undefined });
          const [ra, rb] = [await ref.ledger.getRunner(runners[i]!, sig()), await other.ledger.getRunner(runners[i]!, sig())];
          expect({ state: rb?.state, jobId: rb?.jobId }).toEqual({ state: ra?.state, jobId: ra?.jobId });
        }
        expect(other.provider.instances().length).toBe(ref.provider.instances().length);
      }),
      { numRuns: 80 },
    );
  });
});
