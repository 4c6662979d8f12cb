// The webhook function (API Gateway HTTP API payload 2.0, or a function URL): the request handling is core's
// run layer (`createWebhookHandler`: verify → dedupe → match → enqueue → status); this file adds Lambda's event
// shape and the wiring. Its bundle holds no AWS SDK: SQS and SSM are spoken over fetch (`@ghr/aws/fetch`), which
// keeps the cold start within the webhook's budget.
import { FetchSqsEventQueue } from '@ghr/aws/fetch';
import type { FetchSsmParameters } from '@ghr/aws/fetch';
import { EmfMetrics } from '@ghr/aws/metrics';
import { createWebhookHandler } from '@ghr/core';
import type { EventQueue, GhrConfig, WebhookHandler } from '@ghr/core';
import { verifyAndParse } from '@ghr/github/webhooks';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { requireSetting } from '../config.js';
import type { LambdaConfig } from '../config.js';
import { invocationDeadline } from '../runtime/deadline.js';
import { loadDeployedConfig, parameterReader, ssmName } from '../runtime/deployed-config.js';
import { createJsonLogger } from '../runtime/json-logger.js';
import type { FunctionLogger } from '../runtime/logging.js';
import { once } from '../runtime/once.js';

/** Time kept back for the answer: GitHub waits 10 s, API Gateway 30 s; the function's timeout is short. */
const WEBHOOK_MARGIN_MS = 500;

/** What the webhook function is built from; everything but `config` has a default (tests and benchmarks inject). */
export interface WebhookFunctionOptions {
  readonly config: LambdaConfig;
  /** Default: `FetchSqsEventQueue` on `GHR_QUEUE_URL`. */
  readonly queue?: EventQueue;
  /** Default: the SDK-free SSM reader of the function's region. */
  readonly parameters?: FetchSsmParameters;
  /** Default: JSON lines to stdout in Powertools Logger's format (see runtime/json-logger.ts for why not Powertools). */
  readonly logger?: FunctionLogger;
  /** Where EMF lines go. Default stdout. */
  readonly writeMetrics?: (line: string) => void;
}

/** A Lambda handler of HTTP API (payload 2.0) and function URL events. */
export type WebhookFunction = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

interface Wired {
  readonly handle: WebhookHandler;
  /** Reads the webhook secrets (cached for the TTL) into what `handle` verifies with. */
  readonly refreshSecrets: (signal: AbortSignal) => Promise<void>;
}

/**
 * Builds the webhook function. Ports are wired at the first invocation of an execution environment (config and
 * secrets from SSM), then reused; the secrets are re-read from SSM every 5 minutes (rotation: the current and the
 * previous webhook secret both verify).
 *
 * @example
 * ```ts
 * export const handler = createWebhookFunction({ config: lambdaConfig() });
 * ```
 */
export function createWebhookFunction(options: WebhookFunctionOptions): WebhookFunction {
  const { config } = options;
  const log =
    options.logger ??
    createJsonLogger({
      serviceName: config.functionName,
      level: config.logLevel,
      environment: config.environment,
    });
  const metrics = new EmfMetrics({
    namespace: config.metricsNamespace,
    defaultDimensions: { environment: config.environment },
    ...(options.writeMetrics ? { write: options.writeMetrics } : {}),
  });
  const parameters = options.parameters ?? parameterReader(config);
  const queue =
    options.queue ??
    new FetchSqsEventQueue({
      queueUrl: requireSetting(config, 'queueUrl'),
      region: config.region,
      credentials: config.credentials,
      ...(config.awsEndpoint ? { endpoint: config.awsEndpoint } : {}),
      logger: log,
    });

  const wire = once(async (): Promise<Wired> => {
    const ghr: GhrConfig = await loadDeployedConfig(config, parameters, AbortSignal.timeout(5_000));
    const names = [ssmName(ghr.github.webhookSecret, 'github.webhookSecret')];
    if (ghr.github.previousWebhookSecret) names.push(ssmName(ghr.github.previousWebhookSecret, 'github.previousWebhookSecret'));
    let secrets: readonly string[] = [];
    const refreshSecrets = async (signal: AbortSignal): Promise<void> => {
      const values = await parameters.getMany(names, signal);
      secrets = names.map((n) => values.get(n)).filter((v): v is string => v !== undefined && v !== '');
    };
    const handle = createWebhookHandler({
      verify: (request, receivedAt) => verifyAndParse({ ...request, secrets, receivedAt }),
      pools: ghr.pools,
      queue,
      logger: log,
      metrics,
    });
    return { handle, refreshSecrets };
  });

  return async (event, context) => {
    log.startInvocation(context);
    const deadline = invocationDeadline(context, WEBHOOK_MARGIN_MS);
    const { signal } = deadline;
    try {
      const { handle, refreshSecrets } = await wire();
      await refreshSecrets(signal);
      const body = event.body === undefined ? '' : event.isBase64Encoded ? Buffer.from(event.body, 'base64') : event.body;
      const response = await handle({ headers: event.headers ?? {}, body }, signal);
      return {
        statusCode: response.status,
        headers: { 'content-type': 'application/json' },
        body: response.body,
      };
    } catch (error) {
      // Config or secrets unreadable: GitHub records a failed delivery, which the sweep redelivers once SSM answers.
      log.error('webhook could not be handled: config or secrets unavailable', {
        error: error instanceof Error ? error.message : String(error),
      });
      return {
        statusCode: 503,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          outcome: 'unavailable',
          reason: 'The webhook function could not read its configuration; the delivery will be retried.',
        }),
      };
    } finally {
      deadline.clear();
      await metrics.flush();
    }
  };
}
