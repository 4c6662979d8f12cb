// Delivers the model's webhook attempts by HTTP POST, one at a time in order (faults may drop, duplicate, delay
// or reorder them), with GitHub's 10 s timeout, and records every outcome in the model's deliveries log.
import type { GitHubModel } from '../github/model.js';
import type { DeliveryOutcome, WebhookAttempt } from '../github/types.js';
import type { FaultInjector } from './faults.js';

/** Counters of webhook deliveries. */
export interface WebhookCounters {
  attempted: number;
  succeeded: number;
  failed: number;
  redeliveries: number;
}

/** Options of a {@link WebhookDispatcher}. */
export interface WebhookDispatcherOptions {
  readonly model: GitHubModel;
  readonly faults: FaultInjector;
  readonly url?: string;
  /** Default 10,000 ms, as github.com. */
  readonly timeoutMs?: number;
  /** Deliveries in flight at once. Default 1: one at a time, in order (deterministic). */
  readonly concurrency?: number;
  readonly fetch?: typeof fetch;
}

/** POSTs webhook attempts to a URL and records the outcomes; `flush()` waits for everything pending. */
export class WebhookDispatcher {
  readonly counters: WebhookCounters = { attempted: 0, succeeded: 0, failed: 0, redeliveries: 0 };
  url: string | undefined;
  readonly #model: GitHubModel;
  readonly #faults: FaultInjector;
  readonly #timeoutMs: number;
  readonly #fetch: typeof fetch;
  readonly #concurrency: number;
  #queue: WebhookAttempt[] = [];
  #active = 0;
  #pending = 0;
  #held: WebhookAttempt[] = [];
  #timers = new Set<ReturnType<typeof setTimeout>>();
  #idle: (() => void)[] = [];
  #closed = false;
  readonly #unsubscribe: () => void;

  constructor(options: WebhookDispatcherOptions) {
    this.#model = options.model;
    this.#faults = options.faults;
    this.url = options.url;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#fetch = options.fetch ?? fetch;
    this.#concurrency = Math.max(1, options.concurrency ?? 1);
    this.#unsubscribe = this.#model.onWebhook((attempt) => this.#accept(attempt));
  }

  /** Resolves when every accepted attempt was delivered or dropped (held-back ones are released first). */
  async flush(): Promise<void> {
    this.#releaseHeld();
    if (this.#pending === 0) return;
    await new Promise<void>((resolve) => this.#idle.push(resolve));
  }

  /** Stops delivering; pending delayed attempts are dropped. */
  close(): void {
    this.#closed = true;
    this.#unsubscribe();
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    this.#pending = 0;
    this.#held = [];
    this.#queue = [];
    this.#notifyIdle();
  }

  #accept(attempt: WebhookAttempt): void {
    if (this.#closed || this.url === undefined) return;
    if (attempt.redelivery) this.counters.redeliveries += 1;
    // Redeliveries are explicit API requests: faults apply only to GitHub's own first attempts.
    const decision = attempt.redelivery ? { delayMs: 0 } : this.#faults.webhook(attempt.event.action);
    switch (decision.fault) {
      case 'vanish':
        return;
      case 'lose':
        this.#model.recordDelivery(attempt, { statusCode: 0, status: 'timed out', durationMs: this.#timeoutMs });
        this.counters.attempted += 1;
        this.counters.failed += 1;
        return;
      case 'duplicate':
        this.#enqueue(attempt);
        this.#enqueue(attempt);
        return;
      case 'delay': {
        this.#pending += 1;
        const timer = setTimeout(() => {
          this.#timers.delete(timer);
          this.#pending -= 1;
          this.#enqueue(attempt);
          this.#notifyIdle();
        }, decision.delayMs);
        this.#timers.add(timer);
        return;
      }
      case 'reorder':
        this.#pending += 1;
        this.#held.push(attempt);
        return;
      default:
        this.#enqueue(attempt);
        this.#releaseHeld();
    }
  }

  #releaseHeld(): void {
    const held = this.#held;
    this.#held = [];
    for (const attempt of held) {
      this.#pending -= 1;
      this.#enqueue(attempt);
    }
  }

  #enqueue(attempt: WebhookAttempt): void {
    this.#pending += 1;
    this.#queue.push(attempt);
    this.#pump();
  }

  #pump(): void {
    while (this.#active < this.#concurrency && this.#queue.length > 0) {
      const attempt = this.#queue.shift() as WebhookAttempt;
      this.#active += 1;
      void (async () => {
        try {
          if (!this.#closed) await this.#send(attempt);
        } finally {
          this.#active -= 1;
          this.#pending -= 1;
          this.#pump();
          this.#notifyIdle();
        }
      })();
    }
  }

  #notifyIdle(): void {
    if (this.#pending > 0) return;
    const waiting = this.#idle;
    this.#idle = [];
    for (const resolve of waiting) resolve();
  }

  async #send(attempt: WebhookAttempt): Promise<void> {
    const url = this.url;
    if (url === undefined) return;
    const started = performance.now();
    let outcome: DeliveryOutcome;
    try {
      const response = await this.#fetch(url, {
        method: 'POST',
        headers: attempt.headers,
        body: attempt.body,
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
      const text = (await response.text()).slice(0, 2_048);
      const responseHeaders: Record<string, string> = {};
      response.headers.forEach((value, name) => {
        responseHeaders[name] = value;
      });
      outcome = { statusCode: response.status, durationMs: performance.now() - started, responseHeaders, responseBody: text };
    } catch (error) {
      const name = (error as { name?: string }).name;
      const timedOut = name === 'TimeoutError' || name === 'AbortError';
      outcome = {
        statusCode: 0,
        status: timedOut ? 'timed out' : 'failed to connect to host',
        durationMs: performance.now() - started,
      };
    }
    if (this.#closed) return;
    this.counters.attempted += 1;
    if (outcome.statusCode >= 200 && outcome.statusCode < 300) this.counters.succeeded += 1;
    else this.counters.failed += 1;
    this.#model.recordDelivery(attempt, outcome);
  }
}
