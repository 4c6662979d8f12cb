// The webhook and scale-up handlers with their ports stubbed: Lambda's event shapes in, Lambda's answers out.
import type { FetchSsmParameters } from '@ghr/aws/fetch';
import { poolFixture } from '@ghr/contracts';
import { encodeResolvedConfig } from '@ghr/core';
import type { Engine, EventQueue, GhrConfig, JobEvent } from '@ghr/core';
import { signWebhookBody } from '@ghr/github/webhooks';
import type { APIGatewayProxyEventV2, Context, SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { readLambdaConfig } from './config.js';
import type { ControlPlane } from './control-plane/deps.js';
import type { FunctionLogger } from './runtime/log-keys.js';
import { createScaleUpFunction } from './scale-up/function.js';
import { createWebhookFunction } from './webhook/function.js';

const config = readLambdaConfig({
  GHR_CONFIG_PARAMETER: '/ghr/t/config',
  GHR_ENVIRONMENT: 't',
  GHR_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/1/q',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'a',
  AWS_SECRET_ACCESS_KEY: 'b',
});
const context = { awsRequestId: 'req-1', functionName: 'f', invokedFunctionArn: 'arn', memoryLimitInMB: '128', getRemainingTimeInMillis: () => 10_000 } as unknown as Context;
const ghr: GhrConfig = {
  github: {
    url: 'https://github.com',
    apiUrl: 'https://api.github.com',
    auth: { kind: 'app', appId: 1, privateKey: { ssm: '/ghr/t/key' } },
    webhookSecret: { ssm: '/ghr/t/webhook' },
    previousWebhookSecret: { ssm: '/ghr/t/webhook-previous' },
  },
  pools: [poolFixture('linux', { labels: ['self-hosted', 'linux'] })],
};

function quietLogger(lines: string[] = []): FunctionLogger {
  const at = (level: string) => (message: string) => void lines.push(`${level} ${message}`);
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), startInvocation: () => undefined };
}

function fakeParameters(values: Record<string, string>, fail = false): FetchSsmParameters {
  return {
    get: async (name: string) => {
      if (fail) throw new Error('SSM unavailable');
      const v = values[name];
      if (v === undefined) throw new Error(`missing ${name}`);
      return v;
    },
    getMany: async (names: readonly string[]) => new Map(names.map((n) => [n, values[n]])),
  } as unknown as FetchSsmParameters;
}

function apiEvent(body: string, secret: string, id = 'guid-1'): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: 'POST /webhook',
    rawPath: '/webhook',
    rawQueryString: '',
    isBase64Encoded: false,
    headers: { 'x-github-event': 'workflow_job', 'x-github-delivery': id, 'x-hub-signature-256': signWebhookBody(secret, body), 'content-type': 'application/json' },
    body,
    requestContext: {} as APIGatewayProxyEventV2['requestContext'],
  };
}

const queuedBody = JSON.stringify({
  action: 'queued',
  workflow_job: { id: 7, run_id: 70, run_attempt: 1, labels: ['self-hosted', 'linux'] },
  repository: { name: 'web', owner: { login: 'acme' } },
});

