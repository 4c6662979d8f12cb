// A token bucket that paces calls (SSM PutParameter throttles early: a burst of hundreds must be spread out).
import { systemClock } from '@ghr/core';
import type { Clock } from '@ghr/core';

/** Options of {@link TokenBucket}. */
export interface TokenBucketOptions {
  /** Tokens added per second (the sustained rate). */
  readonly ratePerSecond: number;
  /** Most tokens held (the burst); default `ratePerSecond`. */
  readonly burst?: number;
  /** Default the system clock. */
  readonly clock?: Clock;
}

/**
 * Paces callers to `ratePerSecond` with bursts up to `burst`; waiters are served in arrival order.
 *
 * @example
 * ```ts
 * const bucket = new TokenBucket({ ratePerSecond: 10, burst: 20 });
 * await bucket.take(signal); // then call the throttled API
 * ```
 */
export class TokenBucket {
  readonly #rate: number;
  readonly #burst: number;
  readonly #clock: Clock;
  #tokens: number;
  #last: number;
  #queue: Promise<void> = Promise.resolve();

  constructor(options: TokenBucketOptions) {
    if (!(options.ratePerSecond > 0)) throw new RangeError('TokenBucket: ratePerSecond must be > 0.');
    this.#rate = options.ratePerSecond;
    this.#burst = Math.max(1, options.burst ?? options.ratePerSecond);
    this.#clock = options.clock ?? systemClock;
    this.#tokens = this.#burst;
    this.#last = this.#clock.now();
  }

  /** Resolves when the caller may make one call; rejects when `signal` aborts first. */
  take(signal?: AbortSignal): Promise<void> {
    const turn = this.#queue.then(() => this.#acquire(signal));
    this.#queue = turn.catch(() => undefined);
    return turn;
  }

  #refill(): void {
    const now = this.#clock.now();
    this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#last) / 1000) * this.#rate);
    this.#last = now;
  }

  async #acquire(signal?: AbortSignal): Promise<void> {
    this.#refill();
    while (this.#tokens < 1) {
      await this.#clock.sleep(Math.ceil(((1 - this.#tokens) / this.#rate) * 1000), signal);
      this.#refill();
    }
    this.#tokens -= 1;
  }
}
