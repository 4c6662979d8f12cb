// The one error type of @ghr/aws, and the one place where AWS SDK v3 errors are translated into it.
import { GhrError } from '@ghr/core';
import type { GhrErrorCode, LaunchErrorCode } from '@ghr/core';

/** What went wrong, aligned with core's {@link GhrErrorCode} so the engine branches the same way on every adapter. */
export type AwsErrorCode = GhrErrorCode;

/** Options of an {@link AwsError}. */
export interface AwsErrorOptions {
  readonly code: AwsErrorCode;
  /** Whether the same call may succeed if tried again later. Defaults by code (as `GhrError`). */
  readonly retryable?: boolean;
  /** The AWS error code (`InsufficientInstanceCapacity`, `ConditionalCheckFailedException`, ...), when known. */
  readonly awsCode?: string;
  /** The HTTP status AWS answered, when known. */
  readonly httpStatus?: number;
  /** The AWS request id, for a support case. */
  readonly requestId?: string;
  readonly cause?: unknown;
}

/**
 * The error type of `@ghr/aws`: a core {@link GhrError} (so `code` and `retryable` mean the same everywhere) that
 * also keeps the AWS error code, HTTP status and request id. Messages never contain parameter values or secrets.
 *
 * @example
 * ```ts
 * try {
 *   await ec2.send(new CreateFleetCommand(input));
 * } catch (err) {
 *   throw toAwsError(err, 'EC2 CreateFleet for pool "linux"');
 * }
 * ```
 */
export class AwsError extends GhrError {
  readonly awsCode: string | undefined;
  readonly httpStatus: number | undefined;
  readonly requestId: string | undefined;

  constructor(message: string, options: AwsErrorOptions) {
    super(message, {
      code: options.code,
      ...(options.retryable === undefined ? {} : { retryable: options.retryable }),
      ...(options.cause === undefined ? {} : { cause: options.cause }),
    });
    this.name = 'AwsError';
    this.awsCode = options.awsCode;
    this.httpStatus = options.httpStatus;
    this.requestId = options.requestId;
  }
}

/**
 * True when `error` is an {@link AwsError}, optionally with one of `codes`.
 *
 * @example
 * ```ts
 * if (isAwsError(err, 'not-found')) return undefined;
 * ```
 */
export function isAwsError(error: unknown, ...codes: AwsErrorCode[]): error is AwsError {
  return error instanceof AwsError && (codes.length === 0 || codes.includes(error.code));
}

/** How an AWS error code is classified: ghr's code, whether retrying later may help, and what to do about it. */
export interface AwsErrorClass {
  readonly code: AwsErrorCode;
  readonly retryable: boolean;
  readonly advice: string;
}

const CAPACITY = new Set([
  'InsufficientInstanceCapacity',
  'InsufficientCapacity',
  'InsufficientHostCapacity',
  'InsufficientReservedInstanceCapacity',
  'InsufficientCapacityOnHost',
  'InsufficientFreeAddressesInSubnet',
  'UnfulfillableCapacity',
  'SpotMaxPriceTooLow',
  'MaxFleetCountExceeded',
]);
const QUOTA = new Set([
  'MaxSpotInstanceCountExceeded',
  'MaxSpotFleetRequestCountExceeded',
  'VcpuLimitExceeded',
  'InstanceLimitExceeded',
  'ResourceLimitExceeded',
  'ParameterLimitExceeded',
  'ServiceQuotaExceededException',
  'LimitExceededException',
  'AddressLimitExceeded',
  'NetworkInterfaceLimitExceeded',
  'VolumeLimitExceeded',
  'TagLimitExceeded',
  'TooManyBuckets',
  'OverLimit',
]);
const THROTTLED = new Set([
  'RequestLimitExceeded',
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'ThrottlingError',
  'ProvisionedThroughputExceededException',
  'ProvisionedThroughputExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'TooManyUpdates',
  'SlowDown',
  'BandwidthLimitExceeded',
  'PriorRequestNotComplete',
  'TransactionInProgressException',
]);
const CONFLICT = new Set([
  'ConditionalCheckFailedException',
  'ConditionalCheckFailed',
  'TransactionCanceledException',
  'TransactionConflictException',
  'TransactionConflict',
  'ParameterAlreadyExists',
  'IdempotentParameterMismatch',
  'ConflictException',
  'IncorrectState',
  'IncorrectInstanceState',
  'ResourceInUseException',
  'QueueNameExists',
  'BucketAlreadyOwnedByYou',
  'PreconditionFailed',
]);
const UNAUTHORIZED = new Set([
  'UnauthorizedOperation',
  'AccessDenied',
  'AccessDeniedException',
  'AuthFailure',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'ExpiredToken',
  'ExpiredTokenException',
  'SignatureDoesNotMatch',
  'MissingAuthenticationToken',
  'InvalidAccessKeyId',
  'OptInRequired',
  'Blocked',
  'CredentialsProviderError',
]);
const UNAVAILABLE = new Set([
  'InternalError',
  'InternalFailure',
  'InternalServerError',
  'InternalServiceError',
  'InternalServerException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'Unavailable',
  'RequestTimeout',
  'RequestTimeoutException',
  'EC2ThrottledException',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'UND_ERR_SOCKET',
]);
const INVALID_INPUT = new Set([
  'ValidationException',
  'ValidationError',
  'MissingParameter',
  'MalformedQueryString',
  'InvalidAction',
  'SerializationException',
  'ItemCollectionSizeLimitExceededException',
  'InvalidMessageContents',
  'BatchRequestTooLong',
  'AWS.SimpleQueueService.BatchRequestTooLong',
  'EntityTooLarge',
]);
const NOT_FOUND = new Set([
  'ParameterNotFound',
  'ParameterVersionNotFound',
  'NoSuchKey',
  'NoSuchBucket',
  'NotFound',
  'ResourceNotFoundException',
  'QueueDoesNotExist',
  'AWS.SimpleQueueService.NonExistentQueue',
]);

