// Small functions of runner scopes, shared by the policy and the engine.
import type { PoolScope, RunnerScope } from './domain.js';

/**
 * The scope a pool's runners register in, without the pool's runner group.
 *
 * @example
 * ```ts
 * runnerScopeOf({ kind: 'org', org: 'acme', runnerGroup: 'ci' }); // { kind: 'org', org: 'acme' }
 * ```
 */
export function runnerScopeOf(scope: PoolScope): RunnerScope {
  switch (scope.kind) {
    case 'org':
      return { kind: 'org', org: scope.org };
    case 'repo':
      return { kind: 'repo', owner: scope.owner, repo: scope.repo };
    case 'enterprise':
      return { kind: 'enterprise', enterprise: scope.enterprise };
  }
}

/**
 * A case-insensitive key of a scope, for maps and sets (GitHub's names are case-insensitive).
 *
 * @example
 * ```ts
 * scopeKey({ kind: 'repo', owner: 'Acme', repo: 'Web' }); // 'repo/acme/web'
 * ```
 */
export function scopeKey(scope: RunnerScope): string {
  switch (scope.kind) {
    case 'org':
      return `org/${scope.org.toLowerCase()}`;
    case 'repo':
      return `repo/${scope.owner.toLowerCase()}/${scope.repo.toLowerCase()}`;
    case 'enterprise':
      return `enterprise/${scope.enterprise.toLowerCase()}`;
  }
}
