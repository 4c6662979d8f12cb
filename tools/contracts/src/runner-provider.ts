// Contract suite of the RunnerProvider port: launch, list, terminate, partial failure per runner.
import type { Instance, LaunchErrorCode, LaunchRequest, Pool, RunnerProvider } from '@ghr/core';
import { afterEach, describe, expect, it } from 'vitest';

/** What a provider factory returns. */
export interface RunnerProviderContractSubject {
  /** A provider with no instances of the suite's pools. */
  readonly provider: RunnerProvider;
  /** A launchable pool with this id (for EC2: with a launch template, subnets and instance types). */
  pool(id: string): Pool;
  /**
   * Makes the next `launch` call fail for `count` of its runners (the implementation picks which) with `code`,
   * e.g. through fault injection in front of the cloud API. Leave out if impossible (those tests skip).
   */
  injectLaunchFailure?(failure: { readonly code: LaunchErrorCode; readonly count: number }): Promise<void> | void;
  /** Waits until `list` reflects recent launches and terminations (eventual consistency); default: nothing. */
  settle?(): Promise<void>;
  cleanup?(): Promise<void>;
}

/** Tuning of the provider contract suite. */
export interface RunnerProviderContractOptions {
  /** A well-formed provider id that names no instance (EC2: `i-` + 17 hex digits). Default `i-0000000000000dead`. */
  readonly unknownProviderId?: string;
  /** Runners launched in the "launch N" test. Default 5. */
  readonly launchCount?: number;
  /** Per-test timeout (ms). Default 30 s. */
  readonly timeout?: number;
}

const signal = () => AbortSignal.timeout(60_000);
const GONE: ReadonlySet<Instance['state']> = new Set(['terminated', 'stopping']);

function requests(pool: Pool, prefix: string, count: number): LaunchRequest[] {
  return Array.from({ length: count }, (_, i) => ({
    name: `ghr-${pool.id}-${prefix}${i}`,
    poolId: pool.id,
    labels: pool.labels,
    ephemeral: pool.ephemeral,
    bootstrap: { kind: 'jit', encodedJitConfig: `secret-jit-config-${prefix}${i}` },
  }));
}

/**
 * Registers a vitest `describe` block that checks a {@link RunnerProvider}: launch N → list shows N by pool
 * and by name; terminate (an unknown id included) → all reported terminated and gone from the list (absent, or
 * in state `terminated`/`stopping`); partial failure reported per runner with code and `retryable`.
 *
 * @example
 * ```ts
 * describeRunnerProviderContract('MemoryRunnerProvider', async () => {
 *   const provider = new MemoryRunnerProvider();
 *   return { provider, pool: (id) => myPool(id), injectLaunchFailure: (f) => provider.failNextLaunch(f) };
 * });
 * ```
 */