describe('webhook function', () => {
  const parameters = { '/ghr/t/config': encodeResolvedConfig(ghr), '/ghr/t/webhook': 'current-secret', '/ghr/t/webhook-previous': 'previous-secret' };

  it('queues a job signed with the current or the previous secret (202), refuses a bad signature (401)', async () => {
    const sent: JobEvent[] = [];
    const queue: EventQueue = { send: async (events) => (sent.push(...events), { failed: [] }), receive: async () => [], ack: async () => undefined };
    const fn = createWebhookFunction({ config, queue, parameters: fakeParameters(parameters), logger: quietLogger(), writeMetrics: () => undefined });
    const current = await fn(apiEvent(queuedBody, 'current-secret', 'g-1'), context);
    const previous = await fn(apiEvent(queuedBody, 'previous-secret', 'g-2'), context);
    const forged = await fn(apiEvent(queuedBody, 'someone-else', 'g-3'), context);
    expect([current.statusCode, previous.statusCode, forged.statusCode]).toEqual([202, 202, 401]);
    expect(JSON.parse(String(current.body))).toMatchObject({ outcome: 'accepted', poolId: 'linux', jobId: 7 });
    expect(sent.map((e) => [e.deliveryId, e.poolId])).toEqual([
      ['g-1', 'linux'],
      ['g-2', 'linux'],
    ]);
  });

  it('reads a base64 body as API Gateway sends binary payloads', async () => {
    const queue: EventQueue = { send: async () => ({ failed: [] }), receive: async () => [], ack: async () => undefined };
    const fn = createWebhookFunction({ config, queue, parameters: fakeParameters(parameters), logger: quietLogger(), writeMetrics: () => undefined });
    const event = apiEvent(queuedBody, 'current-secret');
    const response = await fn({ ...event, isBase64Encoded: true, body: Buffer.from(queuedBody).toString('base64') }, context);
    expect(response.statusCode).toBe(202);
  });

  it('answers 503 when its config cannot be read, and 503 when the queue refuses the event', async () => {
    const lines: string[] = [];
    const down = createWebhookFunction({ config, queue: {} as EventQueue, parameters: fakeParameters(parameters, true), logger: quietLogger(lines), writeMetrics: () => undefined });
    expect((await down(apiEvent(queuedBody, 'current-secret'), context)).statusCode).toBe(503);
    expect(lines.some((l) => l.startsWith('error'))).toBe(true);
    const refusing: EventQueue = { send: async () => Promise.reject(new Error('throttled')), receive: async () => [], ack: async () => undefined };
    const full = createWebhookFunction({ config, queue: refusing, parameters: fakeParameters(parameters), logger: quietLogger(), writeMetrics: () => undefined });
    expect((await full(apiEvent(queuedBody, 'current-secret'), context)).statusCode).toBe(503);
  });

  it('refuses a config whose webhook secret comes from the environment', async () => {
    const lines: string[] = [];
    const envSecret = encodeResolvedConfig({ ...ghr, github: { ...ghr.github, webhookSecret: { env: 'WEBHOOK_SECRET' } } });
    const fn = createWebhookFunction({ config, queue: {} as EventQueue, parameters: fakeParameters({ '/ghr/t/config': envSecret }), logger: quietLogger(lines), writeMetrics: () => undefined });
    expect((await fn(apiEvent(queuedBody, 'x'), context)).statusCode).toBe(503);
    expect(lines.join('\n')).toMatch(/error webhook could not be handled/);
  });
});

function sqsEvent(bodies: readonly string[]): SQSEvent {
  return {
    Records: bodies.map((body, i) => ({
      messageId: `m-${i}`,
      receiptHandle: `r-${i}`,
      body,
      attributes: { ApproximateReceiveCount: '1', SentTimestamp: '0', SenderId: 's', ApproximateFirstReceiveTimestamp: '0' },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:1:q',
      awsRegion: 'us-east-1',
    })),
  };
}

const jobEvent = (id: number): JobEvent => ({
  deliveryId: `d-${id}`,
  action: 'queued',
  job: { id, runId: id, runAttempt: 1, labels: ['self-hosted', 'linux'] },
  repository: { owner: 'acme', repo: 'web' },
  poolId: 'linux',
  receivedAt: 1,
});

function planeWith(engine: Partial<Engine>): () => Promise<ControlPlane> {
  return async () => ({ engine: engine as Engine }) as ControlPlane;
}

describe('scale-up function', () => {
  it('reports a poison message as a batch item failure and acknowledges the rest', async () => {
    const ingested: number[] = [];
    const fn = createScaleUpFunction({
      config,
      logger: quietLogger(),
      writeMetrics: () => undefined,
      wire: planeWith({
        ingest: async (events) => {
          ingested.push(...events.map((e) => e.job.id));
          return { events: events.map((e) => ({ deliveryId: e.deliveryId, jobId: e.job.id, outcome: 'applied' as const })), unprocessed: [], touchedPools: [], retired: [], jobs: [], runners: [] };
        },
      }),
    });
    const response = await fn(sqsEvent([JSON.stringify(jobEvent(1)), '{"not":"an event"}', JSON.stringify(jobEvent(2))]), context);
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm-1' }]);
    expect(ingested).toEqual([1, 2]);
  });

  it('keeps the whole batch when the engine throws, and only what ingest did not process otherwise', async () => {
    const throwing = createScaleUpFunction({ config, logger: quietLogger(), writeMetrics: () => undefined, wire: planeWith({ ingest: async () => Promise.reject(new Error('crash')) }) });
    const all = await throwing(sqsEvent([JSON.stringify(jobEvent(1)), JSON.stringify(jobEvent(2))]), context);
    expect(all.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(['m-0', 'm-1']);

    const partial = createScaleUpFunction({
      config,
      logger: quietLogger(),
      writeMetrics: () => undefined,
      wire: planeWith({
        ingest: async (events) => ({ events: [], unprocessed: [{ event: events[1]!, error: 'throttled' }], touchedPools: [], retired: [], jobs: [], runners: [] }),
      }),
    });
    const some = await partial(sqsEvent([JSON.stringify(jobEvent(1)), JSON.stringify(jobEvent(2))]), context);
    expect(some.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(['m-1']);
  });
});
