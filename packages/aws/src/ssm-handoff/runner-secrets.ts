// The runner's one-time bootstrap secret (JIT config or registration token), handed to its instance through an
// SSM SecureString parameter named after the runner. The instance reads it and deletes it; leftovers expire.
import {
  AddTagsToResourceCommand,
  DeleteParameterCommand,
  DeleteParametersCommand,
  DescribeParametersCommand,
  GetParameterCommand,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import type { ParameterMetadata, PutParameterCommandInput, Tag } from '@aws-sdk/client-ssm';
import { systemClock } from '@ghr/core';
import type { Clock, RunnerBootstrap } from '@ghr/core';
import { AwsError, isAwsError, toAwsError } from '../errors.js';
import { TokenBucket } from './token-bucket.js';

/** Most characters of a Standard parameter value; larger values need the Advanced tier (8 KB, paid). */
export const SSM_STANDARD_MAX_CHARS = 4096;
/** Most characters of an Advanced parameter value. */
export const SSM_ADVANCED_MAX_CHARS = 8192;

/** Tag keys of hand-off parameters (also used by the EC2 provider on instances). */
export const RUNNER_SECRET_TAGS = {
  environment: 'ghr:environment',
  pool: 'ghr:pool',
  runner: 'ghr:runner',
  instanceId: 'ghr:instance-id',
  /** The instance's ARN: the runner role's IAM condition compares it with `${ec2:SourceInstanceARN}`. */
  instanceArn: 'ghr:instance-arn',
} as const;

/** One runner's secret to hand off. */
export interface RunnerSecret {
  readonly runnerName: string;
  readonly poolId: string;
  /** The instance that may read it, once known (tagged `ghr:instance-id`). */
  readonly instanceId?: string;
  readonly bootstrap: RunnerBootstrap;
}

/** Where a secret went. */
export interface StoredRunnerSecret {
  readonly parameterName: string;
  readonly tier: 'Standard' | 'Advanced';
}

/** What the EC2 provider needs from a secret hand-off (so tests and other stores can stand in). */
export interface RunnerSecretStore {
  put(secret: RunnerSecret, signal: AbortSignal): Promise<StoredRunnerSecret>;
  /** Deletes the runner's secret; a missing one is success. */
  delete(runnerName: string, signal: AbortSignal): Promise<void>;
}

/** Where the hand-off parameters live. */
export interface RunnerSecretLocation {
  /** `prod`, `staging`, ...: part of the default prefix. */
  readonly environment: string;
  /** Parameter path prefix; default `/ghr/<environment>/runners`. */
  readonly prefix?: string;
}

/** Options of {@link SsmRunnerSecrets}. */
export interface SsmRunnerSecretsOptions extends RunnerSecretLocation {
  /** Default `new SSMClient({})`. */
  readonly ssm?: SSMClient;
  /**
   * KMS key for the SecureString; default the account's `alias/aws/ssm`. Use the hand-off key of the CDK
   * construct (its ARN is `GHR_HANDOFF_KMS_KEY`): only runner roles may decrypt with it.
   */
  readonly kmsKeyId?: string;
  /**
   * Prefix of instance ARNs, `arn:<partition>:ec2:<region>:<account>:instance/`, for the `ghr:instance-arn` tag
   * that IAM compares with `${ec2:SourceInstanceARN}`. Default: derived from `kmsKeyId` when it is a key ARN
   * (same partition, region and account); without either, parameters carry no instance ARN and a runner role
   * scoped by that tag cannot read them.
   */
  readonly instanceArnPrefix?: string;
  /** Sustained PutParameter rate; default 10 per second (users report throttling from 3–40/s). */
  readonly writesPerSecond?: number;
  /** Burst of writes above the rate; default 20. */
  readonly writeBurst?: number;
  /** How long a secret lives before it may be swept (and, for Advanced parameters, expires); default 60 min. */
  readonly ttlMs?: number;
  readonly clock?: Clock;
}

const NAME = /^[A-Za-z0-9_.-]{1,128}$/;
const KEY_ARN = /^arn:([^:]+):kms:([^:]+):(\d{12}):key\//;

/**
 * The instance ARN prefix (`arn:<partition>:ec2:<region>:<account>:instance/`) of a KMS key ARN's partition,
 * region and account; undefined for a key id or alias.
 *
 * @example
 * ```ts
 * instanceArnPrefixOf('arn:aws:kms:us-east-1:123456789012:key/1234abcd-…'); // 'arn:aws:ec2:us-east-1:123456789012:instance/'
 * ```
 */
export function instanceArnPrefixOf(kmsKeyArn: string | undefined): string | undefined {
  const m = kmsKeyArn ? KEY_ARN.exec(kmsKeyArn) : null;
  return m ? `arn:${m[1]}:ec2:${m[2]}:${m[3]}:instance/` : undefined;
}

/**
 * The SSM parameter name of a runner's secret: `<prefix>/<runnerName>`, prefix `/ghr/<environment>/runners`.
 *
 * @example
 * ```ts
 * runnerSecretName({ environment: 'prod' }, 'ghr-linux-7f3a'); // '/ghr/prod/runners/ghr-linux-7f3a'
 * ```
 */
export function runnerSecretName(location: RunnerSecretLocation, runnerName: string): string {
  if (!NAME.test(runnerName)) {
    throw new AwsError(
      `Runner name "${runnerName.slice(0, 80)}" cannot name an SSM parameter: use letters, digits, "_", "." and "-" (at most 128).`,
      { code: 'invalid-input' },
    );
  }
  return `${runnerSecretPrefix(location)}/${runnerName}`;
}

/**
 * The path under which every runner secret of an environment lives (no trailing slash).
 *
 * @example
 * ```ts
 * runnerSecretPrefix({ environment: 'prod' }); // '/ghr/prod/runners'
 * ```
 */
export function runnerSecretPrefix(location: RunnerSecretLocation): string {
  return (location.prefix ?? `/ghr/${location.environment}/runners`).replace(/\/+$/, '');
}

/**
 * Encodes a bootstrap as the parameter value: a JIT config as is (what `run.sh --jitconfig` takes), a registration
 * as JSON.
 *
 * @example
 * ```ts
 * encodeBootstrap({ kind: 'jit', encodedJitConfig: 'eyJ...' }); // 'eyJ...'
 * ```
 */
export function encodeBootstrap(bootstrap: RunnerBootstrap): string {
  return bootstrap.kind === 'jit' ? bootstrap.encodedJitConfig : JSON.stringify(bootstrap);
}

/**
 * Decodes a parameter value written by {@link encodeBootstrap}.
 *
 * @example
 * ```ts
 * decodeBootstrap('eyJ...'); // { kind: 'jit', encodedJitConfig: 'eyJ...' }
 * ```
 */
export function decodeBootstrap(value: string): RunnerBootstrap {
  if (value.startsWith('{')) {
    try {
      const parsed = JSON.parse(value) as Partial<RunnerBootstrap>;
      if (parsed.kind === 'registration' && typeof parsed.url === 'string' && typeof parsed.token === 'string') {
        return {
          kind: 'registration',
          url: parsed.url,
          token: parsed.token,
          ...(typeof parsed.runnerGroup === 'string' ? { runnerGroup: parsed.runnerGroup } : {}),
        };
      }
    } catch {
      // not JSON: a JIT config
    }
  }
  return { kind: 'jit', encodedJitConfig: value };
}

/**
 * Writes and deletes runners' bootstrap secrets as SSM SecureString parameters, paced by a token bucket, and
 * sweeps leftovers. Each parameter is tagged `ghr:environment`, `ghr:pool`, `ghr:runner` and (when known)
 * `ghr:instance-id` and `ghr:instance-arn`, so an IAM policy can let only that runner's instance read and delete
 * it (`ssm:resourceTag/ghr:instance-arn` = `${ec2:SourceInstanceARN}`; see README).
 * Values over 4 KB go to the Advanced tier with an `Expiration` policy; Standard ones are swept by
 * {@link SsmRunnerSecrets.sweepExpired}.
 *
 * @example
 * ```ts
 * const secrets = new SsmRunnerSecrets({ ssm, environment: 'prod' });
 * await secrets.put({ runnerName: 'ghr-linux-7f3a', poolId: 'linux', instanceId, bootstrap }, signal);
 * ```
 */
export class SsmRunnerSecrets implements RunnerSecretStore {
  readonly #ssm: SSMClient;
  readonly #location: RunnerSecretLocation;
  readonly #kmsKeyId: string | undefined;
  readonly #instanceArnPrefix: string | undefined;
  readonly #bucket: TokenBucket;
  readonly #ttlMs: number;
  readonly #clock: Clock;

  constructor(options: SsmRunnerSecretsOptions) {
    this.#ssm = options.ssm ?? new SSMClient({});
    this.#location = { environment: options.environment, ...(options.prefix ? { prefix: options.prefix } : {}) };
    this.#kmsKeyId = options.kmsKeyId;
    this.#instanceArnPrefix = options.instanceArnPrefix ?? instanceArnPrefixOf(options.kmsKeyId);
    this.#clock = options.clock ?? systemClock;
    const rate = options.writesPerSecond ?? 10;
    this.#bucket = new TokenBucket({ ratePerSecond: rate, burst: options.writeBurst ?? 20, clock: this.#clock });
    this.#ttlMs = options.ttlMs ?? 60 * 60_000;
  }

  /** The parameter name of a runner's secret. */
  parameterName(runnerName: string): string {
    return runnerSecretName(this.#location, runnerName);
  }

  /**
   * Stores one runner's secret (one PutParameter; a second write only when the parameter already existed, e.g. a
   * retried launch). Waits for the pacing bucket first.
   */
  async put(secret: RunnerSecret, signal: AbortSignal): Promise<StoredRunnerSecret> {
    const name = this.parameterName(secret.runnerName);
    const value = encodeBootstrap(secret.bootstrap);
    if (value.length > SSM_ADVANCED_MAX_CHARS) {
      throw new AwsError(
        `The bootstrap secret of runner ${secret.runnerName} has ${value.length} characters; SSM holds at most ${SSM_ADVANCED_MAX_CHARS}.`,
        { code: 'invalid-input' },
      );
    }
    const tier = value.length > SSM_STANDARD_MAX_CHARS ? 'Advanced' : 'Standard';
    const tags: Tag[] = [
      { Key: RUNNER_SECRET_TAGS.environment, Value: this.#location.environment },
      { Key: RUNNER_SECRET_TAGS.pool, Value: secret.poolId },
      { Key: RUNNER_SECRET_TAGS.runner, Value: secret.runnerName },
      ...(secret.instanceId ? [{ Key: RUNNER_SECRET_TAGS.instanceId, Value: secret.instanceId }] : []),
      ...(secret.instanceId && this.#instanceArnPrefix
        ? [{ Key: RUNNER_SECRET_TAGS.instanceArn, Value: `${this.#instanceArnPrefix}${secret.instanceId}` }]
        : []),
    ];
    const input: PutParameterCommandInput = {
      Name: name,
      Value: value,
      Type: 'SecureString',
      Tier: tier,
      Description: `ghr bootstrap secret of runner ${secret.runnerName} (pool ${secret.poolId}); read once, then deleted`,
      ...(this.#kmsKeyId ? { KeyId: this.#kmsKeyId } : {}),
      ...(tier === 'Advanced'
        ? {
            Policies: JSON.stringify([
              {
                Type: 'Expiration',
                Version: '1.0',
                Attributes: { Timestamp: new Date(this.#clock.now() + this.#ttlMs).toISOString() },
              },
            ]),
          }
        : {}),
    };
    await this.#bucket.take(signal);
    try {
      await this.#ssm.send(new PutParameterCommand({ ...input, Tags: tags }), { abortSignal: signal });
    } catch (err) {
      const error = toAwsError(err, `SSM PutParameter ${name}`);
      if (error.awsCode !== 'ParameterAlreadyExists') throw error;
      // A retried launch: overwrite the value (Tags cannot go with Overwrite) and re-tag.
      await this.#bucket.take(signal);
      await this.#call(`SSM PutParameter ${name} (overwrite)`, () =>
        this.#ssm.send(new PutParameterCommand({ ...input, Overwrite: true }), { abortSignal: signal }),
      );
      await this.#call(`SSM AddTagsToResource ${name}`, () =>
        this.#ssm.send(new AddTagsToResourceCommand({ ResourceType: 'Parameter', ResourceId: name, Tags: tags }), { abortSignal: signal }),
      );
    }
    return { parameterName: name, tier };
  }

  /** Deletes a runner's secret (a failed launch, a terminated runner); a missing parameter is success. */
  async delete(runnerName: string, signal: AbortSignal): Promise<void> {
    const name = this.parameterName(runnerName);
    try {
      await this.#ssm.send(new DeleteParameterCommand({ Name: name }), { abortSignal: signal });
    } catch (err) {
      const error = toAwsError(err, `SSM DeleteParameter ${name}`);
      if (error.code !== 'not-found') throw error;
    }
  }

  /**
   * Deletes every secret under the prefix last written more than `olderThanMs` ago (default the TTL): runners
   * whose instance never booted, or launches abandoned half-way. Returns the deleted parameter names.
   *
   * @example
   * ```ts
   * const removed = await secrets.sweepExpired(signal); // from the scheduled reconcile
   * ```
   */
  async sweepExpired(signal: AbortSignal, olderThanMs: number = this.#ttlMs): Promise<readonly string[]> {
    const prefix = runnerSecretPrefix(this.#location);
    const cutoff = this.#clock.now() - olderThanMs;
    const expired: string[] = [];
    let nextToken: string | undefined;
    do {
      const token = nextToken;
      const page = await this.#call(`SSM DescribeParameters under ${prefix}`, () =>
        this.#ssm.send(
          new DescribeParametersCommand({
            ParameterFilters: [{ Key: 'Path', Option: 'Recursive', Values: [prefix] }],
            MaxResults: 50,
            ...(token ? { NextToken: token } : {}),
          }),
          { abortSignal: signal },
        ),
      );
      for (const p of page.Parameters ?? ([] as ParameterMetadata[])) {
        if (p.Name && p.Name.startsWith(`${prefix}/`) && (p.LastModifiedDate?.getTime() ?? 0) < cutoff) expired.push(p.Name);
      }
      nextToken = page.NextToken;
    } while (nextToken);
    const deleted: string[] = [];
    for (let i = 0; i < expired.length; i += 10) {
      const names = expired.slice(i, i + 10);
      const out = await this.#call(`SSM DeleteParameters under ${prefix}`, () =>
        this.#ssm.send(new DeleteParametersCommand({ Names: names }), { abortSignal: signal }),
      );
      deleted.push(...(out.DeletedParameters ?? []));
    }
    return deleted;
  }

  async #call<T>(what: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      throw toAwsError(err, what);
    }
  }
}

