// Chaos knobs: how badly the world misbehaves during a simulation.
import { GhrError } from '@ghr/core';

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
  /** A scale-up run crashes midway; its events are redelivered by the queue after the visibility timeout. */
  readonly scaleUpCrashes: number;
}

/** Names of the built-in chaos presets. */
export type ChaosPresetName = 'none' | 'flaky' | 'hostile';

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
    scaleUpCrashes: 0,
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
    scaleUpCrashes: 0.02,
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
    scaleUpCrashes: 0.1,
  },
};

const PROBABILITIES: readonly (keyof Chaos)[] = [
  'webhookLoss',
  'webhookDuplication',
  'webhookReorder',
  'githubErrors',
  'githubRateLimits',
  'capacityErrors',
  'scaleUpCrashes',
];
const NON_NEGATIVE: readonly (keyof Chaos)[] = ['webhookReorderWindow', 'webhookDelay', 'spotInterruptionsPerHour'];

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
  const out: Record<string, number> = { ...base };
  for (const [key, v] of Object.entries(record)) {
    if (key === 'preset') continue;
    if (PROBABILITIES.includes(key as keyof Chaos)) {
      if (typeof v !== 'number' || !(v >= 0 && v <= 1)) problems.push(`${key}: must be a probability in [0, 1]`);
      else out[key] = v;
    } else if (NON_NEGATIVE.includes(key as keyof Chaos)) {
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) problems.push(`${key}: must be a number >= 0`);
      else out[key] = v;
    } else {
      problems.push(`${key}: unknown chaos knob (known: preset, ${[...PROBABILITIES, ...NON_NEGATIVE].join(', ')})`);
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
