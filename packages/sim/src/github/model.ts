// The model of GitHub Actions that ghr talks to: accounts, installations, runner groups, runners registered from
// JIT configs (or registration tokens), jobs routed to runners by labels, `workflow_job` webhooks with a
// deliveries log, installation tokens and rate limits. Pure and clock-driven: no timers, no I/O. A driver (the
// HTTP server in real time, the simulator in virtual time) calls its methods and `tick()` when `nextDeadline()`
// comes, and hands the webhook attempts it emits to a receiver.
import type { RepositoryRef, RunnerScope } from '@ghr/core';
import type { SimClock } from '../clock.js';
import { SimError } from '../errors.js';
import type { Rng } from '../random.js';
import { createRng } from '../random.js';
import { TimerHeap } from './heap.js';
import type { Timer } from './heap.js';
import { decodeJitConfig, encodeJitConfig } from './jit.js';
import { jobJson, nodeId, organizationJson, repositoryJson, userJson } from './payloads.js';
import type { PayloadUrls } from './payloads.js';
import { RateLimiter } from './rate-limits.js';
import type { RateLimitOptions } from './rate-limits.js';
import { signWebhook, signWebhookSha1 } from './signature.js';
import type {
  DeliveryOutcome,
  ScopeKey,
  SimAccount,
  SimDelivery,
  SimEnterprise,
  SimInstallation,
  SimJob,
  SimPrincipal,
  SimRepo,
  SimRunner,
  SimRunnerGroup,
  SimRunnerToken,
  WebhookAttempt,
  WebhookEvent,
} from './types.js';

const HOUR = 3_600_000;
const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});
const DAY = 24 * HOUR;

/** Options of a {@link GitHubModel}. Every duration is in milliseconds. */
export interface GitHubModelOptions {
  /** Time source; defaults to the wall clock. The simulator passes its virtual clock. */
  readonly clock?: SimClock;
  /** Seed of every random choice (tokens, GUIDs, secrets). Default 1. */
  readonly seed?: number;
  /** The App's id (JWT `iss`, `X-GitHub-Hook-Installation-Target-ID`). Default 1. */
  readonly appId?: number;
  readonly appSlug?: string;
  readonly clientId?: string;
  /** `X-GitHub-Hook-ID`. Default 1. */
  readonly hookId?: number;
  /** Secret that signs webhooks (`X-Hub-Signature-256`); no signature headers without one. */
  readonly webhookSecret?: string;
  /** Base URLs inside payloads. Default `https://api.github.com` and `https://github.com`. */
  readonly urls?: PayloadUrls;
  readonly rateLimits?: RateLimitOptions;
  /** A queued job fails after this long. Default 24 h. */
  readonly queueTimeoutMs?: number;
  /** An offline ephemeral runner is removed after this long. Default 24 h. */
  readonly ephemeralOfflineRemovalMs?: number;
  /** An offline persistent runner is removed after this long. Default 14 days. */
  readonly persistentOfflineRemovalMs?: number;
  /** Lifetime of installation access tokens. Default 1 h. */
  readonly installationTokenTtlMs?: number;
  /** Lifetime of registration and remove tokens. Default 1 h. */
  readonly runnerTokenTtlMs?: number;
  /** Deliveries older than this leave the log and cannot be redelivered. Default 3 days (GHES: 7). */
  readonly deliveryRetentionMs?: number;
  /** Version runners report once online. Default `2.330.0`. */
  readonly runnerVersion?: string;
  /**
   * How long an assigned runner takes to pick its job up (`in_progress`). Meanwhile the job stays `queued` and the
   * API still shows the runner idle (`busy: false`), as GitHub's busy flag lags: deleting it then succeeds, and a
   * job whose runner went away before picking it up is queued again. Default 0 (picked up at once).
   */
  readonly pickupDelayMs?: number;
}

/** A job to queue. */
export interface QueueJobInput {
  /** `owner/repo` or a `RepositoryRef`; the repository must exist. */
  readonly repo: string | RepositoryRef;
  /** The job's `runs-on` labels. */
  readonly labels: readonly string[];
  readonly name?: string;
  readonly workflowName?: string;
  /** Jobs of one workflow run (a matrix) share a run id; a new one by default. */
  readonly runId?: number;
  readonly headBranch?: string;
  readonly headSha?: string;
  /** An environment that needs approval: the job starts `waiting` until `approveJob`. */
  readonly environment?: string;
  /** When set, the job completes by itself this long after it starts. */
  readonly durationMs?: number;
  /** The conclusion it completes with by itself. Default `success`. */
  readonly conclusion?: 'success' | 'failure';
  /** Login of the user who triggered the run (webhook `sender`). Default the repository owner. */
  readonly sender?: string;
}

/** A runner registered with `config.sh` and a registration token. */
export interface RegisterRunnerInput {
  readonly token: string;
  readonly name: string;
  readonly labels: readonly string[];
  /** Default false (a persistent runner). */
  readonly ephemeral?: boolean;
  /** Runner group name (org and enterprise scopes). Default `Default`. */
  readonly runnerGroup?: string;
  /** Replace a runner of the same name (`config.sh --replace`). */
  readonly replace?: boolean;
  /** Start it right away (`run.sh`). Default true. */
  readonly connect?: boolean;
}

/** A runner group to create. */
export interface CreateRunnerGroupInput {
  readonly name: string;
  readonly visibility?: 'all' | 'selected' | 'private';
  /** `owner/repo` names allowed (organization groups with `selected` visibility). */
  readonly selectedRepositories?: readonly string[];
  /** Organization logins allowed (enterprise groups with `selected` visibility). */
  readonly selectedOrganizations?: readonly string[];
  /** Default false, as on GitHub. */
  readonly allowsPublicRepositories?: boolean;
}

/** Counters of what happened in the model. */
export interface ModelCounters {
  jobsQueued: number;
  jobsStarted: number;
  jobsCompleted: number;
  jobsCancelled: number;
  jobsTimedOut: number;
  /** Jobs queued again because their assigned runner went away before picking them up. */
  jobsRequeued: number;
  jitConfigs: number;
  registrationTokens: number;
  runnersRegistered: number;
  runnersConnected: number;
  runnersRemoved: number;
  tokenMints: number;
  webhooksEmitted: number;
  webhooksSkippedNoInstallation: number;
  redeliveries: number;
}

/** A page of the deliveries log, newest first. */
export interface DeliveriesPage {
  readonly deliveries: readonly SimDelivery[];
  /** Pass as `cursor` for the next page; absent on the last page. */
  readonly nextCursor?: string;
}

interface StoredToken {
  readonly installationId: number;
  readonly expiresAt: number;
}

const newCounters = (): ModelCounters => ({
  jobsQueued: 0,
  jobsStarted: 0,
  jobsCompleted: 0,
  jobsCancelled: 0,
  jobsTimedOut: 0,
  jobsRequeued: 0,
  jitConfigs: 0,
  registrationTokens: 0,
  runnersRegistered: 0,
  runnersConnected: 0,
  runnersRemoved: 0,
  tokenMints: 0,
  webhooksEmitted: 0,
  webhooksSkippedNoInstallation: 0,
  redeliveries: 0,
});

const lower = (s: string): string => s.toLowerCase();

