// The one error type of @ghr/github, and the translation of Octokit/HTTP errors into it, at the boundary.
import { GhrError } from '@ghr/core';
import type { GhrErrorCode } from '@ghr/core';

/** Options of a {@link GitHubError}. */
export interface GitHubErrorOptions {
  readonly code: GhrErrorCode;
  /** Whether the same call may succeed if tried again later. Defaults by code (see `GhrError`). */
  readonly retryable?: boolean;
  /** The `GitHubApi` operation that failed (`createJitConfig`, ...). */
  readonly operation?: string;
  /** GitHub's HTTP status, when it answered. */
  readonly status?: number;
  /** How long GitHub asked us to wait before trying again (rate limits), in ms. */
  readonly retryAfterMs?: number;
  /** GitHub's `x-github-request-id`, for support tickets. */
  readonly requestId?: string;
  readonly cause?: unknown;
}

/**
 * An error of the GitHub adapter: a `GhrError` (same `code` union and `retryable` flag) with the HTTP status,
 * the operation and, for rate limits, how long to wait. Redacted by construction: it never holds a token, a JWT,
 * a JIT config or request headers, and its `cause` is a sanitized summary, not Octokit's `RequestError`.
 *
 * @example
 * ```ts
 * try {
 *   await github.createJitConfig(scope, { name, labels }, signal);
 * } catch (error) {
 *   if (error instanceof GitHubError && error.code === 'throttled') await clock.sleep(error.retryAfterMs ?? 60_000);
 * }
 * ```
 */
export class GitHubError extends GhrError {
  readonly operation?: string;
  readonly status?: number;
  readonly retryAfterMs?: number;
  readonly requestId?: string;

  constructor(message: string, options: GitHubErrorOptions) {
    super(message, { code: options.code, retryable: options.retryable, cause: options.cause });
    this.name = 'GitHubError';
    if (options.operation !== undefined) this.operation = options.operation;
    if (options.status !== undefined) this.status = options.status;
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
    if (options.requestId !== undefined) this.requestId = options.requestId;
  }
}

/** The shape of Octokit's `RequestError` that we read (and nothing else: its `request` holds headers). */
interface HttpErrorLike {
  readonly status: number;
  readonly message: string;
  readonly response?: { readonly headers?: Record<string, string | number | undefined>; readonly data?: unknown };
  readonly request?: { readonly method?: string; readonly url?: string };
}

function isHttpError(error: unknown): error is HttpErrorLike {
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { status?: unknown }).status === 'number' &&
    typeof (error as { message?: unknown }).message === 'string'
  );
}

