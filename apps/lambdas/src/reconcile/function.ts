// The reconcile function (EventBridge schedule): one full sweep within the function's remaining time, then the
// housekeeping of the sweep's schedule: runner secrets in SSM that no instance took are deleted once expired.
import { sweep } from '@ghr/core';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { functionKit } from '../control-plane/function-kit.js';
import type { ControlPlaneFunctionOptions } from '../control-plane/function-kit.js';
import { invocationDeadline } from '../runtime/deadline.js';

/** What the reconcile function returns (also logged): counts only, no secrets. */
export interface ReconcileSummary {
  readonly launched: number;
  readonly drained: number;
  readonly terminatedInstances: number;
  readonly deletedRegistrations: number;
  readonly rechecked: number;
  readonly redelivered: number;
  readonly expiredHandoffs: number;
  readonly aborted: boolean;
  readonly errors: number;
}

/** A Lambda handler of scheduled events. */
export type ReconcileFunction = (event: ScheduledEvent | Record<string, unknown>, context: Context) => Promise<ReconcileSummary>;

/**
 * Builds the reconcile function.
 *
 * @example
 * ```ts
 * export const handler = createReconcileFunction({ config: lambdaConfig() });
 * ```
 */
export function createReconcileFunction(options: ControlPlaneFunctionOptions): ReconcileFunction {
  const { log, metrics, deps } = functionKit(options);
  return async (_event, context) => {
    log.startInvocation(context);
    const deadline = invocationDeadline(context);
    const { signal } = deadline;
    try {
      const { engine, handoff } = await deps();
      let expiredHandoffs = 0;
      const result = await sweep(engine, signal, {
        housekeeping: async (s) => {
          expiredHandoffs = (await handoff.sweepExpired(s)).length;
        },
      });
      const r = result.reconcile;
      const summary: ReconcileSummary = {
        launched: r.launched.length,
        drained: r.drained.length,
        terminatedInstances: r.terminatedInstances.length,
        deletedRegistrations: r.deletedRegistrations.length,
        rechecked: r.rechecked,
        redelivered: r.redelivered,
        expiredHandoffs,
        aborted: r.aborted,
        errors: r.errors.length,
      };
      if (result.housekeepingError !== undefined)
        log.warn('hand-off expiry sweep failed', {
          error: result.housekeepingError,
        });
      log.info('sweep done', { ...summary });
      return summary;
    } finally {
      deadline.clear();
      await metrics.flush();
    }
  };
}
