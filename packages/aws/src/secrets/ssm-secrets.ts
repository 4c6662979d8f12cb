// GitHub App credentials and webhook secrets from SSM SecureString parameters, cached in memory with a TTL.
// Values are never logged, never put in errors or metrics; errors name parameters only.
import { GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { systemClock } from '@ghr/core';
import type { Clock } from '@ghr/core';
import { AwsError, toAwsError } from '../errors.js';

/** SSM's limit on names per `GetParameters` call. */
const GET_PARAMETERS_MAX_NAMES = 10;

/** Options of an {@link SsmParameterCache}. */
export interface SsmParameterCacheOptions {
  /** Default: an `SSMClient` with the SDK's default region and credentials chain. */
  readonly client?: SSMClient;
  /** Time source for expiry. Default `systemClock`. */
  readonly clock?: Pick<Clock, 'now'>;
  /** How long a fetched value is served from memory (ms). Default 5 minutes. */
  readonly ttl?: number;
}

interface Entry {
  readonly value: string | undefined;
  /** `String`, `StringList` or `SecureString`; undefined when SSM does not know the name. */
  readonly type: string | undefined;
  readonly expiresAt: number;
}

/**
 * Reads SSM parameters (SecureString decrypted) with `GetParameters`, 10 names per call, and keeps each value in
 * memory for `ttl`. Concurrent reads of the same names share one call. A name SSM does not know is answered as
 * `undefined` (and cached like a value, so a missing optional parameter costs one call per `ttl`).
 *
 * @example
 * ```ts
 * const cache = new SsmParameterCache({ client: new SSMClient({}), ttl: 300_000 });
 * const values = await cache.getMany(['/ghr/app-id', '/ghr/app-key'], signal);
 * ```
 */
export class SsmParameterCache {
  readonly #client: SSMClient;
  readonly #clock: Pick<Clock, 'now'>;
  readonly #ttl: number;
  readonly #entries = new Map<string, Entry>();
  readonly #pending = new Map<string, Promise<void>>();

  constructor(options: SsmParameterCacheOptions = {}) {
    this.#client = options.client ?? new SSMClient({});
    this.#clock = options.clock ?? systemClock;
    this.#ttl = options.ttl ?? 300_000;
  }

  /** Values by name; a name SSM does not know maps to `undefined`. */
  async getMany(names: readonly string[], signal: AbortSignal): Promise<ReadonlyMap<string, string | undefined>> {
    const unique = [...new Set(names)];
    const now = this.#clock.now();
    const stale = unique.filter((n) => !this.#pending.has(n) && !((this.#entries.get(n)?.expiresAt ?? -Infinity) > now));
    for (let i = 0; i < stale.length; i += GET_PARAMETERS_MAX_NAMES) {
      const chunk = stale.slice(i, i + GET_PARAMETERS_MAX_NAMES);
      const fetch = this.#fetch(chunk, signal).finally(() => {
        for (const n of chunk) if (this.#pending.get(n) === fetch) this.#pending.delete(n);
      });
      for (const n of chunk) this.#pending.set(n, fetch);
    }
    await Promise.all(unique.map((n) => this.#pending.get(n)).filter((p) => p !== undefined));
    return new Map(unique.map((n) => [n, this.#entries.get(n)?.value]));
  }

  /**
   * One value; throws an `AwsError` `not-found` when SSM does not know the name.
   *
   * @example
   * ```ts
   * const key = await cache.get('/ghr/app-key', signal);
   * ```
   */
  async get(name: string, signal: AbortSignal): Promise<string> {
    const value = (await this.getMany([name], signal)).get(name);
    if (value === undefined) throw missing([name]);
    return value;
  }

  /**
   * One secret: like {@link SsmParameterCache.get}, but refuses a parameter that is not a `SecureString` (a plain
   * `String` is stored unencrypted and readable by anyone allowed `ssm:GetParameter`), with an `AwsError`
   * `invalid-config` that says how to fix it.
   *
   * @example
   * ```ts
   * const token = await cache.getSecret('/ghr/github-token', signal);
   * ```
   */
  async getSecret(name: string, signal: AbortSignal): Promise<string> {
    const value = await this.get(name, signal);
    this.requireSecureString([name]);
    return value;
  }

  /**
   * Throws an `AwsError` `invalid-config` naming every parameter among `names` that was read and is not a
   * `SecureString` (names not read yet, or unknown to SSM, are not judged).
   *
   * @example
   * ```ts
   * cache.requireSecureString(['/ghr/app-key', '/ghr/webhook-secret']);
   * ```
   */
  requireSecureString(names: readonly string[]): void {
    const plain = names.filter((n) => {
      const entry = this.#entries.get(n);
      return entry?.value !== undefined && entry.type !== 'SecureString';
    });
    if (plain.length > 0) {
      throw new AwsError(
        `SSM parameter(s) ${plain.join(', ')} hold a secret but are not SecureString (they are stored unencrypted): recreate each with ` +
          `\`aws ssm put-parameter --type SecureString --overwrite --name <name> --value <secret>\`.`,
        { code: 'invalid-config' },
      );
    }
  }

  /** Forgets cached values (all, or those named), e.g. after a rotation. */
  invalidate(names?: readonly string[]): void {
    if (names === undefined) this.#entries.clear();
    else for (const n of names) this.#entries.delete(n);
  }

  async #fetch(names: readonly string[], signal: AbortSignal): Promise<void> {
    let out;
    try {
      out = await this.#client.send(new GetParametersCommand({ Names: [...names], WithDecryption: true }), { abortSignal: signal });
    } catch (err) {
      // Only names go into the message; SSM's own messages name parameters, never values.
      throw toAwsError(err, `SSM GetParameters (${names.join(', ')})`);
    }
    const expiresAt = this.#clock.now() + this.#ttl;
    const found = new Map<string, { value: string; type: string | undefined }>();
    for (const p of out.Parameters ?? []) if (p.Name !== undefined && p.Value !== undefined) found.set(p.Name, { value: p.Value, type: p.Type });
    for (const n of names) {
      // GetParameters answers fully qualified names as given (or as ARNs); match both.
      const hit = found.get(n) ?? [...found].find(([k]) => k.endsWith(`:parameter${n.startsWith('/') ? n : `/${n}`}`))?.[1];
      this.#entries.set(n, { value: hit?.value, type: hit?.type, expiresAt });
    }
  }
}

/** The SSM parameter names of a GitHub App's secrets. */
export interface GitHubAppSecretParameters {
  /** The App id (String or SecureString). The other three must be SecureString: a plain String is refused. */
  readonly appId: string;
  /** The App's PEM private key (SecureString). */
  readonly privateKey: string;
  /** The current webhook secret (SecureString). */
  readonly webhookSecret: string;
  /** The previous webhook secret during a rotation (SecureString); a missing parameter is ignored. */
  readonly previousWebhookSecret?: string;
}

/** A GitHub App's secrets. Never log, serialise into errors, or put this object in metrics. */
export interface GitHubAppSecrets {
  readonly appId: number;
  readonly privateKey: string;
  /** Accepted webhook secrets, current first (verify against each during a rotation). */
  readonly webhookSecrets: readonly string[];
}

/** Options of an {@link SsmGitHubAppSecrets}. */
export interface SsmGitHubAppSecretsOptions extends SsmParameterCacheOptions {
  readonly parameters: GitHubAppSecretParameters;
  /** A cache to share with other readers. Default: one built from the other options. */
  readonly cache?: SsmParameterCache;
}

/**
 * The GitHub App id, private key and webhook secrets, read from SSM SecureString parameters in one
 * `GetParameters` call and cached for the TTL: nothing secret lives in environment variables (only parameter
 * names do).
 *
 * @example
 * ```ts
 * const secrets = new SsmGitHubAppSecrets({
 *   client: new SSMClient({}),
 *   parameters: { appId: '/ghr/app-id', privateKey: '/ghr/app-key', webhookSecret: '/ghr/webhook-secret' },
 * });
 * const { appId, privateKey } = await secrets.get(AbortSignal.timeout(3_000));
 * ```
 */
export class SsmGitHubAppSecrets {
  readonly #parameters: GitHubAppSecretParameters;
  readonly #cache: SsmParameterCache;

  constructor(options: SsmGitHubAppSecretsOptions) {
    this.#parameters = options.parameters;
    this.#cache = options.cache ?? new SsmParameterCache(options);
  }

  async get(signal: AbortSignal): Promise<GitHubAppSecrets> {
    const p = this.#parameters;
    const names = [p.appId, p.privateKey, p.webhookSecret, ...(p.previousWebhookSecret ? [p.previousWebhookSecret] : [])];
    const values = await this.#cache.getMany(names, signal);
    const absent = [p.appId, p.privateKey, p.webhookSecret].filter((n) => !values.get(n));
    if (absent.length > 0) throw missing(absent);
    // The App id may be a String; the key and the webhook secrets must be encrypted.
    this.#cache.requireSecureString([p.privateKey, p.webhookSecret, ...(p.previousWebhookSecret ? [p.previousWebhookSecret] : [])]);
    const appId = Number(values.get(p.appId)!.trim());
    if (!Number.isSafeInteger(appId) || appId <= 0) {
      throw new AwsError(`SSM parameter ${p.appId} does not hold a GitHub App id (a positive integer): put the App's numeric id there.`, {
        code: 'invalid-config',
      });
    }
    const previous = p.previousWebhookSecret ? values.get(p.previousWebhookSecret) : undefined;
    return {
      appId,
      privateKey: values.get(p.privateKey)!,
      webhookSecrets: [values.get(p.webhookSecret)!, ...(previous ? [previous] : [])],
    };
  }

  /** Forgets the cached values, e.g. after a signature check failed with every known webhook secret. */
  invalidate(): void {
    const p = this.#parameters;
    this.#cache.invalidate([p.appId, p.privateKey, p.webhookSecret, ...(p.previousWebhookSecret ? [p.previousWebhookSecret] : [])]);
  }
}

function missing(names: readonly string[]): AwsError {
  return new AwsError(
    `SSM parameter(s) ${names.join(', ')} do not exist or are empty: create them (SecureString) in this account and region, or fix the names in the configuration.`,
    { code: 'not-found', awsCode: 'ParameterNotFound' },
  );
}
