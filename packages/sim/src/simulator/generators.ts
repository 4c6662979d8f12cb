// Trace generators: synthetic workloads, each deterministic for a seed and a size.
import { GhrError } from '@ghr/core';
import { Random } from './random.js';
import { sortByArrival } from './trace.js';
import type { Trace, TraceJob } from './trace.js';

/** The label sets generated jobs ask for. Defaults fit `examples/ghr.config.yaml`. */
export interface GeneratorLabels {
  /** Labels of ordinary jobs (served by the small pool). */
  readonly small: readonly string[];
  /** Labels of jobs that need the large pool. */
  readonly large: readonly string[];
  /** Labels that both pools can serve (overlap); matching prefers the smaller pool. */
  readonly shared: readonly string[];
}

/** Options of every generator. */
export interface GeneratorOptions {
  readonly seed: number;
  /** Number of jobs. */
  readonly size: number;
  readonly labels?: GeneratorLabels;
  /** Repositories (`owner/name`) jobs come from. Default eight `acme/*` repositories. */
  readonly repos?: readonly string[];
}

/** The generators `generateTrace` knows. */
export type GeneratorName = 'steady' | 'burst' | 'cancellations' | 'mixed-labels';

/** Names of the built-in generators, in a stable order. */
export const GENERATOR_NAMES: readonly GeneratorName[] = ['steady', 'burst', 'cancellations', 'mixed-labels'];

/** Default label sets: a small and a large Linux pool whose labels overlap. */
export const DEFAULT_GENERATOR_LABELS: GeneratorLabels = {
  small: ['self-hosted', 'linux', 'x64'],
  large: ['self-hosted', 'linux', 'x64', 'large'],
  shared: ['self-hosted', 'linux'],
};

/** Default sizes per generator (jobs). */
export const DEFAULT_GENERATOR_SIZES: Readonly<Record<GeneratorName, number>> = {
  steady: 600,
  burst: 200,
  cancellations: 300,
  'mixed-labels': 400,
};

const DEFAULT_REPOS = ['acme/web', 'acme/api', 'acme/mobile', 'acme/infra', 'acme/docs', 'acme/data', 'acme/auth', 'acme/billing'];
const HOUR = 3600;

/**
 * Generates a trace by name.
 *
 * @example
 * ```ts
 * const trace = generateTrace('burst', { seed: 1, size: 300 });
 * ```
 */
export function generateTrace(name: string, options: GeneratorOptions): Trace {
  switch (name) {
    case 'steady':
      return steadyTrace(options);
    case 'burst':
      return burstTrace(options);
    case 'cancellations':
      return cancellationsTrace(options);
    case 'mixed-labels':
      return mixedLabelsTrace(options);
    default:
      throw new GhrError(
        `Unknown trace generator "${name}": use one of ${GENERATOR_NAMES.join(', ')}, or give a trace file path.`,
        { code: 'invalid-input' },
      );
  }
}

/**
 * True when `name` is a built-in generator.
 *
 * @example
 * ```ts
 * const trace = isGeneratorName(arg) ? generateTrace(arg, { seed, size }) : parseTrace(JSON.parse(readFileSync(arg, 'utf8')));
 * ```
 */
export function isGeneratorName(name: string): name is GeneratorName {
  return (GENERATOR_NAMES as readonly string[]).includes(name);
}

/**
 * A working day (08:00–18:00 from the simulation start at 08:00): Poisson arrivals, a lunch dip (12:00–13:00 at
 * 40 % of the rate), slightly busier mornings; mostly small jobs, some large; lognormal durations around 5 min.
 *
 * @example
 * ```ts
 * const day = steadyTrace({ seed: 7, size: 20_000 });
 * ```
 */
export function steadyTrace(options: GeneratorOptions): Trace {
  const rng = new Random(options.seed).fork('steady');
  const labels = options.labels ?? DEFAULT_GENERATOR_LABELS;
  const span = 10 * HOUR;
  const intensity = (t: number) => {
    const hour = t / HOUR;
    if (hour >= 4 && hour < 5) return 0.4; // lunch, 12:00-13:00
    if (hour < 1) return 0.6 + 0.4 * hour; // the morning ramps up
    if (hour >= 9) return 1 - 0.6 * (hour - 9); // evening tails off
    return 1;
  };
  const jobs: TraceJob[] = [];
  while (jobs.length < options.size) {
    const t = rng.uniform(0, span);
    if (rng.next() > intensity(t)) continue; // thinning: a Poisson process with the intensity above
    const large = rng.chance(0.15);
    jobs.push({
      at: round(t),
      repo: rng.pick(options.repos ?? DEFAULT_REPOS),
      labels: large ? labels.large : labels.small,
      duration: duration(rng, large ? 600 : 300),
    });
  }
  return { jobs: sortByArrival(jobs) };
}

/**
 * Monorepo matrix bursts: up to 250 jobs queued within one minute, a burst every 30 minutes until `size` jobs.
 *
 * @example
 * ```ts
 * const trace = burstTrace({ seed: 3, size: 250 });
 * ```
 */
