// Default implementations of the small ports, for callers that do not bring their own.
import { GhrError } from './errors.js';
import type { Clock, Logger, Metrics } from './ports.js';

/**
 * Wall-clock time with an abortable `sleep`.
 *
 * @example
 * ```ts
 * await systemClock.sleep(1_000, AbortSignal.timeout(5_000));
 * ```
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(new GhrError('Sleep aborted: the deadline passed.', { code: 'aborted', cause: signal.reason }));
        return;
      }
      const onAbort = () => {
        clearTimeout(timer);
        reject(new GhrError('Sleep aborted: the deadline passed.', { code: 'aborted', cause: signal?.reason }));
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

/**
 * A logger that drops everything; the default when none is given.
 *
 * @example
 * ```ts
 * const engine = createEngine({ ...ports, logger: silentLogger });
 * ```
 */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/**
 * A metrics sink that drops everything; the default when none is given.
 *
 * @example
 * ```ts
 * noopMetrics.record('RunnersLaunched', 3, 'Count', { pool: 'linux' });
 * ```
 */
export const noopMetrics: Metrics = {
  record: () => undefined,
  flush: () => Promise.resolve(),
};
