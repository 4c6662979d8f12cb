// A small stand-in for the Bottleneck groups that @octokit/plugin-throttling schedules requests through
// (`global`, `auth`, `write`, ...): a concurrency cap and a minimum spacing between starts, with no timers on
// the fast path (Bottleneck's local datastore yields to the event loop several times per job, which costs
// milliseconds per request on a busy machine). The plugin's own retry limiter stays a Bottleneck.

/** The job options the throttling plugin passes: retries have weight 0 and skip the concurrency cap. */
interface JobOptions {
  readonly weight?: number;
  readonly priority?: number;
}

/**
 * What plugin-throttling calls: `group.key(id).schedule(options, fn, ...args)`. One limiter per client, so
 * `key` ignores the id.
 */
export class RequestLimiter {
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  private nextStart = 0;

  constructor(
    private readonly maxConcurrent: number,
    private readonly minTimeMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  key(): this {
    return this;
  }

  async schedule<T>(options: JobOptions | undefined, fn: (...args: never[]) => T | Promise<T>, ...args: unknown[]): Promise<T> {
    const counted = (options?.weight ?? 1) > 0;
    if (counted) await this.acquire();
    try {
      if (this.minTimeMs > 0) {
        const now = this.now();
        const start = Math.max(now, this.nextStart);
        this.nextStart = start + this.minTimeMs;
        if (start > now) await new Promise((resolve) => setTimeout(resolve, start - now));
      }
      return await fn(...(args as never[]));
    } finally {
      if (counted) this.release();
    }
  }

  private acquire(): Promise<void> {
    if (this.running < this.maxConcurrent) {
      this.running++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    // Hand the slot straight to the next waiter; `running` stays the same.
    if (next !== undefined) next();
    else this.running--;
  }
}

/** What a `failed` listener gets: the scheduled arguments and how many retries happened so far. */
interface FailedInfo {
  readonly args: readonly unknown[];
  readonly retryCount: number;
}

type FailedListener = (error: unknown, info: FailedInfo) => unknown;

/**
 * A stand-in for the Bottleneck that plugin-throttling retries rate-limited requests with (`retryLimiter`):
 * runs the job; on failure asks the `failed` listeners, and when one answers a number of ms, waits that long and
 * runs the job again. The wait ends early, failing with the job's error, when the request's `AbortSignal`
 * (in the request options, the job's third argument) fires.
 */
export class RetryScheduler {
  private readonly listeners: FailedListener[] = [];

  on(event: string, listener: FailedListener): void {
    if (event === 'failed') this.listeners.push(listener);
  }

  async schedule<T>(fn: (...args: never[]) => T | Promise<T>, ...args: unknown[]): Promise<T> {
    for (let retryCount = 0; ; retryCount++) {
      try {
        return await fn(...(args as never[]));
      } catch (error) {
        let delay: number | undefined;
        for (const listener of this.listeners) {
          const answer = await listener(error, { args, retryCount });
          if (typeof answer === 'number') delay = answer;
        }
        if (delay === undefined) throw error;
        const signal = (args[2] as { request?: { signal?: AbortSignal } } | undefined)?.request?.signal;
        if (!(await sleep(delay, signal))) throw error;
      }
    }
  }
}

/** Resolves true after `ms`, or false as soon as `signal` aborts. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
