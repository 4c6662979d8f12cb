// `ghr serve` as a function: the webhook front, a queue worker that scales up, a full sweep on a timer, health and
// metrics, and a graceful stop. Everything it talks to comes in (ports), so the demo and the tests run the same
// code as the command over a real GitHub App.
import { createEngine, createWebhookHandler, scaleUp, silentLogger, sweep, systemClock } from '@ghr/core';
import type { Clock, Engine, EngineOptions, EventQueue, GitHubApi, Ledger, Logger, Pool, RunnerProvider, VerifyWebhook } from '@ghr/core';
import { verifyAndParse } from '@ghr/github/webhooks';
import { startServeHttp } from './http.js';
import type { ServeHttp } from './http.js';
import { PrometheusMetrics } from './metrics.js';
import type { Gauge } from './metrics.js';

/** What `ghr serve` runs on. */
export interface ServeOptions {
  readonly pools: readonly Pool[];
  readonly ledger: Ledger;
  readonly queue: EventQueue;
  readonly provider: RunnerProvider;
  readonly github: GitHubApi;
  /** The webhook secret, and while rotating the previous one: deliveries signed with either verify. */
  readonly webhookSecrets: readonly string[];
  /** Default `127.0.0.1`. */
  readonly host?: string;
  /** Default 8080; 0 picks a free port. */
  readonly port?: number;
  /** Full sweep every this many ms. Default {@link SERVE_DEFAULTS}.sweepInterval. */
  readonly sweepInterval?: number;
  /** How long the worker waits when the queue is empty (ms). */
  readonly pollInterval?: number;
  /** Messages per scale-up batch. */
  readonly batchSize?: number;
  /** Deadline of one step (a scale-up batch or a sweep), ms. */
  readonly stepTimeout?: number;
  /** How long `close` lets the running steps finish before it aborts them (ms). */
  readonly shutdownTimeout?: number;
  readonly engineOptions?: EngineOptions;
  readonly logger?: Logger;
  readonly clock?: Clock;
  /** Extra gauges for `/metrics` (queue depth, GitHub's rate budget), read at scrape time. */
  readonly gauges?: () => Promise<readonly Gauge[]> | readonly Gauge[];
}

/** Defaults of {@link ServeOptions}. */
export const SERVE_DEFAULTS = {
  host: '127.0.0.1',
  port: 8080,
  sweepInterval: 60_000,
  pollInterval: 500,
  batchSize: 10,
  stepTimeout: 60_000,
  shutdownTimeout: 30_000,
} as const;

/** Counters of a running server. */
export interface ServeStats {
  readonly batches: number;
  readonly messagesAcknowledged: number;
  readonly messagesRetried: number;
  readonly sweeps: number;
  readonly stepErrors: number;
  readonly lastSweepAt?: number;
}

/** A running `ghr serve`. */
export interface ServeRuntime {
  /** `http://host:port` of the HTTP front. */
  readonly url: string;
  /** Where GitHub should POST: `<url>/webhook`. */
  readonly webhookUrl: string;
  readonly engine: Engine;
  readonly metrics: PrometheusMetrics;
  stats(): ServeStats;
  /** Runs a full sweep now (waits for one already running). */
  sweepNow(): Promise<void>;
  /**
   * Stops gracefully: no new connections or steps, lets the running step finish (aborting it after
   * `shutdownTimeout`), so that every received message is acknowledged or left for redelivery.
   */
  close(): Promise<void>;
}

/**
 * Starts `ghr serve` on the given ports.
 *
 * @example
 * ```ts
 * const store = openLocalStore({ path: 'ghr.db' });
 * const serve = await startServe({ pools, ledger: store.ledger, queue: store.queue, provider, github, webhookSecrets: [secret] });
 * process.once('SIGTERM', () => void serve.close().then(() => store.close()));
 * ```
 */
