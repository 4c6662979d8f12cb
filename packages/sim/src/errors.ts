/** What went wrong in the simulated GitHub, as a stable string a caller can branch on. */
export type SimErrorCode =
  | 'invalid-input'
  | 'unauthorized'
  | 'forbidden'
  | 'not-found'
  | 'conflict'
  | 'unprocessable'
  | 'rate-limited'
  | 'unavailable'
  | 'internal';

/** Options of a {@link SimError}. */
export interface SimErrorOptions {
  readonly code: SimErrorCode;
  /** The HTTP status the simulated GitHub answers for this error. Defaults by code. */
  readonly status?: number;
  readonly retryable?: boolean;
  readonly cause?: unknown;
}

const STATUS_BY_CODE: Readonly<Record<SimErrorCode, number>> = {
  'invalid-input': 400,
  unauthorized: 401,
  forbidden: 403,
  'not-found': 404,
  conflict: 409,
  unprocessable: 422,
  'rate-limited': 403,
  unavailable: 503,
  internal: 500,
};

/**
 * The error type of `@ghr/sim`: a model operation that GitHub would refuse. `status` is the HTTP status the
 * simulated server answers, and the message is the one GitHub would put in its error body.
 *
 * @example
 * ```ts
 * try {
 *   model.deleteRunner({ kind: 'org', org: 'acme' }, 7);
 * } catch (error) {
 *   if (error instanceof SimError && error.status === 422) console.log('busy');
 * }
 * ```
 */
export class SimError extends Error {
  readonly code: SimErrorCode;
  readonly status: number;
  readonly retryable: boolean;

  constructor(message: string, options: SimErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SimError';
    this.code = options.code;
    this.status = options.status ?? STATUS_BY_CODE[options.code];
    this.retryable = options.retryable ?? (options.code === 'rate-limited' || options.code === 'unavailable');
  }
}
