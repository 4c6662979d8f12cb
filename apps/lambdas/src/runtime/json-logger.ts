// A small structured JSON logger for the webhook function, writing the same keys as Powertools Logger (level,
// message, timestamp, service, cold_start, function_name, function_request_id, ...). Why not Powertools here:
// measured on this kind of machine, importing and constructing Powertools Logger costs about as much as the rest
// of the webhook bundle together (roughly half of its 25 ms cold-init budget); the control-plane functions, whose
// budget is 150 ms, use Powertools Logger itself (./logging.ts).
import type { LogFields } from '@ghr/core';
import type { Context } from 'aws-lambda';
import { logKeys } from './log-keys.js';
import type { FunctionLogger, FunctionLoggerOptions } from './log-keys.js';

const RANK = { DEBUG: 0, INFO: 1, WARN: 2, ERROR: 3 } as const;
type Level = keyof typeof RANK;

/** Options of {@link createJsonLogger}. */
export interface JsonLoggerOptions extends FunctionLoggerOptions {
  /** Where each line goes (a newline is added). Default `process.stdout.write`. */
  readonly write?: (line: string) => void;
}

/**
 * Creates a Powertools-compatible JSON line logger.
 *
 * @example
 * ```ts
 * const log = createJsonLogger({ serviceName: 'ghr-webhook', level: 'INFO', environment: 'prod' });
 * log.startInvocation(context);
 * log.info('webhook answered', { job: 42, status: 202 });
 * ```
 */
export function createJsonLogger(options: JsonLoggerOptions): FunctionLogger {
  const write = options.write ?? ((line: string) => void process.stdout.write(line));
  const threshold = RANK[options.level];
  let context: Record<string, unknown> = {};
  let coldStart = true;
  const emit = (level: Level, message: string, fields: LogFields | undefined): void => {
    if (RANK[level] < threshold) return;
    const line = {
      level,
      message,
      timestamp: new Date().toISOString(),
      service: options.serviceName,
      ...context,
      ghrEnvironment: options.environment,
      ...logKeys(fields),
    };
    write(`${JSON.stringify(line)}\n`);
  };
  return {
    debug: (message, fields) => emit('DEBUG', message, fields),
    info: (message, fields) => emit('INFO', message, fields),
    warn: (message, fields) => emit('WARN', message, fields),
    error: (message, fields) => emit('ERROR', message, fields),
    startInvocation: (lambda: Context) => {
      context = {
        cold_start: coldStart,
        function_arn: lambda.invokedFunctionArn,
        function_memory_size: Number(lambda.memoryLimitInMB),
        function_name: lambda.functionName,
        function_request_id: lambda.awsRequestId,
      };
      coldStart = false;
    },
  };
}
