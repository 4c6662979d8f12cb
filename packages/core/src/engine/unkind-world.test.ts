// Regressions found by the production-like simulated world: what a real ledger (eventually consistent listings,
// ambiguous writes), a real cloud (instances named after launch, lagging listings) and concurrent runs do to the
// engine. Each test is named after its scenario and failed before its fix.
import { jobEvent, poolFixture } from '@ghr/contracts';
import { describe, expect, it } from 'vitest';
import type { JobEvent, JobStatus, Runner } from '../domain.js';
import { ManualClock } from '../memory/manual-clock.js';
import { MemoryLedger } from '../memory/memory-ledger.js';
import { MemoryRunnerProvider } from '../memory/memory-runner-provider.js';
import type { Instance, InstanceFilter, JobFilter, Ledger, RunnerFilter } from '../ports.js';
import { scaleUp } from '../run/scale-up.js';
import { createEngine } from './engine.js';
import { FakeGitHub } from './fake-github.test-support.js';

const T0 = Date.UTC(2026, 0, 5, 9);
const MIN = 60_000;
const sig = () => AbortSignal.timeout(30_000);

/** A MemoryLedger whose listings can hide records (a lagging index) and whose writes can commit and then throw. */
class UnkindLedger extends MemoryLedger {
  /** Runner names the listings do not show. */
  readonly hiddenRunners = new Set<string>();
  /** Job ids the listings do not show. */
  readonly hiddenJobs = new Set<number>();
  /** The next `admit` commits and then throws a timeout. */
  admitThenThrow = false;

  override async listRunners(filter: RunnerFilter, signal: AbortSignal): Promise<readonly Runner[]> {
    return (await super.listRunners(filter, signal)).filter((r) => !this.hiddenRunners.has(r.name));
  }

  override async listJobs(filter: JobFilter, signal: AbortSignal) {
    return (await super.listJobs(filter, signal)).filter((j) => !this.hiddenJobs.has(j.id));
  }

  override async admit(poolId: string, runners: readonly Runner[], maxRunners: number, signal: AbortSignal): Promise<readonly Runner[]> {
    const admitted = await super.admit(poolId, runners, maxRunners, signal);
    if (this.admitThenThrow) {
      this.admitThenThrow = false;
      throw Object.assign(new Error('TransactWriteItems timed out'), { code: 'timeout', retryable: true });
    }
    return admitted;
  }
}

function world(options: { maxRunners?: number; ledger?: UnkindLedger } = {}) {
  const clock = new ManualClock({ start: T0, autoAdvance: true });
  const ledger = options.ledger ?? new UnkindLedger({ clock });
  const provider = new MemoryRunnerProvider({ clock });
  const github = new FakeGitHub();
  const pools = [poolFixture('linux', { maxRunners: options.maxRunners ?? 5, bootTimeout: 10 * MIN })];
  const engine = (l: Ledger = ledger) => createEngine({ ledger: l, github, provider, clock, pools, options: { listingInterval: 0 } });
  return { clock, ledger, provider, github, pools, engine };
}

function ev(id: number, action: JobStatus, runnerName?: string): JobEvent {
  const base = jobEvent(id);
  return { ...base, deliveryId: `${action}-${id}`, action, poolId: 'linux', job: { ...base.job, runnerName }, receivedAt: T0 };
}

