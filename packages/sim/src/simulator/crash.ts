// A crash of a run (a Lambda killed midway, or stopped at its timeout): from the crash on, none of the run's port
// calls gets an answer, and the run makes no further call — no clean-up, no `finally` that reaches the world.
// Calls already in flight still take effect at the far end (the cloud launched the instances; GitHub minted the
// config) — the run just never learns of it.
import { GhrError } from '@ghr/core';

/**
 * Wraps ports so that a run can be crashed: after `crash()`, every call and every answer still in flight
 * rejects with `code: 'internal'`, so the engine (or baseline) in that run can change nothing more.
 *
 * @example
 * ```ts
 * const gate = new CrashGate();
 * const engine = createEngine({ ledger: gate.wrap(ledger), github: gate.wrap(github), provider: gate.wrap(cloud), pools });
 * scheduler.after(1_500, () => gate.crash());
 * ```
 */
export class CrashGate {
  #crashed = false;
  readonly #controller = new AbortController();
  #calls = 0;
  readonly #crashAtCall: number | undefined;

  /** `crashAtCall`: crash just before the run's n-th port call (1-based): a kill at any await. */
  constructor(options: { readonly crashAtCall?: number } = {}) {
    this.#crashAtCall = options.crashAtCall;
  }

  get crashed(): boolean {
    return this.#crashed;
  }

  /** Aborts when the run crashes: pass it (combined with the run's deadline) to code that must stop there. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  crash(): void {
    this.#crashed = true;
    if (!this.#controller.signal.aborted) this.#controller.abort(crashError());
  }

  wrap<T extends object>(port: T): T {
    const cache = new Map<PropertyKey, unknown>();
    return new Proxy(port, {
      get: (target, key) => {
        const value: unknown = Reflect.get(target, key, target);
        if (typeof value !== 'function') return value;
        let wrapped = cache.get(key);
        if (!wrapped) {
          wrapped = async (...args: unknown[]) => {
            this.#calls += 1;
            if (this.#crashAtCall !== undefined && this.#calls >= this.#crashAtCall) this.crash();
            if (this.#crashed) throw crashError();
            const result: unknown = await (value as (...a: unknown[]) => unknown).apply(target, args);
            if (this.#crashed) throw crashError();
            return result;
          };
          cache.set(key, wrapped);
        }
        return wrapped;
      },
    });
  }
}

function crashError(): GhrError {
  return new GhrError('The run crashed (simulated): this call never got an answer.', { code: 'internal', retryable: false });
}
