// SSM parameters (String and SecureString, decrypted) read without the AWS SDK, cached in memory with a TTL.
// Values are never logged, never put in errors; errors name parameters only.
import { systemClock } from '@ghr/core';
import type { Clock } from '@ghr/core';
import { AwsError } from '../errors.js';
import { AwsJsonClient } from './aws-json-client.js';
import type { AwsFetchOptions } from './aws-json-client.js';

/** SSM's limit on names per `GetParameters` call. */
const MAX_NAMES = 10;

/** Options of a {@link FetchSsmParameters}. */
export interface FetchSsmParametersOptions extends AwsFetchOptions {
  /** How long a fetched value is served from memory (ms). Default 5 minutes. */
  readonly ttl?: number;
  /** Time source for expiry. Default `systemClock`. */
  readonly clock?: Pick<Clock, 'now'>;
}

interface Entry {
  readonly value: string | undefined;
  readonly expiresAt: number;
}

interface GetParametersOutput {
  readonly Parameters?: readonly { readonly Name?: string; readonly Value?: string; readonly ARN?: string }[];
  readonly InvalidParameters?: readonly string[];
}

/**
 * Reads SSM parameters with `GetParameters` (10 names per call, SecureStrings decrypted) over SSM's JSON protocol
 * with a SigV4-signing `fetch`, and keeps each value for `ttl`. Concurrent reads of the same names share one call;
 * a name SSM does not know is answered `undefined` (`get` throws `not-found`). For functions that cannot afford
 * the AWS SDK's import time (the webhook), and for reading the deployed config and secrets at cold start.
 *
 * @example
 * ```ts
 * const parameters = new FetchSsmParameters({ region, credentials, ttl: 300_000 });
 * const secret = await parameters.get('/ghr/prod/webhook-secret', AbortSignal.timeout(3_000));
 * ```
 */
export class FetchSsmParameters {
  readonly #client: AwsJsonClient;
  readonly #clock: Pick<Clock, 'now'>;
  readonly #ttl: number;
  readonly #entries = new Map<string, Entry>();
  readonly #pending = new Map<string, Promise<void>>();

  constructor(options: FetchSsmParametersOptions) {
    this.#client = new AwsJsonClient({ service: 'ssm', targetPrefix: 'AmazonSSM', contentType: 'application/x-amz-json-1.1' }, options);
    this.#clock = options.clock ?? systemClock;
    this.#ttl = options.ttl ?? 300_000;
  }

  /**
   * Values by name; a name SSM does not know maps to `undefined`.
   *
   * @example
   * ```ts
   * const values = await parameters.getMany(['/ghr/app-key', '/ghr/webhook-secret'], signal);
   * ```
   */
  async getMany(names: readonly string[], signal: AbortSignal): Promise<ReadonlyMap<string, string | undefined>> {
    const unique = [...new Set(names)];
    const now = this.#clock.now();
    const stale = unique.filter((n) => !this.#pending.has(n) && !((this.#entries.get(n)?.expiresAt ?? -Infinity) > now));
    for (let i = 0; i < stale.length; i += MAX_NAMES) {
      const chunk = stale.slice(i, i + MAX_NAMES);
      const fetching = this.#fetch(chunk, signal).finally(() => {
        for (const n of chunk) if (this.#pending.get(n) === fetching) this.#pending.delete(n);
      });
      for (const n of chunk) this.#pending.set(n, fetching);
    }
    await Promise.all(unique.map((n) => this.#pending.get(n)).filter((p) => p !== undefined));
    return new Map(unique.map((n) => [n, this.#entries.get(n)?.value]));
  }

  /**
   * One value; throws an `AwsError` `not-found` naming the parameter when SSM does not know it.
   *
   * @example
   * ```ts
   * const json = await parameters.get(configParameterName, signal);
   * ```
   */
  async get(name: string, signal: AbortSignal): Promise<string> {
    const value = (await this.getMany([name], signal)).get(name);
    if (value === undefined) {
      throw new AwsError(`SSM parameter ${name} does not exist or is empty: create it in this account and region, or fix its name.`, {
        code: 'not-found',
        awsCode: 'ParameterNotFound',
      });
    }
    return value;
  }

  /** Forgets cached values (all, or those named), e.g. after a rotation. */
  invalidate(names?: readonly string[]): void {
    if (names === undefined) this.#entries.clear();
    else for (const n of names) this.#entries.delete(n);
  }

  async #fetch(names: readonly string[], signal: AbortSignal): Promise<void> {
    const out = await this.#client.call<GetParametersOutput>('GetParameters', { Names: names, WithDecryption: true }, signal);
    const expiresAt = this.#clock.now() + this.#ttl;
    const found = new Map<string, string>();
    for (const p of out.Parameters ?? []) if (p.Name !== undefined && p.Value !== undefined) found.set(p.Name, p.Value);
    for (const n of names) {
      // GetParameters answers names as given (or as ARNs); match both.
      const value = found.get(n) ?? [...found].find(([k]) => k.endsWith(`:parameter${n.startsWith('/') ? n : `/${n}`}`))?.[1];
      this.#entries.set(n, { value: value === '' ? undefined : value, expiresAt });
    }
  }
}