describe('the engine in an unkind world', () => {
  it('sweep keeps the machine of a runner that turned busy while the ledger listing missed it', async () => {
    // Arrange: a runner online and idle, past its boot timeout; GitHub's listing still says idle (busy lags).
    const w = world();
    const engine = w.engine();
    await engine.ingest([ev(1, 'queued')], sig());
    const [name] = (await engine.reconcile({ sweep: false }, sig())).launched;
    w.github.online(name!);
    await engine.reconcile({ sweep: true }, sig());
    w.clock.advance(15 * MIN);
    // Its in_progress lands between the sweep's per-state queries: the listing shows it in no state at all.
    await engine.ingest([ev(1, 'in_progress', name)], sig());
    w.ledger.hiddenRunners.add(name!);
    // Act
    const result = await engine.reconcile({ sweep: true }, sig());
    // Assert: its machine runs on.
    expect(result.terminatedInstances).toEqual([]);
    expect(w.provider.instances()).toHaveLength(1);
    expect((await w.ledger.getRunner(name!, sig()))?.state).toBe('busy');
  });

  it('sweep reaps an instance whose naming after launch was cut off', async () => {
    // Arrange: the provider lists a machine of the pool without a runner name (CreateTags never ran).
    const w = world();
    const provider = w.provider;
    const unnamed: Instance = { providerId: 'i-unnamed', name: '', poolId: 'linux', state: 'running', launchedAt: T0 };
    let terminated: readonly string[] = [];
    const listing = {
      launch: provider.launch.bind(provider),
      list: async (filter: InstanceFilter, signal: AbortSignal) =>
        terminated.includes(unnamed.providerId) ? provider.list(filter, signal) : [...(await provider.list(filter, signal)), unnamed],
      terminate: async (ids: readonly string[], signal: AbortSignal) => {
        terminated = [...terminated, ...ids];
        return provider.terminate(ids, signal);
      },
    };
    const engine = createEngine({ ledger: w.ledger, github: w.github, provider: listing, clock: w.clock, pools: w.pools });
    // Act: one sweep inside the boot timeout, one after it.
    const early = await engine.reconcile({ sweep: true }, sig());
    w.clock.advance(11 * MIN);
    const late = await engine.reconcile({ sweep: true }, sig());
    // Assert
    expect(early.terminatedInstances).toEqual([]);
    expect(late.terminatedInstances).toEqual(['i-unnamed']);
  });

  it('an admission that committed while the caller saw an error is ended within two sweeps, and the job gets a runner', async () => {
    // Arrange
    const w = world({ maxRunners: 1 });
    const engine = w.engine();
    await engine.ingest([ev(1, 'queued')], sig());
    w.ledger.admitThenThrow = true;
    const failed = await engine.reconcile({ sweep: false }, sig());
    expect(failed.errors.map((e) => e.code)).toContain('timeout');
    expect(w.provider.instances()).toHaveLength(0);
    // Act: sweeps a minute apart.
    w.clock.advance(MIN);
    await engine.reconcile({ sweep: true }, sig());
    w.clock.advance(MIN + 1);
    const second = await engine.reconcile({ sweep: true }, sig());
    // Assert: the abandoned admission freed its slot, and the queued job got a machine.
    expect(second.launched).toHaveLength(1);
    expect(w.provider.instances()).toHaveLength(1);
  });

  it('a scale-up launches for the job it just ingested although the ledger listing does not show it yet', async () => {
    // Arrange: the job index lags: the listing right after ingest misses the job.
    const w = world();
    w.ledger.hiddenJobs.add(1);
    // Act
    const result = await scaleUp(w.engine(), [{ id: 'm-1', event: ev(1, 'queued') }], sig());
    // Assert
    expect(result.reconcile?.launched).toHaveLength(1);
  });

  it('sweep keeps a freshly minted registration whose runner the ledger listing does not show yet', async () => {
    // Arrange: a runner just admitted and minted; the runner index lags.
    const w = world();
    const engine = w.engine();
    await engine.ingest([ev(1, 'queued')], sig());
    const [name] = (await engine.reconcile({ sweep: false }, sig())).launched;
    w.ledger.hiddenRunners.add(name!);
    // Act
    const result = await engine.reconcile({ sweep: true }, sig());
    // Assert
    expect(result.deletedRegistrations).toEqual([]);
    expect(w.github.byName(name!)).toBeDefined();
    expect(w.provider.instances()).toHaveLength(1);
  });

  it('a second scale-up that reads the ledger before the first admission is visible launches nothing more for the same job', async () => {
    // Arrange: two scale-up runs got the same queued job (a redelivered message); the second lists the ledger
    // while the first run's runner is not in the index yet.
    const w = world();
    const first = w.engine();
    const second = w.engine();
    await first.ingest([ev(1, 'queued')], sig());
    const a = await first.reconcile({ pools: ['linux'], sweep: false }, sig());
    for (const name of a.launched) w.ledger.hiddenRunners.add(name);
    // Act
    const b = await second.reconcile({ pools: ['linux'], sweep: false }, sig());
    // Assert
    expect(a.launched).toHaveLength(1);
    expect(b.launched).toEqual([]);
    expect(w.provider.instances()).toHaveLength(1);
  });
});
