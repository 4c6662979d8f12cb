// What a runner process runs, and the environment it gets (its bootstrap secret travels only here).
import type { LaunchRequest } from '@ghr/core';

/** What a runner command is told about the runner it starts. Holds no secret. */
export interface RunnerCommandContext {
  readonly name: string;
  readonly poolId: string;
  readonly labels: readonly string[];
  readonly ephemeral: boolean;
  /** `jit`: the JIT config is in `ACTIONS_RUNNER_INPUT_JITCONFIG`; `registration`: URL and token (see below). */
  readonly bootstrap: LaunchRequest['bootstrap']['kind'];
  /** A fresh, empty directory of this runner, removed when its process ends. The command's default `cwd`. */
  readonly workDir: string;
  readonly signal: AbortSignal;
}

/** A program to start for one runner. Never put the bootstrap secret in `args`: it is in the environment. */
export interface RunnerCommand {
  readonly file: string;
  readonly args?: readonly string[];
  /** Extra environment variables (over the provider's base environment). */
  readonly env?: Readonly<Record<string, string>>;
  /** Working directory. Default: the runner's work directory. */
  readonly cwd?: string;
}

/**
 * Builds the command of one runner, after its work directory exists (it may fill it, e.g. with a copy of the
 * runner binaries). A thrown `GhrError` whose code is a launch error code (`capacity`, `quota`, `throttled`,
 * `invalid-config`) fails that runner's launch with that code; any other error fails it as `internal`.
 *
 * @example
 * ```ts
 * const stubRunner: RunnerCommandFactory = ({ name }) => ({
 *   file: process.execPath,
 *   args: ['stub-runner.js', '--name', name], // the JIT config is in ACTIONS_RUNNER_INPUT_JITCONFIG, not here
 *   env: { GITHUB_URL: 'http://127.0.0.1:3000' },
 * });
 * ```
 */
export type RunnerCommandFactory = (context: RunnerCommandContext) => RunnerCommand | Promise<RunnerCommand>;

/**
 * The environment variable that carries a runner's JIT config, as actions/runner reads `--jitconfig` from it.
 *
 * @example
 * ```ts
 * // in a stub runner program started by LocalProcessProvider
 * const jit = JSON.parse(Buffer.from(process.env[JIT_CONFIG_ENV] ?? '', 'base64').toString('utf8'));
 * ```
 */
export const JIT_CONFIG_ENV = 'ACTIONS_RUNNER_INPUT_JITCONFIG';

/**
 * The environment of a runner process that carries its bootstrap and names: for a JIT config
 * `ACTIONS_RUNNER_INPUT_JITCONFIG`; for a registration token `ACTIONS_RUNNER_INPUT_URL`, `_TOKEN`, `_NAME`,
 * `_LABELS` and `_RUNNERGROUP` (actions/runner's `config.sh` reads its options from `ACTIONS_RUNNER_INPUT_*`
 * and removes them from the environment the jobs see). Always `GHR_RUNNER_NAME`, `GHR_POOL_ID` and
 * `GHR_RUNNER_LABELS` (comma-separated).
 */
export function bootstrapEnvironment(request: LaunchRequest): Record<string, string> {
  const env: Record<string, string> = {
    GHR_RUNNER_NAME: request.name,
    GHR_POOL_ID: request.poolId,
    GHR_RUNNER_LABELS: request.labels.join(','),
  };
  const bootstrap = request.bootstrap;
  if (bootstrap.kind === 'jit') {
    env[JIT_CONFIG_ENV] = bootstrap.encodedJitConfig;
  } else {
    env['ACTIONS_RUNNER_INPUT_URL'] = bootstrap.url;
    env['ACTIONS_RUNNER_INPUT_TOKEN'] = bootstrap.token;
    env['ACTIONS_RUNNER_INPUT_NAME'] = request.name;
    env['ACTIONS_RUNNER_INPUT_LABELS'] = request.labels.join(',');
    if (bootstrap.runnerGroup !== undefined) env['ACTIONS_RUNNER_INPUT_RUNNERGROUP'] = bootstrap.runnerGroup;
  }
  return env;
}