/** Options of {@link takeRunnerSecret}. */
export interface TakeRunnerSecretOptions extends RunnerSecretLocation {
  /** Default `new SSMClient({})` (on the instance: its instance profile's credentials). */
  readonly ssm?: SSMClient;
  readonly signal?: AbortSignal;
}

/**
 * The instance side of the hand-off: reads the runner's secret (decrypted) and deletes it, so it can be used
 * once. Throws an `AwsError` `not-found` when there is none (already taken, or not written yet: retry).
 * User data that cannot run Node uses {@link runnerSecretShellSnippet} instead.
 *
 * @example
 * ```ts
 * const bootstrap = await takeRunnerSecret('ghr-linux-7f3a', { environment: 'prod' });
 * if (bootstrap.kind === 'jit') spawn('./run.sh', ['--jitconfig', bootstrap.encodedJitConfig]);
 * ```
 */
export async function takeRunnerSecret(runnerName: string, options: TakeRunnerSecretOptions): Promise<RunnerBootstrap> {
  const ssm = options.ssm ?? new SSMClient({});
  const name = runnerSecretName(options, runnerName);
  const signal = options.signal ?? AbortSignal.timeout(30_000);
  let value: string | undefined;
  try {
    const out = await ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true }), { abortSignal: signal });
    value = out.Parameter?.Value;
  } catch (err) {
    throw toAwsError(err, `SSM GetParameter ${name}`);
  }
  if (value === undefined) throw new AwsError(`SSM parameter ${name} has no value: the launch did not finish; retry.`, { code: 'not-found' });
  try {
    await ssm.send(new DeleteParameterCommand({ Name: name }), { abortSignal: signal });
  } catch (err) {
    const error = toAwsError(err, `SSM DeleteParameter ${name}`);
    if (!isAwsError(error, 'not-found')) throw error;
  }
  return decodeBootstrap(value);
}
