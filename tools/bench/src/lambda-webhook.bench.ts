// The webhook Lambda bundle (apps/lambdas/dist/webhook/index.mjs) driven in process with the same 2,000 signed
// workflow_job events, first with the queue stubbed, then against moto's SQS (the SDK-free SigV4 client): events
// per second and p99 latency of one invocation, beside the floor measured in the same run (HMAC-SHA256 +
// JSON.parse of the same bodies). Target: at least half of the floor's rate with the queue stubbed.
// Run `pnpm --filter @ghr/lambdas build` first (and moto must be findable for the second half).
import { createHmac } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { FetchSqsEventQueue } from '@ghr/aws/fetch';
import { startMoto, testClientConfig } from '@ghr/aws/testing';
import { encodeResolvedConfig } from '@ghr/core';
import type { EventQueue, GhrConfig, Pool } from '@ghr/core';
import { workflowJobDeliveries } from './webhook.bench.js';
import type { Delivery } from './webhook.bench.js';

const EVENTS = 2_000;
const SECRET = 'bench-lambda-webhook-secret-0123456789';
const BUNDLE = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'apps', 'lambdas', 'dist', 'webhook', 'index.mjs');

interface Figures {
  readonly perSecond: number;
  readonly p50: number;
  readonly p99: number;
}

