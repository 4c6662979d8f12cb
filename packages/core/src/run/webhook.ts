// Run layer: accept a webhook (verify → dedupe → match → enqueue → status). The webhook Lambda, `ghr serve` and
// the simulator all answer GitHub through this one function.
import { noopMetrics, silentLogger, systemClock } from '../defaults.js';
import type { JobEvent, Pool } from '../domain.js';
import { createMatcher } from '../matching/matcher.js';
import type { Clock, EventQueue, Logger, Metrics } from '../ports.js';
import type { WebhookRequest, WebhookVerdict } from './webhook-request.js';

/** Checks a delivery's signature and reads it (`verifyAndParse` from `@ghr/github/webhooks`, bound to the secrets). */
export type VerifyWebhook = (request: WebhookRequest, receivedAt: number) => WebhookVerdict;

/**
 * What became of a delivery:
 * - `accepted` (202): a job event on the queue;
 * - `duplicate` (200): this delivery id was accepted moments ago (GitHub redelivered it, or a retry);
 * - `ping` (200), `ignored` (200): not a job event we act on (other events and actions);
 * - `unmatched` (200): a job no pool serves (the reason says which pool came closest);
 * - `rejected` (400, 401, 413): bad input, never retried by us;
 * - `unavailable` (503): the queue refused the event; GitHub records a failed delivery that the sweep redelivers.
 */
export type WebhookOutcome = 'accepted' | 'duplicate' | 'ping' | 'ignored' | 'unmatched' | 'rejected' | 'unavailable';

/** The answer to give GitHub. `body` is JSON: `{ outcome, reason, deliveryId?, jobId?, poolId? }`. */
export interface WebhookResponse {
  readonly status: 200 | 202 | 400 | 401 | 413 | 503;
  readonly body: string;
  readonly outcome: WebhookOutcome;
  /** Safe to log and to show GitHub: never a secret, a signature or a token. */
  readonly reason: string;
  readonly deliveryId?: string;
  readonly jobId?: number;
  readonly poolId?: string;
}

/** Answers one delivery; never throws. */
export type WebhookHandler = (request: WebhookRequest, signal: AbortSignal) => Promise<WebhookResponse>;

/** What {@link createWebhookHandler} is built from. */
export interface WebhookHandlerOptions {
  readonly verify: VerifyWebhook;
  /** Configured pools: a job goes to the pool label matching picks, or is answered `unmatched`. */
  readonly pools: readonly Pool[];
  readonly queue: EventQueue;
  /** Default `systemClock`. */
  readonly clock?: Clock;
  /** Default `silentLogger`. */
  readonly logger?: Logger;
  /** Default `noopMetrics`. */
  readonly metrics?: Metrics;
  /**
   * Delivery ids remembered (after they were enqueued) to answer repeats `duplicate` without enqueueing again.
   * Per process; the engine's ingest is idempotent, so a repeat that gets past this costs a little work, never a
   * wrong state. Default 10,000; 0 turns it off.
   */
  readonly rememberDeliveries?: number;
}

/** Default of `WebhookHandlerOptions.rememberDeliveries`. */
export const WEBHOOK_REMEMBERED_DELIVERIES = 10_000;

/**
 * Creates the webhook handler every runtime uses: verify the signature and read the delivery (`verify`), answer
 * repeats of a delivery id `duplicate`, match the job to a pool (jobs no pool serves are answered `unmatched`,
 * with the reason), enqueue the `JobEvent` with its `poolId`, and say so. Statuses: 202 accepted; 200 ignored
 * (ping, other events and actions, unmatched jobs, duplicates); 401 bad or missing signature; 400 malformed; 413
 * too large; 503 only when the queue cannot take the event (GitHub then records a failed delivery, which the
 * sweep redelivers). Bad input never gets a 5xx.
 *
 * @example
 * ```ts
 * import { verifyAndParse } from '@ghr/github/webhooks';
 * const handle = createWebhookHandler({
 *   verify: (request, receivedAt) => verifyAndParse({ ...request, secrets: [secret], receivedAt }),
 *   pools: config.pools,
 *   queue,
 * });
 * const response = await handle({ headers: req.headers, body: rawBody }, AbortSignal.timeout(5_000));
 * res.writeHead(response.status, { 'content-type': 'application/json' }).end(response.body);
 * ```
 */
export function createWebhookHandler(options: WebhookHandlerOptions): WebhookHandler {
  const clock = options.clock ?? systemClock;
  const log = options.logger ?? silentLogger;
  const metrics = options.metrics ?? noopMetrics;
  const matcher = createMatcher(options.pools);
  const recent = new RecentIds(options.rememberDeliveries ?? WEBHOOK_REMEMBERED_DELIVERIES);

  const answer = (response: Omit<WebhookResponse, 'body'>): WebhookResponse => {
    const { status, outcome, reason, deliveryId, jobId, poolId } = response;
    metrics.record('Webhooks', 1, 'Count', { outcome });
    const fields = { status, outcome, reason, delivery: deliveryId, job: jobId, pool: poolId };
    if (status >= 500) log.error('webhook not accepted', fields);
    else if (status >= 400) log.warn('webhook rejected', fields);
    else log.info('webhook answered', fields);
    return { ...response, body: JSON.stringify({ outcome, reason, deliveryId, jobId, poolId }) };
  };

  return async (request, signal) => {
    const verdict = options.verify(request, clock.now());
    if (verdict.kind === 'rejected') {
      if (verdict.status === 202) return answer({ status: 200, outcome: 'ignored', reason: verdict.reason });
      return answer({ status: verdict.status, outcome: 'rejected', reason: verdict.reason });
    }
    if (verdict.kind === 'ping') {
      return answer({ status: 200, outcome: 'ping', reason: 'pong', ...(verdict.deliveryId === undefined ? {} : { deliveryId: verdict.deliveryId }) });
    }
    const { event } = verdict;
    const ids = { deliveryId: event.deliveryId, jobId: event.job.id };
    if (recent.has(event.deliveryId)) return answer({ status: 200, outcome: 'duplicate', reason: 'This delivery was accepted already.', ...ids });
    const match = matcher(event.job.labels, { repository: event.repository });
    if (match.pool === null) return answer({ status: 200, outcome: 'unmatched', reason: match.reason, ...ids });
    const matched: JobEvent = { ...event, poolId: match.pool.id };
    let failure: string | undefined;
    try {
      const sent = await options.queue.send([matched], signal);
      failure = sent.failed[0]?.message;
    } catch (error) {
      failure = error instanceof Error ? error.message : String(error);
    }
    if (failure !== undefined) {
      return answer({ status: 503, outcome: 'unavailable', reason: `The event queue did not take the event (${failure}); GitHub will record a failed delivery, which ghr redelivers.`, ...ids, poolId: match.pool.id });
    }
    recent.add(event.deliveryId);
    return answer({ status: 202, outcome: 'accepted', reason: `Queued for pool ${match.pool.id}.`, ...ids, poolId: match.pool.id });
  };
}

/** The last `capacity` ids added, oldest forgotten first. */
class RecentIds {
  readonly #ids = new Set<string>();
  readonly #capacity: number;

  constructor(capacity: number) {
    this.#capacity = Math.max(0, capacity);
  }

  has(id: string): boolean {
    return this.#ids.has(id);
  }

  add(id: string): void {
    if (this.#capacity === 0) return;
    this.#ids.add(id);
    if (this.#ids.size > this.#capacity) this.#ids.delete(this.#ids.values().next().value as string);
  }
}
