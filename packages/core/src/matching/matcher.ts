// Job labels → pool (DESIGN.md §3). Which pool ghr launches a runner in for a queued `workflow_job`.
//
// Semantics
// - A pool in `subset` mode can serve a job when the job's labels are a subset of the pool's labels: GitHub's
//   own routing rule. A pool in `exact` mode only when the two label sets are equal. Labels compare
//   case-insensitively, order-free, duplicates ignored.
// - Only a pool's configured `labels` count. GitHub docs ("Using self-hosted runners in a workflow"): a runner
//   "automatically receives" `self-hosted`, its OS (`linux`, `windows`, `macOS`) and architecture (`x64`, `ARM`,
//   `ARM64`) unless created with `--no-default-labels`. ghr registers runners through JIT configs with explicit
//   labels, and whether JIT runners also get the defaults has been reported both ways (discussion in
//   github-aws-runners/terraform-aws-github-runner#3491), so ghr does not assume them: a pool that should take
//   `runs-on: [self-hosted, linux]` lists those labels itself. Being explicit never launches a runner for a job
//   it cannot take; at worst a job stays unmatched with a reason that names the missing label.
// - Scope: when the job's repository is known, a pool only serves it when its runners could: an org pool the
//   org's repositories, a repo pool that repository, an enterprise pool any repository (ghr does not know the
//   enterprise's organizations; GitHub's runner-group policy still applies at GitHub).
// - Among the pools that can serve the job: highest `priority` first, then the fewest labels (least waste: the
//   smallest machine that fits), then declaration order.
import type { Pool, RepositoryRef } from '../domain.js';
import { labelSet, normalizeLabel } from './labels.js';

/** Context of a job beyond its labels. */
export interface MatchOptions {
  /** The job's repository; when given, pools whose scope cannot serve it are skipped. */
  readonly repository?: RepositoryRef;
}

/** The pool chosen for a job. */
export interface PoolMatch {
  readonly pool: Pool;
}

/** No pool can serve the job, and why, in words for a log line or the job's status. */
export interface NoPoolMatch {
  readonly pool: null;
  readonly reason: string;
  /** The pool that came closest, when some pool could serve the job's repository. */
  readonly closestPoolId?: string;
  /** Job labels the closest pool lacks (as the job spelled them). */
  readonly missingLabels?: readonly string[];
}

/** The outcome of matching a job's labels against the pools. */
export type MatchResult = PoolMatch | NoPoolMatch;

/** A precomputed matcher over one list of pools (see {@link createMatcher}). */
export type Matcher = (jobLabels: readonly string[], options?: MatchOptions) => MatchResult;

interface Entry {
  readonly pool: Pool;
  readonly index: number;
  readonly labels: ReadonlySet<string>;
  readonly subset: boolean;
  /** Lower-case `owner` (org or repo owner), `owner/repo`, or `undefined` for an enterprise (serves any). */
  readonly owner: string | undefined;
  readonly repo: string | undefined;
}

/** The fixed order in which pools are tried: priority desc, fewer labels, declaration order. */
function byRank(a: Entry, b: Entry): number {
  return b.pool.priority - a.pool.priority || a.labels.size - b.labels.size || a.index - b.index;
}

/** Whether a pool of this scope can take jobs of `repository`. */
export function scopeServes(scope: Pool['scope'], repository: RepositoryRef): boolean {
  switch (scope.kind) {
    case 'org':
      return scope.org.toLowerCase() === repository.owner.toLowerCase();
    case 'repo':
      return (
        scope.owner.toLowerCase() === repository.owner.toLowerCase() &&
        scope.repo.toLowerCase() === repository.repo.toLowerCase()
      );
    case 'enterprise':
      return true;
  }
}

/** Whether the entry's scope serves the (lower-case) repository; enterprise pools serve any. */
function serves(entry: Entry, owner: string, repo: string): boolean {
  return entry.owner === undefined || (entry.owner === owner && (entry.repo === undefined || entry.repo === repo));
}

function accepts(entry: Entry, job: ReadonlySet<string>): boolean {
  if (job.size === 0) return false;
  if (!entry.subset && job.size !== entry.labels.size) return false;
  for (const label of job) if (!entry.labels.has(label)) return false;
  return true;
}

function quote(labels: readonly string[]): string {
  return labels.map((l) => JSON.stringify(l)).join(', ');
}

function describeScope(scope: Pool['scope']): string {
  switch (scope.kind) {
    case 'org':
      return `org ${scope.org}`;
    case 'repo':
      return `repo ${scope.owner}/${scope.repo}`;
    case 'enterprise':
      return `enterprise ${scope.enterprise}`;
  }
}

/** The pools that may serve one repository (or all pools), and every label they have. */
interface View {
  readonly eligible: readonly Entry[];
  readonly known: ReadonlySet<string>;
}

function view(eligible: readonly Entry[]): View {
  const known = new Set<string>();
  for (const e of eligible) for (const l of e.labels) known.add(l);
  return { eligible, known };
}