/** The scope key of a runner scope: `repo:owner/name`, `org:login`, `enterprise:slug` (lower case). */
export function scopeKeyOf(scope: RunnerScope): ScopeKey {
  if (scope.kind === 'repo') return `repo:${lower(scope.owner)}/${lower(scope.repo)}`;
  if (scope.kind === 'org') return `org:${lower(scope.org)}`;
  return `enterprise:${lower(scope.enterprise)}`;
}

function repoRefOf(repo: string | RepositoryRef): RepositoryRef {
  if (typeof repo !== 'string') return repo;
  const [owner, name, ...rest] = repo.split('/');
  if (!owner || !name || rest.length > 0) {
    throw new SimError(`"${repo}" is not a repository name: write it as owner/repo.`, { code: 'invalid-input' });
  }
  return { owner, repo: name };
}

const notFound = (): SimError => new SimError('Not Found', { code: 'not-found' });
const notAccessible = (): SimError => new SimError('Resource not accessible by integration', { code: 'forbidden' });

/**
 * A faithful, clock-driven model of GitHub Actions scheduling as ghr uses it.
 *
 * @example
 * ```ts
 * const clock = createManualClock();
 * const model = new GitHubModel({ clock, webhookSecret: 's3cret' });
 * model.onWebhook((attempt) => model.recordDelivery(attempt, { statusCode: 200, durationMs: 12 }));
 * model.createOrg({ login: 'acme' });
 * model.createRepo({ owner: 'acme', name: 'web' });
 * model.createInstallation({ account: 'acme' });
 * const jit = model.generateJitConfig({ kind: 'org', org: 'acme' }, { name: 'r1', runnerGroupId: 1, labels: ['self-hosted', 'linux'] });
 * model.queueJob({ repo: 'acme/web', labels: ['self-hosted', 'linux'], durationMs: 60_000 });
 * model.connectRunner(jit.encodedJitConfig); // the job goes in_progress on r1
 * clock.advance(60_000);
 * model.tick(); // completed; the ephemeral runner is removed
 * ```
 */
export class GitHubModel {
  readonly clock: SimClock;
  readonly rateLimits: RateLimiter;
  readonly app: { readonly id: number; readonly slug: string; readonly clientId: string; readonly hookId: number };
  counters: ModelCounters = newCounters();
  urls: PayloadUrls;

  readonly #options: GitHubModelOptions;
  #rng: Rng;
  #webhookSecret: string | undefined;
  #ids = { account: 1_000_000, enterprise: 9_000, repo: 500_000_000, installation: 40_000_000, runner: 0, group: 1, job: 20_000_000_000, run: 9_000_000_000, delivery: 80_000_000_000, label: 0, timer: 0 };
  #accounts = new Map<string, SimAccount>();
  #enterprises = new Map<string, SimEnterprise>();
  #repos = new Map<string, SimRepo>();
  #reposById = new Map<number, SimRepo>();
  #installations = new Map<number, SimInstallation>();
  #groups = new Map<ScopeKey, SimRunnerGroup[]>();
  #runners = new Map<number, SimRunner>();
  #runnerLabels = new Map<number, ReadonlySet<string>>();
  #runnerNames = new Map<string, number>();
  #jitSecrets = new Map<number, string>();
  #idle = new Set<number>();
  #jobs = new Map<number, SimJob>();
  #queue = new Map<number, SimJob>();
  #labelIds = new Map<string, number>();
  #installationTokens = new Map<string, StoredToken>();
  #pats = new Map<string, { readonly login: string; readonly enterprises?: readonly string[] }>();
  #runnerTokens = new Map<string, SimRunnerToken>();
  #events = new Map<string, WebhookEvent>();
  #deliveries: SimDelivery[] = [];
  #timers = new TimerHeap();
  #listeners = new Set<(attempt: WebhookAttempt) => void>();
  #cursor: number | undefined;
  #ticking = false;

  constructor(options: GitHubModelOptions = {}) {
    this.#options = options;
    this.clock = options.clock ?? { now: () => Date.now() };
    this.rateLimits = new RateLimiter(this.clock, options.rateLimits);
    this.#rng = createRng(options.seed ?? 1);
    this.#webhookSecret = options.webhookSecret;
    this.urls = options.urls ?? { api: 'https://api.github.com', html: 'https://github.com' };
    const appId = options.appId ?? 1;
    this.app = {
      id: appId,
      slug: options.appSlug ?? 'ghr-runners',
      clientId: options.clientId ?? `Iv23li${createRng(appId).hex(7)}`,
      hookId: options.hookId ?? 1,
    };
  }

  /** The current model time: during `tick()`, the due time of the event being applied. */
  now(): number {
    return this.#cursor ?? this.clock.now();
  }

