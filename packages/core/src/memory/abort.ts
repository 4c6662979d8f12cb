import { GhrError } from '../errors.js';

/** Throws a `GhrError` with code `aborted` when `signal` has fired. */
export function throwIfAborted(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) {
    throw new GhrError(`${what} was aborted: the caller's deadline passed. Retry within a new deadline.`, {
      code: 'aborted',
      cause: signal.reason,
    });
  }
}
