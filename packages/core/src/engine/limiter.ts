// Bounded concurrency for external calls.

/**
 * A counting semaphore: at most `limit` tasks run at once; the others wait in FIFO order.
 */
export class Limiter {
  #active = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(readonly limit: number) {
    if (!(limit >= 1)) throw new RangeError(`Limiter limit must be at least 1, got ${limit}.`);
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#active >= this.limit) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    else this.#active += 1;
    try {
      return await task();
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#active -= 1;
    }
  }
}

/** The outcome of one item of {@link forEachLimited}. */
export type Settled<T> =
  | { readonly status: 'fulfilled'; readonly value: T }
  | { readonly status: 'rejected'; readonly reason: unknown }
  | { readonly status: 'skipped' };

/**
 * Runs `fn` over `items` with at most `limit` in flight, and starts no new item once `signal` has aborted
 * (those items are `skipped`). Never throws: each item's outcome is settled.
 */
export async function forEachLimited<I, T>(
  items: readonly I[],
  limit: number,
  signal: AbortSignal,
  fn: (item: I, index: number) => Promise<T>,
): Promise<Settled<T>[]> {
  const results: Settled<T>[] = items.map(() => ({ status: 'skipped' }));
  let next = 0;
  const worker = async () => {
    while (next < items.length && !signal.aborted) {
      const index = next++;
      try {
        results[index] = { status: 'fulfilled', value: await fn(items[index] as I, index) };
      } catch (reason) {
        results[index] = { status: 'rejected', reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
