// The EventQueue port on SQS (standard or FIFO) through the AWS SDK, DESIGN.md §1 and §6.
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { EventQueue, JobEvent, QueueMessage, SendResult } from '@ghr/core';
import { SqsQueueCore } from './sqs-queue-core.js';
import type { SqsActions, SqsQueueSettings, SqsTransport } from './sqs-queue-core.js';

export { SQS_MAX_BATCH_ENTRIES, SQS_MAX_MESSAGE_BYTES } from './sqs-queue-core.js';

/** Options of an {@link SqsEventQueue}. */
export interface SqsEventQueueOptions extends SqsQueueSettings {
  /** Default: an `SQSClient` with the SDK's default region and credentials chain. */
  readonly client?: SQSClient;
}

/**
 * An {@link EventQueue} on an SQS queue. `send` packs events into `SendMessageBatch` calls of at most 10 entries
 * and 256 KB, reports an oversize event and every entry SQS refused in `failed` (nothing is dropped silently);
 * on FIFO queues the delivery id is the `MessageDeduplicationId`. `receive` asks for `ApproximateReceiveCount`;
 * a message's `id` is its receipt handle, so `ack` (`DeleteMessageBatch`) works from any process. Messages
 * received too often land in the dead-letter queue of the queue's redrive policy (set by the CDK construct).
 * `FetchSqsEventQueue` (`@ghr/aws/fetch`) does the same without the SDK, for a small webhook bundle.
 *
 * @example
 * ```ts
 * const queue = new SqsEventQueue({ queueUrl, client: new SQSClient({}) });
 * const { failed } = await queue.send(events, AbortSignal.timeout(5_000));
 * if (failed.length > 0) return { statusCode: 503 };
 * ```
 */
export class SqsEventQueue implements EventQueue {
  readonly #core: SqsQueueCore;

  constructor(options: SqsEventQueueOptions) {
    const client = options.queueUrl ? (options.client ?? new SQSClient({})) : undefined;
    const transport: SqsTransport = async (action, input, signal) => {
      const command = commandFor(action, input);
      return (await client!.send(command as never, { abortSignal: signal })) as SqsActions[typeof action]['output'];
    };
    this.#core = new SqsQueueCore(options, transport);
  }

  send(events: readonly JobEvent[], signal: AbortSignal): Promise<SendResult> {
    return this.#core.send(events, signal);
  }

  receive(max: number, signal: AbortSignal): Promise<readonly QueueMessage[]> {
    return this.#core.receive(max, signal);
  }

  ack(messageIds: readonly string[], signal: AbortSignal): Promise<void> {
    return this.#core.ack(messageIds, signal);
  }
}

function commandFor<A extends keyof SqsActions>(action: A, input: SqsActions[A]['input']) {
  switch (action) {
    case 'SendMessageBatch':
      return new SendMessageBatchCommand(input as SqsActions['SendMessageBatch']['input']);
    case 'ReceiveMessage':
      return new ReceiveMessageCommand(input as SqsActions['ReceiveMessage']['input']);
    default:
      return new DeleteMessageBatchCommand(input as SqsActions['DeleteMessageBatch']['input']);
  }
}
