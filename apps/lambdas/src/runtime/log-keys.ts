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

/**
 * The engine's short field names (`job`, `runner`) renamed to the keys every line carries (`jobId`, `runnerName`,
 * null when a line is about neither); undefined fields dropped.
 *
 * @example
 * ```ts
 * logKeys({ job: 42, pool: 'linux' }); // { jobId: 42, runnerName: null, pool: 'linux' }
 * ```
 */
export function logKeys(fields: LogFields | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = { jobId: null, runnerName: null };
  if (!fields) return out;
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    if (key === 'job') out['jobId'] = value;
    else if (key === 'runner') out['runnerName'] = value;
    else out[key] = value;
  }
  return out;
}

