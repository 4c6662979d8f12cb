// The whole AWS control plane over real HTTP on loopback: moto for AWS (the functions reach it through a counting
// proxy), the simulated GitHub sending signed webhooks to an API Gateway-like front, an SQS event source mapping,
// an EventBridge-like timer, and a runner agent for every instance. The functions are the apps' own factories
// wired from an environment as Lambda would give it (config and secrets in SSM), writing their JSON logs to
// stdout, which the world captures.
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { GetParametersByPathCommand, PutParameterCommand } from '@aws-sdk/client-ssm';
import { DynamoDbLedger, ledgerCreateTableInput } from '@ghr/aws/dynamodb';
import { createEc2Fixture, resetMoto, startFaultProxy, testClients } from '@ghr/aws/testing';
import type { FaultProxy, TestClients } from '@ghr/aws/testing';
import { ALIVE_RUNNER_STATES, encodeResolvedConfig } from '@ghr/core';
import type { EngineOptions, GhrConfig, Pool } from '@ghr/core';
import { SimulatedGitHubControl, startSimulatedGitHub } from '@ghr/sim';
import type { FaultConfig, SimulatedGitHub } from '@ghr/sim';
import type { SqsBatchResponse } from '@ghr/aws/lambda';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, SQSEvent } from 'aws-lambda';
import { readLambdaConfig } from '../../src/config.js';
import type { LambdaConfig } from '../../src/config.js';
import { wireControlPlane } from '../../src/control-plane/deps.js';
import type { ControlPlane } from '../../src/control-plane/deps.js';
import type { FunctionLogger } from '../../src/runtime/log-keys.js';
import type { EmfMetrics } from '@ghr/aws/metrics';
import { createReconcileFunction } from '../../src/reconcile/function.js';
import type { ReconcileSummary } from '../../src/reconcile/function.js';
import { createScaleUpFunction } from '../../src/scale-up/function.js';
import { createTerminationWatcherFunction } from '../../src/termination-watcher/function.js';
import type { Ec2LifecycleEvent } from '../../src/termination-watcher/function.js';
import { createWebhookFunction } from '../../src/webhook/function.js';
import { startHttpFront } from './http-front.js';
import type { HttpFront } from './http-front.js';
import { FunctionSpec, Invocations, invoke } from './lambda-runtime.js';
import { startRunnerAgent } from './runner-agent.js';
import type { RunnerAgent } from './runner-agent.js';
import { startSqsPoller } from './sqs-poller.js';
import type { SqsPoller } from './sqs-poller.js';

export const ENVIRONMENT = 'e2e';
export const HANDOFF_PREFIX = '/ghr/e2e/runners';
const WEBHOOK_SECRET = 'e2e-webhook-secret-4f1c9a7d2b';
const TABLE = 'ghr-e2e-ledger';

/** A pool of the scenario. */
export interface PoolSpec {
  readonly id: string;
  readonly labels: readonly string[];
  readonly maxRunners: number;
}

/** Options of {@link startWorld}. */
export interface WorldOptions {
  readonly pools: readonly PoolSpec[];
  /** Faults of the simulated GitHub (lost webhooks, ...). */
  readonly githubFaults?: FaultConfig;
  /** Wraps the scale-up function's wiring (a crash midway). */
  readonly wrapScaleUp?: (plane: ControlPlane) => ControlPlane;
  /** Interval of the reconcile timer (ms); default 2,000. */
  readonly sweepIntervalMs?: number;
  /** The queue's visibility timeout (s) and the scale-up function's timeout (ms). */
  readonly visibilityTimeoutSeconds?: number;
}

/** A log line a function wrote. */
export type LogLine = Record<string, unknown>;

/** What is left over after a scenario; every list must be empty. */
export interface Leftovers {
  readonly unfinishedJobs: readonly number[];
  readonly instances: readonly string[];
  readonly registrations: readonly string[];
  readonly handoffs: readonly string[];
  readonly queueMessages: number;
  readonly deadLetters: number;
  readonly aliveRunnersInLedger: readonly string[];
  readonly ledgerJobsNotCompleted: readonly number[];
}

