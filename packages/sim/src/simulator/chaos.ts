// Chaos knobs: how badly the world misbehaves during a simulation.
import { GhrError } from '@ghr/core';
import { PRODUCTION_GITHUB_BEHAVIOUR } from '../github/behaviour.js';
import type { GitHubModelBehaviour } from '../github/behaviour.js';
import type { Trace } from './trace.js';

/** Probabilities are per event (per delivery, per API call, per launched instance, per scale-up run). */
export interface Chaos {
  /** A webhook delivery fails (GitHub records it as failed; it can be redelivered through the API). */
  readonly webhookLoss: number;
  /** A webhook is delivered twice. */
  readonly webhookDuplication: number;
  /** A webhook is held back by up to `webhookReorderWindow` ms, so later events may overtake it. */
  readonly webhookReorder: number;
  readonly webhookReorderWindow: number;
  /** Median delivery delay of a webhook, ms (lognormal). */
  readonly webhookDelay: number;
  /** A GitHub API call answers 5xx. */
  readonly githubErrors: number;
  /** A GitHub API call is rate limited (secondary limit, retry after a minute). */
  readonly githubRateLimits: number;
  /** A requested instance fails with insufficient capacity. */
  readonly capacityErrors: number;
  /** Spot interruptions per instance-hour (with a two-minute warning). */
  readonly spotInterruptionsPerHour: number;
  /**
   * A run (scale-up, full sweep or interruption handler) is killed at a random await, with no clean-up (a Lambda
   * that died); a scale-up's events come back from the queue after the visibility timeout.
   */
  readonly runCrashes: number;
  /** A ledger write, an admission or a launch takes effect but the caller sees a timeout. */
  readonly ambiguousWrites: number;
  /** Most lag of the ledger's listings behind its writes, ms (DynamoDB GSIs); listings are per state, not atomic. */
  readonly indexLag: number;
  /** A launch of several runners names its instances in a second call, which fails for an instance this often. */
  readonly namingFailures: number;
  /** Most lag of the cloud's instance listings, ms. */
  readonly listingLag: number;
  /** Minutes the webhook endpoint is down (every delivery fails), starting at the trace's busiest minute. */
  readonly outageMinutes: number;
  /**
   * How GitHub departs from the exact model (job leases, a lagging `busy`, missed pickups, vanished and late
   * events, re-run refusals, rate-limit shapes): see `GitHubModelBehaviour`. Absent: the exact model. In a chaos
   * file: `"github": "production"` or `"exact"`.
   */
  readonly github?: GitHubModelBehaviour;
}

/** Names of the built-in chaos presets. */
export type ChaosPresetName = 'none' | 'flaky' | 'hostile' | 'production';

const CONSISTENT = { ambiguousWrites: 0, indexLag: 0, namingFailures: 0, listingLag: 0, outageMinutes: 0 } as const;

/** The built-in chaos presets. */
export const CHAOS_PRESETS: Readonly<Record<ChaosPresetName, Chaos>> = {
  none: {
    webhookLoss: 0,
    webhookDuplication: 0,
    webhookReorder: 0,
    webhookReorderWindow: 0,
    webhookDelay: 300,
    githubErrors: 0,
    githubRateLimits: 0,
    capacityErrors: 0,
    spotInterruptionsPerHour: 0,
    runCrashes: 0,
    ...CONSISTENT,
  },
  flaky: {
    webhookLoss: 0.02,
    webhookDuplication: 0.05,
    webhookReorder: 0.05,
    webhookReorderWindow: 20_000,
    webhookDelay: 800,
    githubErrors: 0.01,
    githubRateLimits: 0.002,
    capacityErrors: 0.03,
    spotInterruptionsPerHour: 0.05,
    runCrashes: 0.02,
    ...CONSISTENT,
  },
  hostile: {
    webhookLoss: 0.1,
    webhookDuplication: 0.15,
    webhookReorder: 0.2,
    webhookReorderWindow: 60_000,
    webhookDelay: 2_000,
    githubErrors: 0.05,
    githubRateLimits: 0.01,
    capacityErrors: 0.1,
    spotInterruptionsPerHour: 0.3,
    runCrashes: 0.1,
    ...CONSISTENT,
  },
  // What AWS and GitHub do on an ordinary day, as their documentation says they may: eventually consistent
  // indexes and listings, launches named in a second call, writes whose outcome the caller does not learn, runs
  // killed at any await, a little webhook loss, spot interruptions.
  production: {
    webhookLoss: 0.01,
    webhookDuplication: 0.02,
    webhookReorder: 0.05,
    webhookReorderWindow: 10_000,
    webhookDelay: 500,
    githubErrors: 0.005,
    githubRateLimits: 0.001,
    capacityErrors: 0.03,
    spotInterruptionsPerHour: 0.05,
    runCrashes: 0.02,
    ambiguousWrites: 0.01,
    indexLag: 2_000,
    namingFailures: 0.02,
    listingLag: 5_000,
    outageMinutes: 0,
    github: PRODUCTION_GITHUB_BEHAVIOUR,
  },
};

