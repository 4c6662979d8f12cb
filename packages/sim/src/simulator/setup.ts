// The simulated GitHub a simulation starts from: the orgs and repositories of its pools and trace, one App
// installation per owner, and the runner groups the pools name.
import type { Pool } from '@ghr/core';
import type { GitHubModel } from '../github/model.js';
import type { Trace } from './trace.js';

/**
 * Creates the accounts, repositories, installations and runner groups that `pools` and `trace` need, and answers
 * the principal the engine's GitHub client acts as (`installation:<id>`).
 *
 * @example
 * ```ts
 * const principal = setUpGitHub(model, config.pools, trace);
 * ```
 */
export function setUpGitHub(model: GitHubModel, pools: readonly Pool[], trace: Trace): string {
  const owners = new Set<string>();
  for (const pool of pools) {
    if (pool.scope.kind === 'org') owners.add(pool.scope.org);
    if (pool.scope.kind === 'repo') owners.add(pool.scope.owner);
  }
  const repos = new Set<string>(trace.jobs.map((j) => j.repo));
  for (const pool of pools) if (pool.scope.kind === 'repo') repos.add(`${pool.scope.owner}/${pool.scope.repo}`);
  for (const owner of owners) if (!model.account(owner)) model.createOrg({ login: owner });
  for (const full of repos) {
    const [owner = '', name = ''] = full.split('/');
    if (!model.repo(full)) model.createRepo({ owner, name });
    owners.add(model.repo(full)?.owner ?? owner);
  }
  let first: number | undefined;
  for (const owner of owners) {
    const account = model.account(owner);
    if (!account) continue;
    const installation = model.createInstallation({ account: account.login, repositorySelection: 'all' });
    first ??= installation.id;
  }
  for (const pool of pools) {
    const scope = pool.scope;
    if (scope.kind === 'repo' || !scope.runnerGroup || scope.runnerGroup.toLowerCase() === 'default') continue;
    const groupScope = scope.kind === 'org' ? { kind: 'org' as const, org: scope.org } : { kind: 'enterprise' as const, enterprise: scope.enterprise };
    try {
      model.createRunnerGroup(groupScope, { name: scope.runnerGroup });
    } catch {
      // Exists already (two pools share the group), or the enterprise is not modelled.
    }
  }
  return `installation:${first ?? 0}`;
}

/**
 * The longest boot timeout of the pools.
 *
 * @example
 * ```ts
 * maxBootTimeout(config.pools); // 900000
 * ```
 */
export function maxBootTimeout(pools: readonly Pool[]): number {
  return pools.reduce((max, p) => Math.max(max, p.bootTimeout), 0);
}

/**
 * The boot timeout of a runner's pool: the pool given (its machine's), else the pool its name says (the longest
 * pool id the name starts with), else the longest of all.
 *
 * @example
 * ```ts
 * bootTimeoutOf(poolsById, 'ghr-linux-large-abc', undefined); // linux-large's bootTimeout
 * ```
 */
export function bootTimeoutOf(pools: ReadonlyMap<string, Pool>, name: string, poolId: string | undefined): number {
  let pool = poolId === undefined ? undefined : pools.get(poolId);
  if (!pool) {
    for (const p of pools.values()) {
      const named = name.startsWith(`ghr-${p.id}-`) || name.startsWith(`runner-${p.id}-`);
      if (named && p.id.length > (pool?.id.length ?? -1)) pool = p;
    }
  }
  return pool?.bootTimeout ?? maxBootTimeout([...pools.values()]);
}
