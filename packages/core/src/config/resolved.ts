// The validated config in a form that runtimes read back without the config parser (no zod, no yaml): the deploy
// validates once (`parseConfig`), stores `encodeResolvedConfig(config)`, and every Lambda cold start reads it with
// `decodeResolvedConfig`, which checks the shape cheaply instead of validating again.
import type { Pool } from '../domain.js';
import { GhrError } from '../errors.js';
import type { GhrConfig, SecretRef } from './types.js';

/** The format tag of an encoded resolved config. */
export const RESOLVED_CONFIG_FORMAT = 'ghr.resolved-config/1';

/**
 * Encodes a validated config (the output of `parseConfig`/`loadConfig`: durations in ms, defaults applied) as JSON
 * that {@link decodeResolvedConfig} reads back.
 *
 * @example
 * ```ts
 * const json = encodeResolvedConfig(parseConfig(yamlText));
 * // store json (an SSM parameter, a file in the bundle), then at cold start:
 * const config = decodeResolvedConfig(json);
 * ```
 */
export function encodeResolvedConfig(config: GhrConfig): string {
  return JSON.stringify({ format: RESOLVED_CONFIG_FORMAT, config });
}

function fail(what: string): never {
  throw new GhrError(
    `The resolved ghr config is not usable: ${what}. It must be the output of encodeResolvedConfig (written by the deploy); redeploy to rewrite it.`,
    { code: 'invalid-config' },
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkSecret(value: unknown, path: string): SecretRef {
  if (!isRecord(value) || !['ssm', 'env', 'file'].some((k) => typeof value[k] === 'string')) fail(`${path} is not a secret reference`);
  return value as SecretRef;
}

const NUMBERS = ['priority', 'maxRunners', 'idleTimeout', 'minimumLifetime', 'bootTimeout', 'maxRuntime'] as const;

function checkPool(value: unknown, index: number): Pool {
  const path = `pools[${index}]`;
  if (!isRecord(value)) fail(`${path} is not an object`);
  if (typeof value.id !== 'string' || value.id === '') fail(`${path}.id is missing`);
  if (!Array.isArray(value.labels) || !value.labels.every((l) => typeof l === 'string')) fail(`${path}.labels is not a list of strings`);
  for (const key of NUMBERS) if (typeof value[key] !== 'number' || !Number.isFinite(value[key])) fail(`${path}.${key} is not a number`);
  if (!isRecord(value.scope) || typeof value.scope.kind !== 'string') fail(`${path}.scope is missing`);
  if (value.match !== 'exact' && value.match !== 'subset') fail(`${path}.match is neither exact nor subset`);
  if (typeof value.ephemeral !== 'boolean') fail(`${path}.ephemeral is not a boolean`);
  if (!Array.isArray(value.warm)) fail(`${path}.warm is not a list`);
  if (!isRecord(value.instance)) fail(`${path}.instance is not an object`);
  return value as unknown as Pool;
}

/**
 * Reads a config written by {@link encodeResolvedConfig}, checking its shape (format tag, GitHub section, every
 * pool's fields and types) without the config parser. Throws a `GhrError` `invalid-config` that says what is wrong.
 *
 * @example
 * ```ts
 * const config = decodeResolvedConfig(await ssm.getParameter(process.env.GHR_CONFIG_PARAMETER));
 * ```
 */
export function decodeResolvedConfig(json: string): GhrConfig {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    fail('it is not JSON');
  }
  if (!isRecord(parsed) || parsed.format !== RESOLVED_CONFIG_FORMAT) fail(`its format is not ${RESOLVED_CONFIG_FORMAT}`);
  const config = parsed.config;
  if (!isRecord(config) || !isRecord(config.github) || !Array.isArray(config.pools)) fail('github or pools is missing');
  const github = config.github;
  if (typeof github.url !== 'string' || typeof github.apiUrl !== 'string') fail('github.url or github.apiUrl is missing');
  if (!isRecord(github.auth) || (github.auth.kind !== 'app' && github.auth.kind !== 'token')) fail('github.auth is missing');
  checkSecret(github.webhookSecret, 'github.webhookSecret');
  if (github.previousWebhookSecret !== undefined) checkSecret(github.previousWebhookSecret, 'github.previousWebhookSecret');
  if (github.auth.kind === 'app') {
    if (typeof github.auth.appId !== 'number') fail('github.auth.appId is not a number');
    checkSecret(github.auth.privateKey, 'github.auth.privateKey');
  } else {
    checkSecret(github.auth.token, 'github.auth.token');
  }
  const ids = new Set<string>();
  config.pools.forEach((p, i) => {
    const pool = checkPool(p, i);
    if (ids.has(pool.id)) fail(`pool id ${pool.id} appears twice`);
    ids.add(pool.id);
  });
  return config as unknown as GhrConfig;
}
