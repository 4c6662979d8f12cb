// The ghr config at synth time: validated by @ghr/core, secrets checked, and the JSON the Lambdas read.
import type { GhrConfig, Pool, SecretRef } from '@ghr/core';
import { formatConfigIssue, validateConfig } from '@ghr/core/config';

/**
 * Validates the config with `@ghr/core` and returns it with every default applied; throws an `Error` listing
 * every problem with its path.
 *
 * @example
 * ```ts
 * const config = resolveConfig(parse(readFileSync('ghr.config.yaml', 'utf8')));
 * ```
 */
export function resolveConfig(input: unknown): GhrConfig {
  const result = validateConfig(input);
  if (!result.ok) {
    throw new Error(`The ghr config has ${result.issues.length} problem(s):\n${result.issues.map((i) => `  - ${formatConfigIssue(i)}`).join('\n')}`);
  }
  for (const [index, pool] of result.config.pools.entries()) {
    if ('launchTemplate' in pool.instance) {
      throw new Error(`pools[${index}].instance.launchTemplate: GitHubRunners creates each pool's launch template; remove this key.`);
    }
  }
  return result.config;
}

/** A secret of the config: where it is in the config, and its SSM parameter name. */
export interface ConfigSecret {
  /** Config path, e.g. `github.webhookSecret`. */
  readonly path: string;
  /** The SecureString parameter's name (with a leading `/` when it is a path). */
  readonly parameterName: string;
}

function ssmOnly(path: string, ref: SecretRef): ConfigSecret {
  if ('ssm' in ref) return { path, parameterName: ref.ssm };
  const kind = 'env' in ref ? 'env' : 'file';
  throw new Error(
    `${path}: { ${kind}: ... } secrets cannot be used in AWS (an environment variable is readable by anyone allowed ` +
      `lambda:GetFunctionConfiguration; Lambdas have no files of yours). Create a SecureString parameter and write { ssm: /name }.`,
  );
}

/**
 * The SSM SecureString parameters the config references (the App key or token, the webhook secret and the
 * previous one during a rotation). Refuses
 * `{ env }` and `{ file }` references: in AWS the Lambdas read secrets only from SSM.
 *
 * @example
 * ```ts
 * configSecrets(config); // [{ path: 'github.auth.privateKey', parameterName: '/ghr/app-key' }, ...]
 * ```
 */
export function configSecrets(config: GhrConfig): readonly ConfigSecret[] {
  const auth = config.github.auth;
  return [
    auth.kind === 'app' ? ssmOnly('github.auth.privateKey', auth.privateKey) : ssmOnly('github.auth.token', auth.token),
    ssmOnly('github.webhookSecret', config.github.webhookSecret),
    ...(config.github.previousWebhookSecret ? [ssmOnly('github.previousWebhookSecret', config.github.previousWebhookSecret)] : []),
  ];
}

/** What the construct deployed for one pool, written into the pool's `instance` section. */
export interface DeployedPool {
  readonly launchTemplate: { readonly name: string; readonly version: string };
  /** Default subnets for the pool's fleet overrides (used when the pool sets none). */
  readonly subnetIds: readonly string[];
}

/**
 * The config the Lambdas read from SSM: the validated `GhrConfig` (durations in milliseconds, scopes as
 * `PoolScope`) with each pool's `instance.launchTemplate` set to the template the construct created, and its
 * `instance.subnetIds` defaulting to the runner subnets.
 *
 * @example
 * ```ts
 * const json = deployedConfig(config, { linux: { launchTemplate: { name: 'ghr-prod-linux', version: '3' }, subnetIds } });
 * ```
 */
export function deployedConfig(config: GhrConfig, pools: Readonly<Record<string, DeployedPool>>): GhrConfig {
  return {
    ...config,
    pools: config.pools.map((pool): Pool => {
      const deployed = pools[pool.id];
      if (!deployed) throw new Error(`No launch template was created for pool "${pool.id}".`);
      const subnetIds = pool.instance['subnetIds'];
      return {
        ...pool,
        instance: {
          ...pool.instance,
          launchTemplate: { ...deployed.launchTemplate },
          ...(subnetIds === undefined ? { subnetIds: [...deployed.subnetIds] } : {}),
        },
      };
    }),
  };
}

const GRAVITON = /^[a-z]+\d+g[a-z]*(-flex)?\./;

/**
 * The CPU architecture of a pool: `arm64` when every instance type of its `instance.instanceTypes` is a
 * Graviton type, `x64` when none is; mixing them is an error (one AMI per pool).
 *
 * @example
 * ```ts
 * poolArchitecture(pool); // 'arm64' for instanceTypes [m7g.large, c7g.large]
 * ```
 */
export function poolArchitecture(pool: Pick<Pool, 'id' | 'instance'>): 'x64' | 'arm64' {
  const types = pool.instance['instanceTypes'];
  if (!Array.isArray(types) || types.length === 0) return 'x64';
  const arm = types.filter((t) => typeof t === 'string' && GRAVITON.test(t));
  if (arm.length === 0) return 'x64';
  if (arm.length === types.length) return 'arm64';
  throw new Error(
    `Pool "${pool.id}" mixes Graviton (arm64) and x86 instance types (${types.join(', ')}): one pool has one AMI; split it in two pools or set pools.${pool.id}.architecture.`,
  );
}

/**
 * Checks an environment name: it goes into tags, resource names and SSM paths.
 *
 * @example
 * ```ts
 * checkEnvironment('prod'); // 'prod'
 * ```
 */
export function checkEnvironment(environment: string): string {
  if (!/^[a-z0-9][a-z0-9-]{0,23}$/.test(environment)) {
    throw new Error(`environment "${environment}" must be 1-24 lower-case letters, digits or "-", starting with a letter or digit.`);
  }
  return environment;
}
