// The engine's deadline from Lambda's remaining time: a function is stopped at its timeout wherever it is (no
// `finally` runs), so the work must end, and its ledger writes settle, before that.
import type { Context } from 'aws-lambda';

/** Time kept back from the function's timeout for the clean-up writes and the response (ms). */
export const DEADLINE_MARGIN_MS = 3_000;

/**
 * An `AbortSignal` that fires `margin` ms before the function's timeout (at once when less time is left).
 *
 * @example
 * ```ts
 * const signal = deadlineSignal(context);
 * await sweep(engine, signal);
 * ```
 */
export function deadlineSignal(context: Pick<Context, 'getRemainingTimeInMillis'>, margin: number = DEADLINE_MARGIN_MS): AbortSignal {
  return AbortSignal.timeout(Math.max(1, context.getRemainingTimeInMillis() - margin));
}
