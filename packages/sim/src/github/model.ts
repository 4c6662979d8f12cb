// The model of GitHub Actions that ghr talks to, behind one facade: tenancy (accounts, repositories, installations,
// runner groups), access (tokens), runners, scheduling (routing and the runner–job lifecycle), jobs and runs,
// deliveries (webhooks and their log) and rate limits, each in its own file. Pure and clock-driven: no timers, no
// I/O. A driver (the HTTP server in real time, the simulator in virtual time) calls its methods and `tick()` when
// `nextDeadline()` comes, and hands the webhook attempts it emits to a receiver.
import type { RepositoryRef, RunnerScope } from '@ghr/core';
import type { SimClock } from '../clock.js';
import { createRng } from '../random.js';
import { Access } from './access.js';
import type { GitHubModelBehaviour } from './behaviour.js';
import { Deliveries } from './deliveries.js';
import type { Timer } from './heap.js';
import { Jobs } from './jobs.js';
import type {
  CreateRunnerGroupInput,
  DeliveriesPage,
  GitHubModelOptions,
  ModelCounters,
  QueueJobInput,
  QueueRunInput,
  RegisterRunnerInput,
} from './options.js';
import type { PayloadUrls } from './payloads.js';
import { RateLimiter } from './rate-limits.js';
import { RunnerView } from './runner-view.js';
import { Runners } from './runners.js';
import { Scheduling } from './scheduling.js';
import { ModelState } from './state.js';
import { Tenancy } from './tenancy.js';
import type {
  DeliveryOutcome,
  RunnerExit,
  SimAccount,
  SimDelivery,
  SimEnterprise,
  SimInstallation,
  SimJob,
  SimPrincipal,
  SimRepo,
  SimRun,
  SimRunner,
  SimRunnerGroup,
  SimRunnerToken,
  WebhookAttempt,
  WebhookEvent,
} from './types.js';

export { scopeKeyOf } from './state.js';
export type {
  CreateRunnerGroupInput,
  DeliveriesPage,
  GitHubModelOptions,
  ModelCounters,
  QueueJobInput,
  QueueRunInput,
  RegisterRunnerInput,
  RunJobInput,
} from './options.js';

type OrgOrEnterprise = { readonly kind: 'org'; readonly org: string } | { readonly kind: 'enterprise'; readonly enterprise: string };

