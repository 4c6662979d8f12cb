// Fault injection for the simulated GitHub's HTTP API and webhook deliveries: by rule (route + times) or by rate
// (a seeded generator, so a run is reproducible).
import type { Rng } from '../random.js';
import { createRng } from '../random.js';

/** A fault on API requests. Rules are tried in order; the first that matches and has `times` left applies. */
export interface HttpFaultRule {
  /**
   * Which requests: `'POST /orgs/:org/actions/runners/generate-jitconfig'` (method and route template as the
   * route table names them), a template alone (any method), or `'*'` / omitted for every API request.
   */
  readonly route?: string;
  /** Answer this status with a GitHub-shaped error body (e.g. 500, 502, 503). */
  readonly status?: number;
  /** Answer like GitHub's rate limits: `primary` (403, remaining 0) or `secondary` (403/429 with `retry-after`). */
  readonly rateLimit?: 'primary' | 'secondary';
  /**
   * `retry-after` seconds for a `secondary` rate limit (default 60) or on a `status` answer (none by default); for a
   * `primary` rate limit, the seconds until `x-ratelimit-reset` (default: the real window's reset).
   */
  readonly retryAfterSeconds?: number;
  /** Status of a `secondary` rate-limit answer. Default 429. */
  readonly rateLimitStatus?: 403 | 429;
  /** Wait this long before answering (a slow response; answered normally unless `status`/`rateLimit` is set). */
  readonly delayMs?: number;
  /** How many requests it applies to. Default: all. */
  readonly times?: number;
  readonly message?: string;
}

/** What can happen to a webhook delivery. */
export type WebhookFaultKind =
  /** Not delivered; recorded in the deliveries log as failed (`timed out`), so it can be redelivered. */
  | 'lose'
  /** Not delivered and not recorded: GitHub never tried. */
  | 'vanish'
  /** Delivered twice (same GUID). */
  | 'duplicate'
  /** Delivered `delayMs` late. */
  | 'delay'
  /** Held back until the next delivery went first. */
  | 'reorder';

/** A fault on webhook deliveries; rules are tried in order. */
export interface WebhookFaultRule {
  readonly fault: WebhookFaultKind;
  /** Only events with this action. Default all. */
  readonly action?: 'queued' | 'waiting' | 'in_progress' | 'completed';
  /** For `delay`. Default 5,000 ms. */
  readonly delayMs?: number;
  /** How many deliveries it applies to. Default: all. */
  readonly times?: number;
}

/** Faults by rate: each a probability per request or per delivery, drawn from a seeded generator. */
export interface FaultRates {
  /** Seed of the generator. Default 1. */
  readonly seed?: number;
  /** A request answers 500, 502 or 503. */
  readonly serverErrors?: number;
  /** A request is answered `slowMs` late. */
  readonly slowResponses?: number;
  /** Delay of a slow response. Default 2,000 ms. */
  readonly slowMs?: number;
  /** A request answers a secondary rate limit (429 with `retry-after: 60`). */
  readonly rateLimits?: number;
  readonly webhookLoss?: number;
  readonly webhookVanish?: number;
  readonly webhookDuplication?: number;
  readonly webhookReorder?: number;
  readonly webhookDelay?: number;
  /** Delay of a late webhook. Default 5,000 ms. */
  readonly webhookDelayMs?: number;
}

/** Everything injectable at once. */
export interface FaultConfig {
  readonly http?: readonly HttpFaultRule[];
  readonly webhooks?: readonly WebhookFaultRule[];
  readonly rates?: FaultRates;
}

/** What to do with one request. */
export interface HttpFaultDecision {
  readonly delayMs: number;
  readonly status?: number;
  readonly rateLimit?: 'primary' | 'secondary';
  readonly rateLimitStatus?: 403 | 429;
  readonly retryAfterSeconds?: number;
  readonly message?: string;
}

/** What to do with one webhook delivery. */
export interface WebhookFaultDecision {
  readonly fault?: WebhookFaultKind;
  readonly delayMs: number;
}

/** How many faults were injected, by kind. */
export interface FaultCounters {
  http: number;
  slow: number;
  webhooks: Record<WebhookFaultKind, number>;
}

interface LiveRule<T> {
  readonly rule: T;
  left: number;
}

/**
 * Holds the injected faults and decides, per request and per delivery, which applies.
 *
 * @example
 * ```ts
 * const faults = new FaultInjector();
 * faults.add({ http: [{ route: 'POST /orgs/:org/actions/runners/generate-jitconfig', status: 503, times: 2 }] });
 * faults.http('POST', '/orgs/:org/actions/runners/generate-jitconfig'); // { delayMs: 0, status: 503 }
 * ```
 */
