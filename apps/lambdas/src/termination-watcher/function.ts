// The termination watcher (EventBridge: "EC2 Spot Instance Interruption Warning" and "EC2 Instance State-change
// Notification"): core's run layer marks the instance's runner, takes an idle one down (deregister first) and
// leaves a busy one to finish or fail, re-running its job when configured to.
import { interruption } from '@ghr/core';
import type { InterruptResult } from '@ghr/core';
import type { Context, EventBridgeEvent } from 'aws-lambda';
import { functionKit } from '../control-plane/function-kit.js';
import type { ControlPlaneFunctionOptions } from '../control-plane/function-kit.js';
import { invocationDeadline } from '../runtime/deadline.js';

/** The EC2 events the watcher takes. */
export type Ec2LifecycleEvent = EventBridgeEvent<
  string,
  {
    readonly 'instance-id'?: string;
    readonly state?: string;
    readonly 'instance-action'?: string;
  }
>;

/** A Lambda handler of EC2 lifecycle events. */
export type TerminationWatcherFunction = (event: Ec2LifecycleEvent, context: Context) => Promise<InterruptResult>;

/** State changes that take a machine away from its runner. */
const LEAVING_STATES: ReadonlySet<string> = new Set(['stopping', 'stopped', 'shutting-down', 'terminated']);
const SPOT_WARNING = 'EC2 Spot Instance Interruption Warning';
const STATE_CHANGE = 'EC2 Instance State-change Notification';
const NOTHING: InterruptResult = { runners: [], ended: [], rerunJobs: [] };

/**
 * The instance an event is about, or `undefined` when the event asks for nothing (another type, a state that
 * keeps the machine, no instance id).
 *
 * @example
 * ```ts
 * instanceOf({ 'detail-type': 'EC2 Spot Instance Interruption Warning', detail: { 'instance-id': 'i-1' } }); // 'i-1'
 * ```
 */
export function instanceOf(event: Pick<Ec2LifecycleEvent, 'detail-type' | 'detail'>): string | undefined {
  const id = event?.detail?.['instance-id'];
  if (typeof id !== 'string' || !/^i-[0-9a-f]{8,17}$/.test(id)) return undefined;
  if (event['detail-type'] === SPOT_WARNING) return id;
  if (event['detail-type'] === STATE_CHANGE && LEAVING_STATES.has(String(event.detail.state))) return id;
  return undefined;
}

/**
 * Builds the termination watcher.
 *
 * @example
 * ```ts
 * export const handler = createTerminationWatcherFunction({ config: lambdaConfig() });
 * ```
 */
export function createTerminationWatcherFunction(options: ControlPlaneFunctionOptions): TerminationWatcherFunction {
  const { log, metrics, deps } = functionKit(options);
  return async (event, context) => {
    log.startInvocation(context);
    const instanceId = instanceOf(event);
    if (instanceId === undefined) {
      log.debug('EC2 event ignored', {
        detailType: event?.['detail-type'],
        state: event?.detail?.state,
      });
      return NOTHING;
    }
    const deadline = invocationDeadline(context);
    try {
      const { engine } = await deps();
      const result = await interruption(engine, [instanceId], deadline.signal);
      for (const runner of result.runners)
        log.info('runner marked interrupted', {
          runner,
          providerId: instanceId,
          kind: event['detail-type'],
        });
      if (result.runners.length === 0)
        log.info('no live runner on this instance', {
          providerId: instanceId,
          kind: event['detail-type'],
        });
      for (const job of result.rerunJobs) log.info('interrupted job re-run', { job, providerId: instanceId });
      return result;
    } finally {
      deadline.clear();
      await metrics.flush();
    }
  };
}
