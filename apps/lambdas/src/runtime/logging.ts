// Structured JSON logs through Powertools Logger, behind core's Logger port. Every line carries the Lambda
// request id (from `addContext`), and `jobId` and `runnerName` (`-` when the line is about neither), so that one
// query finds every line of a job or a runner across functions.
import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { logKeys } from './log-keys.js';
import type { FunctionLogger, FunctionLoggerOptions } from './log-keys.js';

export type { FunctionLogger, FunctionLoggerOptions } from './log-keys.js';

/**
 * Creates the function's logger once per cold start.
 *
 * @example
 * ```ts
 * const log = createFunctionLogger({ serviceName: 'ghr-webhook', level: 'INFO', environment: 'prod' });
 * log.startInvocation(context);
 * log.info('runner launched', { runner: 'ghr-linux-1', job: 42 }); // {"runnerName":"ghr-linux-1","jobId":42,...}
 * ```
 */
export function createFunctionLogger(options: FunctionLoggerOptions): FunctionLogger {
  const logger = new PowertoolsLogger({
    serviceName: options.serviceName,
    logLevel: options.level,
    persistentKeys: { ghrEnvironment: options.environment },
  });
  return {
    debug: (message, fields) => logger.debug(message, logKeys(fields)),
    info: (message, fields) => logger.info(message, logKeys(fields)),
    warn: (message, fields) => logger.warn(message, logKeys(fields)),
    error: (message, fields) => logger.error(message, logKeys(fields)),
    startInvocation: (context) => logger.addContext(context),
  };
}
