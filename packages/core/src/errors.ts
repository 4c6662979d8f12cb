/** What went wrong, as a stable string a caller can branch on. */
export type GhrErrorCode =
  | 'invalid-config'
  | 'invalid-input'
  | 'conflict'
  | 'not-found'
  | 'capacity'
  | 'quota'
  | 'throttled'
  | 'unauthorized'
  | 'timeout'
  | 'aborted'
  | 'unavailable'
  | 'internal';

/** Options of a {@link GhrError}. */
export interface GhrErrorOptions {
  readonly code: GhrErrorCode;
  /** Whether the same call may succeed if tried again later. Defaults by code. */
  readonly retryable?: boolean;
  readonly cause?: unknown;
}

const RETRYABLE_BY_DEFAULT: ReadonlySet<GhrErrorCode> = new Set([
  'conflict',
  'capacity',
  'throttled',
  'timeout',
  'unavailable',
]);

/**
 * The error type of `@ghr/core` and the base contract of every adapter's error: a `code` and a `retryable` flag.
 * Messages say what happened and what to do, and never contain secrets.
 *
 * @example
 * ```ts
 * throw new GhrError('Pool "linux" is not configured: add it to pools[] or fix the label match.', {
 *   code: 'invalid-input',
 * });
 * ```
 */
export class GhrError extends Error {
  readonly code: GhrErrorCode;
  readonly retryable: boolean;

  constructor(message: string, options: GhrErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GhrError';
    this.code = options.code;
    this.retryable = options.retryable ?? RETRYABLE_BY_DEFAULT.has(options.code);
  }
}

/**
 * True when `error` carries a `retryable: true` flag (any package's error type).
 *
 * @example
 * ```ts
 * if (isRetryable(err)) await clock.sleep(backoff, signal);
 * ```
 */
export function isRetryable(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { retryable?: unknown }).retryable === true;
}
