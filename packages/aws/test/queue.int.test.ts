// The SQS event queue against moto: the EventQueue contract suite, plus batching, FIFO dedup and the DLQ.
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { describeEventQueueContract, jobEvent } from '@ghr/contracts';
import type { JobEvent } from '@ghr/core';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { parseJobEvent } from '../src/queue/job-event-codec.js';
import { parseSqsRecords, toBatchItemFailures } from '../src/queue/lambda.js';
import { SqsEventQueue } from '../src/queue/sqs-event-queue.js';
import { countCalls, resetMoto, startFaultProxy, testClients } from './setup/index.js';
import type { FaultProxy, TestClients } from './setup/index.js';

const endpoint = inject('motoEndpoint');
const signal = () => AbortSignal.timeout(30_000);

let aws: TestClients;
const calls = countCalls();
beforeAll(() => {
  aws = testClients(endpoint, { maxAttempts: 3 });
  calls.attach(aws.sqs);
});
afterAll(() => aws.destroy());

interface Queues {
  readonly url: string;
  readonly dlqUrl: string | undefined;
}

/** A queue with the given visibility timeout (s), and a DLQ after `maxReceives` receives when asked. */
async function createQueues(
  sqs: SQSClient,
  options: { readonly name?: string; readonly visibilitySeconds: number; readonly maxReceives?: number; readonly fifo?: boolean },
): Promise<Queues> {
  const name = options.name ?? 'ghr-events';
  const suffix = options.fifo ? '.fifo' : '';
  const fifoAttributes: Record<string, string> = options.fifo ? { FifoQueue: 'true' } : {};
  let dlqUrl: string | undefined;
  const attributes: Record<string, string> = { ...fifoAttributes, VisibilityTimeout: String(options.visibilitySeconds) };
  if (options.maxReceives !== undefined) {
    dlqUrl = (await sqs.send(new CreateQueueCommand({ QueueName: `${name}-dlq${suffix}`, Attributes: fifoAttributes }))).QueueUrl!;
    const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
    attributes.RedrivePolicy = JSON.stringify({ deadLetterTargetArn: arn, maxReceiveCount: options.maxReceives });
  }
  const url = (await sqs.send(new CreateQueueCommand({ QueueName: `${name}${suffix}`, Attributes: attributes }))).QueueUrl!;
  return { url, dlqUrl };
}

async function drain(sqs: SQSClient, url: string): Promise<JobEvent[]> {
  const out: JobEvent[] = [];
  for (;;) {
    const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, VisibilityTimeout: 30 }));
    if (!Messages?.length) return out;
    for (const m of Messages) {
      const parsed = parseJobEvent(m.Body ?? '');
      if (parsed.ok) out.push(parsed.event);
    }
  }
}

describeEventQueueContract(
  'SqsEventQueue on moto',
  async ({ visibilityTimeout, maxReceives }) => {
    await resetMoto(endpoint);
    const { url, dlqUrl } = await createQueues(aws.sqs, {
      visibilitySeconds: Math.ceil(visibilityTimeout / 1000),
      ...(maxReceives === undefined ? {} : { maxReceives }),
    });
    const queue = new SqsEventQueue({ queueUrl: url, client: aws.sqs });
    return dlqUrl === undefined ? { queue } : { queue, deadLetters: () => drain(aws.sqs, dlqUrl) };
  },
  // SQS counts visibility timeouts in whole seconds.
  { minVisibilityTimeout: 1000, maxReceiveBatch: 10 },
);

