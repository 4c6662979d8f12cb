// The engine's tuning: every default in one exported place, and the options resolved once per engine.
import type { Pool } from '../domain.js';
import { plan as defaultPlan, PLAN_DEFAULTS } from '../policy/plan.js';
import type { ResolvedOptions } from './context.js';
import type { EngineOptions } from './types.js';

/** The engine's tunables that have a plain default: {@link EngineOptions} without the policy and randomness. */
export type EngineDefaults = Readonly<Required<Omit<EngineOptions, 'plan' | 'planOptions' | 'random' | 'runnerNameSuffix'>>>;

/**
 * The defaults of {@link EngineOptions}: 8 external calls in flight, 3 launch attempts from a 2 s backoff,
 * 8 attempts of a conflicting ledger write, interrupted jobs not re-run, failed deliveries looked for once per
 * 5 min over the last hour (at least 20 re-requested per interval, more when the backlog is larger), full-sweep
 * listings at most once per 5 min, `https://github.com`, 5 s for clean-up writes after the deadline. The policy's own defaults are {@link PLAN_DEFAULTS}.
 *
 * @example
 * ```ts
 * import { ENGINE_DEFAULTS, createEngine } from '@ghr/core';
 *
 * const engine = createEngine({ ledger, github, provider, pools, options: { redeliveryInterval: ENGINE_DEFAULTS.redeliveryInterval * 2 } });
 * ```
 */
export const ENGINE_DEFAULTS: EngineDefaults = {
  concurrency: 8,
  launchAttempts: 3,
  launchBackoff: 2_000,
  conflictAttempts: 8,
  rerunInterruptedJobs: false,
  redeliveryLookback: 3_600_000,
  redeliveryBudget: 20,
  redeliveryInterval: 300_000,
  listingInterval: 300_000,
  githubUrl: 'https://github.com',
  cleanupTimeout: 5_000,
};

const NAME_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
const NAME_SUFFIX_LENGTH = 8;

/** Bytes at or above this are redrawn, so that `byte % 36` is uniform. */
const UNBIASED_BELOW = 256 - (256 % NAME_ALPHABET.length);

/**
 * 8 characters of `[a-z0-9]`, from the operating system's cryptographic randomness: Node's Web Crypto
 * `getRandomValues` (the CSPRNG behind `node:crypto`'s `randomBytes`), reached through the global, which Node
 * loads on first use, so that importing the engine does not pay for loading `node:crypto`.
 */
function cryptoNameSuffix(): string {
  let suffix = '';
  while (suffix.length < NAME_SUFFIX_LENGTH) {
    for (const byte of globalThis.crypto.getRandomValues(new Uint8Array(2 * NAME_SUFFIX_LENGTH))) {
      if (byte < UNBIASED_BELOW && suffix.length < NAME_SUFFIX_LENGTH) suffix += NAME_ALPHABET[byte % NAME_ALPHABET.length];
    }
  }
  return suffix;
}

/** 8 characters of `[a-z0-9]` drawn from `random` (a seeded generator makes names reproducible). */
function seededNameSuffix(random: () => number): () => string {
  return () => {
    let suffix = '';
    for (let i = 0; i < NAME_SUFFIX_LENGTH; i += 1) suffix += NAME_ALPHABET[Math.floor(random() * NAME_ALPHABET.length)] ?? 'x';
    return suffix;
  };
}

/** The options with every default applied. */
export function resolveOptions(options: EngineOptions = {}): ResolvedOptions {
  const planOptions = options.planOptions ?? {};
  const nameSuffix = options.runnerNameSuffix ?? (options.random ? seededNameSuffix(options.random) : cryptoNameSuffix);
  const namePrefix = planOptions.namePrefix ?? PLAN_DEFAULTS.namePrefix;
  return {
    plan: options.plan ?? defaultPlan,
    planOptions,
    namePrefix,
    concurrency: options.concurrency ?? ENGINE_DEFAULTS.concurrency,
    launchAttempts: Math.max(1, options.launchAttempts ?? ENGINE_DEFAULTS.launchAttempts),
    launchBackoff: options.launchBackoff ?? ENGINE_DEFAULTS.launchBackoff,
    conflictAttempts: Math.max(1, options.conflictAttempts ?? ENGINE_DEFAULTS.conflictAttempts),
    rerunInterruptedJobs: options.rerunInterruptedJobs ?? ENGINE_DEFAULTS.rerunInterruptedJobs,
    redeliveryLookback: options.redeliveryLookback ?? ENGINE_DEFAULTS.redeliveryLookback,
    listingInterval: Math.max(0, options.listingInterval ?? ENGINE_DEFAULTS.listingInterval),
    redeliveryBudget: options.redeliveryBudget ?? ENGINE_DEFAULTS.redeliveryBudget,
    redeliveryInterval: Math.max(1, options.redeliveryInterval ?? ENGINE_DEFAULTS.redeliveryInterval),
    githubUrl: (options.githubUrl ?? ENGINE_DEFAULTS.githubUrl).replace(/\/+$/, ''),
    cleanupTimeout: options.cleanupTimeout ?? ENGINE_DEFAULTS.cleanupTimeout,
    random: options.random ?? Math.random,
    runnerName: (pool: Pool) => `${namePrefix}${pool.id}-${nameSuffix()}`,
  };
}
