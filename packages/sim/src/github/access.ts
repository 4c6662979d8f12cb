// Access to the GitHub model: installation tokens, personal access tokens, who a token belongs to, and what a
// caller may reach (GitHub's 404 and 403 answers).
import type { RunnerScope } from '@ghr/core';
import { SimError } from '../errors.js';
import { HOUR, lower, notAccessible, notFound } from './state.js';
import type { ModelState } from './state.js';
import type { Tenancy } from './tenancy.js';
import type { SimInstallation, SimPrincipal } from './types.js';

/** Tokens and authorization. */
export class Access {
  readonly #s: ModelState;
  readonly #tenancy: Tenancy;

  constructor(state: ModelState, tenancy: Tenancy) {
    this.#s = state;
    this.#tenancy = tenancy;
  }

  /** Mints an installation access token (1 h by default). Counted per installation. */
  mintInstallationToken(installationId: number): { readonly token: string; readonly expiresAt: number; readonly installation: SimInstallation } {
    const installation = this.#s.installations.get(installationId);
    if (!installation) throw notFound();
    const token = `ghs_${this.#s.alnum(36)}`;
    const expiresAt = this.#s.now() + (this.#s.options.installationTokenTtlMs ?? HOUR);
    this.#s.installationTokens.set(token, { installationId, expiresAt });
    installation.tokenMints += 1;
    this.#s.counters.tokenMints += 1;
    return { token, expiresAt, installation };
  }

  /** Creates a personal access token (classic) for enterprise endpoints; `enterprises` limits it (default all). */
  createPersonalToken(input: { readonly login?: string; readonly enterprises?: readonly string[] } = {}): string {
    const token = `ghp_${this.#s.alnum(36)}`;
    this.#s.pats.set(token, { login: input.login ?? 'enterprise-admin', enterprises: input.enterprises?.map(lower) });
    return token;
  }

  /** Who a token belongs to; undefined for an unknown or expired token. */
  authenticate(token: string): SimPrincipal | undefined {
    const installationToken = this.#s.installationTokens.get(token);
    if (installationToken) {
      if (installationToken.expiresAt <= this.#s.now()) return undefined;
      if (!this.#s.installations.has(installationToken.installationId)) return undefined;
      return { kind: 'installation', installationId: installationToken.installationId };
    }
    const pat = this.#s.pats.get(token);
    if (pat) return { kind: 'pat', login: pat.login };
    return undefined;
  }

  /** The rate-limit key of a principal: `app`, `installation:<id>`, `pat:<login>`, `anonymous`. */
  principalKey(principal: SimPrincipal): string {
    switch (principal.kind) {
      case 'app':
        return 'app';
      case 'installation':
        return `installation:${principal.installationId}`;
      case 'pat':
        return `pat:${principal.login}`;
      case 'anonymous':
        return 'anonymous';
    }
  }

  /**
   * Throws the error GitHub answers when `principal` may not use runners of `scope` (or jobs of a repository):
   * 404 for a repository the installation does not cover, 403 for an organization it is not installed on and for
   * enterprise endpoints, which need a personal access token.
   */
  authorize(principal: SimPrincipal, scope: RunnerScope): void {
    if (principal.kind === 'pat') {
      if (scope.kind !== 'enterprise') return;
      const pat = [...this.#s.pats.values()].find((p) => p.login === principal.login);
      if (pat?.enterprises && !pat.enterprises.includes(lower(scope.enterprise))) throw notAccessible();
      return;
    }
    if (principal.kind !== 'installation') throw new SimError('Bad credentials', { code: 'unauthorized' });
    const installation = this.#s.installations.get(principal.installationId);
    if (!installation) throw new SimError('Bad credentials', { code: 'unauthorized' });
    if (scope.kind === 'enterprise') throw notAccessible();
    if (scope.kind === 'org') {
      if (!this.#s.accounts.has(lower(scope.org))) throw notFound();
      if (lower(installation.account) !== lower(scope.org)) throw notAccessible();
      return;
    }
    const repo = this.#tenancy.repo({ owner: scope.owner, repo: scope.repo });
    if (!repo || !this.#tenancy.covers(installation, repo)) throw notFound();
  }
}
