// The binaries syncer (schedule): the newest actions/runner release into S3, skipped per variant when the cached
// object already holds that version.
import { S3Client } from '@aws-sdk/client-s3';
import { syncRunnerBinaries } from '@ghr/aws/s3';
import type { RunnerBinaryResult } from '@ghr/aws/s3';
import { GitHubClient } from '@ghr/github';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { requireSetting } from '../config.js';
import type { LambdaConfig } from '../config.js';
import { githubAuth, sdkClientConfig } from '../control-plane/deps.js';
import { invocationDeadline } from '../runtime/deadline.js';
import { loadDeployedConfig, parameterReader } from '../runtime/deployed-config.js';
import { createFunctionLogger } from '../runtime/logging.js';
import type { FunctionLogger } from '../runtime/logging.js';
import { once } from '../runtime/once.js';

/** What the binaries syncer is built from. */
export interface BinariesSyncerOptions {
  readonly config: LambdaConfig;
  readonly logger?: FunctionLogger;
  /** Downloads the release assets; default the global `fetch`. */
  readonly fetch?: typeof fetch;
}

/** A Lambda handler of scheduled events. */
export type BinariesSyncerFunction = (event: ScheduledEvent | Record<string, unknown>, context: Context) => Promise<readonly RunnerBinaryResult[]>;

/**
 * Builds the binaries syncer.
 *
 * @example
 * ```ts
 * export const handler = createBinariesSyncerFunction({ config: lambdaConfig() });
 * ```
 */
export function createBinariesSyncerFunction(options: BinariesSyncerOptions): BinariesSyncerFunction {
  const { config } = options;
  const log =
    options.logger ??
    createFunctionLogger({
      serviceName: config.functionName,
      level: config.logLevel,
      environment: config.environment,
    });
  const bucket = requireSetting(config, 'binariesBucket');
  const deps = once(async () => {
    const parameters = parameterReader(config);
    const signal = AbortSignal.timeout(10_000);
    const ghr = await loadDeployedConfig(config, parameters, signal);
    const github = new GitHubClient({
      auth: await githubAuth(ghr, parameters, signal),
      githubUrl: ghr.github.url,
      apiUrl: ghr.github.apiUrl,
      logger: log,
    });
    const s3 = new S3Client({
      ...sdkClientConfig(config),
      forcePathStyle: config.awsEndpoint !== undefined,
    });
    return { github, s3 };
  });
  return async (_event, context) => {
    log.startInvocation(context);
    const deadline = invocationDeadline(context);
    try {
      const { github, s3 } = await deps();
      const release = await github.latestRunnerRelease(deadline.signal);
      const fetchOption = options.fetch ? { fetch: options.fetch } : {};
      const results = await syncRunnerBinaries(release, { bucket, s3, logger: log, ...fetchOption }, deadline.signal);
      for (const r of results) log.info('runner binary', { os: r.os, arch: r.arch, version: r.version, status: r.status, bytes: r.bytes });
      return results;
    } finally {
      deadline.clear();
    }
  };
}
