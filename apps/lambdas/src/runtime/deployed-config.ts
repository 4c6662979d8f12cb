// The deployed ghr config and its secrets, from SSM: the config parameter holds `encodeResolvedConfig(config)`
// (written by the deploy, validated there), secrets are SSM SecureStrings named by the config. A Lambda never
// takes a secret from its environment or a file: a config that says so is refused at cold start.
import { FetchSsmParameters } from '@ghr/aws/fetch';
import { decodeResolvedConfig } from '@ghr/core';
import type { GhrConfig, SecretRef } from '@ghr/core';
import { LambdaConfigError } from '../config.js';
import type { LambdaConfig } from '../config.js';

/** How long config and secret values are served from memory before SSM is asked again (ms). */
export const PARAMETER_TTL_MS = 5 * 60_000;

/**
 * The SSM reader every function uses for its config and secrets (SDK-free, cached for {@link PARAMETER_TTL_MS}).
 *
 * @example
 * ```ts
 * const parameters = parameterReader(config);
 * ```
 */
export function parameterReader(config: LambdaConfig): FetchSsmParameters {
  return new FetchSsmParameters({
    region: config.region,
    credentials: config.credentials,
    ...(config.awsEndpoint ? { endpoint: config.awsEndpoint } : {}),
    ttl: PARAMETER_TTL_MS,
  });
}

/**
 * Reads and decodes the deployed config named by `GHR_CONFIG_PARAMETER`, and checks that every secret it names
 * is in SSM.
 *
 * @example
 * ```ts
 * const ghr = await loadDeployedConfig(config, parameters, signal);
 * ```
 */
export async function loadDeployedConfig(config: LambdaConfig, parameters: FetchSsmParameters, signal: AbortSignal): Promise<GhrConfig> {
  const ghr = decodeResolvedConfig(await parameters.get(config.configParameter, signal));
  const refs: [string, SecretRef | undefined][] = [
    ['github.webhookSecret', ghr.github.webhookSecret],
    ['github.previousWebhookSecret', ghr.github.previousWebhookSecret],
    [
      ghr.github.auth.kind === 'app' ? 'github.auth.privateKey' : 'github.auth.token',
      ghr.github.auth.kind === 'app' ? ghr.github.auth.privateKey : ghr.github.auth.token,
    ],
  ];
  for (const [path, ref] of refs) if (ref !== undefined) ssmName(ref, path);
  return ghr;
}

/**
 * The SSM parameter name of a secret reference; refuses `{ env }` and `{ file }`, which a Lambda must not use.
 *
 * @example
 * ```ts
 * ssmName({ ssm: '/ghr/prod/webhook-secret' }, 'github.webhookSecret'); // '/ghr/prod/webhook-secret'
 * ```
 */
export function ssmName(ref: SecretRef, path: string): string {
  if ('ssm' in ref && typeof ref.ssm === 'string' && ref.ssm !== '') return ref.ssm;
  const kind = 'env' in ref ? 'an environment variable' : 'file' in ref ? 'a file' : 'an unknown source';
  throw new LambdaConfigError(
    `${path} refers to ${kind}; the Lambda functions read secrets only from SSM: store it as a SecureString parameter and set ${path}: { ssm: "/ghr/<environment>/<name>" } in the config, then redeploy.`,
  );
}

/**
 * Reads one secret (cached for the TTL). Throws a {@link LambdaConfigError} naming the parameter when it is missing.
 *
 * @example
 * ```ts
 * const key = await readSecret(parameters, ghr.github.auth.privateKey, 'github.auth.privateKey', signal);
 * ```
 */
export async function readSecret(parameters: FetchSsmParameters, ref: SecretRef, path: string, signal: AbortSignal): Promise<string> {
  const name = ssmName(ref, path);
  const value = (await parameters.getMany([name], signal)).get(name);
  if (value === undefined) {
    throw new LambdaConfigError(
      `${path} names SSM parameter ${name}, which does not exist or is empty: create it as a SecureString in this account and region.`,
    );
  }
  return value;
}