export function describeRunnerProviderContract(
  name: string,
  make: () => Promise<RunnerProviderContractSubject>,
  options: RunnerProviderContractOptions = {},
): void {
  const unknownId = options.unknownProviderId ?? 'i-0000000000000dead';
  const n = options.launchCount ?? 5;

  describe(`RunnerProvider contract: ${name}`, { timeout: options.timeout ?? 30_000 }, () => {
    let subject: RunnerProviderContractSubject | undefined;
    afterEach(async () => {
      await subject?.cleanup?.();
      subject = undefined;
    });
    const open = async () => (subject = await make());
    const live = (instances: readonly Instance[]) => instances.filter((i) => !GONE.has(i.state));

    it(`launches ${n} runners and lists them by pool and by name`, async () => {
      const s = await open();
      const pool = s.pool('linux');
      const asked = requests(pool, 'a', n);
      const result = await s.provider.launch(pool, asked, signal());
      expect(result.failed).toEqual([]);
      expect(result.launched.map((l) => l.name).sort()).toEqual(asked.map((r) => r.name).sort());
      expect(new Set(result.launched.map((l) => l.providerId)).size).toBe(n);
      await s.settle?.();

      const byPool = live(await s.provider.list({ poolIds: ['linux'] }, signal()));
      expect(byPool.map((i) => i.name).sort()).toEqual(asked.map((r) => r.name).sort());
      for (const instance of byPool) {
        const launched = result.launched.find((l) => l.name === instance.name);
        expect(instance.providerId).toBe(launched?.providerId);
        expect(instance.poolId).toBe('linux');
        expect(['pending', 'running']).toContain(instance.state);
        expect(typeof instance.launchedAt).toBe('number');
      }
      const two = asked.slice(0, 2).map((r) => r.name);
      const byName = live(await s.provider.list({ names: two }, signal()));
      expect(byName.map((i) => i.name).sort()).toEqual([...two].sort());
    });

    it('keeps pools apart in list', async () => {
      const s = await open();
      const small = s.pool('small');
      const large = s.pool('large');
      await s.provider.launch(small, requests(small, 's', 2), signal());
      await s.provider.launch(large, requests(large, 'l', 3), signal());
      await s.settle?.();

      expect(live(await s.provider.list({ poolIds: ['small'] }, signal())).map((i) => i.poolId)).toEqual(['small', 'small']);
      expect(live(await s.provider.list({ poolIds: ['large'] }, signal()))).toHaveLength(3);
      expect(live(await s.provider.list({ poolIds: ['small', 'large'] }, signal()))).toHaveLength(5);
      const all = live(await s.provider.list({}, signal()));
      expect(all.filter((i) => i.poolId === 'small' || i.poolId === 'large')).toHaveLength(5);
      expect(live(await s.provider.list({ poolIds: ['nobody'] }, signal()))).toEqual([]);
    });

    it('terminates ids, an unknown one included, and they leave the list', async () => {
      const s = await open();
      const pool = s.pool('linux');
      const result = await s.provider.launch(pool, requests(pool, 't', 3), signal());
      const [first, ...others] = result.launched.map((l) => l.providerId);
      const ids = [first!, unknownId];

      const terminated = await s.provider.terminate(ids, signal());
      expect(terminated.failed).toEqual([]);
      expect([...terminated.terminated].sort()).toEqual([...ids].sort());
      await s.settle?.();

      const left = live(await s.provider.list({ poolIds: ['linux'] }, signal()));
      expect(left.map((i) => i.providerId).sort()).toEqual([...others].sort());

      const rest = await s.provider.terminate(others, signal());
      expect([...rest.terminated].sort()).toEqual([...others].sort());
      await s.settle?.();
      expect(live(await s.provider.list({ poolIds: ['linux'] }, signal()))).toEqual([]);
    });

    it('treats terminating an already terminated id as success', async () => {
      const s = await open();
      const pool = s.pool('linux');
      const result = await s.provider.launch(pool, requests(pool, 'd', 1), signal());
      const id = result.launched[0]!.providerId;
      await s.provider.terminate([id], signal());
      const again = await s.provider.terminate([id], signal());
      expect(again).toEqual({ terminated: [id], failed: [] });
    });

    it('answers an empty result for an empty launch or terminate', async () => {
      const s = await open();
      expect(await s.provider.launch(s.pool('linux'), [], signal())).toEqual({ launched: [], failed: [] });
      expect(await s.provider.terminate([], signal())).toEqual({ terminated: [], failed: [] });
    });

    for (const code of ['capacity', 'throttled', 'quota'] as const) {
      it(`reports a partial ${code} failure per runner, with code and retryable, and lists only what launched`, async (ctx) => {
        const s = await open();
        if (!s.injectLaunchFailure) {
          ctx.skip(); // the implementation cannot inject launch failures
          return;
        }
        const pool = s.pool('linux');
        const asked = requests(pool, `f${code}`, 4);
        await s.injectLaunchFailure({ code, count: 2 });
        const result = await s.provider.launch(pool, asked, signal());

        expect(result.launched).toHaveLength(2);
        expect(result.failed).toHaveLength(2);
        const names = [...result.launched.map((l) => l.name), ...result.failed.map((f) => f.name)].sort();
        expect(names).toEqual(asked.map((r) => r.name).sort());
        for (const failure of result.failed) {
          expect(failure.code).toBe(code);
          expect(typeof failure.retryable).toBe('boolean');
          if (code !== 'quota') expect(failure.retryable).toBe(true);
          expect(failure.message.length).toBeGreaterThan(0);
          expect(failure.message).not.toContain('secret-jit-config');
        }
        await s.settle?.();
        const listed = live(await s.provider.list({ poolIds: ['linux'] }, signal()));
        expect(listed.map((i) => i.name).sort()).toEqual(result.launched.map((l) => l.name).sort());
      });
    }
  });
}