const ADVICE: Readonly<Record<AwsErrorCode, string>> = {
  capacity: 'AWS has no capacity for this request now: retry later, or add instance types, subnets or on-demand fallback to the pool.',
  quota: 'An AWS service quota is reached: raise it in Service Quotas or lower maxRunners.',
  throttled: 'AWS throttled the request: retry with backoff, or lower the request rate.',
  'invalid-config': 'AWS rejected the configuration: check the pool instance settings (launch template, instance types, subnets).',
  'invalid-input': 'AWS rejected the request as malformed: this is a bug in ghr or its input; report it with the request id.',
  conflict: 'A concurrent or earlier write won: re-read the current state and try again.',
  'not-found': 'The AWS resource does not exist: check its name or id, or create it.',
  unauthorized: 'The credentials lack permission or are invalid: check the IAM policy of the role ghr runs as.',
  timeout: 'The request to AWS timed out: retry later.',
  aborted: 'The operation was aborted by its caller (deadline or shutdown).',
  unavailable: 'AWS answered with a server error or could not be reached: retry later.',
  internal: 'An unexpected error: report it with the request id.',
};

function byCode(code: AwsErrorCode, retryable: boolean): AwsErrorClass {
  return { code, retryable, advice: ADVICE[code] };
}

/**
 * Classifies an AWS error code (an exception `name`, a query-protocol `Code`, a CreateFleet `ErrorCode`, a
 * DynamoDB cancellation reason `Code`) with the HTTP status when known. Unknown codes fall back on the status:
 * 429 throttled, 5xx unavailable, 401/403 unauthorized, 404 not-found, other 4xx invalid-config; else internal.
 *
 * @example
 * ```ts
 * classifyAwsErrorCode('InsufficientInstanceCapacity'); // { code: 'capacity', retryable: true, advice: '…' }
 * ```
 */
export function classifyAwsErrorCode(awsCode: string | undefined, httpStatus?: number): AwsErrorClass {
  const name = awsCode ?? '';
  if (CAPACITY.has(name)) return byCode('capacity', true);
  if (QUOTA.has(name)) return byCode('quota', false);
  if (THROTTLED.has(name)) return byCode('throttled', true);
  if (CONFLICT.has(name)) return byCode('conflict', name !== 'IdempotentParameterMismatch' && name !== 'QueueNameExists');
  if (UNAUTHORIZED.has(name)) return byCode('unauthorized', false);
  if (UNAVAILABLE.has(name)) return byCode('unavailable', true);
  if (INVALID_INPUT.has(name)) return byCode('invalid-input', false);
  if (NOT_FOUND.has(name) || /\.?NotFound(Exception)?$/.test(name) || name.startsWith('NoSuch')) return byCode('not-found', false);
  if (name === 'TimeoutError') return byCode('timeout', true);
  if (name === 'AbortError') return byCode('aborted', false);
  if (name.startsWith('Invalid') || name.startsWith('Unsupported') || name.endsWith('.Malformed')) return byCode('invalid-config', false);
  if (httpStatus !== undefined) {
    if (httpStatus === 429) return byCode('throttled', true);
    if (httpStatus >= 500) return byCode('unavailable', true);
    if (httpStatus === 401 || httpStatus === 403) return byCode('unauthorized', false);
    if (httpStatus === 404) return byCode('not-found', false);
    if (httpStatus === 409 || httpStatus === 412) return byCode('conflict', true);
    if (httpStatus >= 400) return byCode('invalid-config', false);
  }
  return byCode('internal', false);
}

