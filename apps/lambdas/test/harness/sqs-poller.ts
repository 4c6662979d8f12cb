// Lambda's SQS event source mapping, played against moto's queue: long-lived pollers receive up to `batchSize`
// messages within `batchWindowMs`, build a real SQS event, invoke the function, then delete the messages it did
// not report in `batchItemFailures` (ReportBatchItemFailures). A failed or timed-out invocation deletes nothing:
// the messages come back after the queue's visibility timeout, and the queue's redrive policy moves a message to
// the dead-letter queue after `maxReceiveCount` receives.
import { DeleteMessageBatchCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { Message, SQSClient } from '@aws-sdk/client-sqs';
import type { SqsBatchResponse } from '@ghr/aws/lambda';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { invoke } from './lambda-runtime.js';
import type { FunctionSpec, Invocations } from './lambda-runtime.js';

/** Options of {@link startSqsPoller}. */
export interface SqsPollerOptions {
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly fn: FunctionSpec<SQSEvent, SqsBatchResponse>;
  readonly invocations: Invocations;
  /** Messages per invocation; default 10. */
  readonly batchSize?: number;
  /** How long a poller gathers a batch before invoking with what it has (ms); default 200. */
  readonly batchWindowMs?: number;
  /** Concurrent pollers (concurrent invocations); default 2. */
  readonly concurrency?: number;
}

/** A running event source mapping. */
export interface SqsPoller {
  /** Invocations and the records they carried. */
  readonly stats: { invocations: number; records: number; failedItems: number; failedInvocations: number };
  stop(): Promise<void>;
}

function toRecord(m: Message, queueArn: string): SQSRecord {
  const a = m.Attributes ?? {};
  return {
    messageId: m.MessageId!,
    receiptHandle: m.ReceiptHandle!,
    body: m.Body ?? '',
    attributes: {
      ApproximateReceiveCount: a['ApproximateReceiveCount'] ?? '1',
      SentTimestamp: a['SentTimestamp'] ?? `${Date.now()}`,
      SenderId: a['SenderId'] ?? 'AIDAE2E',
      ApproximateFirstReceiveTimestamp: a['ApproximateFirstReceiveTimestamp'] ?? `${Date.now()}`,
    },
    messageAttributes: {},
    md5OfBody: m.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: 'us-east-1',
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts the pollers. */
export function startSqsPoller(options: SqsPollerOptions): SqsPoller {
  const batchSize = options.batchSize ?? 10;
  const windowMs = options.batchWindowMs ?? 200;
  const stats = { invocations: 0, records: 0, failedItems: 0, failedInvocations: 0 };
  let running = true;

  const receive = async (max: number, waitSeconds: number): Promise<Message[]> => {
    const out = await options.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: options.queueUrl,
        MaxNumberOfMessages: max,
        WaitTimeSeconds: waitSeconds,
        MessageSystemAttributeNames: ['All'],
      }),
    );
    return out.Messages ?? [];
  };

  const poll = async (): Promise<void> => {
    while (running) {
      // Long-poll for the first message (as the event source mapping does), then gather for the batching window.
      const batch: Message[] = await receive(batchSize, 1).catch(() => []);
      const until = Date.now() + windowMs;
      while (running && batch.length > 0 && batch.length < batchSize && Date.now() < until) {
        const got = await receive(batchSize - batch.length, 0).catch(() => []);
        batch.push(...got);
        if (got.length === 0) await sleep(100);
      }
      if (batch.length === 0) continue;
      stats.invocations += 1;
      stats.records += batch.length;
      const event: SQSEvent = { Records: batch.map((m) => toRecord(m, options.queueArn)) };
      let keep: Set<string>;
      try {
        const response = await invoke(options.fn, event, options.invocations);
        keep = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
        stats.failedItems += keep.size;
      } catch {
        stats.failedInvocations += 1;
        continue; // nothing deleted: every message comes back after the visibility timeout
      }
      const done = batch.filter((m) => !keep.has(m.MessageId!));
      for (let i = 0; i < done.length; i += 10) {
        const chunk = done.slice(i, i + 10);
        await options.sqs
          .send(new DeleteMessageBatchCommand({ QueueUrl: options.queueUrl, Entries: chunk.map((m, j) => ({ Id: `d${j}`, ReceiptHandle: m.ReceiptHandle! })) }))
          .catch(() => undefined);
      }
    }
  };

  const pollers = Array.from({ length: options.concurrency ?? 2 }, () => poll());
  return {
    stats,
    stop: async () => {
      running = false;
      await Promise.all(pollers);
    },
  };
}
