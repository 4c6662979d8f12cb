// Helpers for a Lambda function consuming the event queue (SQS event source with ReportBatchItemFailures).
import type { QueueMessage } from '@ghr/core';
import { parseJobEvent } from './job-event-codec.js';

/** The part of a Lambda SQS record these helpers read (structurally compatible with `@types/aws-lambda`). */
export interface SqsRecordLike {
  readonly messageId: string;
  readonly body: string;
  readonly attributes?: { readonly ApproximateReceiveCount?: string };
}

/** A record that could not be turned into a {@link QueueMessage}. */
export interface BadSqsRecord {
  readonly messageId: string;
  readonly reason: string;
}

/** Lambda's partial-batch response for SQS. */
export interface SqsBatchResponse {
  readonly batchItemFailures: readonly { readonly itemIdentifier: string }[];
}

/**
 * Turns a Lambda SQS event's records into {@link QueueMessage}s (`id` = SQS message id), and reports the records
 * it cannot decode instead of throwing: return their ids with {@link toBatchItemFailures} so SQS keeps them
 * (and moves them to the dead-letter queue after the redrive policy's receives); one bad record never loses the
 * others. A record without a message id is reported as `#<index>`: Lambda reads an unknown item identifier as
 * a failure of the whole batch, which keeps every record (nothing is lost).
 *
 * @example
 * ```ts
 * export const handler = async (event: SQSEvent) => {
 *   const { messages, bad } = parseSqsRecords(event.Records);
 *   const failed = await ingest(messages); // ids of messages that failed
 *   return toBatchItemFailures([...bad.map((b) => b.messageId), ...failed]);
 * };
 * ```
 */
export function parseSqsRecords(records: readonly SqsRecordLike[]): {
  readonly messages: readonly QueueMessage[];
  readonly bad: readonly BadSqsRecord[];
} {
  const messages: QueueMessage[] = [];
  const bad: BadSqsRecord[] = [];
  for (const [i, record] of (Array.isArray(records) ? records : []).entries()) {
    try {
      const messageId = typeof record?.messageId === 'string' && record.messageId !== '' ? record.messageId : undefined;
      if (messageId === undefined) {
        bad.push({ messageId: `#${i}`, reason: 'the record has no messageId' });
        continue;
      }
      const parsed = typeof record.body === 'string' ? parseJobEvent(record.body) : { ok: false as const, reason: 'the record has no body' };
      if (!parsed.ok) {
        bad.push({ messageId, reason: parsed.reason });
        continue;
      }
      const count = Number(record.attributes?.ApproximateReceiveCount ?? '1');
      messages.push({ id: messageId, event: parsed.event, receiveCount: Number.isFinite(count) && count >= 1 ? count : 1 });
    } catch (err) {
      bad.push({ messageId: `#${i}`, reason: `the record could not be read (${err instanceof Error ? err.name : 'unknown error'})` });
    }
  }
  return { messages, bad };
}

/**
 * Lambda's partial-batch response naming the messages to keep in the queue (deduplicated, in order). An empty
 * list acknowledges the whole batch.
 *
 * @example
 * ```ts
 * return toBatchItemFailures(['1b8d…', '9c2a…']); // { batchItemFailures: [{ itemIdentifier: '1b8d…' }, …] }
 * ```
 */
export function toBatchItemFailures(messageIds: Iterable<string>): SqsBatchResponse {
  return { batchItemFailures: [...new Set(messageIds)].map((itemIdentifier) => ({ itemIdentifier })) };
}