const PROBABILITIES: readonly (keyof Chaos)[] = [
  'webhookLoss',
  'webhookDuplication',
  'webhookReorder',
  'githubErrors',
  'githubRateLimits',
  'capacityErrors',
  'runCrashes',
  'ambiguousWrites',
  'namingFailures',
];
const NON_NEGATIVE: readonly (keyof Chaos)[] = [
  'webhookReorderWindow',
  'webhookDelay',
  'spotInterruptionsPerHour',
  'indexLag',
  'listingLag',
  'outageMinutes',
];

/**
 * True when `name` is a built-in preset.
 *
 * @example
 * ```ts
 * const chaos = isChaosPreset(arg) ? CHAOS_PRESETS[arg] : parseChaos(JSON.parse(readFileSync(arg, 'utf8')));
 * ```
 */
export function isChaosPreset(name: string): name is ChaosPresetName {
  return Object.hasOwn(CHAOS_PRESETS, name);
}

/**
 * Validates chaos settings: an object with any of the {@link Chaos} fields, optionally `"preset"` naming the
 * preset the other fields override (default `none`). Every problem is reported at once.
 *
 * @example
 * ```ts
 * const chaos = parseChaos({ preset: 'flaky', webhookLoss: 0.2 });
 * ```
 */
export function parseChaos(value: unknown, source = 'chaos settings'): Chaos {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid(source, ['the top level must be an object such as { "preset": "flaky", "webhookLoss": 0.1 }']);
  }
  const record = value as Record<string, unknown>;
  const problems: string[] = [];
  let base: Chaos = CHAOS_PRESETS.none;
  if (record.preset !== undefined) {
    if (typeof record.preset === 'string' && isChaosPreset(record.preset)) base = CHAOS_PRESETS[record.preset];
    else problems.push(`preset: must be one of ${Object.keys(CHAOS_PRESETS).join(', ')}`);
  }
  const out: Record<string, unknown> = { ...base };
  for (const [key, v] of Object.entries(record)) {
    if (key === 'preset') continue;
    if (key === 'github') {
      if (v === 'production') out[key] = PRODUCTION_GITHUB_BEHAVIOUR;
      else if (v === 'exact') delete out[key];
      else problems.push('github: must be "production" or "exact"');
      continue;
    }
    if (PROBABILITIES.includes(key as keyof Chaos)) {
      if (typeof v !== 'number' || !(v >= 0 && v <= 1)) problems.push(`${key}: must be a probability in [0, 1]`);
      else out[key] = v;
    } else if (NON_NEGATIVE.includes(key as keyof Chaos)) {
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) problems.push(`${key}: must be a number >= 0`);
      else out[key] = v;
    } else {
      problems.push(`${key}: unknown chaos knob (known: preset, github, ${[...PROBABILITIES, ...NON_NEGATIVE].join(', ')})`);
    }
  }
  if (problems.length > 0) throw invalid(source, problems);
  return out as unknown as Chaos;
}

function invalid(source: string, problems: readonly string[]): GhrError {
  return new GhrError(`The ${source} are not valid; fix these and try again:\n${problems.map((p) => `  - ${p}`).join('\n')}`, {
    code: 'invalid-input',
  });
}

/**
 * The webhook endpoint's outage: `minutes` long from the trace's busiest minute (none for 0).
 *
 * @example
 * ```ts
 * outageWindow(trace, start, chaos.outageMinutes); // { from, until } in epoch ms, or undefined
 * ```
 */
export function outageWindow(trace: Trace, start: number, minutes: number): { from: number; until: number } | undefined {
  if (minutes <= 0 || trace.jobs.length === 0) return undefined;
  const perMinute = new Map<number, number>();
  for (const j of trace.jobs) {
    const minute = Math.floor(j.at / 60);
    perMinute.set(minute, (perMinute.get(minute) ?? 0) + 1);
  }
  let peak = 0;
  let best = -1;
  for (const [minute, n] of perMinute) {
    if (n > best || (n === best && minute < peak)) {
      best = n;
      peak = minute;
    }
  }
  const from = start + peak * 60_000;
  return { from, until: from + minutes * 60_000 };
}
