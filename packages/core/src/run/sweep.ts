// Run layer: the scheduled full sweep and the cloud's interruption warnings. The reconcile and
// termination-watcher Lambdas, `ghr serve`'s timers and the simulator call these.
import type { Engine, InterruptResult, ReconcileResult } from '../engine/types.js';

/** Options of {@link sweep}. */
export interface SweepOptions {
  /**
   * Runtime housekeeping that belongs to the sweep's schedule (expired secret hand-offs, cached binaries), run
   * after the reconcile within the same deadline. Its failure is reported, never thrown.
   */
  readonly housekeeping?: (signal: AbortSignal) => Promise<void>;
}

/** The outcome of {@link sweep}. */
export interface SweepResult {
  readonly reconcile: ReconcileResult;
  /** Why the housekeeping failed, if it did. */
  readonly housekeepingError?: string;
}

/**
 * One full sweep: lists GitHub's registrations and the provider's machines once, reaps orphans both ways, drains
 * idle runners, keeps warm pools, re-checks stale jobs and redelivers failed webhooks (see `Engine.reconcile`),
 * then runs the runtime's housekeeping if there is time left.
 *
 * @example
 * ```ts
 * const { reconcile } = await sweep(engine, AbortSignal.timeout(context.getRemainingTimeInMillis() - 5_000));
 * ```
 */
export async function sweep(engine: Engine, signal: AbortSignal, options: SweepOptions = {}): Promise<SweepResult> {
  const reconcile = await engine.reconcile({ sweep: true }, signal);
  if (!options.housekeeping || signal.aborted) return { reconcile };
  try {
    await options.housekeeping(signal);
    return { reconcile };
  } catch (error) {
    return { reconcile, housekeepingError: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * Handles the cloud's warning that these machines will be taken (spot interruption, or a state change to
 * stopping/terminated): marks their runners, takes idle ones down at once (deregister first), and leaves busy ones
 * to finish or fail, re-running their job when the engine is told to (`rerunInterruptedJobs`).
 *
 * @example
 * ```ts
 * await interruption(engine, [detail['instance-id']], signal);
 * ```
 */
export async function interruption(engine: Engine, providerIds: readonly string[], signal: AbortSignal): Promise<InterruptResult> {
  return engine.interrupted(providerIds, signal);
}
