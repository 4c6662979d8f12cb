// Tenancy in the GitHub model: enterprises, organizations, users, repositories, App installations and runner
// groups, and the rules of which runner group may serve which repository.
import type { RepositoryRef, RunnerScope } from '@ghr/core';
import { SimError } from '../errors.js';
import type { CreateRunnerGroupInput } from './options.js';
import { nodeId } from './payloads.js';
import { lower, notFound, repoRefOf, scopeKeyOf } from './state.js';
import type { ModelState } from './state.js';
import type { ScopeKey, SimAccount, SimEnterprise, SimInstallation, SimRepo, SimRunner, SimRunnerGroup } from './types.js';

/** Accounts, repositories, installations and runner groups. */
export class Tenancy {
  readonly #s: ModelState;
  readonly #dispatch: () => void;

  /** `dispatch` routes queued jobs again (a runner group's access changed). */
  constructor(state: ModelState, dispatch: () => void) {
    this.#s = state;
    this.#dispatch = dispatch;
  }

  /** Creates an enterprise with its `Default` runner group. */
  createEnterprise(input: { readonly slug: string; readonly name?: string }): SimEnterprise {
    const key = lower(input.slug);
    if (this.#s.enterprises.has(key)) throw new SimError(`Enterprise ${input.slug} already exists.`, { code: 'conflict' });
    this.#s.ids.enterprise += 1;
    const enterprise: SimEnterprise = {
      id: this.#s.ids.enterprise,
      slug: input.slug,
      name: input.name ?? input.slug,
      nodeId: nodeId('E_', this.#s.ids.enterprise),
      createdAt: this.#s.now(),
    };
    this.#s.enterprises.set(key, enterprise);
    this.#s.groups.set(`enterprise:${key}`, [this.defaultGroup(`enterprise:${key}`)]);
    return enterprise;
  }

  /** Creates an organization (optionally in an enterprise) with its `Default` runner group. */
  createOrg(input: { readonly login: string; readonly enterprise?: string }): SimAccount {
    if (input.enterprise !== undefined && !this.#s.enterprises.has(lower(input.enterprise))) {
      throw new SimError(`Enterprise ${input.enterprise} does not exist: create it first.`, { code: 'not-found' });
    }
    const account = this.createAccount(input.login, 'Organization', input.enterprise);
    this.#s.groups.set(`org:${lower(input.login)}`, [this.defaultGroup(`org:${lower(input.login)}`)]);
    return account;
  }

  /** Creates a user account. */
  createUser(input: { readonly login: string }): SimAccount {
    return this.createAccount(input.login, 'User');
  }

  /** Creates a repository; its owner is created as an organization if it does not exist. Private by default. */
  createRepo(input: { readonly owner: string; readonly name: string; readonly private?: boolean }): SimRepo {
    const owner = this.#s.accounts.get(lower(input.owner)) ?? this.createOrg({ login: input.owner });
    const fullName = `${owner.login}/${input.name}`;
    if (this.#s.repos.has(lower(fullName))) throw new SimError(`Repository ${fullName} already exists.`, { code: 'conflict' });
    this.#s.ids.repo += 1;
    const repo: SimRepo = {
      id: this.#s.ids.repo,
      owner: owner.login,
      name: input.name,
      fullName,
      nodeId: nodeId('R_', this.#s.ids.repo),
      private: input.private ?? true,
      createdAt: this.#s.now(),
    };
    this.#s.repos.set(lower(fullName), repo);
    this.#s.reposById.set(repo.id, repo);
    return repo;
  }

  /** Installs the App on an account, for all its repositories or selected ones (`owner/repo` or names). */
  createInstallation(input: {
    readonly account: string;
    readonly repositorySelection?: 'all' | 'selected';
    readonly repositories?: readonly string[];
  }): SimInstallation {
    const account = this.#s.accounts.get(lower(input.account));
    if (!account) throw new SimError(`Account ${input.account} does not exist: create the org or user first.`, { code: 'not-found' });
    if (this.installationOf(account.login)) {
      throw new SimError(`The App is already installed on ${account.login}.`, { code: 'conflict' });
    }
    const selection = input.repositorySelection ?? (input.repositories ? 'selected' : 'all');
    const repositoryIds = (input.repositories ?? []).map((name) => {
      const full = name.includes('/') ? name : `${account.login}/${name}`;
      const repo = this.#s.repos.get(lower(full));
      if (!repo) throw new SimError(`Repository ${full} does not exist.`, { code: 'not-found' });
      return repo.id;
    });
    this.#s.ids.installation += 1;
    const installation: SimInstallation = {
      id: this.#s.ids.installation,
      account: account.login,
      targetType: account.type,
      repositorySelection: selection,
      repositoryIds,
      createdAt: this.#s.now(),
      tokenMints: 0,
    };
    this.#s.installations.set(installation.id, installation);
    return installation;
  }

  /** Removes an installation (the App uninstalled): its tokens stop working. */
  deleteInstallation(installationId: number): void {
    if (!this.#s.installations.delete(installationId)) throw notFound();
    for (const [token, stored] of this.#s.installationTokens) {
      if (stored.installationId === installationId) this.#s.installationTokens.delete(token);
    }
  }

  /** Creates a runner group in an organization or an enterprise. */
  createRunnerGroup(
    scope: { readonly kind: 'org'; readonly org: string } | { readonly kind: 'enterprise'; readonly enterprise: string },
    input: CreateRunnerGroupInput,
  ): SimRunnerGroup {
    const key = scopeKeyOf(scope);
    const groups = this.#s.groups.get(key);
    if (!groups) throw notFound();
    if (groups.some((g) => lower(g.name) === lower(input.name))) {
      throw new SimError(`Already exists - A runner group with the name ${input.name} already exists.`, { code: 'conflict' });
    }
    this.#s.ids.group += 1;
    const group: SimRunnerGroup = {
      id: this.#s.ids.group,
      scope: key,
      name: input.name,
      isDefault: false,
      visibility: input.visibility ?? 'all',
      selectedRepositories: (input.selectedRepositories ?? []).map(lower),
      selectedOrganizations: (input.selectedOrganizations ?? []).map(lower),
      allowsPublicRepositories: input.allowsPublicRepositories ?? false,
    };
    groups.push(group);
    return group;
  }

  /** Runner groups of an organization (its own first, then those it inherits from its enterprise) or enterprise. */
  listRunnerGroups(
    scope: { readonly kind: 'org'; readonly org: string } | { readonly kind: 'enterprise'; readonly enterprise: string },
  ): { readonly own: readonly SimRunnerGroup[]; readonly inherited: readonly SimRunnerGroup[] } {
    const own = this.#s.groups.get(scopeKeyOf(scope));
    if (!own) throw notFound();
    if (scope.kind === 'enterprise') return { own: [...own], inherited: [] };
    const org = this.#s.accounts.get(lower(scope.org));
    const enterpriseGroups = org?.enterprise ? (this.#s.groups.get(`enterprise:${lower(org.enterprise)}`) ?? []) : [];
    const inherited = enterpriseGroups.filter((g) => !g.isDefault && this.groupAllowsOrg(g, scope.org));
    return { own: [...own], inherited };
  }

  /** Updates a runner group's access settings. */
  updateRunnerGroup(groupId: number, patch: Partial<CreateRunnerGroupInput>): SimRunnerGroup {
    const group = this.groupById(groupId);
    if (!group) throw notFound();
    if (patch.visibility !== undefined) group.visibility = patch.visibility;
    if (patch.selectedRepositories !== undefined) group.selectedRepositories = patch.selectedRepositories.map(lower);
    if (patch.selectedOrganizations !== undefined) group.selectedOrganizations = patch.selectedOrganizations.map(lower);
    if (patch.allowsPublicRepositories !== undefined) group.allowsPublicRepositories = patch.allowsPublicRepositories;
    this.#dispatch();
    return group;
  }

  /** An account by login (case-insensitive). */
  account(login: string): SimAccount | undefined {
    return this.#s.accounts.get(lower(login));
  }

  /** An enterprise by slug. */
  enterprise(slug: string): SimEnterprise | undefined {
    return this.#s.enterprises.get(lower(slug));
  }

  /** A repository by `owner/repo` or reference. */
  repo(ref: string | RepositoryRef): SimRepo | undefined {
    const r = repoRefOf(ref);
    return this.#s.repos.get(lower(`${r.owner}/${r.repo}`));
  }

  /** A repository by id. */
  repoById(id: number): SimRepo | undefined {
    return this.#s.reposById.get(id);
  }

  /** All installations, oldest first. */
  listInstallations(): readonly SimInstallation[] {
    return [...this.#s.installations.values()];
  }

  /** An installation by id. */
  installation(id: number): SimInstallation | undefined {
    return this.#s.installations.get(id);
  }

  /** The installation on an organization or user (`GET /orgs/{org}/installation`); 404 when not installed. */
  installationForAccount(login: string): SimInstallation {
    const installation = this.installationOf(login);
    if (!installation) throw notFound();
    return installation;
  }

  /** The installation that covers a repository (`GET /repos/{o}/{r}/installation`); 404 when none. */
  installationForRepo(ref: string | RepositoryRef): SimInstallation {
    const repo = this.repo(ref);
    if (!repo) throw notFound();
    const installation = this.installationCovering(repo);
    if (!installation) throw notFound();
    return installation;
  }

  requireScope(scope: RunnerScope): ScopeKey {
    const key = scopeKeyOf(scope);
    const exists =
      scope.kind === 'repo'
        ? this.#s.repos.has(lower(`${scope.owner}/${scope.repo}`))
        : scope.kind === 'org'
          ? this.#s.accounts.get(lower(scope.org))?.type === 'Organization'
          : this.#s.enterprises.has(lower(scope.enterprise));
    if (!exists) throw notFound();
    return key;
  }

  createAccount(login: string, type: 'Organization' | 'User', enterprise?: string): SimAccount {
    if (!/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/.test(login)) {
      throw new SimError(`"${login}" is not a valid GitHub login.`, { code: 'invalid-input' });
    }
    if (this.#s.accounts.has(lower(login))) throw new SimError(`Account ${login} already exists.`, { code: 'conflict' });
    this.#s.ids.account += 1;
    const account: SimAccount = {
      id: this.#s.ids.account,
      login,
      type,
      nodeId: nodeId(type === 'Organization' ? 'O_' : 'U_', this.#s.ids.account),
      enterprise,
      createdAt: this.#s.now(),
    };
    this.#s.accounts.set(lower(login), account);
    return account;
  }

  defaultGroup(scope: ScopeKey): SimRunnerGroup {
    return {
      id: 1,
      scope,
      name: 'Default',
      isDefault: true,
      visibility: 'all',
      selectedRepositories: [],
      selectedOrganizations: [],
      allowsPublicRepositories: false,
    };
  }

  groupById(id: number): SimRunnerGroup | undefined {
    for (const groups of this.#s.groups.values()) {
      const group = groups.find((g) => g.id === id && !g.isDefault);
      if (group) return group;
    }
    return undefined;
  }

  groupOf(runner: SimRunner): SimRunnerGroup | undefined {
    return (this.#s.groups.get(runner.scope) ?? []).find((g) => g.id === runner.groupId);
  }

  groupAllowsOrg(group: SimRunnerGroup, org: string): boolean {
    return group.visibility !== 'selected' || group.selectedOrganizations.includes(lower(org));
  }

  installationOf(login: string): SimInstallation | undefined {
    for (const installation of this.#s.installations.values()) {
      if (lower(installation.account) === lower(login)) return installation;
    }
    return undefined;
  }

  covers(installation: SimInstallation, repo: SimRepo): boolean {
    if (lower(installation.account) !== lower(repo.owner)) return false;
    return installation.repositorySelection === 'all' || installation.repositoryIds.includes(repo.id);
  }

  installationCovering(repo: SimRepo): SimInstallation | undefined {
    const installation = this.installationOf(repo.owner);
    return installation && this.covers(installation, repo) ? installation : undefined;
  }

  groupAllows(runner: SimRunner, repo: SimRepo): boolean {
    const group = this.groupOf(runner);
    if (!group) return false;
    if (!repo.private && !group.allowsPublicRepositories) return false;
    if (group.visibility === 'private' && !repo.private) return false;
    if (runner.scope.startsWith('org:')) {
      return group.visibility !== 'selected' || group.selectedRepositories.includes(lower(repo.fullName));
    }
    return this.groupAllowsOrg(group, repo.owner);
  }
}
