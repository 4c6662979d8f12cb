// Virtual time for tests and the simulator: `now()` only moves when someone advances it.
import { GhrError } from '../errors.js';
import type { Clock } from '../ports.js';

/** Options of a {@link ManualClock}. */
export interface ManualClockOptions {
  /** Initial time, epoch milliseconds. Default `Date.UTC(2026, 0, 5, 9)` (a Monday, 09:00 UTC). */
  readonly start?: number;
  /**
   * When true, `sleep(ms)` moves time forward by `ms` itself and resolves at once: handy for tests in which
   * one caller runs alone and its backoffs should simply pass. Default false (sleepers wait for `advance`).
   */
  readonly autoAdvance?: boolean;
}

interface Sleeper {
  readonly wakeAt: number;
  readonly seq: number;
  readonly resolve: () => void;
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * A {@link Clock} in virtual time: `now()` returns the current virtual time, `sleep` resolves when `advance`
 * (or `advanceTo`) passes its wake time, in wake-time order, with pending promise callbacks run between wakes.
 *
 * @example
 * ```ts
 * const clock = new ManualClock({ start: 0 });
 * const slept = clock.sleep(1_000);
 * await clock.advance(1_000); // `slept` is resolved now, clock.now() === 1_000
 * ```
 */
export class ManualClock implements Clock {
  #now: number;
  #seq = 0;
  #sleepers: Sleeper[] = [];
  readonly #autoAdvance: boolean;

  constructor(options: ManualClockOptions = {}) {
    this.#now = options.start ?? Date.UTC(2026, 0, 5, 9);
    this.#autoAdvance = options.autoAdvance ?? false;
  }

  now(): number {
    return this.#now;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(abortError(signal));
    if (this.#autoAdvance) {
      this.#now += Math.max(0, ms);
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const sleeper: Sleeper = {
        wakeAt: this.#now + Math.max(0, ms),
        seq: this.#seq++,
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        this.#sleepers = this.#sleepers.filter((s) => s !== sleeper);
        reject(abortError(signal));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#sleepers.push(sleeper);
    });
  }

  /** How many `sleep` calls are waiting. */
  get pendingSleeps(): number {
    return this.#sleepers.length;
  }

  /** The earliest wake time of a pending `sleep`, if any. */
  nextWakeAt(): number | undefined {
    let next: number | undefined;
    for (const s of this.#sleepers) if (next === undefined || s.wakeAt < next) next = s.wakeAt;
    return next;
  }

  /**
   * Moves time forward by `ms`, waking due sleepers in order. Time is updated synchronously when no sleeper is
   * due, so a caller that does not await still sees the new `now()`.
   */
  advance(ms: number): Promise<void> {
    return this.advanceTo(this.#now + Math.max(0, ms));
  }

  /** Moves time forward to `time` (never backward), waking due sleepers in order. */
  advanceTo(time: number): Promise<void> {
    const target = Math.max(this.#now, time);
    if (!this.#sleepers.some((s) => s.wakeAt <= target)) {
      this.#now = target;
      return Promise.resolve();
    }
    return this.#run(target);
  }

  async #run(target: number): Promise<void> {
    for (;;) {
      const due = this.#sleepers
        .filter((s) => s.wakeAt <= target)
        .sort((a, b) => a.wakeAt - b.wakeAt || a.seq - b.seq)[0];
      if (!due) break;
      this.#sleepers = this.#sleepers.filter((s) => s !== due);
      this.#now = Math.max(this.#now, due.wakeAt);
      due.resolve();
      await flush();
    }
    this.#now = Math.max(this.#now, target);
  }
}

function abortError(signal: AbortSignal | undefined): GhrError {
  return new GhrError('Sleep aborted: the deadline passed.', { code: 'aborted', cause: signal?.reason });
}
