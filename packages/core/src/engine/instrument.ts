// Counting (and concurrency-bounding) wrappers around the engine's ports.
import type { Limiter } from './limiter.js';

/** Calls and errors per `target.method`, e.g. `github.createJitConfig`. */
export class CallCounter {
  readonly calls = new Map<string, number>();
  readonly errors = new Map<string, number>();
  readonly #byTarget = new Map<string, number>();

  add(key: string, failed: boolean): void {
    this.calls.set(key, (this.calls.get(key) ?? 0) + 1);
    const target = key.slice(0, key.indexOf('.'));
    this.#byTarget.set(target, (this.#byTarget.get(target) ?? 0) + 1);
    if (failed) this.errors.set(key, (this.errors.get(key) ?? 0) + 1);
  }

  /** Total calls per target (`github`, `provider`, `ledger`): a copy. */
  byTarget(): Map<string, number> {
    return new Map(this.#byTarget);
  }
}

/**
 * Wraps every method of `port` so that each call is counted under `<target>.<method>` and, when a limiter is
 * given, runs within its concurrency bound.
 */
export function instrument<T extends object>(port: T, target: string, counter: CallCounter, limiter?: Limiter): T {
  const cache = new WeakMap<object, unknown>();
  return new Proxy(port, {
    get(obj, key, receiver) {
      const value: unknown = Reflect.get(obj, key, receiver);
      if (typeof value !== 'function') return value;
      let wrapped = cache.get(value);
      if (!wrapped) {
        const name = `${target}.${String(key)}`;
        const call = async (...args: unknown[]) => {
          try {
            const result: unknown = await (value as (...a: unknown[]) => Promise<unknown>).apply(obj, args);
            counter.add(name, false);
            return result;
          } catch (error) {
            counter.add(name, true);
            throw error;
          }
        };
        wrapped = limiter ? (...args: unknown[]) => limiter.run(() => call(...args)) : call;
        cache.set(value, wrapped);
      }
      return wrapped;
    },
  });
}
