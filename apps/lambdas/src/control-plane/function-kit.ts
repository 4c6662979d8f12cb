// What every control-plane function shares: its logger, EMF metrics and the once-per-cold-start wiring.
import { EmfMetrics } from '@ghr/aws/metrics';
import type { FetchSsmParameters } from '@ghr/aws/fetch';
import type { EngineOptions } from '@ghr/core';
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
  /** Engine tuning beyond the defaults. */
  readonly engineOptions?: EngineOptions;
  /**
   * Replaces the wiring, given the function's logger and metrics (tests: a fake engine, or the real wiring with
   * a fault wrapped around it).
   */
  readonly wire?: (parts: { readonly logger: FunctionLogger; readonly metrics: EmfMetrics }) => Promise<ControlPlane>;
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
  const log =
    options.logger ??
    createFunctionLogger({
      serviceName: config.functionName,
      level: config.logLevel,
      environment: config.environment,
    });
  const metrics = new EmfMetrics({
    namespace: config.metricsNamespace,
    defaultDimensions: { environment: config.environment },
    ...(options.writeMetrics ? { write: options.writeMetrics } : {}),
  });
  const wire = options.wire;
  const deps = once(
    wire
      ? () => wire({ logger: log, metrics })
      : () =>
          wireControlPlane(config, {
            logger: log,
            metrics,
            ...(options.parameters ? { parameters: options.parameters } : {}),
            ...(options.engineOptions ? { engineOptions: options.engineOptions } : {}),
          }),
  );
  return { log, metrics, deps };
}