export async function startServe(options: ServeOptions): Promise<ServeRuntime> {
  const o = { ...SERVE_DEFAULTS, ...stripUndefined(options) };
  const logger = options.logger ?? silentLogger;
  const clock = options.clock ?? systemClock;
  const metrics = new PrometheusMetrics();
  const engine = createEngine({
    ledger: options.ledger,
    github: options.github,
    provider: options.provider,
    pools: options.pools,
    clock,
    logger,
    metrics,
    ...(options.engineOptions ? { options: options.engineOptions } : {}),
  });
  const secrets = options.webhookSecrets.filter((s) => s.length > 0);
  const verify: VerifyWebhook = (request, receivedAt) => verifyAndParse({ ...request, secrets, receivedAt });
  const webhook = createWebhookHandler({ verify, pools: options.pools, queue: options.queue, clock, logger, metrics });

  const stop = new AbortController();
  let stopping = false;
  const stats = { batches: 0, messagesAcknowledged: 0, messagesRetried: 0, sweeps: 0, stepErrors: 0, lastSweepAt: undefined as number | undefined };
  const running = new Set<Promise<unknown>>();

  /** One step with its deadline; aborted as well when the shutdown grace runs out. */
  const step = <T>(name: string, work: (signal: AbortSignal) => Promise<T>): Promise<T | undefined> => {
    const signal = AbortSignal.any([AbortSignal.timeout(o.stepTimeout), stop.signal]);
    const promise = work(signal).catch((error: unknown) => {
      stats.stepErrors += 1;
      logger.error(`${name} failed`, { error: (error as Error).message });
      return undefined;
    });
    running.add(promise);
    void promise.finally(() => running.delete(promise));
    return promise;
  };

  const scaleUpStep = () =>
    step('scale-up', async (signal) => {
      const messages = await options.queue.receive(o.batchSize, signal);
      if (messages.length === 0) return false;
      const result = await scaleUp(engine, messages, signal);
      if (result.acknowledge.length > 0) await options.queue.ack(result.acknowledge, AbortSignal.timeout(5_000));
      stats.batches += 1;
      stats.messagesAcknowledged += result.acknowledge.length;
      stats.messagesRetried += result.retry.length;
      if (result.reconcileError !== undefined) logger.warn('scale-up reconcile failed; its queued events will be retried', { error: result.reconcileError });
      logger.debug('scale-up batch', { messages: messages.length, acknowledged: result.acknowledge.length, retried: result.retry.length, launched: result.reconcile?.launched.length ?? 0 });
      return true;
    });

  let sweeping: Promise<unknown> | undefined;
  const sweepStep = (): Promise<void> => {
    if (stopping) return Promise.resolve();
    sweeping ??= step('sweep', async (signal) => {
      const result = await sweep(engine, signal);
      stats.sweeps += 1;
      stats.lastSweepAt = clock.now();
      const r = result.reconcile;
      if (r.launched.length + r.drained.length + r.terminatedInstances.length + r.deletedRegistrations.length > 0 || r.errors.length > 0) {
        logger.info('sweep', { launched: r.launched.length, drained: r.drained.length, terminated: r.terminatedInstances.length, deregistered: r.deletedRegistrations.length, errors: r.errors.length });
      }
    }).finally(() => {
      sweeping = undefined;
    });
    return sweeping.then(() => undefined);
  };

  const worker = (async () => {
    while (!stopping) {
      const worked = await scaleUpStep();
      if (!worked && !stopping) {
        await new Promise<void>((resolve) => {
          const wake = () => {
            clearTimeout(timer);
            resolve();
          };
          const timer = setTimeout(() => {
            stop.signal.removeEventListener('abort', wake);
            resolve();
          }, o.pollInterval);
          stop.signal.addEventListener('abort', wake, { once: true });
        });
      }
    }
  })();
  const sweepTimer = setInterval(() => void sweepStep(), o.sweepInterval);
  void sweepStep();

  let http: ServeHttp;
  try {
    http = await startServeHttp(
      {
        webhook: (request, signal) => (stopping ? Promise.resolve(shuttingDown()) : webhook(request, signal)),
        health: async () => {
          const body = { status: stopping ? 'stopping' : 'ok', pools: options.pools.length, ...stats };
          return { ok: !stopping, body };
        },
        metrics: async () => metrics.render([...(await gaugesOf(options)), ...serveGauges(stats)]),
        logger,
      },
      { host: o.host, port: o.port },
    );
  } catch (error) {
    stopping = true;
    stop.abort();
    clearInterval(sweepTimer);
    await worker;
    throw error;
  }
  logger.info('ghr serve listening', { url: http.url, webhook: `${http.url}/webhook`, pools: options.pools.map((p) => p.id).join(',') });

  let closing: Promise<void> | undefined;
  return {
    url: http.url,
    webhookUrl: `${http.url}/webhook`,
    engine,
    metrics,
    stats: () => ({ ...stats, ...(stats.lastSweepAt === undefined ? {} : { lastSweepAt: stats.lastSweepAt }) }),
    sweepNow: sweepStep,
    close: () =>
      (closing ??= (async () => {
        stopping = true;
        clearInterval(sweepTimer);
        logger.info('ghr serve stopping: finishing the running step');
        const grace = setTimeout(() => stop.abort(), o.shutdownTimeout);
        grace.unref();
        // Wake the idle worker without aborting a running step.
        const closed = http.close(o.shutdownTimeout);
        await Promise.all([worker.then(() => Promise.all([...running])), closed]);
        clearTimeout(grace);
        stop.abort();
        logger.info('ghr serve stopped');
      })()),
  };

  function shuttingDown() {
    const reason = 'ghr is shutting down; GitHub records a failed delivery, which ghr redelivers.';
    return { status: 503 as const, outcome: 'unavailable' as const, reason, body: JSON.stringify({ outcome: 'unavailable', reason }) };
  }
}

async function gaugesOf(options: ServeOptions): Promise<readonly Gauge[]> {
  return options.gauges ? await options.gauges() : [];
}

function serveGauges(stats: { batches: number; messagesAcknowledged: number; sweeps: number; stepErrors: number }): Gauge[] {
  return [
    { name: 'serve_batches', help: 'Scale-up batches run since start.', samples: [{ value: stats.batches }] },
    { name: 'serve_messages_acknowledged', help: 'Queue messages acknowledged since start.', samples: [{ value: stats.messagesAcknowledged }] },
    { name: 'serve_sweeps', help: 'Full sweeps run since start.', samples: [{ value: stats.sweeps }] },
    { name: 'serve_step_errors', help: 'Steps (batches, sweeps) that failed since start.', samples: [{ value: stats.stepErrors }] },
  ];
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
