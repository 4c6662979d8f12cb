// GitHub's REST rate limits, as documented: a primary budget per principal per hour (fixed window from the first
// request), secondary limits of points per minute per endpoint (GET/HEAD/OPTIONS 1 point, writes 5) and of
// concurrent requests, and content-creation limits on writes. Pure and clock-driven: the HTTP server and the
// simulator both charge it.
import type { SimClock } from '../clock.js';
import { createRng } from '../random.js';
import type { Rng } from '../random.js';

/** Limits, all configurable (tests set small ones). Defaults are github.com's for an App installation. */
export interface RateLimitOptions {
  /** Requests per hour per installation or personal token. Default 5,000. */
  readonly primaryPerHour?: number;
  /** Requests per hour for the App itself (JWT). Default 5,000. */
  readonly appPerHour?: number;
  /** Requests per hour without authentication. Default 60. */
  readonly anonymousPerHour?: number;
  /** Secondary limit: points per minute per principal and endpoint. Default 900. */
  readonly pointsPerMinute?: number;
  /** Secondary limit: concurrent requests per principal. Default 100. */
  readonly maxConcurrent?: number;
  /** Status of a secondary-limit answer: GitHub sends 403 or 429 (`either`: drawn per answer). Default 403. */
  readonly secondaryStatus?: 403 | 429 | 'either';
  /** Status of a primary-limit answer (403 or 429). Default 403. */
  readonly primaryStatus?: 403 | 429;
  /** `retry-after` seconds sent when the concurrency limit is hit. Default 60. */
  readonly concurrencyRetryAfterSeconds?: number;
  /**
   * Chance that a secondary-limit answer comes without `retry-after` (a client must then wait at least a minute
   * and back off). Default 0.
   */
  readonly retryAfterAbsentRate?: number;
  /** Content-creating requests (POST, PUT, PATCH) per principal per minute. Default unlimited. */
  readonly contentCreationPerMinute?: number;
  /** Content-creating requests (POST, PUT, PATCH) per principal per hour. Default unlimited. */
  readonly contentCreationPerHour?: number;
  /**
   * The endpoints (route templates, `:param` or `{param}` style) whose writes count as content creation. Default:
   * every POST, PUT and PATCH.
   */
  readonly contentCreationEndpoints?: readonly string[];
  /** Seed of the draws (`either` status, absent `retry-after`). Default 1. */
  readonly seed?: number;
}

/** The outcome of charging one request. */
export type RateLimitDecision =
  | { readonly allowed: true; readonly headers: Readonly<Record<string, string>> }
  | {
      readonly allowed: false;
      readonly kind: 'primary' | 'secondary';
      readonly status: number;
      readonly message: string;
      readonly retryAfterSeconds?: number;
      readonly headers: Readonly<Record<string, string>>;
    };

/** A principal's primary budget as `x-ratelimit-*` reports it. */
export interface RateLimitStatus {
  readonly limit: number;
  readonly remaining: number;
  readonly used: number;
  /** Epoch seconds when the window resets. */
  readonly reset: number;
}

interface Window {
  start: number;
  used: number;
}

/** A request admitted by {@link RateLimiter.admit}: its decision, and `release` to call when it is answered. */
export interface RateLimitAdmission {
  readonly decision: RateLimitDecision;
  /** Ends the request's share of the concurrency limit; call once, whatever the decision. */
  readonly release: () => void;
}

type Limits = Required<Omit<RateLimitOptions, 'seed' | 'contentCreationPerMinute' | 'contentCreationPerHour' | 'contentCreationEndpoints'>> & {
  readonly contentCreationPerMinute: number;
  readonly contentCreationPerHour: number;
};

const CREATING = new Set(['POST', 'PUT', 'PATCH']);
/** A route template in one style: `{param}` written as `:param`. */
const template = (endpoint: string): string => endpoint.replace(/\{([^}]+)\}/g, ':$1');
const SECONDARY_MESSAGE =
  'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID.';

const HOUR = 3_600_000;
const MINUTE = 60_000;

/** Points a request costs against the secondary limit: GET, HEAD and OPTIONS 1, anything else 5. */
export function secondaryPoints(method: string): number {
  const m = method.toUpperCase();
  return m === 'GET' || m === 'HEAD' || m === 'OPTIONS' ? 1 : 5;
}

/**
 * Primary and secondary rate limits of GitHub's REST API for any number of principals.
 *
 * @example
 * ```ts
 * const limits = new RateLimiter(clock, { primaryPerHour: 100 });
 * const decision = limits.charge('installation:1', 'POST', '/orgs/:org/actions/runners/generate-jitconfig');
 * if (!decision.allowed) answer(decision.status, decision.headers);
 * ```
 */
