// How a deployment runs its functions, as Lambda runs them: each run (a scale-up batch, a full sweep, an
// interruption) has a deadline that the code sees as an AbortSignal a margin before the function's timeout, and
// at the timeout the run is stopped wherever it is, with no clean-up. With `runCrashes`, a run may also be killed
// earlier, at any await.
import { GhrError } from '@ghr/core';
import { CrashGate } from './crash.js';
import type { Random } from './random.js';
import type { Scheduler } from './scheduler.js';

/** One run: the signal its code gets, the gate its ports go through, and how to say it returned. */
export interface Run {
  /** Fires at the deadline (timeout minus margin) or when the run is killed. */
  readonly signal: AbortSignal;
  readonly gate: CrashGate;
  /** The function returned: its timeout no longer applies. */
  done(): void;
}

/** Options of {@link RunStarter}. */
export interface RunStarterOptions {
  readonly scheduler: Scheduler;
  readonly random: Random;
  /** The function's timeout, ms. */
  readonly timeout: number;
  /** How long before the timeout the code's deadline fires, ms. */
  readonly deadlineMargin: number;
  /** Probability that a run is killed at a random await before its timeout. */
  readonly crashes: number;
  /** Most port calls a killed run makes before it dies (uniform from 1). Default 40. */
  readonly maxCallsBeforeCrash?: number;
}

const DEADLINE = new GhrError('The run reached its deadline (simulated Lambda timeout).', { code: 'aborted', retryable: true });

/**
 * Starts runs with Lambda's deadline and kill semantics in virtual time.
 *
 * @example
 * ```ts
 * const run = runs.start();
 * await engine(run.gate).reconcile({ sweep: true }, run.signal);
 * run.done();
 * ```
 */
export class RunStarter {
  readonly #o: RunStarterOptions;

  constructor(options: RunStarterOptions) {
    this.#o = options;
  }

  start(): Run {
    const { scheduler, random } = this.#o;
    const killed = random.chance(this.#o.crashes);
    const gate = new CrashGate(killed ? { crashAtCall: 1 + random.int(this.#o.maxCallsBeforeCrash ?? 40) } : {});
    const deadline = new AbortController();
    let finished = false;
    scheduler.after(Math.max(0, this.#o.timeout - this.#o.deadlineMargin), () => {
      if (!finished) deadline.abort(DEADLINE);
    });
    scheduler.after(this.#o.timeout, () => {
      if (!finished) gate.crash();
    });
    return {
      signal: AbortSignal.any([deadline.signal, gate.signal]),
      gate,
      done: () => {
        finished = true;
      },
    };
  }
}
