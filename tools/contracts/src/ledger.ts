// Contract suite of the Ledger port: every promise of its TSDoc in @ghr/core's ports.ts, nothing more.
import type { Ledger, Runner } from '@ghr/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { jobRecord, runnerRecord } from './fixtures.js';

/** What a ledger factory returns: a fresh, empty ledger, and how to clean it up after the test. */
export interface LedgerContractSubject {
  readonly ledger: Ledger;
  cleanup?(): Promise<void>;
}

/** Tuning of the ledger contract suite. */
export interface LedgerContractOptions {
  /** Per-test timeout (ms). Default 20 s. */
  readonly timeout?: number;
  /** Parallel callers in the concurrent-admission test (each admits 3 with max 20). Default 50. */
  readonly concurrentAdmitters?: number;
}

const signal = () => AbortSignal.timeout(60_000);

/**
 * Registers a vitest `describe` block that checks a {@link Ledger} implementation against the port's
 * promises: versioned conditional writes, atomic admission under `maxRunners`, alive counting, listing
 * filters and delivery dedupe. `make` is called once per test and must return an empty ledger.
 *
 * @example
 * ```ts
 * describeLedgerContract('MemoryLedger', async () => ({ ledger: new MemoryLedger() }));
 * ```
 */
export function describeLedgerContract(
  name: string,
  make: () => Promise<LedgerContractSubject>,
  options: LedgerContractOptions = {},
): void {
  const admitters = options.concurrentAdmitters ?? 50;
  describe(`Ledger contract: ${name}`, { timeout: options.timeout ?? 20_000 }, () => {
    let subject: LedgerContractSubject;
    let ledger: Ledger;
    beforeEach(async () => {
      subject = await make();
      ledger = subject.ledger;
    });
    afterEach(async () => {
      await subject.cleanup?.();
    });

    const admitOne = async (name: string, poolId = 'linux', max = 100): Promise<Runner> => {
      const [runner] = await ledger.admit(poolId, [runnerRecord(name, { poolId })], max, signal());
      if (!runner) throw new Error(`admit of ${name} stored nothing`);
      return runner;
    };

    describe('jobs', () => {
      it('answers undefined for a job it never stored', async () => {
        expect(await ledger.getJob(404, signal())).toBeUndefined();
      });

      it('creates a job at version 1 and reads it back as written', async () => {
        const job = jobRecord(1, { labels: ['self-hosted', 'linux', 'x64'], installationId: 7, runnerName: undefined });
        expect(await ledger.putJob(job, signal())).toBe('ok');
        expect(await ledger.getJob(1, signal())).toEqual(job);
      });

      it('refuses a second create (version 1 when a record exists) and keeps the first', async () => {
        await ledger.putJob(jobRecord(1), signal());
        expect(await ledger.putJob(jobRecord(1, { status: 'completed', conclusion: 'cancelled' }), signal())).toBe('conflict');
        expect((await ledger.getJob(1, signal()))?.status).toBe('queued');
      });

      it('refuses a first write with a version above 1', async () => {
        expect(await ledger.putJob(jobRecord(2, { version: 2 }), signal())).toBe('conflict');
        expect(await ledger.getJob(2, signal())).toBeUndefined();
      });

      it('applies a write at the next version and refuses a stale or skipping one', async () => {
        await ledger.putJob(jobRecord(1), signal());
        const started = jobRecord(1, { status: 'in_progress', runnerName: 'ghr-linux-a', startedAt: 5, version: 2 });
        expect(await ledger.putJob(started, signal())).toBe('ok');
        expect(await ledger.putJob(jobRecord(1, { status: 'completed', version: 2 }), signal())).toBe('conflict');
        expect(await ledger.putJob(jobRecord(1, { status: 'completed', version: 4 }), signal())).toBe('conflict');
        expect(await ledger.getJob(1, signal())).toEqual(started);
      });

      it('lets exactly one of many concurrent writers of the same version win', async () => {
        await ledger.putJob(jobRecord(1), signal());
        const results = await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            ledger.putJob(jobRecord(1, { status: 'in_progress', runnerName: `r-${i}`, version: 2 }), signal()),
          ),
        );
        expect(results.filter((r) => r === 'ok')).toHaveLength(1);
        const winner = results.indexOf('ok');
        expect((await ledger.getJob(1, signal()))?.runnerName).toBe(`r-${winner}`);
      });

      it('lists jobs by pool and by status', async () => {
        await ledger.putJob(jobRecord(1, { poolId: 'linux', status: 'queued' }), signal());
        await ledger.putJob(jobRecord(2, { poolId: 'linux', status: 'in_progress' }), signal());
        await ledger.putJob(jobRecord(3, { poolId: 'large', status: 'queued' }), signal());
        await ledger.putJob(jobRecord(4, { poolId: null, status: 'queued' }), signal());
        await ledger.putJob(jobRecord(5, { poolId: 'linux', status: 'completed', conclusion: 'success' }), signal());
        const ids = (jobs: readonly { id: number }[]) => jobs.map((j) => j.id).sort((a, b) => a - b);

        expect(ids(await ledger.listJobs({}, signal()))).toEqual([1, 2, 3, 4, 5]);
        expect(ids(await ledger.listJobs({ poolId: 'linux' }, signal()))).toEqual([1, 2, 5]);
        expect(ids(await ledger.listJobs({ statuses: ['queued'] }, signal()))).toEqual([1, 3, 4]);
        expect(ids(await ledger.listJobs({ poolId: 'linux', statuses: ['queued', 'in_progress'] }, signal()))).toEqual([1, 2]);
        expect(ids(await ledger.listJobs({ statuses: ['completed'] }, signal()))).toEqual([5]);
        expect(await ledger.listJobs({ poolId: 'none' }, signal())).toEqual([]);
      });

      it('lists a job under its new status after an update', async () => {
        await ledger.putJob(jobRecord(1), signal());
        await ledger.putJob(jobRecord(1, { status: 'completed', version: 2 }), signal());
        expect(await ledger.listJobs({ statuses: ['queued'] }, signal())).toEqual([]);
        expect((await ledger.listJobs({ statuses: ['completed'] }, signal())).map((j) => j.id)).toEqual([1]);
      });
    });

    describe('runners and admission', () => {
      it('answers undefined for a runner it never stored', async () => {
        expect(await ledger.getRunner('ghr-linux-nobody', signal())).toBeUndefined();
      });

      it('admits runners in order up to maxRunners, as launching at version 1, and returns those stored', async () => {
        const runners = ['a', 'b', 'c', 'd'].map((n) => runnerRecord(`ghr-linux-${n}`));
        const admitted = await ledger.admit('linux', runners, 3, signal());
        expect(admitted.map((r) => r.name)).toEqual(['ghr-linux-a', 'ghr-linux-b', 'ghr-linux-c']);
        for (const r of admitted) {
          expect(r).toMatchObject({ state: 'launching', version: 1, poolId: 'linux' });
          expect(await ledger.getRunner(r.name, signal())).toEqual(r);
        }
        expect(await ledger.getRunner('ghr-linux-d', signal())).toBeUndefined();
        expect(await ledger.alive('linux', signal())).toBe(3);
      });

      it('admits nothing when the pool is full, or when maxRunners is below the alive count', async () => {
        await ledger.admit('linux', [runnerRecord('ghr-linux-a'), runnerRecord('ghr-linux-b')], 2, signal());
        expect(await ledger.admit('linux', [runnerRecord('ghr-linux-c')], 2, signal())).toEqual([]);
        expect(await ledger.admit('linux', [runnerRecord('ghr-linux-c')], 1, signal())).toEqual([]);
        expect(await ledger.admit('linux', [runnerRecord('ghr-linux-c')], 0, signal())).toEqual([]);
        expect(await ledger.alive('linux', signal())).toBe(2);
      });

      it('counts admission per pool', async () => {
        await ledger.admit('linux', [runnerRecord('ghr-linux-a')], 1, signal());
        const other = await ledger.admit('large', [runnerRecord('ghr-large-a', { poolId: 'large' })], 1, signal());
        expect(other.map((r) => r.name)).toEqual(['ghr-large-a']);
        expect(await ledger.alive('linux', signal())).toBe(1);
        expect(await ledger.alive('large', signal())).toBe(1);
        expect(await ledger.alive('empty', signal())).toBe(0);
      });

      it(`never exceeds maxRunners under ${admitters} concurrent admitters`, async () => {
        const batches = Array.from({ length: admitters }, (_, i) =>
          [0, 1, 2].map((j) => runnerRecord(`ghr-linux-${i}-${j}`)),
        );
        const results = await Promise.all(batches.map((batch) => ledger.admit('linux', batch, 20, signal())));
        const admitted = results.flat();
        expect(admitted).toHaveLength(Math.min(20, admitters * 3));
        expect(new Set(admitted.map((r) => r.name)).size).toBe(admitted.length);
        expect(await ledger.alive('linux', signal())).toBe(admitted.length);
        const listed = await ledger.listRunners({ poolId: 'linux' }, signal());
        expect(listed.map((r) => r.name).sort()).toEqual(admitted.map((r) => r.name).sort());
      });

      it('keeps counting a runner while it moves through the alive states', async () => {
        let runner = await admitOne('ghr-linux-a', 'linux');
        for (const state of ['booting', 'idle', 'busy', 'idle', 'draining'] as const) {
          runner = { ...runner, state, version: runner.version + 1 };
          expect(await ledger.putRunner(runner, signal())).toBe('ok');
          expect(await ledger.alive('linux', signal())).toBe(1);
        }
      });

      for (const end of ['terminated', 'failed'] as const) {
        it(`frees the slot when a runner moves to ${end}, exactly once`, async () => {
          const a = await admitOne('ghr-linux-a', 'linux', 2);
          await admitOne('ghr-linux-b', 'linux', 2);
          expect(await ledger.admit('linux', [runnerRecord('ghr-linux-c')], 2, signal())).toEqual([]);

          const ended = { ...a, state: end, endedAt: 9, reason: 'test', version: 2 };
          expect(await ledger.putRunner(ended, signal())).toBe('ok');
          expect(await ledger.alive('linux', signal())).toBe(1);
          // A second write to a finished state must not free a second slot.
          const again = { ...ended, state: 'terminated' as const, version: 3 };
          expect(await ledger.putRunner(again, signal())).toBe('ok');
          expect(await ledger.alive('linux', signal())).toBe(1);

          const refill = await ledger.admit('linux', [runnerRecord('ghr-linux-c'), runnerRecord('ghr-linux-d')], 2, signal());
          expect(refill.map((r) => r.name)).toEqual(['ghr-linux-c']);
          expect(await ledger.alive('linux', signal())).toBe(2);
        });
      }

      it('does not change the count on a conflicting write', async () => {
        const a = await admitOne('ghr-linux-a');
        expect(await ledger.putRunner({ ...a, state: 'terminated', version: 3 }, signal())).toBe('conflict');
        expect(await ledger.putRunner({ ...a, state: 'terminated', version: 1 }, signal())).toBe('conflict');
        expect(await ledger.alive('linux', signal())).toBe(1);
        expect((await ledger.getRunner('ghr-linux-a', signal()))?.state).toBe('launching');
      });

      it('lets exactly one of concurrent finishers of the same runner win and frees one slot', async () => {
        const a = await admitOne('ghr-linux-a');
        await admitOne('ghr-linux-b');
        const results = await Promise.all(
          Array.from({ length: 8 }, () => ledger.putRunner({ ...a, state: 'failed', version: 2 }, signal())),
        );
        expect(results.filter((r) => r === 'ok')).toHaveLength(1);
        expect(await ledger.alive('linux', signal())).toBe(1);
      });

      it('stores every field of a runner as written', async () => {
        const a = await admitOne('ghr-linux-a');
        const full: Runner = {
          ...a,
          state: 'busy',
          providerId: 'i-0123456789abcdef0',
          githubId: 77,
          jobId: 5,
          launchedAt: 10,
          onlineAt: 20,
          idleSince: 20,
          busySince: 30,
          labels: ['self-hosted', 'linux', 'x64'],
          updatedAt: 30,
          version: 2,
        };
        expect(await ledger.putRunner(full, signal())).toBe('ok');
        expect(await ledger.getRunner('ghr-linux-a', signal())).toEqual(full);
      });

      it('lists runners by pool and by state', async () => {
        const a = await admitOne('ghr-linux-a', 'linux');
        await admitOne('ghr-linux-b', 'linux');
        const c = await admitOne('ghr-large-c', 'large');
        await ledger.putRunner({ ...a, state: 'idle', version: 2 }, signal());
        await ledger.putRunner({ ...c, state: 'terminated', version: 2 }, signal());
        const names = (rs: readonly Runner[]) => rs.map((r) => r.name).sort();

        expect(names(await ledger.listRunners({}, signal()))).toEqual(['ghr-large-c', 'ghr-linux-a', 'ghr-linux-b']);
        expect(names(await ledger.listRunners({ poolId: 'linux' }, signal()))).toEqual(['ghr-linux-a', 'ghr-linux-b']);
        expect(names(await ledger.listRunners({ states: ['idle'] }, signal()))).toEqual(['ghr-linux-a']);
        expect(names(await ledger.listRunners({ states: ['launching', 'terminated'] }, signal()))).toEqual([
          'ghr-large-c',
          'ghr-linux-b',
        ]);
        expect(names(await ledger.listRunners({ poolId: 'large', states: ['launching'] }, signal()))).toEqual([]);
      });
    });

    describe('claim', () => {
      it('answers claimed for a first key and taken after', async () => {
        expect(await ledger.claim('d-1', Date.now(), signal())).toBe('claimed');
        expect(await ledger.claim('d-1', Date.now(), signal())).toBe('taken');
        expect(await ledger.claim('d-2', Date.now(), signal())).toBe('claimed');
      });

      it('answers claimed exactly once to concurrent claimers of one key', async () => {
        const results = await Promise.all(
          Array.from({ length: 10 }, () => ledger.claim('d-race', Date.now(), signal())),
        );
        expect(results.filter((r) => r === 'claimed')).toHaveLength(1);
      });
    });
  });
}