export class FaultInjector {
  #http: LiveRule<HttpFaultRule>[] = [];
  #webhooks: LiveRule<WebhookFaultRule>[] = [];
  #rates: FaultRates = {};
  #rng: Rng = createRng(1);
  readonly counters: FaultCounters = newCounters();

  constructor(config?: FaultConfig) {
    if (config) this.add(config);
  }

  /** Adds rules (after the existing ones) and, if given, replaces the rates (re-seeding the generator). */
  add(config: FaultConfig): void {
    for (const rule of config.http ?? []) this.#http.push({ rule, left: rule.times ?? Number.POSITIVE_INFINITY });
    for (const rule of config.webhooks ?? []) this.#webhooks.push({ rule, left: rule.times ?? Number.POSITIVE_INFINITY });
    if (config.rates) {
      this.#rates = config.rates;
      this.#rng = createRng(config.rates.seed ?? 1);
    }
  }

  /** Replaces everything with `config`. */
  set(config: FaultConfig): void {
    this.clear();
    this.add(config);
  }

  /** Removes every rule and rate. */
  clear(): void {
    this.#http = [];
    this.#webhooks = [];
    this.#rates = {};
    this.#rng = createRng(1);
  }

  /** The rules and rates in force (rules with their remaining `times`). */
  describe(): FaultConfig {
    return {
      http: this.#http.filter((r) => r.left > 0).map((r) => ({ ...r.rule, times: Number.isFinite(r.left) ? r.left : undefined })),
      webhooks: this.#webhooks.filter((r) => r.left > 0).map((r) => ({ ...r.rule, times: Number.isFinite(r.left) ? r.left : undefined })),
      rates: this.#rates,
    };
  }

  /** Decides what happens to a request of `method` to route `template`; undefined when nothing does. */
  http(method: string, template: string): HttpFaultDecision | undefined {
    const key = `${method.toUpperCase()} ${template}`;
    for (const live of this.#http) {
      if (live.left <= 0) continue;
      const route = live.rule.route ?? '*';
      const matches = route === '*' || route === key || (!route.includes(' ') && route === template);
      if (!matches) continue;
      live.left -= 1;
      if (live.rule.status !== undefined || live.rule.rateLimit !== undefined) this.counters.http += 1;
      if (live.rule.delayMs) this.counters.slow += 1;
      return {
        delayMs: live.rule.delayMs ?? 0,
        status: live.rule.status,
        rateLimit: live.rule.rateLimit,
        rateLimitStatus: live.rule.rateLimitStatus,
        retryAfterSeconds: live.rule.retryAfterSeconds,
        message: live.rule.message,
      };
    }
    const rates = this.#rates;
    if (!rates.serverErrors && !rates.slowResponses && !rates.rateLimits) return undefined;
    const slow = rates.slowResponses ? this.#rng.next() < rates.slowResponses : false;
    const delayMs = slow ? (rates.slowMs ?? 2_000) : 0;
    if (slow) this.counters.slow += 1;
    if (rates.serverErrors && this.#rng.next() < rates.serverErrors) {
      this.counters.http += 1;
      return { delayMs, status: [500, 502, 503][this.#rng.int(3)] };
    }
    if (rates.rateLimits && this.#rng.next() < rates.rateLimits) {
      this.counters.http += 1;
      return { delayMs, rateLimit: 'secondary', rateLimitStatus: 429, retryAfterSeconds: 60 };
    }
    return slow ? { delayMs } : undefined;
  }

  /** Decides what happens to one webhook delivery with `action`. */
  webhook(action: string): WebhookFaultDecision {
    for (const live of this.#webhooks) {
      if (live.left <= 0) continue;
      if (live.rule.action !== undefined && live.rule.action !== action) continue;
      live.left -= 1;
      this.counters.webhooks[live.rule.fault] += 1;
      return { fault: live.rule.fault, delayMs: live.rule.fault === 'delay' ? (live.rule.delayMs ?? 5_000) : 0 };
    }
    const r = this.#rates;
    const draws: [WebhookFaultKind, number | undefined][] = [
      ['vanish', r.webhookVanish],
      ['lose', r.webhookLoss],
      ['duplicate', r.webhookDuplication],
      ['reorder', r.webhookReorder],
      ['delay', r.webhookDelay],
    ];
    for (const [fault, rate] of draws) {
      if (rate && this.#rng.next() < rate) {
        this.counters.webhooks[fault] += 1;
        return { fault, delayMs: fault === 'delay' ? (r.webhookDelayMs ?? 5_000) : 0 };
      }
    }
    return { delayMs: 0 };
  }
}

function newCounters(): FaultCounters {
  return { http: 0, slow: 0, webhooks: { lose: 0, vanish: 0, duplicate: 0, delay: 0, reorder: 0 } };
}
