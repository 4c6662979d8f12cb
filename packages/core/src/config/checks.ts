// Rules across fields and pools: what makes a well-formed config unable to work.
import type { Pool, PoolScope } from '../domain.js';
import { labelSet } from '../matching/labels.js';
import type { ConfigIssue } from './config-error.js';
import { formatDuration } from './duration.js';
import type { GitHubConfig } from './types.js';

/** A pool that passed the schema, with its position in `pools[]`. */
export interface IndexedPool {
  readonly index: number;
  readonly pool: Pool;
}

const MIN_IDLE_TIMEOUT = 30_000;
const MIN_BOOT_TIMEOUT = 30_000;

interface Entry extends IndexedPool {
  readonly labels: ReadonlySet<string>;
  readonly subset: boolean;
}

const at = (index: number, rest = ''): string => `pools[${index}]${rest}`;
const named = (e: IndexedPool): string => `pools[${e.index}] ("${e.pool.id}")`;

function isSubset(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  if (a.size > b.size) return false;
  for (const x of a) if (!b.has(x)) return false;
  return true;
}

function sameSet(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  return a.size === b.size && isSubset(a, b);
}

const lower = (s: string): string => s.toLowerCase();

/** Whether two scopes may both serve some repository (enterprise: maybe any, so yes). */
function scopesOverlap(a: PoolScope, b: PoolScope): boolean {
  if (a.kind === 'enterprise' || b.kind === 'enterprise') return true;
  const owner = (s: PoolScope): string => lower(s.kind === 'org' ? s.org : s.kind === 'repo' ? s.owner : '');
  if (owner(a) !== owner(b)) return false;
  if (a.kind === 'repo' && b.kind === 'repo') return lower(a.repo) === lower(b.repo);
  return true;
}

/** Whether a pool of scope `a` can certainly serve every repository a pool of scope `b` serves. */
function scopeCovers(a: PoolScope, b: PoolScope): boolean {
  switch (a.kind) {
    case 'enterprise':
      return b.kind === 'enterprise' && lower(a.enterprise) === lower(b.enterprise);
    case 'org':
      return (b.kind === 'org' && lower(b.org) === lower(a.org)) || (b.kind === 'repo' && lower(b.owner) === lower(a.org));
    case 'repo':
      return b.kind === 'repo' && lower(b.owner) === lower(a.owner) && lower(b.repo) === lower(a.repo);
  }
}

/** The matcher's fixed order: priority desc, fewer labels, declaration order. */
function ranksAbove(a: Entry, b: Entry): boolean {
  return (
    a.pool.priority > b.pool.priority ||
    (a.pool.priority === b.pool.priority &&
      (a.labels.size < b.labels.size || (a.labels.size === b.labels.size && a.index < b.index)))
  );
}

/**
 * The pools that together take every job `b` could serve, or `undefined` when some job would go to `b`.
 * `higher` are the pools ranked above `b` whose scope covers `b`'s.
 */
function blockers(b: Entry, higher: readonly Entry[]): Entry[] | undefined {
  const wider = higher.find((a) => a.subset && isSubset(b.labels, a.labels));
  if (wider) return [wider];
  const exact = higher.filter((a) => !a.subset);
  if (!b.subset) {
    const same = exact.find((a) => sameSet(a.labels, b.labels));
    return same ? [same] : undefined;
  }
  // A subset pool serves every non-empty subset of its labels. Walk down from the full set: a job set not
  // covered by a wider subset pool must be some exact pool's set, else it is a job only `b` gets.
  const subsets = higher.filter((a) => a.subset);
  const found = new Set<Entry>();
  const seen = new Set<string>();
  const stack: ReadonlySet<string>[] = [b.labels];
  while (stack.length > 0) {
    const job = stack.pop() as ReadonlySet<string>;
    const key = [...job].sort().join('\u0000');
    if (job.size === 0 || seen.has(key)) continue;
    seen.add(key);
    const cover = subsets.find((a) => isSubset(job, a.labels));
    if (cover) {
      found.add(cover);
      continue;
    }
    const same = exact.find((a) => sameSet(a.labels, job));
    if (!same) return undefined;
    found.add(same);
    for (const label of job) stack.push(new Set([...job].filter((l) => l !== label)));
  }
  return [...found].sort((x, y) => x.index - y.index);
}