export function burstTrace(options: GeneratorOptions): Trace {
  const rng = new Random(options.seed).fork('burst');
  const labels = options.labels ?? DEFAULT_GENERATOR_LABELS;
  const perBurst = 250;
  const jobs: TraceJob[] = [];
  for (let burst = 0; jobs.length < options.size; burst++) {
    const start = 30 + burst * 30 * 60;
    const count = Math.min(perBurst, options.size - jobs.length);
    for (let i = 0; i < count; i++) {
      const large = i % 10 === 9; // one matrix leg in ten needs the large machine
      jobs.push({
        at: round(start + rng.uniform(0, 60)),
        repo: options.repos?.[0] ?? 'acme/monorepo',
        labels: large ? labels.large : labels.small,
        duration: duration(rng, 240),
      });
    }
  }
  return { jobs: sortByArrival(jobs) };
}

/**
 * A steady stream (a job every 6 s on average) in which a fifth of the jobs are cancelled while queued, 5–60 s
 * after they were queued.
 *
 * @example
 * ```ts
 * const trace = cancellationsTrace({ seed: 5, size: 500 });
 * ```
 */
export function cancellationsTrace(options: GeneratorOptions): Trace {
  const rng = new Random(options.seed).fork('cancellations');
  const labels = options.labels ?? DEFAULT_GENERATOR_LABELS;
  const jobs: TraceJob[] = [];
  let t = 10;
  for (let i = 0; i < options.size; i++) {
    t += rng.exponential(6);
    const at = round(t);
    const cancelled = i % 5 === 2;
    jobs.push({
      at,
      repo: rng.pick(options.repos ?? DEFAULT_REPOS),
      labels: rng.chance(0.1) ? labels.large : labels.small,
      duration: duration(rng, 300),
      ...(cancelled ? { cancelAt: round(at + rng.uniform(5, 60)) } : {}),
    });
  }
  return { jobs: sortByArrival(jobs) };
}

/**
 * Small and large pools with overlapping labels: 55 % small jobs, 30 % large, 15 % with only the shared labels
 * (both pools can take those); arrivals in waves of 1–20 jobs every 2 minutes on average.
 *
 * @example
 * ```ts
 * const trace = mixedLabelsTrace({ seed: 9, size: 400 });
 * ```
 */
export function mixedLabelsTrace(options: GeneratorOptions): Trace {
  const rng = new Random(options.seed).fork('mixed-labels');
  const labels = options.labels ?? DEFAULT_GENERATOR_LABELS;
  const jobs: TraceJob[] = [];
  let t = 10;
  while (jobs.length < options.size) {
    t += rng.exponential(120);
    const wave = Math.min(1 + rng.int(20), options.size - jobs.length);
    for (let i = 0; i < wave; i++) {
      const r = rng.next();
      const kind = r < 0.55 ? 'small' : r < 0.85 ? 'large' : 'shared';
      jobs.push({
        at: round(t + rng.uniform(0, 10)),
        repo: rng.pick(options.repos ?? DEFAULT_REPOS),
        labels: labels[kind],
        duration: duration(rng, kind === 'large' ? 600 : 240),
      });
    }
  }
  return { jobs: sortByArrival(jobs) };
}

/**
 * Label sets and repositories that fit a list of pools, so that every generator's trace runs against any
 * config: small jobs ask for the labels of the pool with the fewest labels, large jobs for those of a pool
 * whose labels include the small pool's (the most such labels), shared jobs for the labels both have (when
 * both match by subset). Repositories are taken from the pools' scopes.
 *
 * @example
 * ```ts
 * const trace = generateTrace('mixed-labels', { seed: 1, size: 400, ...generatorContextFor(config.pools) });
 * ```
 */
export function generatorContextFor(
  pools: readonly { readonly labels: readonly string[]; readonly match: string; readonly scope: PoolScopeLike }[],
): { labels: GeneratorLabels; repos: readonly string[] } {
  if (pools.length === 0) return { labels: DEFAULT_GENERATOR_LABELS, repos: DEFAULT_REPOS };
  const lower = (labels: readonly string[]) => new Set(labels.map((l) => l.toLowerCase()));
  const sorted = [...pools].sort((a, b) => a.labels.length - b.labels.length);
  const small = sorted[0] as (typeof pools)[number];
  const smallSet = lower(small.labels);
  const large =
    [...sorted].reverse().find((p) => p !== small && [...smallSet].every((l) => lower(p.labels).has(l))) ??
    sorted[sorted.length - 1] ??
    small;
  const largeSet = lower(large.labels);
  const common = small.labels.filter((l) => largeSet.has(l.toLowerCase()));
  const shared =
    small.match === 'subset' && large.match === 'subset' && common.length > 1 ? common.slice(0, -1) : small.labels;
  const repos = new Set<string>();
  for (const p of pools) {
    if (p.scope.kind === 'repo') repos.add(`${p.scope.owner}/${p.scope.repo}`);
    else if (p.scope.kind === 'org') for (const name of REPO_NAMES) repos.add(`${p.scope.org}/${name}`);
  }
  return {
    labels: { small: small.labels, large: large.labels, shared },
    repos: repos.size > 0 ? [...repos] : DEFAULT_REPOS,
  };
}

/** The parts of a pool scope the generators look at. */
export type PoolScopeLike =
  | { readonly kind: 'org'; readonly org: string }
  | { readonly kind: 'repo'; readonly owner: string; readonly repo: string }
  | { readonly kind: 'enterprise'; readonly enterprise: string };

const REPO_NAMES = ['monorepo', 'web', 'api', 'mobile', 'infra', 'docs', 'data', 'billing'];

function duration(rng: Random, median: number): number {
  return round(Math.min(3 * HOUR, Math.max(15, rng.lognormal(median, 0.6))));
}

function round(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}
