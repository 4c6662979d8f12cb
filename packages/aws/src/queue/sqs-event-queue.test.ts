import { DeleteMessageBatchCommand, ReceiveMessageCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { JobEvent } from '@ghr/core';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { SqsEventQueue } from './sqs-event-queue.js';

const sqs = mockClient(SQSClient);
const signal = () => AbortSignal.timeout(5_000);
const client = () => new SQSClient({ region: 'us-east-1' });

const event = (id: number, overrides: Partial<JobEvent> = {}): JobEvent => ({
  deliveryId: `delivery-${id}`,
  action: 'queued',
  job: { id, runId: 1000 + id, runAttempt: 1, labels: ['self-hosted', 'linux'] },
  repository: { owner: 'acme', repo: 'web' },
  poolId: 'linux',
  receivedAt: 1,
  ...overrides,
});

/** Answers every SendMessageBatch entry as successful. */
const acceptAll = () =>
  sqs.on(SendMessageBatchCommand).callsFake((input: { Entries: { Id: string }[] }) => ({
    Successful: input.Entries.map((e) => ({ Id: e.Id, MessageId: `m-${e.Id}`, MD5OfMessageBody: 'x' })),
  }));

describe('SqsEventQueue.send', () => {
  beforeEach(() => sqs.reset());

  it('sends 25 events in batches of 10, 10 and 5', async () => {
    acceptAll();
    const queue = new SqsEventQueue({ queueUrl: 'https://sqs/q', client: client() });
    const result = await queue.send(Array.from({ length: 25 }, (_, i) => event(i)), signal());
    expect(result.failed).toEqual([]);
    expect(sqs.commandCalls(SendMessageBatchCommand).map((c) => c.args[0].input.Entries!.length)).toEqual([10, 10, 5]);
    const first = sqs.commandCalls(SendMessageBatchCommand)[0]!.args[0].input.Entries![0]!;
    expect(JSON.parse(first.MessageBody!)).toEqual(event(0));
    expect(first.MessageDeduplicationId).toBeUndefined();
  });

  it('splits batches by size and rejects an oversize event in failed without sending it', async () => {
    acceptAll();
    const queue = new SqsEventQueue({ queueUrl: 'https://sqs/q', client: client(), maxMessageBytes: 2_000 });
    const big = (id: number) => event(id, { job: { ...event(id).job, name: 'x'.repeat(700) } });
    const huge = event(99, { job: { ...event(99).job, name: 'y'.repeat(3_000) } });

    const result = await queue.send([big(1), big(2), huge, big(3)], signal());

    expect(result.failed).toHaveLength(1);
    expect(result.failed[0]).toMatchObject({ event: huge, code: 'invalid-input' });
    expect(result.failed[0]!.message).toMatch(/over SQS's limit of 2000 bytes/);
    const sizes = sqs.commandCalls(SendMessageBatchCommand).map((c) => c.args[0].input.Entries!.length);
    expect(sizes).toEqual([2, 1]);
    for (const c of sqs.commandCalls(SendMessageBatchCommand)) {
      const bytes = c.args[0].input.Entries!.reduce((n, e) => n + Buffer.byteLength(e.MessageBody!), 0);
      expect(bytes).toBeLessThanOrEqual(2_000);
    }
  });

  it('uses the delivery id as deduplication id and the job as message group on FIFO queues', async () => {
    acceptAll();
    const queue = new SqsEventQueue({ queueUrl: 'https://sqs/q.fifo', client: client() });
    await queue.send([event(5)], signal());
    expect(sqs.commandCalls(SendMessageBatchCommand)[0]!.args[0].input.Entries![0]).toMatchObject({
      MessageDeduplicationId: 'delivery-5',
      MessageGroupId: 'job-5',
    });
    const byPool = new SqsEventQueue({ queueUrl: 'https://sqs/q.fifo', client: client(), fifoGroupBy: 'pool' });
    await byPool.send([event(6, { poolId: null })], signal());
    expect(sqs.commandCalls(SendMessageBatchCommand)[1]!.args[0].input.Entries![0]!.MessageGroupId).toBe('pool-unmatched');
  });

  it('maps per-entry failures and a failed call to failed events, keeping the others sent', async () => {
    sqs
      .on(SendMessageBatchCommand)
      .resolvesOnce({
        Successful: [{ Id: 'e0', MessageId: 'm', MD5OfMessageBody: 'x' }],
        Failed: [{ Id: 'e1', Code: 'InternalError', SenderFault: false, Message: 'try again' }],
      })
      .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } }));
    const queue = new SqsEventQueue({ queueUrl: 'https://sqs/q', client: client() });
    const events = Array.from({ length: 12 }, (_, i) => event(i));
    events.splice(1, 1, event(1)); // ten in the first batch, two in the second

    const { failed } = await queue.send(events, signal());

    expect(failed.map((f) => [f.event.job.id, f.code])).toEqual([
      [1, 'unavailable'],
      [2, 'unavailable'],
      [3, 'unavailable'],
      [4, 'unavailable'],
      [5, 'unavailable'],
      [6, 'unavailable'],
      [7, 'unavailable'],
      [8, 'unavailable'],
      [9, 'unavailable'],
      [10, 'throttled'],
      [11, 'throttled'],
    ]);
  });
});

