// The EventQueue port on SQS without the AWS SDK: SQS's JSON protocol over fetch (aws4fetch signs).
import type { EventQueue, JobEvent, QueueMessage, SendResult } from '@ghr/core';
import { SqsQueueCore } from '../queue/sqs-queue-core.js';
import type { SqsQueueSettings } from '../queue/sqs-queue-core.js';
import { AwsJsonClient } from './aws-json-client.js';
import type { AwsFetchOptions } from './aws-json-client.js';

/** Options of a {@link FetchSqsEventQueue}. */
export interface FetchSqsEventQueueOptions extends SqsQueueSettings, AwsFetchOptions {}

/**
 * The same {@link EventQueue} as `SqsEventQueue` (batching, 256 KB checks, FIFO dedup, receipt handles as ids,
 * undecodable messages left for the dead-letter queue), spoken over SQS's JSON protocol with a SigV4-signing
 * `fetch` instead of the AWS SDK: about 10 KB bundled instead of ~300 KB, and no SDK import at cold start.
 *
 * @example
 * ```ts
 * const queue = new FetchSqsEventQueue({
 *   queueUrl,
 *   region: 'eu-west-1',
 *   credentials: { accessKeyId, secretAccessKey, sessionToken },
 * });
 * const { failed } = await queue.send([event], AbortSignal.timeout(3_000));
 * ```
 */
export class FetchSqsEventQueue implements EventQueue {
  readonly #core: SqsQueueCore;

  constructor(options: FetchSqsEventQueueOptions) {
    const client = new AwsJsonClient({ service: 'sqs', targetPrefix: 'AmazonSQS', contentType: 'application/x-amz-json-1.0' }, options);
    this.#core = new SqsQueueCore(options, (action, input, signal) => client.call(action, input, signal));
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
