// What a GitHubClient has done: calls, HTTP requests and errors per operation, installation-token mints, and the
// last rate-limit budget per resource. Requests are counted in the fetch under Octokit, so retries and token
// mints count too.

/** One response's rate-limit budget (`x-ratelimit-*` headers). `reset` is epoch ms. */
export interface RateLimitInfo {
  readonly resource: string;
  readonly limit: number;
  readonly remaining: number;
  readonly reset: number;
  readonly used: number;
}

/** Counters of one `GitHubApi` operation. `requests` counts HTTP requests sent for it, retries included. */
export interface OperationStats {
  readonly calls: number;
  readonly requests: number;
  readonly errors: number;
}

/** What the client has done since it was created (or since `resetStats()`). */
export interface GitHubClientStats {
  /** By operation name (`createJitConfig`, ...). Token mints are not in here: see `tokenMints`. */
  readonly operations: Readonly<Record<string, OperationStats>>;
  /** Every HTTP request sent, token mints and retries included. */
  readonly requests: number;
  /** Installation tokens minted (`POST /app/installations/{id}/access_tokens` answered 201). */
  readonly tokenMints: number;
  /** The last budget seen per rate-limit resource (`core`, ...). */
  readonly rateLimits: Readonly<Record<string, RateLimitInfo>>;
}

/** The request header that tells the counting fetch which operation a request belongs to; never sent. */
export const OPERATION_HEADER = 'x-ghr-operation';
const MINT_PATH = /\/app\/installations\/\d+\/access_tokens$/;

interface Counter {
  calls: number;
  requests: number;
  errors: number;
}

/** The counters of one client, and the fetch wrapper that feeds them. */
export class CallStats {
  #counters = new Map<string, Counter>();
  #totals = { requests: 0, tokenMints: 0 };
  readonly #rateLimits = new Map<string, RateLimitInfo>();
  readonly #onRateLimit: ((info: RateLimitInfo) => void) | undefined;

  constructor(onRateLimit?: (info: RateLimitInfo) => void) {
    this.#onRateLimit = onRateLimit;
  }

  /** One call of `op` started. */
  called(op: string): void {
    this.#counter(op).calls++;
  }

  /** One call of `op` failed. */
  failed(op: string): void {
    this.#counter(op).errors++;
  }

  snapshot(): GitHubClientStats {
    const operations: Record<string, OperationStats> = {};
    for (const [name, counter] of this.#counters) operations[name] = { ...counter };
    return {
      operations,
      requests: this.#totals.requests,
      tokenMints: this.#totals.tokenMints,
      rateLimits: Object.fromEntries(this.#rateLimits),
    };
  }

  reset(): void {
    this.#counters = new Map();
    this.#totals = { requests: 0, tokenMints: 0 };
  }

  /** The fetch under Octokit: strips the operation header, counts the request, reports the rate-limit budget. */
  countingFetch(base: typeof fetch): typeof fetch {
    return async (input, init) => {
      const headers = { ...((init?.headers ?? {}) as Record<string, string>) };
      const op = headers[OPERATION_HEADER];
      delete headers[OPERATION_HEADER];
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      const path = url.split('?')[0] ?? '';
      const mint = MINT_PATH.test(path);
      // A call cut short while queued (write pacing, rate-limit wait) sends nothing, and counts nothing.
      if (init?.signal?.aborted === true) throw init.signal.reason instanceof Error ? init.signal.reason : new DOMException('Aborted', 'AbortError');
      this.#totals.requests++;
      if (op !== undefined && !mint) this.#counter(op).requests++;
      const response = await base(input, { ...init, headers });
      if (mint && response.status === 201) this.#totals.tokenMints++;
      this.#observeRateLimit(response.headers);
      return response;
    };
  }

  #counter(op: string): Counter {
    let counter = this.#counters.get(op);
    if (counter === undefined) {
      counter = { calls: 0, requests: 0, errors: 0 };
      this.#counters.set(op, counter);
    }
    return counter;
  }

  #observeRateLimit(headers: Headers): void {
    const limit = headers.get('x-ratelimit-limit');
    const remaining = headers.get('x-ratelimit-remaining');
    if (limit === null || remaining === null) return;
    const info: RateLimitInfo = {
      resource: headers.get('x-ratelimit-resource') ?? 'core',
      limit: Number(limit),
      remaining: Number(remaining),
      reset: Number(headers.get('x-ratelimit-reset') ?? 0) * 1000,
      used: Number(headers.get('x-ratelimit-used') ?? Number(limit) - Number(remaining)),
    };
    this.#rateLimits.set(info.resource, info);
    try {
      this.#onRateLimit?.(info);
    } catch {
      // An observer must not break a call.
    }
  }
}
