// The scale-up function (SQS event source with ReportBatchItemFailures): decode the batch, then core's run layer
// (`scaleUp`: ingest → reconcile the touched pools). Only the messages that failed are reported, so SQS redelivers
// those alone; an undecodable (poison) message is reported too and reaches the dead-letter queue after the
// redrive policy's receives, never taking the batch with it.
//
// Why not Powertools' BatchProcessor: it calls a handler per record, while the engine wants the whole batch at
// once (one ingest, one reconcile of the touched pools); `parseSqsRecords` + `toBatchItemFailures` give the same
// partial-failure contract in a few lines.
import { parseSqsRecords, toBatchItemFailures } from '@ghr/aws/lambda';
import type { SqsBatchResponse } from '@ghr/aws/lambda';
import { scaleUp } from '@ghr/core';
import type { Context, SQSEvent } from 'aws-lambda';
import { functionKit } from '../control-plane/function-kit.js';
import type { ControlPlaneFunctionOptions } from '../control-plane/function-kit.js';
import { invocationDeadline } from '../runtime/deadline.js';

/** A Lambda handler of SQS batches. */
export type ScaleUpFunction = (event: SQSEvent, context: Context) => Promise<SqsBatchResponse>;

/**
 * Builds the scale-up function.
 *
 * @example
 * ```ts
 * export const handler = createScaleUpFunction({ config: lambdaConfig() });
 * ```
 */
export function createScaleUpFunction(options: ControlPlaneFunctionOptions): ScaleUpFunction {
  const { log, metrics, deps } = functionKit(options);
  return async (event, context) => {
    log.startInvocation(context);
    const deadline = invocationDeadline(context);
    const { signal } = deadline;
    const { messages, bad } = parseSqsRecords(event?.Records ?? []);
    for (const b of bad) log.warn('queue message cannot be decoded: left for the dead-letter queue', { messageId: b.messageId, reason: b.reason });
    try {
      if (messages.length === 0) return toBatchItemFailures(bad.map((b) => b.messageId));
      const { engine } = await deps();
      const result = await scaleUp(engine, messages, signal);
      const retry = new Set(result.retry);
      for (const m of messages) {
        log.info(retry.has(m.id) ? 'job event left for a retry' : 'job event processed', {
          job: m.event.job.id,
          action: m.event.action,
          pool: m.event.poolId,
          delivery: m.event.deliveryId,
          receiveCount: m.receiveCount,
        });
      }
      if (result.reconcileError !== undefined)
        log.error('reconcile after ingest failed: queued events retried', {
          error: result.reconcileError,
        });
      metrics.record('ScaleUpMessages', messages.length, 'Count');
      if (result.retry.length + bad.length > 0) metrics.record('ScaleUpRetries', result.retry.length + bad.length, 'Count');
      return toBatchItemFailures([...bad.map((b) => b.messageId), ...result.retry]);
    } catch (error) {
      // Wiring failed or the engine threw: keep every message (redelivered after the visibility timeout).
      log.error('scale-up failed: the whole batch is retried', {
        error: error instanceof Error ? error.message : String(error),
      });
      return toBatchItemFailures([...bad.map((b) => b.messageId), ...messages.map((m) => m.id)]);
    } finally {
      deadline.clear();
      await metrics.flush();
    }
  };
}