type Handler = (event: unknown, context: unknown) => Promise<{ statusCode?: number }>;
interface WebhookBundle {
  createWebhookFunction(options: Record<string, unknown>): Handler;
  readLambdaConfig(env: Record<string, string>): Record<string, unknown>;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function figures(latencies: number[], totalMs: number): Figures {
  latencies.sort((a, b) => a - b);
  return { perSecond: (latencies.length / totalMs) * 1000, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

function pools(): Pool[] {
  return Array.from({ length: 7 }, (_, k) => ({
    id: `pool-${k}`,
    labels: ['self-hosted', 'linux', 'x64', 'arm64', `pool-${k}`],
    match: 'subset',
    priority: 0,
    scope: { kind: 'org', org: 'octo-org' },
    ephemeral: true,
    maxRunners: 100,
    warm: [],
    idleTimeout: 300_000,
    minimumLifetime: 0,
    bootTimeout: 600_000,
    maxRuntime: 86_400_000,
    drainOrder: 'oldest-first',
    instance: {},
  }));
}

function apiEvent(d: Delivery) {
  return {
    version: '2.0',
    routeKey: 'POST /webhook',
    rawPath: '/webhook',
    rawQueryString: '',
    headers: d.headers,
    body: d.body,
    isBase64Encoded: false,
    requestContext: { http: { method: 'POST', path: '/webhook' } },
  };
}

const context = { awsRequestId: 'bench', functionName: 'ghr-webhook', invokedFunctionArn: 'arn', memoryLimitInMB: '256', getRemainingTimeInMillis: () => 10_000 };

async function drive(fn: Handler, all: readonly Delivery[]): Promise<Figures> {
  const latencies: number[] = [];
  const start = performance.now();
  for (const d of all) {
    const t0 = performance.now();
    const response = await fn(apiEvent(d), context);
    latencies.push(performance.now() - t0);
    if (response.statusCode !== 202) throw new Error(`the webhook answered ${response.statusCode}, not 202: the bench must take the whole accept path`);
  }
  return figures(latencies, performance.now() - start);
}

function floor(all: readonly Delivery[]): Figures {
  const latencies: number[] = [];
  let sink = 0;
  const start = performance.now();
  for (const d of all) {
    const t0 = performance.now();
    createHmac('sha256', SECRET).update(d.body).digest();
    if ((JSON.parse(d.body) as { action?: string }).action) sink++;
    latencies.push(performance.now() - t0);
  }
  if (sink < 0) console.log(sink);
  return figures(latencies, performance.now() - start);
}

const row = (name: string, f: Figures, base?: Figures) =>
  `| ${name} | ${Math.round(f.perSecond).toLocaleString('en-US')} | ${f.p50.toFixed(3)} ms | ${f.p99.toFixed(3)} ms | ${base ? (f.perSecond / base.perSecond).toFixed(2) : '1.00'} |`;

/** Prints the figures. */
export async function run(): Promise<void> {
  if (!existsSync(BUNDLE)) throw new Error(`No webhook bundle at ${BUNDLE}: run \`pnpm --filter @ghr/lambdas build\` first.`);
  const env = {
    GHR_CONFIG_PARAMETER: '/ghr/bench/config',
    GHR_ENVIRONMENT: 'bench',
    GHR_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/ghr-events',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
  };
  Object.assign(process.env, env); // the bundle's module-level `handler` reads the environment at import
  const bundle = (await import(pathToFileURL(BUNDLE).href)) as WebhookBundle;
  const config = bundle.readLambdaConfig(env);
  const ghr: GhrConfig = {
    github: { url: 'https://github.com', apiUrl: 'https://api.github.com', auth: { kind: 'token', token: { ssm: '/ghr/bench/token' } }, webhookSecret: { ssm: '/ghr/bench/webhook' } },
    pools: pools(),
  };
  const values = new Map<string, string>([
    ['/ghr/bench/config', encodeResolvedConfig(ghr)],
    ['/ghr/bench/webhook', SECRET],
  ]);
  // SSM stands in as its cache would answer after the cold start (values kept for 5 minutes).
  const parameters = { get: async (n: string) => values.get(n)!, getMany: async (names: readonly string[]) => new Map(names.map((n) => [n, values.get(n)])) };
  const silent = () => undefined;
  const logger = { debug: silent, info: silent, warn: silent, error: silent, startInvocation: silent };
  const make = (queue: EventQueue) => bundle.createWebhookFunction({ config, queue, parameters, logger, writeMetrics: silent });
  const all = workflowJobDeliveries(EVENTS, SECRET, 'octo-org');
  const stubbed: EventQueue = { send: async () => ({ failed: [] }), receive: async () => [], ack: async () => undefined };

  // Warm-up (JIT), then the measured pass of each; the floor is measured around them in the same run.
  await drive(make(stubbed), workflowJobDeliveries(300, SECRET, 'octo-org'));
  floor(all);
  const floorBefore = floor(all);
  const stub = await drive(make(stubbed), all);
  const floorAfter = floor(all);
  const theFloor = floorBefore.perSecond >= floorAfter.perSecond ? floorBefore : floorAfter;

  let onMoto: Figures | undefined;
  let motoNote: string;
  try {
    const moto = await startMoto({ ...(process.env['PATH'] ? { path: process.env['PATH'] } : {}) });
    try {
      const sqs = new SQSClient(testClientConfig(moto.endpoint));
      const queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'ghr-bench-events' }))).QueueUrl!;
      const queue = new FetchSqsEventQueue({ queueUrl, endpoint: moto.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
      onMoto = await drive(make(queue), all);
      const queued = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }))).Attributes;
      motoNote = ` (${queued?.['ApproximateNumberOfMessages'] ?? '?'} messages queued)`;
      sqs.destroy();
    } finally {
      await moto.stop();
    }
  } catch (error) {
    motoNote = ` (moto unavailable: ${error instanceof Error ? error.message.split('\n')[0] : String(error)})`;
  }

  console.log(`${EVENTS} signed workflow_job events through the webhook bundle's handler, one at a time, in process`);
  console.log('| path | events/s | p50 | p99 | of the floor |');
  console.log('|---|---|---|---|---|');
  console.log(row('floor: HMAC-SHA256 + JSON.parse', theFloor));
  console.log(row('webhook handler, queue stubbed', stub, theFloor));
  if (onMoto) console.log(row(`webhook handler, moto SQS${motoNote}`, onMoto, theFloor));
  else console.log(`| webhook handler, moto SQS | -${motoNote} | | | |`);
  console.log(`target: queue stubbed >= 0.50 of the floor -> ${stub.perSecond / theFloor.perSecond >= 0.5 ? 'met' : 'NOT met'}`);
}
