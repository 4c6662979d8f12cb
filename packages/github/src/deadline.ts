// Deadlines that travel with an AbortSignal, so that rate-limit and retry waits can fail fast instead of
// sleeping past the point where the caller (a Lambda) would be killed.

const deadlines = new WeakMap<AbortSignal, number>();

/** Options of {@link deadlineSignal}. */
export interface DeadlineSignalOptions {
  /** Current time in epoch ms (inject a clock's `now()`); default `Date.now()`. */
  readonly now?: number;
  /** A parent signal: the result also aborts when it does. */
  readonly signal?: AbortSignal;
}

/**
 * An `AbortSignal` that aborts (with a `TimeoutError`) `ms` from now and whose deadline the GitHub client can
 * read: a rate-limit or retry wait that would end after the deadline is not started, and the call fails at once
 * with a retryable `GitHubError` (`throttled`, with `retryAfterMs`). Plain signals work too, but then a wait is
 * only cut short when the signal fires.
 *
 * @example
 * ```ts
 * // In a Lambda: keep 5 s for clean-up.
 * const signal = deadlineSignal(context.getRemainingTimeInMillis() - 5_000);
 * const runners = await github.listRunners({ kind: 'org', org: 'acme' }, signal);
 * ```
 */
export function deadlineSignal(ms: number, options: DeadlineSignalOptions = {}): AbortSignal {
  const now = options.now ?? Date.now();
  const timeout = AbortSignal.timeout(Math.max(0, ms));
  const signal = options.signal === undefined ? timeout : AbortSignal.any([timeout, options.signal]);
  const parent = options.signal === undefined ? undefined : deadlineOf(options.signal);
  deadlines.set(signal, parent === undefined ? now + ms : Math.min(parent, now + ms));
  return signal;
}

/**
 * The deadline (epoch ms) of a signal made by {@link deadlineSignal}; `undefined` for other signals.
 *
 * @example
 * ```ts
 * const left = (deadlineOf(signal) ?? Infinity) - Date.now();
 * ```
 */
export function deadlineOf(signal: AbortSignal | undefined): number | undefined {
  return signal === undefined ? undefined : deadlines.get(signal);
}

/** True when waiting `waitMs` from `now` would still end before the signal's deadline (and it has not fired). */
export function fitsDeadline(signal: AbortSignal | undefined, now: number, waitMs: number, maxWaitMs: number): boolean {
  if (signal?.aborted) return false;
  if (waitMs > maxWaitMs) return false;
  const deadline = deadlineOf(signal);
  return deadline === undefined || now + waitMs < deadline;
}

/** Rejects with the signal's reason as soon as it aborts, whatever `promise` is waiting for. */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(abortError(signal));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      promise.catch(() => undefined);
      reject(abortError(signal));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  const error = new Error('The operation was aborted.');
  error.name = 'AbortError';
  return error;
}