/**
 * A faithful, clock-driven model of GitHub Actions scheduling as ghr uses it. With `behaviour` (see
 * `PRODUCTION_GITHUB_BEHAVIOUR`) it is as unkind as GitHub: job leases, a lagging `busy`, missed pickups, random
 * routing, server-side removals, lost, late and repeated events, re-run refusals and rate-limit shapes.
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
  /** The behaviour knobs in force (empty: the exact model). */
  readonly behaviour: GitHubModelBehaviour;

  readonly #s: ModelState;
  readonly #view: RunnerView;
  readonly #tenancy: Tenancy;
  readonly #access: Access;
  readonly #deliveries: Deliveries;
  readonly #scheduling: Scheduling;
  readonly #runners: Runners;
  readonly #jobs: Jobs;
  #ticking = false;

  constructor(options: GitHubModelOptions = {}) {
    const s = new ModelState(options);
    this.#s = s;
    this.clock = s.clock;
    this.behaviour = s.behaviour;
    this.rateLimits = new RateLimiter(this.clock, { ...s.behaviour.rateLimits, ...options.rateLimits });
    const appId = options.appId ?? 1;
    this.app = {
      id: appId,
      slug: options.appSlug ?? 'ghr-runners',
      clientId: options.clientId ?? `Iv23li${createRng(appId).hex(7)}`,
      hookId: options.hookId ?? 1,
    };
    this.#view = new RunnerView(s);
    this.#tenancy = new Tenancy(s, () => this.#scheduling.dispatch());
    this.#access = new Access(s, this.#tenancy);
    this.#deliveries = new Deliveries(s, this.#tenancy, this.app);
    this.#scheduling = new Scheduling(s, this.#tenancy, this.#deliveries, this.#view);
    this.#runners = new Runners(s, this.#tenancy, this.#scheduling, this.#view);
    this.#jobs = new Jobs(s, this.#tenancy, this.#scheduling, this.#deliveries);
  }

  /** Counters of what happened in the model. */
  get counters(): ModelCounters {
    return this.#s.counters;
  }

  /** Base URLs inside payloads (the HTTP server points them at itself). */
  get urls(): PayloadUrls {
    return this.#s.urls;
  }

  set urls(urls: PayloadUrls) {
    this.#s.urls = urls;
  }

  /** The current model time: during `tick()`, the due time of the event being applied. */
  now(): number {
    return this.#s.now();
  }

  /** Forgets all state (accounts, runners, jobs, deliveries, tokens, rate limits, counters); keeps listeners. */
  reset(): void {
    this.#s.reset();
    this.#view.reset();
    this.rateLimits.reset();
  }

  /** Sets the secret that signs webhooks from now on. */
  setWebhookSecret(secret: string | undefined): void {
    this.#s.webhookSecret = secret;
  }

  // --- Tenancy -------------------------------------------------------------------------------------------

  /** Creates an enterprise with its `Default` runner group. */
  createEnterprise(input: { readonly slug: string; readonly name?: string }): SimEnterprise {
    return this.#tenancy.createEnterprise(input);
  }

  /** Creates an organization (optionally in an enterprise) with its `Default` runner group. */
  createOrg(input: { readonly login: string; readonly enterprise?: string }): SimAccount {
    return this.#tenancy.createOrg(input);
  }

  /** Creates a user account. */
  createUser(input: { readonly login: string }): SimAccount {
    return this.#tenancy.createUser(input);
  }

  /** Creates a repository; its owner is created as an organization if it does not exist. Private by default. */
  createRepo(input: { readonly owner: string; readonly name: string; readonly private?: boolean }): SimRepo {
    return this.#tenancy.createRepo(input);
  }

  /** Installs the App on an account, for all its repositories or selected ones (`owner/repo` or names). */
  createInstallation(input: {
    readonly account: string;
    readonly repositorySelection?: 'all' | 'selected';
    readonly repositories?: readonly string[];
  }): SimInstallation {
    return this.#tenancy.createInstallation(input);
  }

  /** Removes an installation (the App uninstalled): its tokens stop working. */
  deleteInstallation(installationId: number): void {
    this.#tenancy.deleteInstallation(installationId);
  }

  /** Creates a runner group in an organization or an enterprise. */
  createRunnerGroup(scope: OrgOrEnterprise, input: CreateRunnerGroupInput): SimRunnerGroup {
    return this.#tenancy.createRunnerGroup(scope, input);
  }

  /** Runner groups of an organization (its own first, then those it inherits from its enterprise) or enterprise. */
  listRunnerGroups(scope: OrgOrEnterprise): { readonly own: readonly SimRunnerGroup[]; readonly inherited: readonly SimRunnerGroup[] } {
    return this.#tenancy.listRunnerGroups(scope);
  }

  /** Updates a runner group's access settings. */
  updateRunnerGroup(groupId: number, patch: Partial<CreateRunnerGroupInput>): SimRunnerGroup {
    return this.#tenancy.updateRunnerGroup(groupId, patch);
  }

  /** An account by login (case-insensitive). */
  account(login: string): SimAccount | undefined {
    return this.#tenancy.account(login);
  }

  /** An enterprise by slug. */
  enterprise(slug: string): SimEnterprise | undefined {
    return this.#tenancy.enterprise(slug);
  }

  /** A repository by `owner/repo` or reference. */
  repo(ref: string | RepositoryRef): SimRepo | undefined {
    return this.#tenancy.repo(ref);
  }

  /** A repository by id. */
  repoById(id: number): SimRepo | undefined {
    return this.#tenancy.repoById(id);
  }

  /** All installations, oldest first. */
  listInstallations(): readonly SimInstallation[] {
    return this.#tenancy.listInstallations();
  }

  /** An installation by id. */
  installation(id: number): SimInstallation | undefined {
    return this.#tenancy.installation(id);
  }

  /** The installation on an organization or user (`GET /orgs/{org}/installation`); 404 when not installed. */
  installationForAccount(login: string): SimInstallation {
    return this.#tenancy.installationForAccount(login);
  }

  /** The installation that covers a repository (`GET /repos/{o}/{r}/installation`); 404 when none. */
  installationForRepo(ref: string | RepositoryRef): SimInstallation {
    return this.#tenancy.installationForRepo(ref);
  }

  // --- Access --------------------------------------------------------------------------------------------

  /** Mints an installation access token (1 h by default). Counted per installation. */
  mintInstallationToken(installationId: number): { readonly token: string; readonly expiresAt: number; readonly installation: SimInstallation } {
    return this.#access.mintInstallationToken(installationId);
  }

  /** Creates a personal access token (classic) for enterprise endpoints; `enterprises` limits it (default all). */
  createPersonalToken(input: { readonly login?: string; readonly enterprises?: readonly string[] } = {}): string {
    return this.#access.createPersonalToken(input);
  }

  /** Who a token belongs to; undefined for an unknown or expired token. */
  authenticate(token: string): SimPrincipal | undefined {
    return this.#access.authenticate(token);
  }

  /** The rate-limit key of a principal: `app`, `installation:<id>`, `pat:<login>`, `anonymous`. */
  principalKey(principal: SimPrincipal): string {
    return this.#access.principalKey(principal);
  }

  /** Throws GitHub's answer (404, 403) when `principal` may not use runners of `scope` (or a repository's jobs). */
  authorize(principal: SimPrincipal, scope: RunnerScope): void {
    this.#access.authorize(principal, scope);
  }

  // --- Runners -------------------------------------------------------------------------------------------

  /** `POST …/actions/runners/generate-jitconfig`: an ephemeral runner (offline until it connects) and its config; 409 on a used name. */
  generateJitConfig(
    scope: RunnerScope,
    input: { readonly name: string; readonly runnerGroupId: number; readonly labels: readonly string[]; readonly workFolder?: string },
  ): { readonly runner: SimRunner; readonly encodedJitConfig: string } {
    this.tick();
    return this.#runners.generateJitConfig(scope, input);
  }

  /** `POST …/actions/runners/registration-token` (or `remove-token` with `kind: 'remove'`): valid for 1 h. */
  createRunnerToken(scope: RunnerScope, kind: 'registration' | 'remove' = 'registration'): SimRunnerToken {
    return this.#runners.createRunnerToken(scope, kind);
  }

  /** What `config.sh --token` does: registers a runner (persistent by default) and, by default, starts it. */
  registerRunner(input: RegisterRunnerInput): SimRunner {
    this.tick();
    return this.#runners.registerRunner(input);
  }

  /** A runner process starts with its JIT config and comes online (idle); a used, forged or void config is refused. */
  connectRunner(encodedJitConfig: string): SimRunner {
    this.tick();
    return this.#runners.connectRunner(encodedJitConfig);
  }

  /** Starts a registered, offline persistent runner again (`run.sh`). */
  startRunner(runnerId: number): SimRunner {
    this.tick();
    return this.#runners.startRunner(runnerId);
  }

  /**
   * The runner's machine (its process) went away: terminated, crashed, spot-interrupted. Without a job lease it
   * goes offline at once and a job it ran fails. With `behaviour.jobLease`, GitHub does not know yet: the runner
   * shows online and its job `in_progress` until the lease runs out, then the job fails (lost communication) and
   * the runner shows offline; meanwhile GitHub may route queued jobs to it (`assignToDeadRunners`).
   *
   * @example
   * ```ts
   * cloud.onTerminated((instance) => model.disconnectRunner(runnerIdOf(instance)));
   * ```
   */
  disconnectRunner(runnerId: number): SimRunner | undefined {
    this.tick();
    return this.#runners.disconnectRunner(runnerId);
  }

  /** Runners of a scope as the REST API lists them (with `behaviour.busyView`: cached, `busy` lagging). */
  listRunners(scope: RunnerScope, filter: { readonly name?: string } = {}): readonly SimRunner[] {
    this.tick();
    return this.#runners.listRunners(scope, filter);
  }

  /** A runner of a scope as the REST API shows it; 404 when it does not exist there. */
  getRunner(scope: RunnerScope, runnerId: number): SimRunner {
    this.tick();
    return this.#runners.getRunner(scope, runnerId);
  }

  /** A runner by id, in any scope, exactly as it is (not as the API shows it). */
  runner(runnerId: number): SimRunner | undefined {
    return this.#runners.runner(runnerId);
  }

  /** All runners, by id, exactly as they are. */
  allRunners(): readonly SimRunner[] {
    return this.#runners.allRunners();
  }

  /** `DELETE …/actions/runners/{id}`: 404 when unknown, 422 while it runs a job (as GitHub answers). */
  deleteRunner(scope: RunnerScope, runnerId: number): void {
    this.tick();
    this.#runners.deleteRunner(scope, runnerId);
  }

  /** The stable id GitHub gives a label name (case-insensitive). */
  labelId(name: string): number {
    return this.#s.labelId(name);
  }

  /**
   * Subscribes to runner processes exiting while their machine stays up: an ephemeral runner after its job
   * (`job-finished`), or a runner whose registration GitHub removed (`removed`: an idle JIT runner removed
   * server-side, or a runner deleted through the API). A process that never started (a JIT config that expired
   * unused) is refused by `connectRunner` instead. Returns the unsubscribe function.
   *
   * @example
   * ```ts
   * model.onRunnerExit((exit) => cloud.shutdownLater(instanceOf(exit.runnerName)));
   * ```
   */
  onRunnerExit(listener: (exit: RunnerExit) => void): () => void {
    this.#s.exitListeners.add(listener);
    return () => this.#s.exitListeners.delete(listener);
  }

  // --- Jobs and runs -------------------------------------------------------------------------------------

  /** Queues a job (a `queued` webhook, or `waiting` with an environment) and routes it if a runner can take it. */
  queueJob(input: QueueJobInput): SimJob {
    this.tick();
    return this.#jobs.queueJob(input);
  }

  /** Queues a workflow run of several jobs (a matrix; `needs` holds a job until the jobs it needs succeeded). */
  queueRun(input: QueueRunInput): readonly SimJob[] {
    this.tick();
    return this.#jobs.queueRun(input);
  }

  /** Approves a `waiting` job's environment: it becomes `queued`. */
  approveJob(jobId: number): SimJob {
    this.tick();
    return this.#jobs.approveJob(jobId);
  }

  /** Finishes an `in_progress` job; its runner is removed (ephemeral) or becomes idle again (persistent). */
  completeJob(jobId: number, conclusion: 'success' | 'failure' | 'cancelled' = 'success'): SimJob {
    this.tick();
    return this.#jobs.completeJob(jobId, conclusion);
  }

  /** Cancels a job: `completed` with conclusion `cancelled`, freeing its runner if it had one. Idempotent. */
  cancelJob(jobId: number): SimJob {
    this.tick();
    return this.#jobs.cancelJob(jobId);
  }

  /** `POST /repos/{o}/{r}/actions/jobs/{id}/rerun`: a new job in the run's next attempt; 403 when refused. */
  rerunJob(ref: string | RepositoryRef, jobId: number): SimJob {
    this.tick();
    return this.#jobs.rerunJob(ref, jobId);
  }

  /** A job of a repository; 404 when it does not exist there. */
  getJob(ref: string | RepositoryRef, jobId: number): SimJob {
    this.tick();
    return this.#jobs.getJob(ref, jobId);
  }

  /** A job by id. */
  job(jobId: number): SimJob | undefined {
    return this.#s.jobs.get(jobId);
  }

  /** A workflow run by id (its latest attempt and re-run count). */
  run(runId: number): SimRun | undefined {
    return this.#jobs.run(runId);
  }

  /** All jobs, oldest first. */
  allJobs(): readonly SimJob[] {
    return [...this.#s.jobs.values()];
  }

  /** Jobs waiting in the queue, oldest first. */
  queuedJobs(): readonly SimJob[] {
    return [...this.#s.queue.values()];
  }

  // --- Time ----------------------------------------------------------------------------------------------

  /** When the next timed transition is due (a job finishing, a queue timeout, a lease running out, …). */
  nextDeadline(): number | undefined {
    return this.#s.timers.peek()?.at;
  }

  /** Applies every timed transition due by now, each at its own due time. Returns how many applied. */
  tick(): number {
    if (this.#ticking) return 0;
    this.#ticking = true;
    let applied = 0;
    try {
      const now = this.clock.now();
      for (let timer = this.#s.timers.peek(); timer && timer.at <= now; timer = this.#s.timers.peek()) {
        this.#s.timers.pop();
        this.#s.cursor = timer.at;
        if (this.#apply(timer)) applied += 1;
      }
    } finally {
      this.#s.cursor = undefined;
      this.#ticking = false;
    }
    return applied;
  }

  // --- Webhooks and the deliveries log -------------------------------------------------------------------

  /** Subscribes to webhook attempts (events GitHub sends, and redeliveries). Returns the unsubscribe function. */
  onWebhook(listener: (attempt: WebhookAttempt) => void): () => void {
    return this.#deliveries.onWebhook(listener);
  }

  /**
   * Subscribes to every job transition as it happens, whether or not its webhook is sent, late or lost: the
   * ground truth a simulator's observer needs. Returns the unsubscribe function.
   *
   * @example
   * ```ts
   * model.onJobTransition((event) => observer.record(event.action, event.job));
   * ```
   */
  onJobTransition(listener: (event: WebhookEvent) => void): () => void {
    this.#s.transitionListeners.add(listener);
    return () => this.#s.transitionListeners.delete(listener);
  }

  /** Every event sent, oldest first. */
  webhookEvents(): readonly WebhookEvent[] {
    return this.#deliveries.webhookEvents();
  }

  /** The exact JSON body of an event, built from the job as it was then (the same on every redelivery). */
  webhookBody(event: WebhookEvent): string {
    return this.#deliveries.webhookBody(event);
  }

  /** The headers GitHub sends with an event body (signed with the current secret). */
  webhookHeaders(event: WebhookEvent, body?: string): Record<string, string> {
    return this.#deliveries.webhookHeaders(event, body);
  }

  /** An attempt to deliver `event`; its body and headers are built on first read. */
  attemptOf(event: WebhookEvent, redelivery: boolean): WebhookAttempt {
    return this.#deliveries.attemptOf(event, redelivery);
  }

  /** Records the outcome of an attempt in the deliveries log, as GitHub does for every attempt. */
  recordDelivery(attempt: WebhookAttempt, outcome: DeliveryOutcome): SimDelivery {
    return this.#deliveries.recordDelivery(attempt, outcome);
  }

  /** `GET /app/hook/deliveries`: the log, newest first, a page at a time; `status` keeps successes or failures. */
  listDeliveries(options: { readonly perPage?: number; readonly cursor?: string; readonly status?: 'success' | 'failure' } = {}): DeliveriesPage {
    return this.#deliveries.listDeliveries(options);
  }

  /** `GET /app/hook/deliveries/{id}`; 404 when unknown or expired. */
  getDelivery(deliveryId: number): SimDelivery {
    return this.#deliveries.getDelivery(deliveryId);
  }

  /** `POST /app/hook/deliveries/{id}/attempts`: sends the same event again (same GUID and body), flagged redelivery. */
  redeliver(deliveryId: number): WebhookAttempt {
    return this.#deliveries.redeliver(deliveryId);
  }

  /** The request GitHub sent for a delivery (`GET /app/hook/deliveries/{id}` shows it). */
  deliveryRequest(delivery: SimDelivery): { readonly headers: Record<string, string>; readonly body: string } {
    return this.#deliveries.deliveryRequest(delivery);
  }

  /** All deliveries in the log, oldest first. */
  allDeliveries(): readonly SimDelivery[] {
    return this.#deliveries.allDeliveries();
  }

  /** A summary for dashboards and the control API. */
  summary(): Record<string, unknown> {
    const count = <T>(items: Iterable<T>, pick: (item: T) => string): Record<string, number> => {
      const out: Record<string, number> = {};
      for (const item of items) out[pick(item)] = (out[pick(item)] ?? 0) + 1;
      return out;
    };
    const s = this.#s;
    return {
      time: this.now(),
      accounts: s.accounts.size,
      repositories: s.repos.size,
      installations: s.installations.size,
      runners: count(s.runners.values(), (r) => (r.status === 'offline' ? 'offline' : r.busy ? 'busy' : 'idle')),
      jobs: count(s.jobs.values(), (j) => j.status),
      deliveries: this.#deliveries.allDeliveries().length,
      counters: { ...s.counters },
    };
  }

  #apply(timer: Timer): boolean {
    switch (timer.kind) {
      case 'start-job':
        return this.#scheduling.pickupDue(timer.id, timer.stamp);
      case 'pickup-timeout':
        return this.#scheduling.pickupTimedOut(timer.id, timer.stamp);
      case 'complete-job':
        return this.#jobs.completeDue(timer.id, timer.stamp);
      case 'queue-timeout':
        return this.#jobs.queueTimedOut(timer.id, timer.stamp);
      case 'lease-expiry':
        return this.#scheduling.leaseExpired(timer.id, timer.stamp);
      case 'remove-offline-runner':
        return this.#runners.removeOffline(timer.id, timer.stamp);
      case 'remove-idle-jit':
        return this.#runners.removeIdleJit(timer.id, timer.stamp);
      case 'expire-jit-config':
        return this.#runners.expireJitConfig(timer.id, timer.stamp);
      case 'send-event':
        return this.#deliveries.sendLate(timer.id);
    }
  }
}
