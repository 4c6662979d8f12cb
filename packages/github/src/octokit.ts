// The Octokit stack a GitHubClient sends through: @octokit/core with plugin-throttling, a deadline guard and
// plugin-retry, per-client limiters, a redacting log, and `send()` for one request of one operation.
import { Octokit } from '@octokit/core';
import type { OctokitOptions } from '@octokit/core';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import type { Logger } from '@ghr/core';
import { fitsDeadline } from './deadline.js';
import { redact } from './errors.js';
import { RequestLimiter, RetryScheduler } from './limiter.js';
import { statusOf } from './mapping.js';
import { OPERATION_HEADER } from './stats.js';

/** A response as `send()` gives it. */
export interface GitHubResponse {
  readonly status: number;
  readonly headers: Record<string, string | number | undefined>;
  readonly data: unknown;
}

/** Octokit's `log` option. */
export interface OctokitLog {
  readonly debug: (message: string) => void;
  readonly info: (message: string) => void;
  readonly warn: (message: string) => void;
  readonly error: (message: string) => void;
}

/** Octokit's log over a `Logger`, every message redacted. */
export function octokitLog(logger: Logger): OctokitLog {
  const text = (message: unknown) => redact(typeof message === 'string' ? message : String(message));
  return {
    debug: (message) => logger.debug(text(message)),
    info: (message) => logger.info(text(message)),
    warn: (message) => logger.warn(text(message)),
    error: (message) => logger.error(text(message)),
  };
}

/** Settings the deadline guard reads (carried in the Octokit options under `ghr`). */
interface GuardSettings {
  readonly now: () => number;
  readonly baseDelayMs: number;
  readonly maxWaitMs: number;
}

/**
 * An Octokit plugin between plugin-throttling and plugin-retry: before plugin-retry schedules a 5xx retry, it
 * checks that the wait ends before the signal's deadline; if not, the retry is cancelled and the error surfaces.
 */
function deadlineGuard(octokit: Octokit, options: OctokitOptions): Record<string, never> {
  const settings = (options as { ghr?: GuardSettings }).ghr;
  if (settings === undefined) return {};
  octokit.hook.error('request', (error, requestOptions) => {
    const status = statusOf(error);
    const bag = requestOptions.request as { signal?: AbortSignal; retryCount?: number; retries?: number } | undefined;
    if (bag !== undefined && status !== undefined && (status >= 500 || status === 408)) {
      const delay = ((bag.retryCount ?? 0) + 1) ** 2 * settings.baseDelayMs;
      if (!fitsDeadline(bag.signal, settings.now(), delay, settings.maxWaitMs)) bag.retries = 0;
    }
    throw error;
  });
  return {};
}

const GhrOctokit = /* @__PURE__ */ Octokit.plugin(throttling, deadlineGuard, retry);

/** The Octokit of a GitHubClient. */
export type GhrOctokitInstance = InstanceType<typeof GhrOctokit>;

/** How the Octokit stack waits, retries and paces (defaults in `GitHubClientOptions`). */
export interface OctokitWiring {
  readonly baseUrl: string;
  readonly userAgent: string;
  readonly logger: Logger;
  readonly log: OctokitLog;
  readonly now: () => number;
  /** The fetch under Octokit (the counting one). */
  readonly fetch: typeof fetch;
  readonly maxConcurrent: number;
  readonly writeIntervalMs: number;
  readonly maxRateRetries: number;
  readonly maxWaitMs: number;
  readonly retries: number;
  readonly baseDelayMs: number;
}

/**
 * An Octokit with GitHub's rate limits honoured (`retry-after`, `x-ratelimit-reset`, secondary limits backed off,
 * writes paced), 5xx retried, and every wait bounded by the request signal's deadline.
 */
export function createOctokit(wiring: OctokitWiring): GhrOctokitInstance {
  const { now, maxWaitMs, maxRateRetries, logger } = wiring;
  const onLimit =
    (kind: string) =>
    (retryAfter: number, request: { method?: string; url?: string; request?: { signal?: AbortSignal } }, _octokit: unknown, retryCount: number) => {
      const waitMs = retryAfter * 1000;
      const retrying = retryCount < maxRateRetries && fitsDeadline(request.request?.signal, now(), waitMs, maxWaitMs);
      logger.warn(`GitHub ${kind} rate limit on ${request.method ?? ''} ${request.url ?? ''}`, {
        retryAfterMs: waitMs,
        retryCount,
        retrying,
      });
      return retrying;
    };
  return new GhrOctokit({
    baseUrl: wiring.baseUrl,
    userAgent: wiring.userAgent,
    log: wiring.log,
    headers: { 'x-github-api-version': '2022-11-28' },
    request: { fetch: wiring.fetch, log: wiring.log },
    throttle: {
      onRateLimit: onLimit('primary'),
      onSecondaryRateLimit: onLimit('secondary'),
      fallbackSecondaryRateRetryAfter: 60,
      // Per-client limiters (the plugin's default Bottleneck groups are shared by every client in the process,
      // and cost several event-loop turns per request).
      global: new RequestLimiter(wiring.maxConcurrent, 0),
      auth: new RequestLimiter(1, 0),
      write: new RequestLimiter(1, wiring.writeIntervalMs),
      search: new RequestLimiter(1, 2_000),
      notifications: new RequestLimiter(1, 3_000),
      // Rate-limit retries: waits end when the request's signal fires.
      retryLimiter: new RetryScheduler(),
    } as never,
    retry: {
      retries: wiring.retries,
      retryAfterBaseValue: wiring.baseDelayMs,
      // Rate limits are plugin-throttling's; 4xx are answers.
      doNotRetry: [400, 401, 403, 404, 409, 410, 422, 429, 451],
    },
    ghr: { now, baseDelayMs: wiring.baseDelayMs, maxWaitMs } satisfies GuardSettings,
  } as ConstructorParameters<typeof GhrOctokit>[0]);
}

/** Sends one request of operation `op` (counted under it), with `authorization` when given. */
export async function send(
  octokit: GhrOctokitInstance,
  op: string,
  route: string,
  authorization: string | undefined,
  signal: AbortSignal,
  params: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<GitHubResponse> {
  const response = await octokit.request(route, {
    ...params,
    headers: { ...headers, ...(authorization === undefined ? {} : { authorization }), [OPERATION_HEADER]: op },
    request: { signal },
  });
  return response as unknown as GitHubResponse;
}

/** Octokit's `request`, for a token mint (counted as `tokenMint`). */
export function mintRequest(octokit: GhrOctokitInstance): GhrOctokitInstance['request'] {
  return octokit.request.defaults({ headers: { [OPERATION_HEADER]: 'tokenMint' } });
}