function explain(entries: readonly Entry[], scoped: View, jobLabels: readonly string[], repository: RepositoryRef | undefined): NoPoolMatch {
  if (jobLabels.length === 0) return { pool: null, reason: 'the job has no runs-on labels' };
  if (entries.length === 0) return { pool: null, reason: 'no pools are configured' };
  const { eligible, known } = scoped;
  if (eligible.length === 0 && repository) {
    const scopes = [...new Set(entries.map((e) => describeScope(e.pool.scope)))].join('; ');
    return {
      pool: null,
      reason: `no pool serves repository ${repository.owner}/${repository.repo} (pools are scoped to ${scopes})`,
    };
  }
  // Deduplicate the job's labels, keeping the job's spelling.
  const seen = new Set<string>();
  const distinct = jobLabels.filter((label) => {
    const n = normalizeLabel(label);
    if (seen.has(n)) return false;
    seen.add(n);
    return true;
  });
  const unknown = distinct.filter((l) => !known.has(normalizeLabel(l)));
  const asked = `the job asks for [${distinct.join(', ')}]`;
  if (unknown.length > 0) {
    return {
      pool: null,
      reason: `no pool has the label${unknown.length === 1 ? '' : 's'} ${quote(unknown)} (${asked})`,
      missingLabels: unknown,
    };
  }
  // Every label exists somewhere: name the closest pool (fewest missing, then fewest extra labels, then rank).
  let best: { entry: Entry; missing: string[]; extra: number } | undefined;
  for (const e of eligible) {
    const missing = distinct.filter((l) => !e.labels.has(normalizeLabel(l)));
    const extra = e.labels.size - (distinct.length - missing.length);
    if (!best || missing.length < best.missing.length || (missing.length === best.missing.length && extra < best.extra)) {
      best = { entry: e, missing, extra };
    }
  }
  const { entry, missing } = best as { entry: Entry; missing: string[] };
  const has = `[${[...entry.pool.labels].join(', ')}]`;
  if (missing.length > 0) {
    return {
      pool: null,
      reason: `no single pool has all of the job's labels; closest is pool "${entry.pool.id}" ${has}, which lacks ${quote(missing)} (${asked})`,
      closestPoolId: entry.pool.id,
      missingLabels: missing,
    };
  }
  return {
    pool: null,
    reason:
      `pool "${entry.pool.id}" has every label the job asks for but matches exact label sets only: it has ${has}, ` +
      `${asked}; set match: subset on the pool, or ask for all of its labels`,
    closestPoolId: entry.pool.id,
    missingLabels: [],
  };
}

/**
 * Precomputes the pools' label sets and order once, and returns a fast function from a job's `runs-on` labels
 * (and optionally its repository) to the pool ghr should launch a runner in. Semantics: `subset` pools serve a
 * job whose labels are a subset of theirs (GitHub's rule), `exact` pools only the same set; case-insensitive;
 * ties break by priority (higher first), then fewer labels, then declaration order. Only configured labels
 * count: GitHub's implicit `self-hosted`/OS/arch labels are not assumed.
 *
 * @example
 * ```ts
 * const match = createMatcher(config.pools);
 * const result = match(event.job.labels, { repository: event.repository });
 * if (result.pool === null) logger.info('no pool for job', { reason: result.reason });
 * ```
 */
export function createMatcher(pools: readonly Pool[]): Matcher {
  const entries: Entry[] = pools.map((pool, index) => {
    const { scope } = pool;
    return {
      pool,
      index,
      labels: labelSet(pool.labels),
      subset: pool.match === 'subset',
      owner: scope.kind === 'org' ? scope.org.toLowerCase() : scope.kind === 'repo' ? scope.owner.toLowerCase() : undefined,
      repo: scope.kind === 'repo' ? scope.repo.toLowerCase() : undefined,
    };
  });
  const ranked = [...entries].sort(byRank);
  // Label → the pools that have it, in rank order. A pool that can take a job has every label of the job, so
  // it is in the shortest of these lists; scanning that list in rank order finds the best pool first.
  const byLabel = new Map<string, Entry[]>();
  for (const entry of ranked) {
    for (const label of entry.labels) {
      let list = byLabel.get(label);
      if (!list) byLabel.set(label, (list = []));
      list.push(entry);
    }
  }
  const everywhere = view(entries);
  const perRepository = new Map<string, View>();
  const viewFor = (owner: string, repo: string): View => {
    const key = `${owner}/${repo}`;
    let found = perRepository.get(key);
    if (!found) {
      if (perRepository.size >= 10_000) perRepository.clear();
      found = view(entries.filter((e) => serves(e, owner, repo)));
      perRepository.set(key, found);
    }
    return found;
  };
  return (jobLabels, options) => {
    const job = labelSet(jobLabels);
    const repository = options?.repository;
    const owner = repository?.owner.toLowerCase();
    const repo = repository?.repo.toLowerCase();
    let candidates: readonly Entry[] | undefined;
    for (const label of job) {
      const list = byLabel.get(label);
      if (!list) {
        candidates = undefined;
        break;
      }
      if (!candidates || list.length < candidates.length) candidates = list;
    }
    if (candidates) {
      for (const entry of candidates) {
        if (owner !== undefined && !serves(entry, owner, repo as string)) continue;
        if (accepts(entry, job)) return { pool: entry.pool };
      }
    }
    return explain(entries, owner === undefined ? everywhere : viewFor(owner, repo as string), jobLabels, repository);
  };
}

const matchers = new WeakMap<readonly Pool[], Matcher>();

/**
 * Matches one job's `runs-on` labels against `pools` (see {@link createMatcher} for the rules). Returns
 * `{ pool }` or `{ pool: null, reason }`. Reuses a cached matcher while the same `pools` array is passed;
 * call {@link createMatcher} to hold one explicitly.
 *
 * @example
 * ```ts
 * const result = matchPool(['self-hosted', 'linux', 'x64'], config.pools);
 * if (result.pool) console.log(result.pool.id);
 * else console.log(result.reason); // e.g. 'no pool has the label "gpu" (the job asks for [self-hosted, gpu])'
 * ```
 */
export function matchPool(jobLabels: readonly string[], pools: readonly Pool[], options?: MatchOptions): MatchResult {
  let matcher = matchers.get(pools);
  if (!matcher) {
    matcher = createMatcher(pools);
    matchers.set(pools, matcher);
  }
  return matcher(jobLabels, options);
}
