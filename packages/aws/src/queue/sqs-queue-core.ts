// The EventQueue logic on SQS, independent of the client that carries the calls: the AWS SDK (`SqsEventQueue`) or
// the light SigV4 fetch client (`FetchSqsEventQueue`). SQS's JSON protocol uses the SDK's shapes, so both speak
// the same plain objects here.
import { silentLogger } from '@ghr/core';
import type { EventQueue, GhrErrorCode, JobEvent, Logger, QueueMessage, SendResult } from '@ghr/core';
import { AwsError, toAwsError } from '../errors.js';
import { parseJobEvent } from './job-event-codec.js';

/** SQS's limit on one message, and on the sum of one `SendMessageBatch` (bytes). */
export const SQS_MAX_MESSAGE_BYTES = 262_144;
/** SQS's limit on entries per `SendMessageBatch`, `DeleteMessageBatch` and `ReceiveMessage`. */
export const SQS_MAX_BATCH_ENTRIES = 10;

/** The three SQS actions the queue uses, with the fields it reads (SDK and JSON protocol alike). */
export interface SqsActions {
  SendMessageBatch: {
    input: {
      QueueUrl: string;
      Entries: { Id: string; MessageBody: string; MessageDeduplicationId?: string; MessageGroupId?: string }[];
    };
    output: {
      Successful?: { Id?: string }[];
      Failed?: { Id?: string; SenderFault?: boolean; Code?: string; Message?: string }[];
    };
  };
  ReceiveMessage: {
    input: {
      QueueUrl: string;
      MaxNumberOfMessages: number;
      WaitTimeSeconds: number;
      MessageSystemAttributeNames: 'ApproximateReceiveCount'[];
      VisibilityTimeout?: number;
    };
    output: {
      Messages?: { MessageId?: string; ReceiptHandle?: string; Body?: string; Attributes?: Record<string, string> }[];
    };
  };
  DeleteMessageBatch: {
    input: { QueueUrl: string; Entries: { Id: string; ReceiptHandle: string }[] };
    output: { Failed?: { Id?: string; Code?: string }[] };
  };
}

/** Carries one SQS action; throws whatever its client throws (translated with `toAwsError` by the caller). */
export type SqsTransport = <A extends keyof SqsActions>(action: A, input: SqsActions[A]['input'], signal: AbortSignal) => Promise<SqsActions[A]['output']>;

/** The options both SQS queues share. */
export interface SqsQueueSettings {
  readonly queueUrl: string;
  /** FIFO queue semantics. Default: true when `queueUrl` ends in `.fifo`. */
  readonly fifo?: boolean;
  /**
   * FIFO only: what orders messages. `job` (default) keys `MessageGroupId` on the job id, so one job's events stay
   * in order while different jobs are consumed in parallel; `pool` serialises each pool's events (one in-flight
   * batch per pool). The engine absorbs reordering either way (status only moves forward).
   */
  readonly fifoGroupBy?: 'job' | 'pool';
  /** Largest message and batch, in bytes. Default {@link SQS_MAX_MESSAGE_BYTES}. */
  readonly maxMessageBytes?: number;
  /** `ReceiveMessage` long-poll wait (s) of the first call of a `receive`. Default 0 (short poll). */
  readonly waitTimeSeconds?: number;
  /** Visibility timeout of received messages (s). Default: the queue's. */
  readonly visibilityTimeoutSeconds?: number;
  /** Where undecodable messages are reported (they stay in the queue and reach its DLQ). Default silent. */
  readonly logger?: Logger;
}

type Failure = SendResult['failed'][number];
interface Pending {
  readonly event: JobEvent;
  readonly body: string;
  readonly bytes: number;
}

const encoder = new TextEncoder();

/** The queue logic shared by `SqsEventQueue` and `FetchSqsEventQueue` (internal: construct one of those). */
export class SqsQueueCore implements EventQueue {
  readonly #url: string;
  readonly #call: SqsTransport;
  readonly #fifo: boolean;
  readonly #groupBy: 'job' | 'pool';
  readonly #maxBytes: number;
  readonly #wait: number;
  readonly #visibility: number | undefined;
  readonly #logger: Logger;

  constructor(settings: SqsQueueSettings, transport: SqsTransport) {
    if (!settings.queueUrl) {
      throw new AwsError('An SQS event queue needs a queueUrl: pass the event queue URL in its options.', { code: 'invalid-config' });
    }
    this.#url = settings.queueUrl;
    this.#call = transport;
    this.#fifo = settings.fifo ?? settings.queueUrl.endsWith('.fifo');
    this.#groupBy = settings.fifoGroupBy ?? 'job';
    this.#maxBytes = settings.maxMessageBytes ?? SQS_MAX_MESSAGE_BYTES;
    this.#wait = settings.waitTimeSeconds ?? 0;
    this.#visibility = settings.visibilityTimeoutSeconds;
    this.#logger = settings.logger ?? silentLogger;
  }

