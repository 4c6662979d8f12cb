// The engine's deadline from Lambda's remaining time: a function is stopped at its timeout wherever it is (no
// `finally` runs), so the work must end, and its ledger writes settle, before that.
import type { Context } from 'aws-lambda';

/** Time kept back from the function's timeout for the clean-up writes and the response (ms). */
export const DEADLINE_MARGIN_MS = 3_000;

/** A deadline for one invocation; `clear` it when the invocation ends. */
export interface Deadline {
  readonly signal: AbortSignal;
  clear(): void;
}

/**
 * An `AbortSignal` that fires `margin` ms before the function's timeout (at once when less time is left). An
 * `AbortController` with a cleared timer rather than `AbortSignal.timeout`, which costs tens of microseconds per
 * call and keeps its timer alive after the invocation: the webhook answers thousands of requests per second.
 *
 * @example
 * ```ts
 * const deadline = invocationDeadline(context);
 * try { await sweep(engine, deadline.signal); } finally { deadline.clear(); }
 * ```
 */
export function invocationDeadline(context: Pick<Context, 'getRemainingTimeInMillis'>, margin: number = DEADLINE_MARGIN_MS): Deadline {
  const controller = new AbortController();
  const ms = context.getRemainingTimeInMillis() - margin;
  if (ms <= 0) {
    controller.abort(new DOMException('The function is about to time out.', 'TimeoutError'));
    return { signal: controller.signal, clear: () => undefined };
  }
  const timer = setTimeout(() => controller.abort(new DOMException('The function is about to time out.', 'TimeoutError')), ms);
  timer.unref?.();
  return { signal: controller.signal, clear: () => clearTimeout(timer) };
}
