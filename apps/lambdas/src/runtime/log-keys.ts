// What every function's logger offers, and the keys every line carries (shared by Powertools Logger in
// ./logging.ts and the webhook's small JSON logger in ./json-logger.ts).
import type { LogFields, Logger } from '@ghr/core';
import type { Context } from 'aws-lambda';

/** Options of a function's logger. */
export interface FunctionLoggerOptions {
  readonly serviceName: string;
  readonly level: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  readonly environment: string;
}

/** A function's logger: core's port for the libraries, plus the per-invocation context. */
export interface FunctionLogger extends Logger {
  /** Adds the invocation's request id (and function name, cold start) to every following line. */
  startInvocation(context: Context): void;
}

/** The value of `jobId` or `runnerName` on a line about no single job or runner (Powertools drops null keys). */
export const NO_SUBJECT = '-';

/**
 * The engine's short field names (`job`, `runner`) renamed to the keys every line carries (`jobId`, `runnerName`,
 * {@link NO_SUBJECT} when a line is about neither), so that one query finds every line of a job or a runner;
 * undefined fields dropped.
 *
 * @example
 * ```ts
 * logKeys({ job: 42, pool: 'linux' }); // { jobId: 42, runnerName: '-', pool: 'linux' }
 * ```
 */
export function logKeys(fields: LogFields | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = { jobId: NO_SUBJECT, runnerName: NO_SUBJECT };
  if (!fields) return out;
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    if (key === 'job') out['jobId'] = value;
    else if (key === 'runner') out['runnerName'] = value;
    else out[RESERVED.has(key) ? `${key}Detail` : key] = value;
  }
  return out;
}

/** Keys a line already has (Powertools drops a field named like one, with a warning): renamed `<key>Detail`. */
const RESERVED: ReadonlySet<string> = new Set([
  'level',
  'message',
  'timestamp',
  'service',
  'sampling_rate',
  'xray_trace_id',
  'cold_start',
  'function_arn',
  'function_memory_size',
  'function_name',
  'function_request_id',
  'jobId',
  'runnerName',
]);