export class RateLimiter {
  readonly #clock: SimClock;
  readonly #options: Limits;
  readonly #seed: number;
  readonly #creating: ReadonlySet<string> | undefined;
  #rng: Rng;
  readonly #primary = new Map<string, Window>();
  readonly #secondary = new Map<string, Window>();
  readonly #creationMinute = new Map<string, Window>();
  readonly #creationHour = new Map<string, Window>();
  readonly #inFlight = new Map<string, number>();
  /** Requests refused, by kind (`content` counts content-creation refusals, also counted as `secondary`). */
  readonly refused = { primary: 0, secondary: 0, concurrency: 0, content: 0 };

  constructor(clock: SimClock, options: RateLimitOptions = {}) {
    this.#clock = clock;
    this.#options = {
      primaryPerHour: options.primaryPerHour ?? 5_000,
      appPerHour: options.appPerHour ?? 5_000,
      anonymousPerHour: options.anonymousPerHour ?? 60,
      pointsPerMinute: options.pointsPerMinute ?? 900,
      maxConcurrent: options.maxConcurrent ?? 100,
      secondaryStatus: options.secondaryStatus ?? 403,
      primaryStatus: options.primaryStatus ?? 403,
      concurrencyRetryAfterSeconds: options.concurrencyRetryAfterSeconds ?? 60,
      retryAfterAbsentRate: options.retryAfterAbsentRate ?? 0,
      contentCreationPerMinute: options.contentCreationPerMinute ?? Number.POSITIVE_INFINITY,
      contentCreationPerHour: options.contentCreationPerHour ?? Number.POSITIVE_INFINITY,
    };
    this.#seed = options.seed ?? 1;
    this.#creating = options.contentCreationEndpoints ? new Set(options.contentCreationEndpoints.map(template)) : undefined;
    this.#rng = createRng(this.#seed);
  }

  /** The hourly budget of a principal key (`app`, `installation:<id>`, `pat:<login>`, `anonymous`). */
  limitOf(principal: string): number {
    if (principal === 'app') return this.#options.appPerHour;
    if (principal.startsWith('anonymous')) return this.#options.anonymousPerHour;
    return this.#options.primaryPerHour;
  }

  /** The primary budget of `principal` now, without charging. */
  status(principal: string): RateLimitStatus {
    const now = this.#clock.now();
    const limit = this.limitOf(principal);
    const window = this.#primary.get(principal);
    if (!window || now >= window.start + HOUR) {
      return { limit, remaining: limit, used: 0, reset: Math.ceil((now + HOUR) / 1000) };
    }
    return {
      limit,
      remaining: Math.max(0, limit - window.used),
      used: window.used,
      reset: Math.ceil((window.start + HOUR) / 1000),
    };
  }

  /** `x-ratelimit-*` headers for `principal`'s budget now. */
  headers(principal: string): Record<string, string> {
    const s = this.status(principal);
    return {
      'x-ratelimit-limit': String(s.limit),
      'x-ratelimit-remaining': String(s.remaining),
      'x-ratelimit-used': String(s.used),
      'x-ratelimit-reset': String(s.reset),
      'x-ratelimit-resource': 'core',
    };
  }

  /**
   * Charges one request of `principal` to `endpoint` (a route template): the primary budget first, then the
   * endpoint's points per minute. A refused request is not charged further.
   */
  charge(principal: string, method: string, endpoint: string): RateLimitDecision {
    const now = this.#clock.now();
    let window = this.#primary.get(principal);
    if (!window || now >= window.start + HOUR) {
      window = { start: now, used: 0 };
      this.#primary.set(principal, window);
    }
    const limit = this.limitOf(principal);
    if (window.used >= limit) {
      this.refused.primary += 1;
      const headers = this.headers(principal);
      const who = principal.startsWith('installation:')
        ? `installation ID ${principal.slice('installation:'.length)}`
        : principal === 'app'
          ? 'the App'
          : principal;
      return {
        allowed: false,
        kind: 'primary',
        status: this.#options.primaryStatus,
        message: `API rate limit exceeded for ${who}. If you reach out to GitHub Support for help, please include the request ID.`,
        headers,
      };
    }
    window.used += 1;

    const key = `${principal} ${method.toUpperCase()} ${endpoint}`;
    let minute = this.#secondary.get(key);
    if (!minute || now >= minute.start + MINUTE) {
      minute = { start: now, used: 0 };
      this.#secondary.set(key, minute);
    }
    const points = secondaryPoints(method);
    if (minute.used + points > this.#options.pointsPerMinute) {
      return this.#secondaryRefusal(principal, Math.max(1, Math.ceil((minute.start + MINUTE - now) / 1000)), SECONDARY_MESSAGE);
    }
    if (CREATING.has(method.toUpperCase()) && (!this.#creating || this.#creating.has(template(endpoint)))) {
      const refusal = this.#chargeCreation(principal, now);
      if (refusal) return refusal;
    }
    minute.used += points;
    return { allowed: true, headers: this.headers(principal) };
  }

  /**
   * Admits one request as the HTTP server does: the concurrency limit first, then {@link charge}. Call `release`
   * when the request is answered, whatever the decision.
   *
   * @example
   * ```ts
   * const { decision, release } = limits.admit('installation:1', 'POST', '/orgs/:org/actions/runners/generate-jitconfig');
   * try { if (decision.allowed) await handle(); } finally { release(); }
   * ```
   */
  admit(principal: string, method: string, endpoint: string): RateLimitAdmission {
    const entered = this.enter(principal);
    if (!entered.allowed) return { decision: entered, release: () => undefined };
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      this.leave(principal);
    };
    return { decision: this.charge(principal, method, endpoint), release };
  }

  #chargeCreation(principal: string, now: number): RateLimitDecision | undefined {
    const windows: [Map<string, Window>, number, number][] = [
      [this.#creationMinute, MINUTE, this.#options.contentCreationPerMinute],
      [this.#creationHour, HOUR, this.#options.contentCreationPerHour],
    ];
    const current = windows.map(([map, length, limit]) => {
      let window = map.get(principal);
      if (!window || now >= window.start + length) {
        window = { start: now, used: 0 };
        map.set(principal, window);
      }
      return { window, length, limit };
    });
    for (const { window, length, limit } of current) {
      if (window.used < limit) continue;
      this.refused.content += 1;
      return this.#secondaryRefusal(
        principal,
        Math.max(1, Math.ceil((window.start + length - now) / 1000)),
        'You have exceeded a secondary rate limit and have been temporarily blocked from content creation. Please retry your request again later.',
      );
    }
    for (const { window } of current) window.used += 1;
    return undefined;
  }

  #secondaryRefusal(principal: string, retryAfterSeconds: number, message: string): RateLimitDecision {
    this.refused.secondary += 1;
    const configured = this.#options.secondaryStatus;
    const status = configured === 'either' ? (this.#rng.next() < 0.5 ? 403 : 429) : configured;
    const absent = this.#options.retryAfterAbsentRate > 0 && this.#rng.next() < this.#options.retryAfterAbsentRate;
    if (absent) return { allowed: false, kind: 'secondary', status, message, headers: this.headers(principal) };
    return {
      allowed: false,
      kind: 'secondary',
      status,
      message,
      retryAfterSeconds,
      headers: { ...this.headers(principal), 'retry-after': String(retryAfterSeconds) },
    };
  }

  /**
   * Enters one concurrent request of `principal`; refused past `maxConcurrent`. Call `leave` when the response
   * is finished (only if it was allowed).
   */
  enter(principal: string): RateLimitDecision {
    const current = this.#inFlight.get(principal) ?? 0;
    if (current >= this.#options.maxConcurrent) {
      this.refused.concurrency += 1;
      const retryAfterSeconds = this.#options.concurrencyRetryAfterSeconds;
      const configured = this.#options.secondaryStatus;
      return {
        allowed: false,
        kind: 'secondary',
        status: configured === 'either' ? (this.#rng.next() < 0.5 ? 403 : 429) : configured,
        message:
          'You have exceeded a secondary rate limit (too many concurrent requests). Please wait a few minutes before you try again.',
        retryAfterSeconds,
        headers: { ...this.headers(principal), 'retry-after': String(retryAfterSeconds) },
      };
    }
    this.#inFlight.set(principal, current + 1);
    return { allowed: true, headers: {} };
  }

  /** Leaves one concurrent request of `principal`. */
  leave(principal: string): void {
    const current = this.#inFlight.get(principal) ?? 0;
    if (current <= 1) this.#inFlight.delete(principal);
    else this.#inFlight.set(principal, current - 1);
  }

  /** Requests of `principal` in flight now. */
  inFlight(principal: string): number {
    return this.#inFlight.get(principal) ?? 0;
  }

  /** Forgets all budgets and counters. */
  reset(): void {
    this.#primary.clear();
    this.#secondary.clear();
    this.#creationMinute.clear();
    this.#creationHour.clear();
    this.#inFlight.clear();
    this.#rng = createRng(this.#seed);
    this.refused.primary = 0;
    this.refused.secondary = 0;
    this.refused.concurrency = 0;
    this.refused.content = 0;
  }
}
