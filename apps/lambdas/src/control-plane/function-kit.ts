// What every control-plane function shares: its logger, EMF metrics and the once-per-cold-start wiring.
import { EmfMetrics } from '@ghr/aws/metrics';
import type { FetchSsmParameters } from '@ghr/aws/fetch';
import type { LambdaConfig } from '../config.js';
import { createFunctionLogger } from '../runtime/logging.js';
import type { FunctionLogger } from '../runtime/logging.js';
import { once } from '../runtime/once.js';
import { wireControlPlane } from './deps.js';
import type { ControlPlane } from './deps.js';

/** Options every control-plane function takes; everything but `config` has a default (tests inject). */
export interface ControlPlaneFunctionOptions {
  readonly config: LambdaConfig;
  readonly logger?: FunctionLogger;
  /** Where EMF lines go. Default stdout. */
  readonly writeMetrics?: (line: string) => void;
  readonly parameters?: FetchSsmParameters;
  /** Replaces the wiring (tests of the handler logic alone). */
  readonly wire?: () => Promise<ControlPlane>;
}

/** A control-plane function's shared parts. */
export interface FunctionKit {
  readonly log: FunctionLogger;
  readonly metrics: EmfMetrics;
  readonly deps: () => Promise<ControlPlane>;
}

/**
 * Creates the logger, the metrics sink and the memoised wiring of one function.
 *
 * @example
 * ```ts
 * const { log, metrics, deps } = functionKit(options);
 * ```
 */
export function functionKit(options: ControlPlaneFunctionOptions): FunctionKit {
  const { config } = options;
  const log = options.logger ?? createFunctionLogger({ serviceName: config.functionName, level: config.logLevel, environment: config.environment });
  const metrics = new EmfMetrics({
    namespace: config.metricsNamespace,
    defaultDimensions: { environment: config.environment },
    ...(options.writeMetrics ? { write: options.writeMetrics } : {}),
  });
  const deps = once(
    options.wire ?? (() => wireControlPlane(config, { logger: log, metrics, ...(options.parameters ? { parameters: options.parameters } : {}) })),
  );
  return { log, metrics, deps };
}