/** A running world. */
export interface World {
  readonly github: SimulatedGitHub;
  readonly control: SimulatedGitHubControl;
  readonly front: HttpFront;
  readonly poller: SqsPoller;
  readonly agent: RunnerAgent;
  readonly proxy: FaultProxy;
  readonly aws: TestClients;
  readonly ledger: DynamoDbLedger;
  readonly invocations: Invocations;
  readonly logs: LogLine[];
  readonly lambdaConfig: LambdaConfig;
  readonly webhookSecret: string;
  /** When the world started (epoch ms). */
  readonly startedAt: number;
  /** Sends an EC2 lifecycle event to the termination watcher, as EventBridge would. */
  ec2Event(detailType: string, instanceId: string, state?: string): Promise<unknown>;
  /** Waits until every job completed and nothing is left; returns what is left at the timeout. */
  settle(timeoutMs: number): Promise<Leftovers>;
  leftovers(): Promise<Leftovers>;
  /** Tags and log lines of what is left, to say why (printed when a scenario fails). */
  explain(left: Leftovers): Promise<string>;
  /** GitHub REST calls (by route) and AWS calls (by action) the functions made. */
  calls(): { github: Record<string, number>; aws: Record<string, number> };
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function poolsFor(specs: readonly PoolSpec[], fixturePool: (id: string) => Pool): Pool[] {
  return specs.map((s) => ({
    ...fixturePool(s.id),
    labels: s.labels,
    match: 'exact',
    maxRunners: s.maxRunners,
    idleTimeout: 5_000,
    bootTimeout: 15_000,
  }));
}

/** Captures the JSON lines a stream gets (the functions' logs, EMF metrics) until the returned restore is called. */
function captureJsonLines(stream: NodeJS.WriteStream, lines: LogLine[]): () => void {
  const original = stream.write.bind(stream);
  let pending = '';
  stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    if (!text.startsWith('{') && pending === '') return original(chunk, ...(rest as []));
    pending += text;
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      try {
        lines.push(JSON.parse(line) as LogLine);
      } catch {
        lines.push({ unparsed: line });
      }
    }
    const callback = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
    callback?.();
    return true;
  }) as typeof stream.write;
  return () => {
    stream.write = original;
  };
}