const SECRET_PATTERNS: readonly RegExp[] = [
  // PEM blocks (an App's private key), also cut off before their END line.
  /-----BEGIN [A-Z0-9 ]+-----[\s\S]*?(?:-----END [A-Z0-9 ]+-----|$)/g,
  // Secret-named fields in JSON: "token":"…", "encoded_jit_config":"…", "private_key":"…".
  /(?<="(?:token|access_token|refresh_token|jwt|encoded_jit_config|jit_config|private_?key|secret|password)"\s*:\s*")[^"]+(?=")/gi,
  // GitHub tokens: installation (ghs_), PAT classic (ghp_), OAuth (gho_), user-to-server (ghu_), refresh (ghr_),
  // fine-grained PAT (github_pat_).
  /\b(gh[pousr]_[A-Za-z0-9_]{8,}|github_pat_[A-Za-z0-9_]{8,})/g,
  // JWTs: three base64url segments, the first a JSON object.
  /\bey[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g,
  // Base64 of a JSON object: `{"` is eyJ, `{".` is eyIu (a real JIT config starts {".runner"…).
  /\bey[IJ][A-Za-z0-9+/_-]{12,}={0,2}/g,
  /\b(bearer|token)\s+[A-Za-z0-9._-]{8,}/gi, // authorization header values
  /\b(access_token|token|jwt|encoded_jit_config)=[^&\s]+/gi, // query parameters
  // Bare runner registration and remove tokens: 29 capitals and digits.
  /\b(?=[0-9]*[A-Z])[A-Z0-9]{29}\b/g,
];

/**
 * Removes anything that looks like a secret from `text`: GitHub tokens (`ghs_`, `ghp_`, `github_pat_`...), JWTs,
 * JIT configs (base64 JSON), runner registration tokens, authorization values, secret-named JSON fields and
 * query parameters, and PEM blocks.
 *
 * @example
 * ```ts
 * redact('Bad credentials for token ghs_abc123456789'); // 'Bad credentials for [REDACTED]'
 * redact('{"token":"AABF3JGZDX3P5PMEXLND6TS6FCWO6"}'); // '{"token":"[REDACTED]"}'
 * ```
 */
export function redact(text: string): string {
  let out = text;
  for (const pattern of SECRET_PATTERNS) out = out.replace(pattern, '[REDACTED]');
  return out;
}

function pathOf(url: string | undefined): string {
  if (url === undefined) return '';
  try {
    return new URL(url).pathname;
  } catch {
    return url.split('?')[0] ?? '';
  }
}

function header(error: HttpErrorLike, name: string): string | undefined {
  const value = error.response?.headers?.[name];
  return value === undefined ? undefined : String(value);
}

/** `retry-after` (seconds) or, when the primary budget is spent, time until `x-ratelimit-reset`, in ms. */
export function retryAfterOf(headers: Record<string, string | number | undefined> | undefined, now: number): number | undefined {
  const retryAfter = headers?.['retry-after'];
  if (retryAfter !== undefined && retryAfter !== '') {
    const seconds = Number(retryAfter);
    if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
    const date = Date.parse(String(retryAfter));
    if (Number.isFinite(date)) return Math.max(0, date - now);
  }
  if (String(headers?.['x-ratelimit-remaining']) === '0') {
    const reset = Number(headers?.['x-ratelimit-reset']);
    if (Number.isFinite(reset) && reset > 0) return Math.max(0, reset * 1000 - now + 1000);
  }
  return undefined;
}

function githubMessage(error: HttpErrorLike): string {
  const data = error.response?.data;
  if (typeof data === 'object' && data !== null && typeof (data as { message?: unknown }).message === 'string') {
    return (data as { message: string }).message;
  }
  return error.message;
}

/** True when a 403/429 is a (primary or secondary) rate limit rather than a permission problem. */
export function isRateLimit(error: HttpErrorLike): boolean {
  if (error.status !== 403 && error.status !== 429) return false;
  if (error.status === 429) return true;
  const headers = error.response?.headers;
  return (
    String(headers?.['x-ratelimit-remaining']) === '0' ||
    headers?.['retry-after'] !== undefined ||
    /rate limit/i.test(githubMessage(error))
  );
}

/**
 * Translates anything thrown below the adapter (Octokit `RequestError`, fetch errors, aborts) into a redacted
 * {@link GitHubError}. A `GitHubError` passes through unchanged.
 */
export function toGitHubError(error: unknown, operation: string, now: number, signal?: AbortSignal): GitHubError {
  if (error instanceof GitHubError) return error;
  if (signal?.aborted || (error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError'))) {
    const timeout = signal?.reason instanceof Error && signal.reason.name === 'TimeoutError';
    return new GitHubError(
      `GitHub ${operation} was ${timeout ? 'cut off by its deadline' : 'aborted'} before it finished; it is safe to try again later.`,
      { code: timeout ? 'timeout' : 'aborted', retryable: true, operation, cause: sanitizedCause(error) },
    );
  }
  if (!isHttpError(error)) {
    return new GitHubError(`GitHub ${operation} failed unexpectedly: ${redact(String(error))}.`, {
      code: 'internal',
      retryable: false,
      operation,
      cause: sanitizedCause(error),
    });
  }
  const status = error.status;
  const requestId = header(error, 'x-github-request-id');
  const what = `${(error.request?.method ?? '').toUpperCase()} ${pathOf(error.request?.url)}`.trim();
  const said = redact(githubMessage(error));
  const base = { operation, status, requestId, cause: sanitizedCause(error) };
  if (isRateLimit(error)) {
    const retryAfterMs = retryAfterOf(error.response?.headers, now) ?? 60_000;
    return new GitHubError(
      `GitHub rate-limited ${what} (${status}: ${said}); wait ${Math.ceil(retryAfterMs / 1000)} s before trying again.`,
      { ...base, code: 'throttled', retryable: true, retryAfterMs },
    );
  }
  if (status === 401) {
    return new GitHubError(
      `GitHub refused the credentials for ${what} (401: ${said}); check the App id and private key or the token.`,
      { ...base, code: 'unauthorized', retryable: false },
    );
  }
  if (status === 403) {
    return new GitHubError(
      `GitHub forbade ${what} (403: ${said}); grant the App the permission this needs (self-hosted runners: write, actions: read/write).`,
      { ...base, code: 'unauthorized', retryable: false },
    );
  }
  if (status === 404) {
    return new GitHubError(`GitHub found nothing at ${what} (404: ${said}); check the scope name and that the App is installed there.`, {
      ...base,
      code: 'not-found',
      retryable: false,
    });
  }
  if (status === 409) {
    return new GitHubError(`GitHub reported a conflict for ${what} (409: ${said}); use another runner name.`, {
      ...base,
      code: 'conflict',
      retryable: false,
    });
  }
  if (status === 400 || status === 422) {
    return new GitHubError(`GitHub rejected ${what} (${status}: ${said}); fix the request.`, {
      ...base,
      code: 'invalid-input',
      retryable: false,
    });
  }
  if (status >= 500 || status === 408) {
    const network = status === 500 && error.response === undefined;
    return new GitHubError(
      network
        ? `Could not reach GitHub for ${what} (${said}); check connectivity and try again later.`
        : `GitHub failed ${what} (${status}: ${said}); try again later.`,
      { ...base, code: 'unavailable', retryable: true },
    );
  }
  return new GitHubError(`GitHub answered ${what} with ${status} (${said}).`, { ...base, code: 'internal', retryable: false });
}

/** A plain Error that keeps the status, method, path and GitHub's message of `error`, and nothing else. */
function sanitizedCause(error: unknown): Error {
  if (isHttpError(error)) {
    const cause = new Error(
      redact(`${error.status} ${(error.request?.method ?? '').toUpperCase()} ${pathOf(error.request?.url)}: ${githubMessage(error)}`),
    );
    cause.name = 'HttpError';
    return cause;
  }
  const cause = new Error(redact(error instanceof Error ? error.message : String(error)));
  cause.name = error instanceof Error ? error.name : 'Error';
  return cause;
}
