// Calls that reach the far end and take effect, while the caller sees an error (a timeout after the request was
// sent): DynamoDB transactions and EC2 launches do this. Wraps any port, so the engine meets ambiguous outcomes in
// the simulator as it does on AWS.
import { GhrError } from '@ghr/core';
import type { Ledger, RunnerProvider } from '@ghr/core';
import { MemoryLedger } from '@ghr/core/testing';
import type { Chaos } from './chaos.js';
import { LaggingLedger } from './lagging-ledger.js';
import type { Random } from './random.js';
import type { Scheduler } from './scheduler.js';

/**
 * Wraps `port` so that each call of one of `methods` fails with probability `chance` *after* it took effect: the
 * write committed, the instances launched, but the caller gets a retryable `timeout` error.
 *
 * @example
 * ```ts
 * const ledger = ambiguousCalls(new MemoryLedger({ clock }), ['putRunner', 'admit'], 0.01, rng.fork('ambiguous'));
 * ```
 */
export function ambiguousCalls<T extends object>(port: T, methods: readonly (keyof T & string)[], chance: number, random: Random): T {
  if (chance <= 0) return port;
  const wrapped = new Set<string>(methods);
  const cache = new Map<PropertyKey, unknown>();
  return new Proxy(port, {
    get: (target, key) => {
      const value: unknown = Reflect.get(target, key, target);
      if (typeof value !== 'function' || typeof key !== 'string' || !wrapped.has(key)) {
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      }
      let fn = cache.get(key);
      if (!fn) {
        fn = async (...args: unknown[]) => {
          const result: unknown = await (value as (...a: unknown[]) => unknown).apply(target, args);
          if (random.chance(chance)) {
            throw new GhrError(`${key} timed out after it reached the service (simulated): it may have taken effect.`, {
              code: 'timeout',
              retryable: true,
            });
          }
          return result;
        };
        cache.set(key, fn);
      }
      return fn;
    },
  });
}

/**
 * The ledger and the provider every run of a simulation shares, as unkind as `chaos` says: a memory ledger behind
 * lagging per-state listings (`indexLag`), and writes, admissions, launches and terminations that may take effect
 * while the caller sees a timeout (`ambiguousWrites`).
 *
 * @example
 * ```ts
 * const { ledger, provider } = unkindPorts(CHAOS_PRESETS.production, scheduler, rng, cloud);
 * ```
 */
export function unkindPorts(chaos: Chaos, scheduler: Scheduler, rng: Random, cloud: RunnerProvider): { ledger: Ledger; provider: RunnerProvider } {
  const ambiguity = rng.fork('ambiguous');
  const memory = new MemoryLedger({ clock: scheduler });
  const lagging = chaos.indexLag > 0 ? new LaggingLedger(memory, { scheduler, random: rng.fork('index'), maxIndexLag: chaos.indexLag }) : memory;
  return {
    ledger: ambiguousCalls<Ledger>(lagging, ['putJob', 'putRunner', 'admit'], chaos.ambiguousWrites, ambiguity),
    provider: ambiguousCalls<RunnerProvider>(cloud, ['launch', 'terminate'], chaos.ambiguousWrites, ambiguity),
  };
}
