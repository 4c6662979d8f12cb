// The discrete-event core of the simulator: a binary heap of (time, seq) events and a virtual clock.
// Time only moves when the loop pops the next event, and only after every runnable promise has settled,
// so `await clock.sleep(ms)` inside many concurrent async tasks advances virtual time correctly.
import { GhrError } from '@ghr/core';
import type { Clock, LogFields, Logger } from '@ghr/core';

interface Entry {
  readonly time: number;
  readonly seq: number;
  fn: (() => void) | undefined;
}

/** Resolves after the microtask queue has drained (all promise callbacks that can run have run). */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * A virtual-time event loop that is also the {@link Clock} handed to the engine and the models.
 *
 * - `at`/`after` schedule a callback; events at the same time run in scheduling order.
 * - `sleep` resolves when the loop reaches its wake time; it rejects with a `GhrError` (`aborted`) when the
 *   signal fires first.
 * - `spawn` runs an async task and keeps count of tasks in flight: while any is in flight, the loop lets the
 *   microtask queue drain before it moves time forward.
 *
 * @example
 * ```ts
 * const scheduler = new Scheduler(0);
 * scheduler.spawn(async () => { await scheduler.sleep(1_000); log.push(scheduler.now()); });
 * await scheduler.runUntil(10_000); // log is [1000]
 * ```
 */
export class Scheduler implements Clock {
  #now: number;
  #seq = 0;
  #heap: Entry[] = [];
  #inFlight = 0;
  #steps = 0;
  readonly #errors: { readonly label: string; readonly error: unknown }[] = [];

  constructor(start: number) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  /** How many events the loop has run. */
  get steps(): number {
    return this.#steps;
  }

  /** Async tasks started with `spawn` that are still running. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Errors thrown by spawned tasks (the simulation keeps running; callers decide what they mean). */
  get errors(): readonly { readonly label: string; readonly error: unknown }[] {
    return this.#errors;
  }

  /** Events waiting in the heap (including cancelled sleeps not yet popped). */
  get pending(): number {
    return this.#heap.length;
  }

  /** The time of the earliest pending event, if any. */
  nextAt(): number | undefined {
    return this.#heap[0]?.time;
  }

  /** Runs `fn` at virtual time `time` (never in the past: an earlier time means now). */
  at(time: number, fn: () => void): void {
    this.#push({ time: Math.max(time, this.#now), seq: this.#seq++, fn });
  }

  /** Runs `fn` after `ms` of virtual time. */
  after(ms: number, fn: () => void): void {
    this.at(this.#now + Math.max(0, ms), fn);
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(abortError(signal));
    return new Promise<void>((resolve, reject) => {
      const entry: Entry = {
        time: this.#now + Math.max(0, ms),
        seq: this.#seq++,
        fn: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        entry.fn = undefined;
        reject(abortError(signal));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#push(entry);
    });
  }

  /** Starts an async task now; an error it throws is recorded under `label` instead of escaping. */
  spawn(label: string, task: () => Promise<unknown>): void {
    this.#inFlight++;
    let promise: Promise<unknown>;
    try {
      promise = task();
    } catch (error) {
      promise = Promise.reject(error);
    }
    promise.then(
      () => {
        this.#inFlight--;
      },
      (error: unknown) => {
        this.#inFlight--;
        this.#errors.push({ label, error });
      },
    );
  }

  /**
   * Runs events in (time, seq) order until the next one is later than `end` (or `stop()` says so), then sets
   * the clock to `end`. Spawned tasks get to settle before every step.
   */
  async runUntil(end: number, stop?: () => boolean): Promise<void> {
    for (;;) {
      if (this.#inFlight > 0) await settle();
      if (stop?.()) return;
      const next = this.#heap[0];
      if (!next || next.time > end) break;
      this.#pop();
      if (!next.fn) continue;
      this.#now = next.time;
      this.#steps++;
      next.fn();
    }
    if (this.#inFlight > 0) await settle();
    this.#now = Math.max(this.#now, end);
  }

  #push(entry: Entry): void {
    const heap = this.#heap;
    heap.push(entry);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(entry, heap[parent] as Entry)) break;
      heap[i] = heap[parent] as Entry;
      i = parent;
    }
    heap[i] = entry;
  }

  #pop(): void {
    const heap = this.#heap;
    const last = heap.pop() as Entry;
    if (heap.length === 0) return;
    let i = 0;
    const n = heap.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const child = r < n && before(heap[r] as Entry, heap[l] as Entry) ? r : l;
      if (!before(heap[child] as Entry, last)) break;
      heap[i] = heap[child] as Entry;
      i = child;
    }
    heap[i] = last;
  }
}

function before(a: Entry, b: Entry): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq);
}

function abortError(signal: AbortSignal | undefined): GhrError {
  return new GhrError('Sleep aborted: the deadline passed.', { code: 'aborted', cause: signal?.reason });
}

/**
 * A logger that adds the virtual time to every line.
 *
 * @example
 * ```ts
 * const logger = virtualTimeLogger(consoleLogger, () => (scheduler.now() - start) / 1000);
 * ```
 */
export function virtualTimeLogger(logger: Logger, simSeconds: () => number): Logger {
  const at = (fields?: LogFields): LogFields => ({ simSeconds: simSeconds(), ...fields });
  return {
    debug: (message, fields) => logger.debug(message, at(fields)),
    info: (message, fields) => logger.info(message, at(fields)),
    warn: (message, fields) => logger.warn(message, at(fields)),
    error: (message, fields) => logger.error(message, at(fields)),
  };
}
