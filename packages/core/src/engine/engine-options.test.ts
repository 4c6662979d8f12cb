import { poolFixture } from '@ghr/contracts';
import { describe, expect, it } from 'vitest';
import type { Pool } from '../domain.js';
import { GhrError } from '../errors.js';
import { MemoryLedger } from '../memory/memory-ledger.js';
import { MemoryRunnerProvider } from '../memory/memory-runner-provider.js';
import { plan } from '../policy/plan.js';
import { createEngine } from './engine.js';
import { FakeGitHub } from './fake-github.test-support.js';
import { ENGINE_DEFAULTS } from './options.js';
import { MIN, ev, seeded, setup, sig } from './engine.test-support.js';
import type { PlanFunction } from './types.js';

/** A memory provider that checks `instance.image` the way a real provider checks its section. */
class CheckingProvider extends MemoryRunnerProvider {
  constructor(private readonly check: (pool: Pool) => void) {
    super();
  }

  validatePool(pool: Pool): void {
    this.check(pool);
  }
}

const engineWith = (provider: MemoryRunnerProvider, pools: Pool[]) =>
  createEngine({ ledger: new MemoryLedger(), github: new FakeGitHub(), provider, pools });

describe('engine: the provider validates pools when the engine is created', () => {
  it('throws the provider’s invalid-config error naming the pool and field', () => {
    // Arrange
    const provider = new CheckingProvider((pool) => {
      if (typeof pool.instance['image'] !== 'string') {
        throw new GhrError(`pool ${pool.id}: instance.image must be a string, e.g. ubuntu:24.04`, { code: 'invalid-config' });
      }
    });
    // Act
    const create = () => engineWith(provider, [poolFixture('linux', { instance: { image: 'ubuntu:24.04' } }), poolFixture('gpu', { instance: {} })]);
    // Assert
    expect(create).toThrow(expect.objectContaining({ code: 'invalid-config', message: expect.stringContaining('pool gpu: instance.image') }));
  });

  it('wraps any other error of the provider as invalid-config, naming the pool and keeping the cause', () => {
    const cause = new TypeError('image is not a string');
    const provider = new CheckingProvider(() => {
      throw cause;
    });
    let thrown: unknown;
    try {
      engineWith(provider, [poolFixture('linux')]);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(GhrError);
    expect(thrown).toMatchObject({ code: 'invalid-config', retryable: false, cause });
    expect((thrown as Error).message).toContain('pool linux');
  });

  it('creates the engine when every pool passes, and when the provider does not validate', () => {
    const seen: string[] = [];
    expect(() => engineWith(new CheckingProvider((pool) => void seen.push(pool.id)), [poolFixture('a'), poolFixture('b')])).not.toThrow();
    expect(seen).toEqual(['a', 'b']);
    expect(() => engineWith(new MemoryRunnerProvider(), [poolFixture('a')])).not.toThrow();
  });
});

describe('engine: runner names', () => {
  it('draws names from node:crypto when no random generator is injected', async () => {
    const s = setup({ options: { random: undefined } });
    await s.engine.ingest([1, 2, 3, 4, 5].map((id) => ev(id, 'queued')), sig());
    const { launched } = await s.engine.reconcile({ sweep: false }, sig());
    expect(launched).toHaveLength(5);
    for (const name of launched) expect(name).toMatch(/^ghr-linux-[a-z0-9]{8}$/);
    expect(new Set(launched).size).toBe(5);
  });

  it('draws them from an injected seeded generator, so a simulation is reproducible', async () => {
    const names = async () => {
      const s = setup({ options: { random: seeded(7) } });
      await s.engine.ingest([ev(1, 'queued'), ev(2, 'queued')], sig());
      return (await s.engine.reconcile({ sweep: false }, sig())).launched;
    };
    const first = await names();
    expect(await names()).toEqual(first);
  });

  it('uses the suffix source it is given, after the plan’s name prefix', async () => {
    let n = 0;
    const s = setup({ options: { runnerNameSuffix: () => `n${(n += 1)}`, planOptions: { namePrefix: 'ci-' } } });
    await s.engine.ingest([ev(1, 'queued')], sig());
    expect((await s.engine.reconcile({ sweep: false }, sig())).launched).toEqual(['ci-linux-n1']);
  });
});

describe('engine: the plan is the whole policy', () => {
  /** A launched runner whose drain a reconcile never finished, left untouched for two minutes. */
  async function stuckDrain(custom?: PlanFunction) {
    const s = setup({ options: custom ? { plan: custom } : {} });
    await s.engine.ingest([ev(1, 'queued')], sig());
    const [name] = (await s.engine.reconcile({ sweep: false }, sig())).launched;
    const runner = await s.ledger.getRunner(name!, sig());
    await s.ledger.putRunner({ ...runner!, state: 'draining', reason: 'idle-timeout', version: runner!.version + 1 }, sig());
    await s.clock.advance(2 * MIN);
    const result = await s.engine.reconcile({ sweep: false }, sig());
    return { s, name: name!, result };
  }

  it('finishes the stuck drains the default plan lists: deregistered, terminated, ended', async () => {
    const { s, name, result } = await stuckDrain();
    expect(result.plan.stuckDrains).toEqual([expect.objectContaining({ runnerName: name, reason: 'idle-timeout' })]);
    expect(result.drained).toContain(name);
    expect(s.github.byName(name)).toBeUndefined();
    expect(await s.ledger.getRunner(name, sig())).toMatchObject({ state: 'terminated', reason: 'idle-timeout' });
  });

  it('finishes none when a custom plan lists none: the engine decides nothing of its own', async () => {
    const noRepairs: PlanFunction = (snapshot, pools, now, options) => ({ ...plan(snapshot, pools, now, options), stuckDrains: [] });
    const { s, name, result } = await stuckDrain(noRepairs);
    expect(result.drained).toEqual([]);
    expect(s.github.byName(name)).toBeDefined();
    expect(await s.ledger.getRunner(name, sig())).toMatchObject({ state: 'draining' });
  });

  it('keeps its tuning defaults in one exported place', () => {
    expect(ENGINE_DEFAULTS).toMatchObject({ concurrency: 8, launchAttempts: 3, redeliveryInterval: 300_000, redeliveryBudget: 20 });
  });
});

describe('engine: listing interval', () => {
  it('lists the world in one full sweep per listing interval across engines, and reconciles from the ledger in the others', async () => {
    // Arrange: two engines sharing one ledger (two reconcile functions), sweeping every minute.
    const s = setup({ options: { listingInterval: 5 * 60_000 } });
    const other = createEngine({ ledger: s.ledger, github: s.github, provider: s.provider, clock: s.clock, pools: s.pools, options: { listingInterval: 5 * 60_000 } });
    // Act
    const sweeps = [];
    for (let minute = 0; minute < 10; minute += 1) {
      sweeps.push(await (minute % 2 === 0 ? s.engine : other).reconcile({ sweep: true }, AbortSignal.timeout(10_000)));
      await s.clock.advance(60_000);
    }
    // Assert: two listings in ten minutes (GitHub's runner list and the provider's), the other sweeps plan anyway.
    expect(s.github.calls.get('listRunners')).toBe(2);
    expect(s.provider.calls.list).toBe(2);
    expect(sweeps.every((r) => r.plan.pools.length === s.pools.length)).toBe(true);
  });
});