  /** Forgets all state (accounts, runners, jobs, deliveries, tokens, rate limits, counters); keeps listeners. */
  reset(): void {
    this.#rng = createRng(this.#options.seed ?? 1);
    this.#ids = { account: 1_000_000, enterprise: 9_000, repo: 500_000_000, installation: 40_000_000, runner: 0, group: 1, job: 20_000_000_000, run: 9_000_000_000, delivery: 80_000_000_000, label: 0, timer: 0 };
    for (const map of [this.#accounts, this.#enterprises, this.#repos, this.#reposById, this.#installations, this.#groups, this.#runners, this.#runnerLabels, this.#runnerNames, this.#jitSecrets, this.#jobs, this.#queue, this.#labelIds, this.#installationTokens, this.#pats, this.#runnerTokens, this.#events]) {
      map.clear();
    }
    this.#idle.clear();
    this.#deliveries = [];
    this.#timers.clear();
    this.rateLimits.reset();
    this.counters = newCounters();
  }

  /** Sets the secret that signs webhooks from now on. */
  setWebhookSecret(secret: string | undefined): void {
    this.#webhookSecret = secret;
  }

  // ------------------------------------------------------------------------------------------------------
  // Accounts, repositories, installations, runner groups.

  /** Creates an enterprise with its `Default` runner group. */
  createEnterprise(input: { readonly slug: string; readonly name?: string }): SimEnterprise {
    const key = lower(input.slug);
    if (this.#enterprises.has(key)) throw new SimError(`Enterprise ${input.slug} already exists.`, { code: 'conflict' });
    this.#ids.enterprise += 1;
    const enterprise: SimEnterprise = {
      id: this.#ids.enterprise,
      slug: input.slug,
      name: input.name ?? input.slug,
      nodeId: nodeId('E_', this.#ids.enterprise),
      createdAt: this.now(),
    };
    this.#enterprises.set(key, enterprise);
    this.#groups.set(`enterprise:${key}`, [this.#defaultGroup(`enterprise:${key}`)]);
    return enterprise;
  }

  /** Creates an organization (optionally in an enterprise) with its `Default` runner group. */
  createOrg(input: { readonly login: string; readonly enterprise?: string }): SimAccount {
    if (input.enterprise !== undefined && !this.#enterprises.has(lower(input.enterprise))) {
      throw new SimError(`Enterprise ${input.enterprise} does not exist: create it first.`, { code: 'not-found' });
    }
    const account = this.#createAccount(input.login, 'Organization', input.enterprise);
    this.#groups.set(`org:${lower(input.login)}`, [this.#defaultGroup(`org:${lower(input.login)}`)]);
    return account;
  }

  /** Creates a user account. */
  createUser(input: { readonly login: string }): SimAccount {
    return this.#createAccount(input.login, 'User');
  }

  /** Creates a repository; its owner is created as an organization if it does not exist. Private by default. */
  createRepo(input: { readonly owner: string; readonly name: string; readonly private?: boolean }): SimRepo {
    const owner = this.#accounts.get(lower(input.owner)) ?? this.createOrg({ login: input.owner });
    const fullName = `${owner.login}/${input.name}`;
    if (this.#repos.has(lower(fullName))) throw new SimError(`Repository ${fullName} already exists.`, { code: 'conflict' });
    this.#ids.repo += 1;
    const repo: SimRepo = {
      id: this.#ids.repo,
      owner: owner.login,
      name: input.name,
      fullName,
      nodeId: nodeId('R_', this.#ids.repo),
      private: input.private ?? true,
      createdAt: this.now(),
    };
    this.#repos.set(lower(fullName), repo);
    this.#reposById.set(repo.id, repo);
    return repo;
  }

  /** Installs the App on an account, for all its repositories or selected ones (`owner/repo` or names). */
  createInstallation(input: {
    readonly account: string;
    readonly repositorySelection?: 'all' | 'selected';
    readonly repositories?: readonly string[];
  }): SimInstallation {
    const account = this.#accounts.get(lower(input.account));
    if (!account) throw new SimError(`Account ${input.account} does not exist: create the org or user first.`, { code: 'not-found' });
    if (this.#installationOf(account.login)) {
      throw new SimError(`The App is already installed on ${account.login}.`, { code: 'conflict' });
    }
    const selection = input.repositorySelection ?? (input.repositories ? 'selected' : 'all');
    const repositoryIds = (input.repositories ?? []).map((name) => {
      const full = name.includes('/') ? name : `${account.login}/${name}`;
      const repo = this.#repos.get(lower(full));
      if (!repo) throw new SimError(`Repository ${full} does not exist.`, { code: 'not-found' });
      return repo.id;
    });
    this.#ids.installation += 1;
    const installation: SimInstallation = {
      id: this.#ids.installation,
      account: account.login,
      targetType: account.type,
      repositorySelection: selection,
      repositoryIds,
      createdAt: this.now(),
      tokenMints: 0,
    };
    this.#installations.set(installation.id, installation);
    return installation;
  }

  /** Removes an installation (the App uninstalled): its tokens stop working. */
  deleteInstallation(installationId: number): void {
    if (!this.#installations.delete(installationId)) throw notFound();
    for (const [token, stored] of this.#installationTokens) {
      if (stored.installationId === installationId) this.#installationTokens.delete(token);
    }
  }

  /** Creates a runner group in an organization or an enterprise. */
  createRunnerGroup(
    scope: { readonly kind: 'org'; readonly org: string } | { readonly kind: 'enterprise'; readonly enterprise: string },
    input: CreateRunnerGroupInput,
  ): SimRunnerGroup {
    const key = scopeKeyOf(scope);
    const groups = this.#groups.get(key);
    if (!groups) throw notFound();
    if (groups.some((g) => lower(g.name) === lower(input.name))) {
      throw new SimError(`Already exists - A runner group with the name ${input.name} already exists.`, { code: 'conflict' });
    }
    this.#ids.group += 1;
    const group: SimRunnerGroup = {
      id: this.#ids.group,
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
    const own = this.#groups.get(scopeKeyOf(scope));
    if (!own) throw notFound();
    if (scope.kind === 'enterprise') return { own: [...own], inherited: [] };
    const org = this.#accounts.get(lower(scope.org));
    const enterpriseGroups = org?.enterprise ? (this.#groups.get(`enterprise:${lower(org.enterprise)}`) ?? []) : [];
    const inherited = enterpriseGroups.filter((g) => !g.isDefault && this.#groupAllowsOrg(g, scope.org));
    return { own: [...own], inherited };
  }

  /** Updates a runner group's access settings. */
  updateRunnerGroup(groupId: number, patch: Partial<CreateRunnerGroupInput>): SimRunnerGroup {
    const group = this.#groupById(groupId);
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
    return this.#accounts.get(lower(login));
  }

  /** An enterprise by slug. */
  enterprise(slug: string): SimEnterprise | undefined {
    return this.#enterprises.get(lower(slug));
  }

  /** A repository by `owner/repo` or reference. */
  repo(ref: string | RepositoryRef): SimRepo | undefined {
    const r = repoRefOf(ref);
    return this.#repos.get(lower(`${r.owner}/${r.repo}`));
  }

  /** A repository by id. */
  repoById(id: number): SimRepo | undefined {
    return this.#reposById.get(id);
  }

  /** All installations, oldest first. */
  listInstallations(): readonly SimInstallation[] {
    return [...this.#installations.values()];
  }

  /** An installation by id. */
  installation(id: number): SimInstallation | undefined {
    return this.#installations.get(id);
  }

  /** The installation on an organization or user (`GET /orgs/{org}/installation`); 404 when not installed. */
  installationForAccount(login: string): SimInstallation {
    const installation = this.#installationOf(login);
    if (!installation) throw notFound();
    return installation;
  }

  /** The installation that covers a repository (`GET /repos/{o}/{r}/installation`); 404 when none. */
  installationForRepo(ref: string | RepositoryRef): SimInstallation {
    const repo = this.repo(ref);
    if (!repo) throw notFound();
    const installation = this.#installationCovering(repo);
    if (!installation) throw notFound();
    return installation;
  }

  // ------------------------------------------------------------------------------------------------------
  // Tokens and access.

  /** Mints an installation access token (1 h by default). Counted per installation. */
  mintInstallationToken(installationId: number): { readonly token: string; readonly expiresAt: number; readonly installation: SimInstallation } {
    const installation = this.#installations.get(installationId);
    if (!installation) throw notFound();
    const token = `ghs_${this.#alnum(36)}`;
    const expiresAt = this.now() + (this.#options.installationTokenTtlMs ?? HOUR);
    this.#installationTokens.set(token, { installationId, expiresAt });
    installation.tokenMints += 1;
    this.counters.tokenMints += 1;
    return { token, expiresAt, installation };
  }

  /** Creates a personal access token (classic) for enterprise endpoints; `enterprises` limits it (default all). */
  createPersonalToken(input: { readonly login?: string; readonly enterprises?: readonly string[] } = {}): string {
    const token = `ghp_${this.#alnum(36)}`;
    this.#pats.set(token, { login: input.login ?? 'enterprise-admin', enterprises: input.enterprises?.map(lower) });
    return token;
  }

  /** Who a token belongs to; undefined for an unknown or expired token. */
  authenticate(token: string): SimPrincipal | undefined {
    const installationToken = this.#installationTokens.get(token);
    if (installationToken) {
      if (installationToken.expiresAt <= this.now()) return undefined;
      if (!this.#installations.has(installationToken.installationId)) return undefined;
      return { kind: 'installation', installationId: installationToken.installationId };
    }
    const pat = this.#pats.get(token);
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
      const pat = [...this.#pats.values()].find((p) => p.login === principal.login);
      if (pat?.enterprises && !pat.enterprises.includes(lower(scope.enterprise))) throw notAccessible();
      return;
    }
    if (principal.kind !== 'installation') throw new SimError('Bad credentials', { code: 'unauthorized' });
    const installation = this.#installations.get(principal.installationId);
    if (!installation) throw new SimError('Bad credentials', { code: 'unauthorized' });
    if (scope.kind === 'enterprise') throw notAccessible();
    if (scope.kind === 'org') {
      if (!this.#accounts.has(lower(scope.org))) throw notFound();
      if (lower(installation.account) !== lower(scope.org)) throw notAccessible();
      return;
    }
    const repo = this.repo({ owner: scope.owner, repo: scope.repo });
    if (!repo || !this.#covers(installation, repo)) throw notFound();
  }

  // ------------------------------------------------------------------------------------------------------
  // Runners.

  /**
   * `POST …/actions/runners/generate-jitconfig`: registers an ephemeral runner (offline until it connects) and
   * returns it with its single-use encoded JIT config. A name already used in the scope answers 409.
   */
  generateJitConfig(
    scope: RunnerScope,
    input: { readonly name: string; readonly runnerGroupId: number; readonly labels: readonly string[]; readonly workFolder?: string },
  ): { readonly runner: SimRunner; readonly encodedJitConfig: string } {
    this.tick();
    const key = this.#requireScope(scope);
    if (typeof input.name !== 'string' || input.name.length === 0) {
      throw new SimError('Invalid request.\n\n"name" wasn\'t supplied.', { code: 'unprocessable' });
    }
    if (!Array.isArray(input.labels) || input.labels.length === 0 || input.labels.length > 100) {
      throw new SimError('Invalid request.\n\n"labels" must have between 1 and 100 items.', { code: 'unprocessable' });
    }
    if (typeof input.runnerGroupId !== 'number') {
      throw new SimError('Invalid request.\n\n"runner_group_id" wasn\'t supplied.', { code: 'unprocessable' });
    }
    const group = scope.kind === 'repo' ? undefined : (this.#groups.get(key) ?? []).find((g) => g.id === input.runnerGroupId);
    if (scope.kind !== 'repo' && !group) throw new SimError('Not Found', { code: 'not-found' });
    this.#requireUniqueName(key, input.name);
    const runner = this.#addRunner({
      name: input.name,
      scope: key,
      groupId: group?.id ?? 1,
      labels: input.labels,
      ephemeral: true,
      registration: 'jit',
      workFolder: input.workFolder ?? '_work',
    });
    const secret = this.#rng.hex(20);
    this.#jitSecrets.set(runner.id, secret);
    this.counters.jitConfigs += 1;
    const encodedJitConfig = encodeJitConfig({
      runnerId: runner.id,
      runnerName: runner.name,
      runnerGroupId: runner.groupId,
      serverUrl: `${this.urls.html}/${key.slice(key.indexOf(':') + 1)}`,
      workFolder: runner.workFolder,
      secret,
    });
    return { runner, encodedJitConfig };
  }

  /** `POST …/actions/runners/registration-token` (or `remove-token` with `kind: 'remove'`): valid for 1 h. */
  createRunnerToken(scope: RunnerScope, kind: 'registration' | 'remove' = 'registration'): SimRunnerToken {
    const key = this.#requireScope(scope);
    const token: SimRunnerToken = {
      token: `A${this.#alnum(28).toUpperCase()}`,
      kind,
      scope: key,
      expiresAt: this.now() + (this.#options.runnerTokenTtlMs ?? HOUR),
    };
    this.#runnerTokens.set(token.token, token);
    if (kind === 'registration') this.counters.registrationTokens += 1;
    return token;
  }

  /** What `config.sh --token` does: registers a runner (persistent by default) and, by default, starts it. */
  registerRunner(input: RegisterRunnerInput): SimRunner {
    this.tick();
    const token = this.#runnerTokens.get(input.token);
    if (!token || token.kind !== 'registration' || token.expiresAt <= this.now()) {
      throw new SimError('The registration token is invalid or expired: create a new one.', { code: 'unauthorized' });
    }
    let groupId = 1;
    if (!token.scope.startsWith('repo:')) {
      const groups = this.#groups.get(token.scope) ?? [];
      const group = groups.find((g) => lower(g.name) === lower(input.runnerGroup ?? 'Default'));
      if (!group) throw new SimError(`Could not find any self-hosted runner group named "${input.runnerGroup}".`, { code: 'not-found' });
      groupId = group.id;
    }
    const existing = this.#runnerByName(token.scope, input.name);
    if (existing) {
      if (!input.replace) this.#requireUniqueName(token.scope, input.name);
      else if (existing.busy) throw new SimError(`Runner "${input.name}" is busy and cannot be replaced.`, { code: 'unprocessable' });
      else this.#removeRunner(existing);
    }
    const runner = this.#addRunner({
      name: input.name,
      scope: token.scope,
      groupId,
      labels: input.labels.length > 0 ? input.labels : ['self-hosted', 'Linux', 'X64'],
      ephemeral: input.ephemeral ?? false,
      registration: 'token',
      workFolder: '_work',
    });
    if (input.connect ?? true) this.#goOnline(runner);
    return runner;
  }

  /**
   * A runner process starts with its JIT config and comes online (idle). A config works once; an unknown, forged
   * or already used config is refused, as is a runner deleted meanwhile.
   */
  connectRunner(encodedJitConfig: string): SimRunner {
    this.tick();
    const decoded = decodeJitConfig(encodedJitConfig);
    const runner = this.#runners.get(decoded.runnerId);
    if (!runner || this.#jitSecrets.get(runner.id) !== decoded.secret) {
      throw new SimError(`Runner registration ${decoded.runnerName} does not exist (deleted or never created): it cannot connect.`, {
        code: 'not-found',
      });
    }
    if (runner.connectedAt !== undefined) {
      throw new SimError(`The JIT config of ${runner.name} was already used: JIT configs work once.`, { code: 'conflict' });
    }
    this.#goOnline(runner);
    return runner;
  }

  /** Starts a registered, offline persistent runner again (`run.sh`). */
  startRunner(runnerId: number): SimRunner {
    this.tick();
    const runner = this.#runners.get(runnerId);
    if (!runner) throw notFound();
    if (runner.registration === 'jit' && runner.connectedAt !== undefined && runner.status === 'offline') {
      throw new SimError(`JIT runner ${runner.name} cannot reconnect: JIT configs work once.`, { code: 'conflict' });
    }
    if (runner.status === 'offline') this.#goOnline(runner);
    return runner;
  }

  /**
   * The runner's machine went away (terminated, crashed, spot-interrupted): it goes offline. A job it was
   * running fails, as GitHub fails a job whose runner lost communication.
   */
  disconnectRunner(runnerId: number): SimRunner | undefined {
    this.tick();
    const runner = this.#runners.get(runnerId);
    if (!runner) return undefined;
    if (runner.status === 'offline') return runner;
    const jobId = runner.busy ? runner.jobId : undefined;
    this.#releaseAssignment(runner, true);
    runner.status = 'offline';
    runner.offlineSince = this.now();
    this.#idle.delete(runner.id);
    this.#scheduleOfflineRemoval(runner);
    if (jobId !== undefined) {
      const job = this.#jobs.get(jobId);
      if (job && job.status === 'in_progress') this.#finishJob(job, 'failure');
    }
    this.#dispatch();
    return runner;
  }

  /** Runners of a scope, by id; `name` filters by exact name (case-insensitive), as GitHub's `name` parameter. */
  listRunners(scope: RunnerScope, filter: { readonly name?: string } = {}): readonly SimRunner[] {
    this.tick();
    const key = this.#requireScope(scope);
    const result: SimRunner[] = [];
    for (const runner of this.#runners.values()) {
      if (runner.scope !== key) continue;
      if (filter.name !== undefined && lower(runner.name) !== lower(filter.name)) continue;
      result.push(runner);
    }
    return result;
  }

  /** A runner of a scope; 404 when it does not exist there. */
  getRunner(scope: RunnerScope, runnerId: number): SimRunner {
    this.tick();
    const key = this.#requireScope(scope);
    const runner = this.#runners.get(runnerId);
    if (!runner || runner.scope !== key) throw notFound();
    return runner;
  }

  /** A runner by id, in any scope. */
  runner(runnerId: number): SimRunner | undefined {
    return this.#runners.get(runnerId);
  }

  /** All runners, by id. */
  allRunners(): readonly SimRunner[] {
    return [...this.#runners.values()];
  }

  /** `DELETE …/actions/runners/{id}`: 404 when unknown, 422 while it runs a job (as GitHub answers). */
  deleteRunner(scope: RunnerScope, runnerId: number): void {
    const runner = this.getRunner(scope, runnerId);
    if (runner.busy) {
      throw new SimError(`Bad request - Runner "${runner.name}" is still running a job"`, { code: 'unprocessable' });
    }
    this.#removeRunner(runner);
    this.#dispatch();
  }

  /** The stable id GitHub gives a label name (case-insensitive). */
  labelId(name: string): number {
    const key = lower(name);
    let id = this.#labelIds.get(key);
    if (id === undefined) {
      this.#ids.label += 1;
      id = this.#ids.label;
      this.#labelIds.set(key, id);
    }
    return id;
  }

  // ------------------------------------------------------------------------------------------------------
  // Jobs.

  /** Queues a job (a `queued` webhook, or `waiting` with an environment) and routes it if a runner can take it. */
  queueJob(input: QueueJobInput): SimJob {
    this.tick();
    const ref = repoRefOf(input.repo);
    const repo = this.repo(ref);
    if (!repo) throw new SimError(`Repository ${ref.owner}/${ref.repo} does not exist: create it first.`, { code: 'not-found' });
    if (!Array.isArray(input.labels) || input.labels.length === 0) {
      throw new SimError('A job needs at least one runs-on label.', { code: 'invalid-input' });
    }
    this.#ids.job += 1;
    let runId = input.runId;
    if (runId === undefined) {
      this.#ids.run += 1;
      runId = this.#ids.run;
    }
    const now = this.now();
    const job: SimJob = {
      id: this.#ids.job,
      runId,
      runAttempt: 1,
      repoId: repo.id,
      name: input.name ?? 'build',
      workflowName: input.workflowName ?? 'CI',
      headBranch: input.headBranch ?? 'main',
      headSha: input.headSha ?? this.#rng.hex(20),
      labels: [...input.labels],
      status: input.environment === undefined ? 'queued' : 'waiting',
      environment: input.environment,
      createdAt: now,
      durationMs: input.durationMs,
      plannedConclusion: input.conclusion ?? 'success',
      sender: input.sender ?? repo.owner,
    };
    this.#jobs.set(job.id, job);
    this.counters.jobsQueued += 1;
    if (job.status === 'waiting') {
      this.#emit(job, 'waiting');
    } else {
      this.#enqueue(job);
      this.#emit(job, 'queued');
      this.#dispatch();
    }
    return job;
  }

  /** Approves a `waiting` job's environment: it becomes `queued`. */
  approveJob(jobId: number): SimJob {
    this.tick();
    const job = this.#jobs.get(jobId);
    if (!job) throw notFound();
    if (job.status !== 'waiting') throw new SimError(`Job ${jobId} is ${job.status}, not waiting for approval.`, { code: 'conflict' });
    job.status = 'queued';
    this.#enqueue(job);
    this.#emit(job, 'queued');
    this.#dispatch();
    return job;
  }

  /** Finishes an `in_progress` job; its runner is removed (ephemeral) or becomes idle again (persistent). */
  completeJob(jobId: number, conclusion: 'success' | 'failure' | 'cancelled' = 'success'): SimJob {
    this.tick();
    const job = this.#jobs.get(jobId);
    if (!job) throw notFound();
    if (conclusion === 'cancelled') return this.cancelJob(jobId);
    if (job.status !== 'in_progress') {
      throw new SimError(`Job ${jobId} is ${job.status}: only an in_progress job can complete.`, { code: 'conflict' });
    }
    this.#finishJob(job, conclusion);
    this.#dispatch();
    return job;
  }

  /** Cancels a job: `completed` with conclusion `cancelled`, freeing its runner if it had one. Idempotent. */
  cancelJob(jobId: number): SimJob {
    this.tick();
    const job = this.#jobs.get(jobId);
    if (!job) throw notFound();
    if (job.status === 'completed') return job;
    this.counters.jobsCancelled += 1;
    this.#finishJob(job, 'cancelled');
    this.#dispatch();
    return job;
  }

  /** `POST /repos/{o}/{r}/actions/jobs/{id}/rerun`: a completed job runs again as a new job (next attempt). */
  rerunJob(ref: string | RepositoryRef, jobId: number): SimJob {
    const previous = this.getJob(ref, jobId);
    if (previous.status !== 'completed') {
      throw new SimError('This job is not complete yet and cannot be re-run.', { code: 'forbidden' });
    }
    this.#ids.job += 1;
    const job: SimJob = {
      ...previous,
      id: this.#ids.job,
      runAttempt: previous.runAttempt + 1,
      status: 'queued',
      conclusion: undefined,
      createdAt: this.now(),
      queuedAt: undefined,
      startedAt: undefined,
      completedAt: undefined,
      runnerId: undefined,
      runnerName: undefined,
      runnerGroupId: undefined,
      runnerGroupName: undefined,
    };
    this.#jobs.set(job.id, job);
    this.counters.jobsQueued += 1;
    this.#enqueue(job);
    this.#emit(job, 'queued');
    this.#dispatch();
    return job;
  }

  /** A job of a repository; 404 when it does not exist there. */
  getJob(ref: string | RepositoryRef, jobId: number): SimJob {
    this.tick();
    const repo = this.repo(ref);
    const job = this.#jobs.get(jobId);
    if (!repo || !job || job.repoId !== repo.id) throw notFound();
    return job;
  }

  /** A job by id. */
  job(jobId: number): SimJob | undefined {
    return this.#jobs.get(jobId);
  }

  /** All jobs, oldest first. */
  allJobs(): readonly SimJob[] {
    return [...this.#jobs.values()];
  }

  /** Jobs waiting in the queue, oldest first. */
  queuedJobs(): readonly SimJob[] {
    return [...this.#queue.values()];
  }

  // ------------------------------------------------------------------------------------------------------
  // Time.

  /** When the next timed transition is due (a job finishing, a queue timeout, an offline runner removal). */
  nextDeadline(): number | undefined {
    return this.#timers.peek()?.at;
  }

  /** Applies every timed transition due by now, each at its own due time. Returns how many applied. */
  tick(): number {
    if (this.#ticking) return 0;
    this.#ticking = true;
    let applied = 0;
    try {
      const now = this.clock.now();
      for (let timer = this.#timers.peek(); timer && timer.at <= now; timer = this.#timers.peek()) {
        this.#timers.pop();
        this.#cursor = timer.at;
        if (this.#apply(timer)) applied += 1;
      }
    } finally {
      this.#cursor = undefined;
      this.#ticking = false;
    }
    return applied;
  }

  // ------------------------------------------------------------------------------------------------------
  // Webhooks and the deliveries log.

  /** Subscribes to webhook attempts (new events and redeliveries). Returns the unsubscribe function. */
  onWebhook(listener: (attempt: WebhookAttempt) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Every event emitted, oldest first. */
  webhookEvents(): readonly WebhookEvent[] {
    return [...this.#events.values()];
  }

  /** The exact JSON body of an event, built from the job as it was then (the same on every redelivery). */
  webhookBody(event: WebhookEvent): string {
    const job = event.job;
    const repo = this.#reposById.get(job.repoId);
    const owner = repo ? this.#accounts.get(lower(repo.owner)) : undefined;
    if (!repo || !owner) return JSON.stringify({ action: event.action });
    const sender = this.#accounts.get(lower(job.sender)) ?? owner;
    const payload: Record<string, unknown> = {
      action: event.action,
      workflow_job: jobJson(this.urls, job as SimJob, repo),
      repository: repositoryJson(this.urls, repo, owner, job.createdAt),
    };
    if (owner.type === 'Organization') payload.organization = organizationJson(this.urls, owner);
    payload.sender = userJson(this.urls, sender);
    payload.installation = { id: event.installationId, node_id: nodeId('MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9u', event.installationId) };
    return JSON.stringify(payload);
  }

  /** The headers GitHub sends with an event body (signed with the current secret). */
  webhookHeaders(event: WebhookEvent, body: string = this.webhookBody(event)): Record<string, string> {
    const headers: Record<string, string> = {
      accept: '*/*',
      'content-type': 'application/json',
      'user-agent': 'GitHub-Hookshot/ghrsim1',
      'x-github-delivery': event.guid,
      'x-github-event': event.event,
      'x-github-hook-id': String(this.app.hookId),
      'x-github-hook-installation-target-id': String(this.app.id),
      'x-github-hook-installation-target-type': 'integration',
    };
    if (this.#webhookSecret !== undefined) {
      headers['x-hub-signature'] = signWebhookSha1(this.#webhookSecret, body);
      headers['x-hub-signature-256'] = signWebhook(this.#webhookSecret, body);
    }
    return headers;
  }

  /** An attempt to deliver `event`; its body and headers are built on first read. */
  attemptOf(event: WebhookEvent, redelivery: boolean): WebhookAttempt {
    let body: string | undefined;
    let headers: Record<string, string> | undefined;
    const buildBody = (): string => (body ??= this.webhookBody(event));
    const buildHeaders = (): Record<string, string> => (headers ??= this.webhookHeaders(event, buildBody()));
    return {
      event,
      redelivery,
      get body() {
        return buildBody();
      },
      get headers() {
        return buildHeaders();
      },
    };
  }

  /** Records the outcome of an attempt in the deliveries log, as GitHub does for every attempt. */
  recordDelivery(attempt: WebhookAttempt, outcome: DeliveryOutcome): SimDelivery {
    this.#ids.delivery += 1;
    const ok = outcome.statusCode >= 200 && outcome.statusCode < 300;
    const delivery: SimDelivery = {
      id: this.#ids.delivery,
      guid: attempt.event.guid,
      deliveredAt: this.now(),
      redelivery: attempt.redelivery,
      durationMs: outcome.durationMs,
      status: outcome.status ?? (ok ? 'OK' : outcome.statusCode === 0 ? 'timed out' : `Invalid HTTP Response: ${outcome.statusCode}`),
      statusCode: outcome.statusCode,
      event: attempt.event.event,
      action: attempt.event.action,
      installationId: attempt.event.installationId,
      repositoryId: attempt.event.repositoryId,
      responseHeaders: outcome.responseHeaders ?? NO_HEADERS,
      responseBody: outcome.responseBody ?? '',
    };
    this.#deliveries.push(delivery);
    return delivery;
  }

  /**
   * `GET /app/hook/deliveries`: the log, newest first, `perPage` (≤ 100) at a time from `cursor`; `status`
   * keeps only `success` (2xx) or `failure` deliveries. Deliveries past the retention period are gone.
   */
  listDeliveries(options: { readonly perPage?: number; readonly cursor?: string; readonly status?: 'success' | 'failure' } = {}): DeliveriesPage {
    this.#pruneDeliveries();
    const perPage = Math.min(100, Math.max(1, options.perPage ?? 30));
    let before = Number.POSITIVE_INFINITY;
    if (options.cursor !== undefined) {
      const match = /^v1_(\d+)$/.exec(options.cursor);
      if (!match) throw new SimError('Invalid cursor.', { code: 'invalid-input' });
      before = Number(match[1]);
    }
    const result: SimDelivery[] = [];
    let more = false;
    for (let i = this.#deliveries.length - 1; i >= 0; i -= 1) {
      const d = this.#deliveries[i] as SimDelivery;
      if (d.id >= before) continue;
      const ok = d.statusCode >= 200 && d.statusCode < 300;
      if (options.status === 'success' && !ok) continue;
      if (options.status === 'failure' && ok) continue;
      if (result.length === perPage) {
        more = true;
        break;
      }
      result.push(d);
    }
    const last = result[result.length - 1];
    return more && last ? { deliveries: result, nextCursor: `v1_${last.id}` } : { deliveries: result };
  }

  /** `GET /app/hook/deliveries/{id}`; 404 when unknown or expired. */
  getDelivery(deliveryId: number): SimDelivery {
    this.#pruneDeliveries();
    const delivery = this.#deliveries.find((d) => d.id === deliveryId);
    if (!delivery) throw notFound();
    return delivery;
  }

  /** `POST /app/hook/deliveries/{id}/attempts`: sends the same event again (same GUID and body), flagged redelivery. */
  redeliver(deliveryId: number): WebhookAttempt {
    const delivery = this.getDelivery(deliveryId);
    const event = this.#events.get(delivery.guid);
    if (!event) throw notFound();
    this.counters.redeliveries += 1;
    const attempt = this.attemptOf(event, true);
    for (const listener of [...this.#listeners]) listener(attempt);
    return attempt;
  }

  /** The request GitHub sent for a delivery (`GET /app/hook/deliveries/{id}` shows it). */
  deliveryRequest(delivery: SimDelivery): { readonly headers: Record<string, string>; readonly body: string } {
    const event = this.#events.get(delivery.guid);
    if (!event) return { headers: {}, body: '{}' };
    const body = this.webhookBody(event);
    return { headers: this.webhookHeaders(event, body), body };
  }

  /** All deliveries in the log, oldest first. */
  allDeliveries(): readonly SimDelivery[] {
    this.#pruneDeliveries();
    return [...this.#deliveries];
  }

  /** A summary for dashboards and the control API. */
  summary(): Record<string, unknown> {
    const runners = [...this.#runners.values()];
    const jobs = [...this.#jobs.values()];
    const count = <T>(items: readonly T[], pick: (item: T) => string): Record<string, number> => {
      const out: Record<string, number> = {};
      for (const item of items) out[pick(item)] = (out[pick(item)] ?? 0) + 1;
      return out;
    };
    return {
      time: this.now(),
      accounts: this.#accounts.size,
      repositories: this.#repos.size,
      installations: this.#installations.size,
      runners: count(runners, (r) => (r.status === 'offline' ? 'offline' : r.busy ? 'busy' : 'idle')),
      jobs: count(jobs, (j) => j.status),
      deliveries: this.#deliveries.length,
      counters: { ...this.counters },
    };
  }

  // ------------------------------------------------------------------------------------------------------
  // Internals.

  #alnum(length: number): string {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
    let out = '';
    for (let i = 0; i < length; i += 1) out += alphabet[this.#rng.int(alphabet.length)];
    return out;
  }

  #createAccount(login: string, type: 'Organization' | 'User', enterprise?: string): SimAccount {
    if (!/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/.test(login)) {
      throw new SimError(`"${login}" is not a valid GitHub login.`, { code: 'invalid-input' });
    }
    if (this.#accounts.has(lower(login))) throw new SimError(`Account ${login} already exists.`, { code: 'conflict' });
    this.#ids.account += 1;
    const account: SimAccount = {
      id: this.#ids.account,
      login,
      type,
      nodeId: nodeId(type === 'Organization' ? 'O_' : 'U_', this.#ids.account),
      enterprise,
      createdAt: this.now(),
    };
    this.#accounts.set(lower(login), account);
    return account;
  }

  #defaultGroup(scope: ScopeKey): SimRunnerGroup {
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

  #groupById(id: number): SimRunnerGroup | undefined {
    for (const groups of this.#groups.values()) {
      const group = groups.find((g) => g.id === id && !g.isDefault);
      if (group) return group;
    }
    return undefined;
  }

  #groupOf(runner: SimRunner): SimRunnerGroup | undefined {
    return (this.#groups.get(runner.scope) ?? []).find((g) => g.id === runner.groupId);
  }

  #groupAllowsOrg(group: SimRunnerGroup, org: string): boolean {
    return group.visibility !== 'selected' || group.selectedOrganizations.includes(lower(org));
  }

  #installationOf(login: string): SimInstallation | undefined {
    for (const installation of this.#installations.values()) {
      if (lower(installation.account) === lower(login)) return installation;
    }
    return undefined;
  }

  #covers(installation: SimInstallation, repo: SimRepo): boolean {
    if (lower(installation.account) !== lower(repo.owner)) return false;
    return installation.repositorySelection === 'all' || installation.repositoryIds.includes(repo.id);
  }

  #installationCovering(repo: SimRepo): SimInstallation | undefined {
    const installation = this.#installationOf(repo.owner);
    return installation && this.#covers(installation, repo) ? installation : undefined;
  }

  #requireScope(scope: RunnerScope): ScopeKey {
    const key = scopeKeyOf(scope);
    const exists =
      scope.kind === 'repo'
        ? this.#repos.has(lower(`${scope.owner}/${scope.repo}`))
        : scope.kind === 'org'
          ? this.#accounts.get(lower(scope.org))?.type === 'Organization'
          : this.#enterprises.has(lower(scope.enterprise));
    if (!exists) throw notFound();
    return key;
  }

  #runnerByName(scope: ScopeKey, name: string): SimRunner | undefined {
    const id = this.#runnerNames.get(`${scope}\u0000${lower(name)}`);
    return id === undefined ? undefined : this.#runners.get(id);
  }

  #requireUniqueName(scope: ScopeKey, name: string): void {
    if (this.#runnerByName(scope, name)) {
      throw new SimError(`Already exists - A runner with the name ${name} already exists.`, { code: 'conflict' });
    }
  }

  #addRunner(input: Pick<SimRunner, 'name' | 'scope' | 'groupId' | 'labels' | 'ephemeral' | 'registration' | 'workFolder'>): SimRunner {
    this.#ids.runner += 1;
    const runner: SimRunner = {
      ...input,
      labels: [...input.labels],
      id: this.#ids.runner,
      status: 'offline',
      busy: false,
      offlineSince: this.now(),
      createdAt: this.now(),
    };
    this.#runners.set(runner.id, runner);
    this.#runnerNames.set(`${runner.scope}\u0000${lower(runner.name)}`, runner.id);
    this.#runnerLabels.set(runner.id, new Set(runner.labels.map(lower)));
    for (const label of runner.labels) this.labelId(label);
    this.counters.runnersRegistered += 1;
    this.#scheduleOfflineRemoval(runner);
    return runner;
  }

  #goOnline(runner: SimRunner): void {
    const now = this.now();
    runner.status = 'online';
    runner.busy = false;
    runner.connectedAt ??= now;
    runner.offlineSince = undefined;
    runner.idleSince = now;
    runner.version = this.#options.runnerVersion ?? '2.330.0';
    this.#idle.add(runner.id);
    this.counters.runnersConnected += 1;
    this.#dispatch();
  }

  #removeRunner(runner: SimRunner): void {
    this.#releaseAssignment(runner, true);
    this.#runners.delete(runner.id);
    this.#runnerNames.delete(`${runner.scope}\u0000${lower(runner.name)}`);
    this.#runnerLabels.delete(runner.id);
    this.#jitSecrets.delete(runner.id);
    this.#idle.delete(runner.id);
    this.counters.runnersRemoved += 1;
  }

  #scheduleOfflineRemoval(runner: SimRunner): void {
    if (runner.offlineSince === undefined) return;
    const ttl = runner.ephemeral
      ? (this.#options.ephemeralOfflineRemovalMs ?? DAY)
      : (this.#options.persistentOfflineRemovalMs ?? 14 * DAY);
    this.#schedule('remove-offline-runner', runner.id, runner.offlineSince + ttl, runner.offlineSince);
  }

  #schedule(kind: Timer['kind'], id: number, at: number, stamp: number): void {
    this.#ids.timer += 1;
    this.#timers.push({ kind, id, at, stamp, seq: this.#ids.timer });
  }

  #apply(timer: Timer): boolean {
    switch (timer.kind) {
      case 'start-job': {
        const job = this.#jobs.get(timer.id);
        if (!job || job.status !== 'queued' || job.assignedRunnerId !== timer.stamp) return false;
        const runner = this.#runners.get(timer.stamp);
        if (runner && runner.status === 'online' && runner.assignedJobId === job.id) this.#start(job, runner);
        else this.#requeue(job);
        this.#dispatch();
        return true;
      }
      case 'complete-job': {
        const job = this.#jobs.get(timer.id);
        if (!job || job.status !== 'in_progress' || job.startedAt !== timer.stamp) return false;
        this.#finishJob(job, job.plannedConclusion);
        this.#dispatch();
        return true;
      }
      case 'queue-timeout': {
        const job = this.#jobs.get(timer.id);
        if (!job || job.status !== 'queued' || job.queuedAt !== timer.stamp) return false;
        this.counters.jobsTimedOut += 1;
        this.#finishJob(job, 'failure');
        this.#dispatch();
        return true;
      }
      case 'remove-offline-runner': {
        const runner = this.#runners.get(timer.id);
        if (!runner || runner.status !== 'offline' || runner.offlineSince !== timer.stamp) return false;
        this.#removeRunner(runner);
        return true;
      }
    }
  }

  #enqueue(job: SimJob): void {
    job.queuedAt = this.now();
    this.#queue.set(job.id, job);
    this.#schedule('queue-timeout', job.id, job.queuedAt + (this.#options.queueTimeoutMs ?? DAY), job.queuedAt);
  }

  #finishJob(job: SimJob, conclusion: 'success' | 'failure' | 'cancelled'): void {
    const now = this.now();
    this.#queue.delete(job.id);
    const assigned = job.assignedRunnerId === undefined ? undefined : this.#runners.get(job.assignedRunnerId);
    job.assignedRunnerId = undefined;
    if (assigned && assigned.assignedJobId === job.id) {
      assigned.assignedJobId = undefined;
      if (assigned.status === 'online') {
        assigned.idleSince = now;
        this.#idle.add(assigned.id);
      }
    }
    job.status = 'completed';
    job.conclusion = conclusion;
    job.completedAt = now;
    job.startedAt ??= job.queuedAt ?? job.createdAt;
    this.counters.jobsCompleted += 1;
    const runner = job.runnerId === undefined ? undefined : this.#runners.get(job.runnerId);
    if (runner && runner.jobId === job.id && runner.busy) {
      runner.busy = false;
      if (runner.status === 'offline') {
        // Its machine went away mid-job: the registration stays, offline, until removed or deleted.
      } else if (runner.ephemeral) {
        this.#removeRunner(runner);
      } else {
        runner.idleSince = now;
        this.#idle.add(runner.id);
      }
    }
    this.#emit(job, 'completed');
  }

  /** Routes queued jobs, oldest first, to the best idle online runner that may take each. */
  #dispatch(): void {
    if (this.#idle.size === 0 || this.#queue.size === 0) return;
    const unmatched = new Set<string>();
    for (const job of [...this.#queue.values()]) {
      if (this.#idle.size === 0) return;
      const signature = `${job.repoId}\u0000${job.labels.map(lower).sort().join('\u0000')}`;
      if (unmatched.has(signature)) continue;
      const runner = this.#bestRunnerFor(job);
      if (!runner) {
        unmatched.add(signature);
        continue;
      }
      this.#assign(job, runner);
    }
  }

  #bestRunnerFor(job: SimJob): SimRunner | undefined {
    const repo = this.#reposById.get(job.repoId);
    if (!repo) return undefined;
    const owner = this.#accounts.get(lower(repo.owner));
    const repoKey = `repo:${lower(repo.fullName)}`;
    const orgKey = `org:${lower(repo.owner)}`;
    const enterpriseKey = owner?.enterprise ? `enterprise:${lower(owner.enterprise)}` : undefined;
    const wanted = job.labels.map(lower);
    let best: SimRunner | undefined;
    let bestRank = Number.POSITIVE_INFINITY;
    for (const id of this.#idle) {
      const runner = this.#runners.get(id);
      if (!runner) continue;
      const rank = runner.scope === repoKey ? 0 : runner.scope === orgKey ? 1 : runner.scope === enterpriseKey ? 2 : -1;
      if (rank < 0 || rank > bestRank) continue;
      const labels = this.#runnerLabels.get(id);
      if (!labels || !wanted.every((l) => labels.has(l))) continue;
      if (rank > 0 && !this.#groupAllows(runner, repo)) continue;
      if (
        !best ||
        rank < bestRank ||
        (runner.idleSince ?? 0) < (best.idleSince ?? 0) ||
        ((runner.idleSince ?? 0) === (best.idleSince ?? 0) && runner.id < best.id)
      ) {
        best = runner;
        bestRank = rank;
      }
    }
    return best;
  }

  #groupAllows(runner: SimRunner, repo: SimRepo): boolean {
    const group = this.#groupOf(runner);
    if (!group) return false;
    if (!repo.private && !group.allowsPublicRepositories) return false;
    if (group.visibility === 'private' && !repo.private) return false;
    if (runner.scope.startsWith('org:')) {
      return group.visibility !== 'selected' || group.selectedRepositories.includes(lower(repo.fullName));
    }
    return this.#groupAllowsOrg(group, repo.owner);
  }

  #assign(job: SimJob, runner: SimRunner): void {
    this.#queue.delete(job.id);
    this.#idle.delete(runner.id);
    runner.idleSince = undefined;
    const delay = this.#options.pickupDelayMs ?? 0;
    if (delay <= 0) {
      this.#start(job, runner);
      return;
    }
    runner.assignedJobId = job.id;
    job.assignedRunnerId = runner.id;
    this.#schedule('start-job', job.id, this.now() + delay, runner.id);
  }

  /** The runner picks the job up: `in_progress`. */
  #start(job: SimJob, runner: SimRunner): void {
    const now = this.now();
    runner.assignedJobId = undefined;
    job.assignedRunnerId = undefined;
    runner.busy = true;
    runner.jobId = job.id;
    runner.idleSince = undefined;
    const group = this.#groupOf(runner);
    job.status = 'in_progress';
    job.startedAt = now;
    job.runnerId = runner.id;
    job.runnerName = runner.name;
    job.runnerGroupId = runner.groupId;
    job.runnerGroupName = group?.name ?? 'Default';
    this.counters.jobsStarted += 1;
    if (job.durationMs !== undefined) this.#schedule('complete-job', job.id, now + job.durationMs, now);
    this.#emit(job, 'in_progress');
  }

  /** A job whose assigned runner went away before picking it up waits again, in its original place. */
  #requeue(job: SimJob): void {
    job.assignedRunnerId = undefined;
    this.counters.jobsRequeued += 1;
    const entries = [...this.#queue.values(), job].sort((a, b) => (a.queuedAt ?? 0) - (b.queuedAt ?? 0) || a.id - b.id);
    this.#queue.clear();
    for (const queued of entries) this.#queue.set(queued.id, queued);
  }

  /** Frees a runner's pending assignment (runner going away, or job cancelled). */
  #releaseAssignment(runner: SimRunner, requeue: boolean): void {
    const jobId = runner.assignedJobId;
    if (jobId === undefined) return;
    runner.assignedJobId = undefined;
    const job = this.#jobs.get(jobId);
    if (job && job.assignedRunnerId === runner.id && requeue) this.#requeue(job);
  }

  #emit(job: SimJob, action: 'queued' | 'waiting' | 'in_progress' | 'completed'): void {
    const repo = this.#reposById.get(job.repoId);
    if (!repo) return;
    const installation = this.#installationCovering(repo);
    if (!installation) {
      this.counters.webhooksSkippedNoInstallation += 1;
      return;
    }
    const event: WebhookEvent = {
      guid: this.#rng.uuid(),
      event: 'workflow_job',
      action,
      installationId: installation.id,
      repositoryId: repo.id,
      jobId: job.id,
      job: { ...job },
      createdAt: this.now(),
    };
    this.#events.set(event.guid, event);
    this.counters.webhooksEmitted += 1;
    const attempt = this.attemptOf(event, false);
    for (const listener of [...this.#listeners]) listener(attempt);
  }

  #pruneDeliveries(): void {
    const horizon = this.now() - (this.#options.deliveryRetentionMs ?? 3 * DAY);
    let drop = 0;
    while (drop < this.#deliveries.length && (this.#deliveries[drop] as SimDelivery).deliveredAt < horizon) drop += 1;
    if (drop > 0) this.#deliveries.splice(0, drop);
    for (const [guid, event] of this.#events) {
      if (event.createdAt >= horizon) break;
      this.#events.delete(guid);
    }
  }
}