/** Checks of one pool's own fields against each other. */
function checkPool({ index, pool }: IndexedPool, issues: ConfigIssue[]): void {
  const seen = new Map<string, string>();
  pool.labels.forEach((label, i) => {
    const previous = seen.get(lower(label));
    if (previous !== undefined) {
      issues.push({
        path: at(index, `.labels[${i}]`),
        message: `"${label}" repeats "${previous}" (labels compare case-insensitively); remove it`,
      });
    } else seen.set(lower(label), label);
  });
  if (pool.scope.kind === 'repo' && pool.scope.runnerGroup !== undefined) {
    issues.push({
      path: at(index, '.scope.runnerGroup'),
      message:
        'runner groups belong to organizations and enterprises, not repositories: remove runnerGroup, or scope the pool to the organization ({ org: ... })',
    });
  }
  pool.warm.forEach((window, i) => {
    if (window.size > pool.maxRunners) {
      issues.push({
        path: at(index, `.warm[${i}].size`),
        message: `${window.size} is above maxRunners (${pool.maxRunners}): lower the size or raise maxRunners`,
      });
    }
  });
  const d = formatDuration;
  if (pool.idleTimeout < MIN_IDLE_TIMEOUT) {
    issues.push({
      path: at(index, '.idleTimeout'),
      message: `${d(pool.idleTimeout)} is too short: a new runner waits a few seconds for GitHub to hand it a job; use at least 30s`,
    });
  }
  if (pool.bootTimeout < MIN_BOOT_TIMEOUT) {
    issues.push({
      path: at(index, '.bootTimeout'),
      message: `${d(pool.bootTimeout)} is too short: machines take a minute or more to boot and register; use at least 30s (default 10m)`,
    });
  }
  for (const [field, value] of [
    ['bootTimeout', pool.bootTimeout],
    ['idleTimeout', pool.idleTimeout],
    ['minimumLifetime', pool.minimumLifetime],
  ] as const) {
    if (value >= pool.maxRuntime) {
      issues.push({
        path: at(index, `.${field}`),
        message: `${d(value)} is not shorter than maxRuntime (${d(pool.maxRuntime)}): every runner would reach maxRuntime first; shorten ${field} or raise maxRuntime`,
      });
    }
  }
}

/**
 * Rules across fields and pools. `pools` are those that passed the schema (a broken pool is reported by the
 * schema and skipped here); `github` is absent when its section did not pass.
 */
export function checkConfig(github: GitHubConfig | undefined, pools: readonly IndexedPool[]): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const entry of pools) checkPool(entry, issues);

  // GitHub auth vs scopes. Enterprise runner endpoints refuse GitHub App installation tokens (GitHub REST docs,
  // self-hosted runners, enterprise endpoints: "does not work with ... GitHub App installation access tokens");
  // see GitHubTokenAuth in types.ts.
  if (github?.auth.kind === 'app') {
    for (const { index, pool } of pools) {
      if (pool.scope.kind === 'enterprise') {
        issues.push({
          path: at(index, '.scope.enterprise'),
          message:
            "enterprise pools need github.auth.kind: token (a classic personal access token with the manage_runners:enterprise scope): GitHub's enterprise runner endpoints do not accept GitHub App tokens; or scope the pool to an organization",
        });
      }
    }
    const installationId = github.auth.installationId;
    const owners = [
      ...new Set(
        pools.flatMap(({ pool }) => (pool.scope.kind === 'org' ? [lower(pool.scope.org)] : pool.scope.kind === 'repo' ? [lower(pool.scope.owner)] : [])),
      ),
    ];
    if (installationId !== undefined && owners.length > 1) {
      issues.push({
        path: 'github.auth.installationId',
        message: `an installation belongs to one account, but the pools register in ${owners.join(', ')}: remove installationId (ghr finds each account's installation) or keep the pools in one account`,
      });
    }
  }

  // Pool ids.
  const ids = new Map<string, number>();
  for (const { index, pool } of pools) {
    const first = ids.get(pool.id);
    if (first !== undefined) {
      issues.push({ path: at(index, '.id'), message: `"${pool.id}" is already the id of pools[${first}]; pool ids must be unique` });
    } else ids.set(pool.id, index);
  }

  // Label sets: ambiguous twins, and pools that can never be chosen.
  const entries: Entry[] = pools.map((p) => ({ ...p, labels: labelSet(p.pool.labels), subset: p.pool.match === 'subset' }));
  const twins = new Set<Entry>();
  for (const [i, b] of entries.entries()) {
    for (const a of entries.slice(0, i)) {
      if (a.pool.priority === b.pool.priority && sameSet(a.labels, b.labels) && scopesOverlap(a.pool.scope, b.pool.scope)) {
        twins.add(b);
        issues.push({
          path: at(b.index, '.labels'),
          message: `same labels as ${named(a)} with the same priority (${b.pool.priority}), so only declaration order would pick between them: merge the pools, change a label, or give them different priorities`,
        });
        break;
      }
    }
  }
  for (const b of entries) {
    if (twins.has(b) || b.labels.size === 0) continue;
    const higher = entries.filter((a) => a !== b && ranksAbove(a, b) && scopeCovers(a.pool.scope, b.pool.scope));
    const by = blockers(b, higher);
    if (by) {
      issues.push({
        path: at(b.index),
        message: `can never be chosen: every job it could take goes to ${by.map(named).join(', ')}, which rank${by.length === 1 ? 's' : ''} higher (priority, then fewer labels, then order); raise this pool's priority, change its labels, or remove it`,
      });
    }
  }
  return issues;
}