describe('SqsEventQueue on moto', () => {
  beforeEach(async () => {
    await resetMoto(endpoint);
  });

  it('sends 25 events and rejects an oversize one in failed, in 3 SendMessageBatch calls; all 25 arrive', async () => {
    const { url } = await createQueues(aws.sqs, { visibilitySeconds: 30 });
    calls.reset();
    const queue = new SqsEventQueue({ queueUrl: url, client: aws.sqs });
    const events = Array.from({ length: 25 }, (_, i) => jobEvent(i + 1));
    const oversize = jobEvent(99, { job: { ...jobEvent(99).job, name: 'x'.repeat(300_000) } });

    const { failed } = await queue.send([...events.slice(0, 12), oversize, ...events.slice(12)], signal());

    expect(failed.map((f) => [f.event.job.id, f.code])).toEqual([[99, 'invalid-input']]);
    expect(calls.count('SendMessageBatch')).toBe(3);
    const received = await queue.receive(30, signal());
    expect(received.map((m) => m.event.job.id).sort((a, b) => a - b)).toEqual(events.map((e) => e.job.id));
    await queue.ack(received.map((m) => m.id), signal());
    expect(calls.count('DeleteMessageBatch')).toBe(3);
  });

  it('packs events near the size limit into batches under 256 KB', async () => {
    const { url } = await createQueues(aws.sqs, { visibilitySeconds: 30 });
    calls.reset();
    const queue = new SqsEventQueue({ queueUrl: url, client: aws.sqs });
    const events = Array.from({ length: 5 }, (_, i) => jobEvent(i + 1, { job: { ...jobEvent(i + 1).job, name: 'y'.repeat(100_000) } }));
    expect((await queue.send(events, signal())).failed).toEqual([]);
    expect(calls.count('SendMessageBatch')).toBe(3); // 2 + 2 + 1 events of ~100 KB
    expect(await queue.receive(10, signal())).toHaveLength(5);
  });

  it('deduplicates a redelivered webhook on a FIFO queue by its delivery id', async () => {
    const { url } = await createQueues(aws.sqs, { visibilitySeconds: 30, fifo: true });
    const queue = new SqsEventQueue({ queueUrl: url, client: aws.sqs });
    const event = jobEvent(5);
    await queue.send([event], signal());
    await queue.send([{ ...event, receivedAt: event.receivedAt + 1_000 }], signal());
    await queue.send([jobEvent(6)], signal());
    const received = await queue.receive(10, signal());
    expect(received.map((m) => m.event.deliveryId).sort()).toEqual(['delivery-5', 'delivery-6']);
  });

  it('moves a message received maxReceives times without an ack to the DLQ (redrive policy)', async () => {
    const { url, dlqUrl } = await createQueues(aws.sqs, { visibilitySeconds: 30, maxReceives: 3 });
    const queue = new SqsEventQueue({ queueUrl: url, client: aws.sqs, visibilityTimeoutSeconds: 0 });
    await queue.send([jobEvent(1)], signal());

    const counts: number[] = [];
    for (let i = 0; i < 5; i += 1) counts.push(...(await queue.receive(10, signal())).map((m) => m.receiveCount));

    expect(counts).toEqual([1, 2, 3]);
    expect((await drain(aws.sqs, dlqUrl!)).map((e) => e.job.id)).toEqual([1]);
  });

  it('leaves an undecodable message in the queue for the DLQ and reports it to the Lambda consumer', async () => {
    const { url } = await createQueues(aws.sqs, { visibilitySeconds: 30 });
    const { SendMessageCommand } = await import('@aws-sdk/client-sqs');
    await aws.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: '{"not":"an event"}' }));
    await aws.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: JSON.stringify(jobEvent(3)) }));
    const raw = await aws.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ['ApproximateReceiveCount'] }),
    );
    const records = (raw.Messages ?? []).map((m) => ({ messageId: m.MessageId!, body: m.Body!, attributes: { ApproximateReceiveCount: m.Attributes?.ApproximateReceiveCount } }));

    const { messages, bad } = parseSqsRecords(records);

    expect(messages.map((m) => m.event.job.id)).toEqual([3]);
    expect(toBatchItemFailures(bad.map((b) => b.messageId))).toEqual({ batchItemFailures: [{ itemIdentifier: records.find((r) => r.body.includes('not'))!.messageId }] });
  });
});

describe('SqsEventQueue behind a fault proxy (failures moto never produces)', () => {
  let proxy: FaultProxy;
  let faulty: TestClients;
  beforeAll(async () => {
    proxy = await startFaultProxy(endpoint);
    faulty = testClients(proxy.endpoint, { maxAttempts: 1 });
  });
  afterAll(async () => {
    faulty.destroy();
    await proxy.close();
  });
  beforeEach(async () => {
    proxy.clear();
    await resetMoto(endpoint);
  });

  it('reports a throttled batch and partially failed entries in failed; every other event is queued', async () => {
    const { url } = await createQueues(aws.sqs, { visibilitySeconds: 30 });
    const queue = new SqsEventQueue({ queueUrl: url, client: faulty.sqs });
    // Second batch: throttled as a whole. Third batch: SQS accepts all but entry e2, which it reports as failed.
    proxy.add({
      action: 'SendMessageBatch',
      when: (r) => (r.json as { Entries: { MessageBody: string }[] }).Entries[0]!.MessageBody.includes('"id":11,'),
      times: 1,
      fault: { error: 'ThrottlingException' },
    });
    proxy.add({
      action: 'SendMessageBatch',
      when: (r) => (r.json as { Entries: { MessageBody: string }[] }).Entries[0]!.MessageBody.includes('"id":21,'),
      times: 1,
      fault: {
        rewriteRequest: (body) => {
          const input = JSON.parse(body) as { Entries: { Id: string }[] };
          return JSON.stringify({ ...input, Entries: input.Entries.filter((e) => e.Id !== 'e2') });
        },
        rewriteResponse: (body) => {
          const out = JSON.parse(body) as { Failed?: unknown[] };
          return JSON.stringify({ ...out, Failed: [{ Id: 'e2', Code: 'InternalError', SenderFault: false, Message: 'injected' }] });
        },
      },
    });
    const events = Array.from({ length: 25 }, (_, i) => jobEvent(i + 1));

    const { failed } = await queue.send(events, signal());

    expect(failed.map((f) => [f.event.job.id, f.code])).toEqual([
      ...Array.from({ length: 10 }, (_, i) => [11 + i, 'throttled']),
      [23, 'unavailable'],
    ]);
    const queued = (await new SqsEventQueue({ queueUrl: url, client: aws.sqs }).receive(30, signal())).map((m) => m.event.job.id);
    const failedIds = new Set(failed.map((f) => f.event.job.id));
    expect(queued.sort((a, b) => a - b)).toEqual(events.map((e) => e.job.id).filter((id) => !failedIds.has(id)));
  });
});