interface SdkErrorShape {
  readonly name?: unknown;
  readonly Code?: unknown;
  readonly code?: unknown;
  readonly message?: unknown;
  readonly $fault?: unknown;
  readonly $retryable?: { readonly throttling?: boolean } | undefined;
  readonly $metadata?: { readonly httpStatusCode?: number; readonly requestId?: string } | undefined;
}

const GENERIC_NAMES = new Set(['Error', 'TypeError', 'ServiceException', 'UnknownError', 'Unknown']);

function awsCodeOf(err: SdkErrorShape): string | undefined {
  for (const candidate of [err.Code, err.name, err.code]) {
    if (typeof candidate === 'string' && candidate !== '' && !GENERIC_NAMES.has(candidate)) return candidate;
  }
  const cause = (err as { cause?: SdkErrorShape }).cause;
  if (cause && typeof cause === 'object' && typeof cause.code === 'string') return cause.code;
  return undefined;
}

/** Keeps an AWS message short and single-line; AWS messages name resources, never parameter values. */
function clean(message: unknown): string {
  if (typeof message !== 'string' || message === '') return '';
  const line = message.replace(/\s+/g, ' ').trim();
  return line.length > 300 ? `${line.slice(0, 297)}...` : line;
}

/**
 * Translates anything thrown by an AWS SDK v3 call (or by the network under it) into an {@link AwsError}, once,
 * at the adapter's boundary. Reads `name`/`Code`, `$metadata.httpStatusCode` and `$retryable`; an `AwsError`
 * passes through unchanged. `context` says what was being done ("EC2 CreateFleet for pool \"linux\"").
 *
 * @example
 * ```ts
 * const out = await ssm.send(new GetParameterCommand({ Name })).catch((err: unknown) => {
 *   throw toAwsError(err, `SSM GetParameter ${Name}`);
 * });
 * ```
 */
export function toAwsError(err: unknown, context: string): AwsError {
  if (err instanceof AwsError) return err;
  const shape: SdkErrorShape = typeof err === 'object' && err !== null ? (err as SdkErrorShape) : {};
  const awsCode = awsCodeOf(shape);
  const httpStatus = shape.$metadata?.httpStatusCode;
  let cls = classifyAwsErrorCode(awsCode, httpStatus);
  if (cls.code === 'internal' || cls.code === 'invalid-config') {
    // smithy's own hints win over our fallbacks for codes we do not know.
    if (shape.$retryable?.throttling === true) cls = byCode('throttled', true);
    else if (shape.$retryable !== undefined) cls = byCode('unavailable', true);
    else if (cls.code === 'internal' && shape.$fault === 'server') cls = byCode('unavailable', true);
  }
  const detail = clean(shape.message ?? (typeof err === 'string' ? err : undefined));
  const what = [awsCode, detail].filter((s) => s !== undefined && s !== '').join(': ');
  const message = `${context} failed${what ? ` (${what})` : ''}. ${cls.advice}`;
  return new AwsError(message, {
    code: cls.code,
    retryable: cls.retryable,
    ...(awsCode === undefined ? {} : { awsCode }),
    ...(httpStatus === undefined ? {} : { httpStatus }),
    ...(shape.$metadata?.requestId === undefined ? {} : { requestId: shape.$metadata.requestId }),
    cause: err,
  });
}

/**
 * Maps an {@link AwsErrorCode} onto the narrower {@link LaunchErrorCode} of `RunnerProvider` results: a missing
 * launch template, a malformed request or missing permission are configuration problems of the pool; conflicts,
 * outages and timeouts are `internal` (their `retryable` flag says whether to try again).
 *
 * @example
 * ```ts
 * toLaunchErrorCode('not-found'); // 'invalid-config'
 * ```
 */
export function toLaunchErrorCode(code: AwsErrorCode): LaunchErrorCode {
  switch (code) {
    case 'capacity':
    case 'quota':
    case 'throttled':
    case 'invalid-config':
      return code;
    case 'not-found':
    case 'invalid-input':
    case 'unauthorized':
      return 'invalid-config';
    default:
      return 'internal';
  }
}