  async send(events: readonly JobEvent[], signal: AbortSignal): Promise<SendResult> {
    const failed: Failure[] = [];
    const batches: Pending[][] = [];
    let current: Pending[] = [];
    let currentBytes = 0;
    for (const event of events) {
      const body = JSON.stringify(event);
      const bytes = encoder.encode(body).byteLength;
      if (bytes > this.#maxBytes) {
        failed.push({
          event,
          code: 'invalid-input',
          message: `The event of job ${event.job.id} (delivery ${event.deliveryId}) is ${bytes} bytes, over SQS's limit of ${this.#maxBytes} bytes per message: it was not queued; trim the event (labels, names) before sending.`,
        });
        continue;
      }
      if (current.length === SQS_MAX_BATCH_ENTRIES || currentBytes + bytes > this.#maxBytes) {
        batches.push(current);
        current = [];
        currentBytes = 0;
      }
      current.push({ event, body, bytes });
      currentBytes += bytes;
    }
    if (current.length > 0) batches.push(current);

    for (const batch of batches) {
      if (signal.aborted) {
        failed.push(...batch.map(({ event }) => failure(event, 'aborted', 'The send was aborted before this event was queued: send it again.')));
        continue;
      }
      failed.push(...(await this.#sendBatch(batch, signal)));
    }
    return { failed };
  }

  async receive(max: number, signal: AbortSignal): Promise<readonly QueueMessage[]> {
    const out: QueueMessage[] = [];
    let first = true;
    while (out.length < max) {
      const ask = Math.min(SQS_MAX_BATCH_ENTRIES, max - out.length);
      let messages: SqsActions['ReceiveMessage']['output']['Messages'];
      try {
        ({ Messages: messages } = await this.#call(
          'ReceiveMessage',
          {
            QueueUrl: this.#url,
            MaxNumberOfMessages: ask,
            WaitTimeSeconds: first ? this.#wait : 0,
            MessageSystemAttributeNames: ['ApproximateReceiveCount'],
            ...(this.#visibility === undefined ? {} : { VisibilityTimeout: this.#visibility }),
          },
          signal,
        ));
      } catch (err) {
        throw toAwsError(err, 'SQS ReceiveMessage from the event queue');
      }
      first = false;
      for (const m of messages ?? []) {
        const parsed = m.Body === undefined ? undefined : parseJobEvent(m.Body);
        if (!parsed?.ok || m.ReceiptHandle === undefined) {
          // Not acknowledged: it comes back until the redrive policy moves it to the dead-letter queue.
          this.#logger.warn('Undecodable message in the event queue left for the dead-letter queue', {
            messageId: m.MessageId,
            reason: parsed && !parsed.ok ? parsed.reason : 'no body or receipt handle',
          });
          continue;
        }
        out.push({
          id: m.ReceiptHandle,
          event: parsed.event,
          receiveCount: Math.max(1, Number(m.Attributes?.['ApproximateReceiveCount'] ?? '1') || 1),
        });
      }
      if ((messages?.length ?? 0) < ask) break;
    }
    return out;
  }

  async ack(messageIds: readonly string[], signal: AbortSignal): Promise<void> {
    const unique = [...new Set(messageIds)];
    const refused: string[] = [];
    for (let i = 0; i < unique.length; i += SQS_MAX_BATCH_ENTRIES) {
      const chunk = unique.slice(i, i + SQS_MAX_BATCH_ENTRIES);
      let out;
      try {
        out = await this.#call(
          'DeleteMessageBatch',
          { QueueUrl: this.#url, Entries: chunk.map((handle, j) => ({ Id: `m${j}`, ReceiptHandle: handle })) },
          signal,
        );
      } catch (err) {
        throw toAwsError(err, 'SQS DeleteMessageBatch on the event queue');
      }
      // An expired or unknown receipt handle: the message was already deleted or will come back; neither is lost.
      for (const f of out.Failed ?? []) if (f.Code !== 'ReceiptHandleIsInvalid') refused.push(`${f.Code ?? 'unknown'}`);
    }
    if (refused.length > 0) {
      throw new AwsError(
        `SQS refused to delete ${refused.length} acknowledged message(s) (${[...new Set(refused)].join(', ')}): they will be delivered again; ack them again later.`,
        { code: 'unavailable', retryable: true, awsCode: refused[0] },
      );
    }
  }

  async #sendBatch(batch: readonly Pending[], signal: AbortSignal): Promise<Failure[]> {
    const entries = batch.map(({ event, body }, i) => ({
      Id: `e${i}`,
      MessageBody: body,
      ...(this.#fifo
        ? {
            MessageDeduplicationId: event.deliveryId,
            MessageGroupId: this.#groupBy === 'pool' ? `pool-${event.poolId ?? 'unmatched'}` : `job-${event.job.id}`,
          }
        : {}),
    }));
    let out;
    try {
      out = await this.#call('SendMessageBatch', { QueueUrl: this.#url, Entries: entries }, signal);
    } catch (err) {
      const e = signal.aborted
        ? new AwsError("SQS SendMessageBatch was aborted: the caller's deadline passed.", { code: 'aborted', cause: err })
        : toAwsError(err, 'SQS SendMessageBatch to the event queue');
      return batch.map(({ event }) => failure(event, e.code, e.message));
    }
    const failures: Failure[] = [];
    const byId = new Map(batch.map(({ event }, i) => [`e${i}`, event]));
    for (const f of out.Failed ?? []) {
      const event = f.Id === undefined ? undefined : byId.get(f.Id);
      if (!event || f.Id === undefined) continue;
      byId.delete(f.Id);
      const code: GhrErrorCode = f.SenderFault ? 'invalid-input' : f.Code?.includes('Throttl') ? 'throttled' : 'unavailable';
      failures.push(failure(event, code, `SQS refused the event of job ${event.job.id} (${f.Code ?? 'unknown'}${f.Message ? `: ${f.Message}` : ''}).${f.SenderFault ? '' : ' Send it again later.'}`));
    }
    // Entries SQS neither accepted nor refused cannot be assumed queued.
    const accepted = new Set((out.Successful ?? []).map((s) => s.Id));
    for (const [id, event] of byId) {
      if (!accepted.has(id)) failures.push(failure(event, 'unavailable', `SQS did not confirm the event of job ${event.job.id}: send it again.`));
    }
    return failures;
  }
}

function failure(event: JobEvent, code: GhrErrorCode, message: string): Failure {
  return { event, code, message };
}
