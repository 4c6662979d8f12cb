// The SDK-free clients (`@ghr/aws/fetch`) against moto: the EventQueue contract for FetchSqsEventQueue, its
// DLQ and FIFO behaviour, FetchSsmParameters (String, SecureString, missing, cache), and errors translated once.
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import { describeEventQueueContract, jobEvent } from '@ghr/contracts';
import type { JobEvent } from '@ghr/core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { AwsError } from '../src/errors.js';
import { FetchSqsEventQueue } from '../src/fetch/sqs-fetch-queue.js';
import { FetchSsmParameters } from '../src/fetch/ssm-fetch-parameters.js';
import { parseJobEvent } from '../src/queue/job-event-codec.js';
import { resetMoto, startFaultProxy, testClients } from './setup/index.js';
import type { FaultProxy, TestClients } from './setup/index.js';

const endpoint = inject('motoEndpoint');
const signal = () => AbortSignal.timeout(30_000);
const access = { region: 'us-east-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } };

let aws: TestClients;
beforeAll(() => {
  aws = testClients(endpoint);
});
afterAll(() => aws.destroy());

async function createQueues(sqs: SQSClient, visibilitySeconds: number, maxReceives?: number, fifo = false): Promise<{ url: string; dlqUrl?: string }> {
  const suffix = fifo ? '.fifo' : '';
  const fifoAttributes: Record<string, string> = fifo ? { FifoQueue: 'true' } : {};
  const attributes: Record<string, string> = { ...fifoAttributes, VisibilityTimeout: String(visibilitySeconds) };
  let dlqUrl: string | undefined;
  if (maxReceives !== undefined) {
    dlqUrl = (await sqs.send(new CreateQueueCommand({ QueueName: `fetch-dlq${suffix}`, Attributes: fifoAttributes }))).QueueUrl!;
    const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
    attributes.RedrivePolicy = JSON.stringify({ deadLetterTargetArn: arn, maxReceiveCount: maxReceives });
  }
  const url = (await sqs.send(new CreateQueueCommand({ QueueName: `fetch-events${suffix}`, Attributes: attributes }))).QueueUrl!;
  return dlqUrl === undefined ? { url } : { url, dlqUrl };
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
  'FetchSqsEventQueue on moto',
  async ({ visibilityTimeout, maxReceives }) => {
    await resetMoto(endpoint);
    const { url, dlqUrl } = await createQueues(aws.sqs, Math.ceil(visibilityTimeout / 1000), maxReceives);
    const queue = new FetchSqsEventQueue({ ...access, endpoint, queueUrl: url });
    return dlqUrl === undefined ? { queue } : { queue, deadLetters: () => drain(aws.sqs, dlqUrl) };
  },
  { minVisibilityTimeout: 1000, maxReceiveBatch: 10 },
);

describe('FetchSqsEventQueue on moto', () => {
  beforeEach(() => resetMoto(endpoint));

  it('sends 25 events in batches, refuses an oversize one, and all 25 arrive', async () => {
    const { url } = await createQueues(aws.sqs, 30);
    const queue = new FetchSqsEventQueue({ ...access, endpoint, queueUrl: url });
    const events = Array.from({ length: 25 }, (_, i) => jobEvent(i + 1));
    const oversize = jobEvent(99, { job: { ...jobEvent(99).job, name: 'x'.repeat(300_000) } });
    const { failed } = await queue.send([...events.slice(0, 12), oversize, ...events.slice(12)], signal());
    expect(failed.map((f) => [f.event.job.id, f.code])).toEqual([[99, 'invalid-input']]);
    const received = await queue.receive(30, signal());
    expect(received.map((m) => m.event.job.id).sort((a, b) => a - b)).toEqual(events.map((e) => e.job.id));
    await queue.ack(received.map((m) => m.id), signal());
    expect(await queue.receive(10, signal())).toEqual([]);
  });

  it('deduplicates a redelivered webhook on a FIFO queue by its delivery id', async () => {
    const { url } = await createQueues(aws.sqs, 30, undefined, true);
    const queue = new FetchSqsEventQueue({ ...access, endpoint, queueUrl: url });
    await queue.send([jobEvent(5)], signal());
    await queue.send([{ ...jobEvent(5), receivedAt: 99 }], signal());
    expect((await queue.receive(10, signal())).map((m) => m.event.deliveryId)).toEqual(['delivery-5']);
  });

  it('reports every event of a batch as failed when the queue does not exist, with an AWS error code', async () => {
    const queue = new FetchSqsEventQueue({ ...access, endpoint, queueUrl: `${endpoint}/123456789012/missing`, retries: 0 });
    const { failed } = await queue.send([jobEvent(1), jobEvent(2)], signal());
    expect(failed).toHaveLength(2);
    expect(failed[0]?.message).toMatch(/QueueDoesNotExist|NonExistentQueue/);
    await expect(queue.receive(1, signal())).rejects.toBeInstanceOf(AwsError);
  });

  describe('behind a fault proxy', () => {
    let proxy: FaultProxy;
    beforeEach(async () => {
      proxy = await startFaultProxy(endpoint);
    });
    afterEach(() => proxy.close());

    it('retries a 503 and succeeds; without retries the 503 is a retryable unavailable error', async () => {
      const { url } = await createQueues(aws.sqs, 30);
      proxy.add({ action: 'SendMessageBatch', fault: { error: 'ServiceUnavailable', status: 503 }, times: 1 });
      const retrying = new FetchSqsEventQueue({ ...access, endpoint: proxy.endpoint, queueUrl: url });
      expect((await retrying.send([jobEvent(1)], signal())).failed).toEqual([]);

      proxy.add({ action: 'ReceiveMessage', fault: { error: 'ServiceUnavailable', status: 503 }, times: 1 });
      const once = new FetchSqsEventQueue({ ...access, endpoint: proxy.endpoint, queueUrl: url, retries: 0 });
      const error = await once.receive(1, signal()).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AwsError);
      expect(error).toMatchObject({ code: 'unavailable', retryable: true, httpStatus: 503 });
    });
  });
});