/** Starts a world on a reset moto. */
export async function startWorld(motoEndpoint: string, options: WorldOptions): Promise<World> {
  const startedAt = Date.now();
  await resetMoto(motoEndpoint);
  const logs: LogLine[] = [];
  // Powertools writes INFO to stdout and WARN/ERROR to stderr, as console does.
  const restoreOut = captureJsonLines(process.stdout, logs);
  const restoreErr = captureJsonLines(process.stderr, logs);
  const aws = testClients(motoEndpoint, { maxAttempts: 3 });
  const proxy = await startFaultProxy(motoEndpoint);
  const invocations = new Invocations();
  const visibility = options.visibilityTimeoutSeconds ?? 30;

  // AWS resources as the CDK construct would create them.
  const dlqUrl = (await aws.sqs.send(new CreateQueueCommand({ QueueName: 'ghr-e2e-events-dlq' }))).QueueUrl!;
  const dlqArn = (await aws.sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }))).Attributes!['QueueArn']!;
  const queueUrl = (
    await aws.sqs.send(
      new CreateQueueCommand({
        QueueName: 'ghr-e2e-events',
        Attributes: { VisibilityTimeout: String(visibility), RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 5 }) },
      }),
    )
  ).QueueUrl!;
  const queueArn = (await aws.sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }))).Attributes!['QueueArn']!;
  await aws.dynamodb.send(new CreateTableCommand(ledgerCreateTableInput(TABLE)));
  const fixture = await createEc2Fixture(aws.ec2);

  // GitHub, and the deployed config in SSM.
  const github = await startSimulatedGitHub({ webhookSecret: WEBHOOK_SECRET, webhookConcurrency: 4, ...(options.githubFaults ? { faults: options.githubFaults } : {}) });
  const control = new SimulatedGitHubControl(github.url);
  await control.createOrg({ login: 'acme' });
  await control.createRepo({ owner: 'acme', name: 'web' });
  await control.createInstallation({ account: 'acme' });
  const config: GhrConfig = {
    github: {
      url: github.url,
      apiUrl: github.apiUrl,
      auth: { kind: 'app', appId: github.app.id, privateKey: { ssm: '/ghr/e2e/github-app-key' } },
      webhookSecret: { ssm: '/ghr/e2e/webhook-secret' },
      previousWebhookSecret: { ssm: '/ghr/e2e/previous-webhook-secret' },
    },
    pools: poolsFor(options.pools, fixture.pool),
  };
  await aws.ssm.send(new PutParameterCommand({ Name: '/ghr/e2e/config', Type: 'String', Value: encodeResolvedConfig(config), Tier: 'Advanced' }));
  await aws.ssm.send(new PutParameterCommand({ Name: '/ghr/e2e/webhook-secret', Type: 'SecureString', Value: WEBHOOK_SECRET }));
  await aws.ssm.send(new PutParameterCommand({ Name: '/ghr/e2e/github-app-key', Type: 'SecureString', Value: github.app.privateKey! }));

  // The functions, configured from an environment as Lambda gives it.
  const lambdaConfig = readLambdaConfig({
    GHR_CONFIG_PARAMETER: '/ghr/e2e/config',
    GHR_ENVIRONMENT: ENVIRONMENT,
    GHR_QUEUE_URL: queueUrl,
    GHR_TABLE_NAME: TABLE,
    GHR_HANDOFF_PREFIX: HANDOFF_PREFIX,
    GHR_METRICS_NAMESPACE: 'ghr-e2e',
    GHR_AWS_ENDPOINT: proxy.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_SESSION_TOKEN: 'e2e-session-token',
    AWS_LAMBDA_FUNCTION_NAME: 'ghr-e2e',
  });
  const engineOptions: EngineOptions = { redeliveryInterval: 1_000, listingInterval: 2_000, launchBackoff: 200, cleanupTimeout: 2_000 };
  const webhook = new FunctionSpec<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>('ghr-e2e-webhook', 5_000, () =>
    createWebhookFunction({ config: { ...lambdaConfig, functionName: 'ghr-e2e-webhook' } }),
  );
  const wrap = options.wrapScaleUp;
  const scaleUp = new FunctionSpec<SQSEvent, SqsBatchResponse>('ghr-e2e-scale-up', Math.min(25, visibility - 2) * 1000, () =>
    createScaleUpFunction({
      config: { ...lambdaConfig, functionName: 'ghr-e2e-scale-up' },
      engineOptions,
      ...(wrap
        ? {
            wire: async (parts: { readonly logger: FunctionLogger; readonly metrics: EmfMetrics }) =>
              wrap(await wireControlPlane({ ...lambdaConfig, functionName: 'ghr-e2e-scale-up' }, { ...parts, engineOptions })),
          }
        : {}),
    }),
  );
  const reconcile = new FunctionSpec<Record<string, unknown>, ReconcileSummary>('ghr-e2e-reconcile', 30_000, () =>
    createReconcileFunction({ config: { ...lambdaConfig, functionName: 'ghr-e2e-reconcile' }, engineOptions }),
  );
  const watcher = new FunctionSpec<Ec2LifecycleEvent, unknown>('ghr-e2e-termination-watcher', 10_000, () =>
    createTerminationWatcherFunction({ config: { ...lambdaConfig, functionName: 'ghr-e2e-termination-watcher' }, engineOptions }),
  );

  const front = await startHttpFront(webhook, invocations);
  await control.setWebhook({ url: `${front.url}/webhook`, secret: WEBHOOK_SECRET });
  const poller = startSqsPoller({ sqs: aws.sqs, queueUrl, queueArn, fn: scaleUp, invocations, batchSize: 10, batchWindowMs: 200, concurrency: 3 });
  const agent = startRunnerAgent({ ec2: aws.ec2, ssm: aws.ssm, control, environment: ENVIRONMENT, handoffPrefix: HANDOFF_PREFIX });
  let timerRunning = true;
  const timer = (async () => {
    while (timerRunning) {
      await sleep(options.sweepIntervalMs ?? 2_000);
      if (!timerRunning) break;
      await invoke(reconcile, { source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} }, invocations).catch(() => undefined);
    }
  })();
  const ledger = new DynamoDbLedger({ tableName: TABLE, client: aws.dynamodb });

  const leftovers = async (): Promise<Leftovers> => {
    const signal = AbortSignal.timeout(60_000);
    const jobs = await control.listJobs();
    const runners = await control.listRunners();
    const described = await aws.ec2.send(
      new DescribeInstancesCommand({
        Filters: [
          { Name: 'tag:ghr:environment', Values: [ENVIRONMENT] },
          { Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped'] },
        ],
      }),
    );
    const handoffs = await aws.ssm.send(new GetParametersByPathCommand({ Path: HANDOFF_PREFIX, Recursive: true }));
    const count = async (url: string) => {
      const a = (await aws.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }))).Attributes ?? {};
      return Number(a['ApproximateNumberOfMessages'] ?? 0) + Number(a['ApproximateNumberOfMessagesNotVisible'] ?? 0);
    };
    const alive = await ledger.listRunners({ states: ALIVE_RUNNER_STATES }, signal);
    const open = await ledger.listJobs({ statuses: ['queued', 'waiting', 'in_progress'] }, signal);
    return {
      unfinishedJobs: jobs.filter((j) => j.status !== 'completed').map((j) => j.id),
      instances: (described.Reservations ?? []).flatMap((r) => r.Instances ?? []).map((i) => i.InstanceId!),
      registrations: runners.map((r) => r.name),
      handoffs: (handoffs.Parameters ?? []).map((p) => p.Name!),
      queueMessages: await count(queueUrl),
      deadLetters: await count(dlqUrl),
      aliveRunnersInLedger: alive.map((r) => `${r.name}:${r.state}`),
      ledgerJobsNotCompleted: open.map((j) => j.id),
    };
  };

  const clean = (l: Leftovers) =>
    l.unfinishedJobs.length + l.instances.length + l.registrations.length + l.handoffs.length + l.queueMessages + l.aliveRunnersInLedger.length + l.ledgerJobsNotCompleted.length === 0;

  return {
    github,
    control,
    front,
    poller,
    agent,
    proxy,
    aws,
    ledger,
    invocations,
    logs,
    lambdaConfig,
    webhookSecret: WEBHOOK_SECRET,
    startedAt,
    ec2Event: (detailType, instanceId, state) =>
      invoke(
        watcher,
        {
          version: '0',
          id: `${Date.now()}`,
          'detail-type': detailType,
          source: 'aws.ec2',
          account: '123456789012',
          time: new Date().toISOString(),
          region: 'us-east-1',
          resources: [`arn:aws:ec2:us-east-1:123456789012:instance/${instanceId}`],
          detail: { 'instance-id': instanceId, ...(state ? { state } : { 'instance-action': 'terminate' }) },
        },
        invocations,
      ),
    leftovers,
    settle: async (timeoutMs) => {
      const until = Date.now() + timeoutMs;
      let last = await leftovers();
      let cleanRounds = 0;
      while (Date.now() < until) {
        await github.flushWebhooks();
        last = await leftovers().catch(() => last);
        if (process.env['GHR_E2E_TRACE']) {
          const jobs = await control.listJobs();
          const by = (st: string) => jobs.filter((j) => j.status === st).length;
          console.log(`t+${((Date.now() - startedAt) / 1000).toFixed(1)}s queued ${by('queued')} running ${by('in_progress')} done ${by('completed')} instances ${last.instances.length} regs ${last.registrations.length} alive ${last.aliveRunnersInLedger.length} queue ${last.queueMessages} webhooks ${JSON.stringify(github.counters().webhooks)}`);
        }
        cleanRounds = clean(last) ? cleanRounds + 1 : 0;
        if (cleanRounds >= 2) return last;
        await sleep(1_500);
      }
      return last;
    },
    explain: async (left) => {
      const out: string[] = [];
      if (left.instances.length > 0) {
        const d = await aws.ec2.send(new DescribeInstancesCommand({ InstanceIds: [...left.instances] }));
        for (const i of (d.Reservations ?? []).flatMap((r) => r.Instances ?? [])) {
          const tags = Object.fromEntries((i.Tags ?? []).map((t) => [t.Key, t.Value]));
          const name = tags['ghr:runner'];
          const agentView = agent.machines.get(i.InstanceId!);
          out.push(`${i.InstanceId} ${i.State?.Name} launched ${i.LaunchTime?.toISOString()} tags ${JSON.stringify(tags)} agent ${JSON.stringify(agentView ?? null)}`);
          for (const l of logs) {
            const t = JSON.stringify(l);
            if ((name && t.includes(name)) || t.includes(i.InstanceId!)) out.push(`    ${String(l['service'])} ${String(l['message'])} ${t.slice(0, 400)}`);
          }
        }
      }
      return out.join('\n');
    },
    calls: () => {
      const githubCalls: Record<string, number> = {};
      for (const [route, n] of Object.entries(github.counters().requests)) if (!route.includes('/_sim')) githubCalls[route] = n;
      const awsCalls: Record<string, number> = {};
      for (const c of proxy.calls) awsCalls[c.action] = (awsCalls[c.action] ?? 0) + 1;
      return { github: githubCalls, aws: awsCalls };
    },
    stop: async () => {
      timerRunning = false;
      await Promise.allSettled([poller.stop(), agent.stop(), timer]);
      await invocations.drain(20_000);
      await front.close();
      await github.close();
      await proxy.close();
      aws.destroy();
      restoreOut();
      restoreErr();
    },
  };
}