describe('SqsEventQueue.receive and ack', () => {
  beforeEach(() => sqs.reset());

  it('asks for the receive count, uses the receipt handle as id and skips an undecodable body', async () => {
    sqs.on(ReceiveMessageCommand).resolves({
      Messages: [
        { MessageId: 'a', ReceiptHandle: 'rh-a', Body: JSON.stringify(event(1)), Attributes: { ApproximateReceiveCount: '3' } },
        { MessageId: 'b', ReceiptHandle: 'rh-b', Body: '{not json' },
      ],
    });
    const warnings: unknown[] = [];
    const logger = { debug: () => undefined, info: () => undefined, warn: (...a: unknown[]) => void warnings.push(a), error: () => undefined };
    const queue = new SqsEventQueue({ queueUrl: 'https://sqs/q', client: client(), logger, visibilityTimeoutSeconds: 30 });

    const messages = await queue.receive(5, signal());

    expect(messages).toEqual([{ id: 'rh-a', event: event(1), receiveCount: 3 }]);
    expect(sqs.commandCalls(ReceiveMessageCommand)[0]!.args[0].input).toMatchObject({
      MaxNumberOfMessages: 5,
      WaitTimeSeconds: 0,
      VisibilityTimeout: 30,
      MessageSystemAttributeNames: ['ApproximateReceiveCount'],
    });
    expect(warnings).toHaveLength(1);
    expect(JSON.stringify(warnings)).toContain('"messageId":"b"');
  });

  it('receives more than 10 with several calls, stopping at a short answer', async () => {
    const msgs = (n: number, from: number) =>
      Array.from({ length: n }, (_, i) => ({ MessageId: `${from + i}`, ReceiptHandle: `rh-${from + i}`, Body: JSON.stringify(event(from + i)) }));
    sqs.on(ReceiveMessageCommand).resolvesOnce({ Messages: msgs(10, 0) }).resolvesOnce({ Messages: msgs(3, 10) });
    const queue = new SqsEventQueue({ queueUrl: 'https://sqs/q', client: client() });
    expect(await queue.receive(25, signal())).toHaveLength(13);
    expect(sqs.commandCalls(ReceiveMessageCommand).map((c) => c.args[0].input.MaxNumberOfMessages)).toEqual([10, 10]);
  });

  it('acks in batches of 10 and ignores receipt handles that are no longer valid', async () => {
    sqs.on(DeleteMessageBatchCommand).resolves({ Successful: [], Failed: [{ Id: 'm0', Code: 'ReceiptHandleIsInvalid', SenderFault: true }] });
    const queue = new SqsEventQueue({ queueUrl: 'https://sqs/q', client: client() });
    await queue.ack(Array.from({ length: 12 }, (_, i) => `rh-${i}`), signal());
    expect(sqs.commandCalls(DeleteMessageBatchCommand).map((c) => c.args[0].input.Entries!.length)).toEqual([10, 2]);
  });

  it('throws a retryable error when SQS refuses a delete for another reason', async () => {
    sqs.on(DeleteMessageBatchCommand).resolves({ Successful: [], Failed: [{ Id: 'm0', Code: 'InternalError', SenderFault: false }] });
    const queue = new SqsEventQueue({ queueUrl: 'https://sqs/q', client: client() });
    await expect(queue.ack(['rh-0'], signal())).rejects.toMatchObject({ name: 'AwsError', retryable: true });
  });
});