describe('FetchSsmParameters on moto', () => {
  beforeEach(() => resetMoto(endpoint));

  it('reads String and SecureString values (decrypted) in one call, and unknown names as undefined', async () => {
    await aws.ssm.send(new PutParameterCommand({ Name: '/ghr/test/config', Type: 'String', Value: '{"a":1}' }));
    await aws.ssm.send(new PutParameterCommand({ Name: '/ghr/test/secret', Type: 'SecureString', Value: 's3cr3t' }));
    const parameters = new FetchSsmParameters({ ...access, endpoint });
    const values = await parameters.getMany(['/ghr/test/config', '/ghr/test/secret', '/ghr/test/missing'], signal());
    expect([...values]).toEqual([
      ['/ghr/test/config', '{"a":1}'],
      ['/ghr/test/secret', 's3cr3t'],
      ['/ghr/test/missing', undefined],
    ]);
    const error = await parameters.get('/ghr/test/missing', signal()).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'AwsError', code: 'not-found' });
    expect(String((error as Error).message)).toContain('/ghr/test/missing');
  });

  it('serves cached values until the TTL passes, then reads again', async () => {
    await aws.ssm.send(new PutParameterCommand({ Name: '/ghr/test/rotating', Type: 'SecureString', Value: 'one' }));
    let now = 0;
    const parameters = new FetchSsmParameters({ ...access, endpoint, ttl: 1_000, clock: { now: () => now } });
    expect(await parameters.get('/ghr/test/rotating', signal())).toBe('one');
    await aws.ssm.send(new PutParameterCommand({ Name: '/ghr/test/rotating', Type: 'SecureString', Value: 'two', Overwrite: true }));
    expect(await parameters.get('/ghr/test/rotating', signal())).toBe('one');
    now = 1_001;
    expect(await parameters.get('/ghr/test/rotating', signal())).toBe('two');
  });

  it('fails with an unauthorized AwsError that names no value when the signature is wrong', async () => {
    const parameters = new FetchSsmParameters({ region: 'us-east-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' }, endpoint: `${endpoint}/nowhere`, retries: 0 });
    const error = await parameters.get('/ghr/test/x', signal()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwsError);
  });
});
