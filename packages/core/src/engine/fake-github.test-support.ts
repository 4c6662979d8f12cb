// An in-memory GitHubApi for the engine's tests (the real model lives in @ghr/sim). It passes the GitHubApi
// contract suite of @ghr/contracts: runner names unique per scope, `busy` refusals, jobs that run on matching
// idle runners, and a webhook deliveries log as GitHub keeps it.
import type { RepositoryRef, RunnerScope } from '../domain.js';
import { GhrError } from '../errors.js';
import type { DeleteRunnerResult, GitHubApi, GitHubJob, GitHubRunner, JitConfig, RunnerRelease, WebhookDelivery } from '../ports.js';

interface Registration {
  id: number;
  name: string;
  scope: string;
  status: 'online' | 'offline';
  busy: boolean;
  labels: readonly string[];
  ephemeral: boolean;
}

/** Options of {@link FakeGitHub}. */
export interface FakeGitHubOptions {
  /** The world's time (token expiries, delivery times). Default `Date.now`. */
  readonly now?: () => number;
}

const key = (scope: RunnerScope): string =>
  scope.kind === 'org' ? `org/${scope.org}` : scope.kind === 'repo' ? `repo/${scope.owner}/${scope.repo}` : `ent/${scope.enterprise}`;

/** Whether GitHub counts a delivery's answer as a success (its `status=success` filter): 200–399. */
const delivered = (statusCode: number): boolean => statusCode >= 200 && statusCode < 400;

/** A small GitHub: registrations per scope, jobs, a deliveries log; every call counted. */
export class FakeGitHub implements GitHubApi {
  readonly registrations = new Map<number, Registration>();
  readonly jobs = new Map<number, GitHubJob>();
  /** The App's webhook deliveries, every attempt (oldest first); `listFailedDeliveries` reads them. */
  deliveries: WebhookDelivery[] = [];
  readonly redelivered: number[] = [];
  readonly reruns: number[] = [];
  readonly calls = new Map<string, number>();
  /** Secrets handed out, to check none leaks into logs. */
  readonly secrets: string[] = [];
  failJit = 0;
  /**
   * How the webhook receiver answers deliveries (0: no answer in time), recorded in `deliveries`. Undefined (the
   * default): a test plays the receiver itself, so a redelivery adds nothing to the log (and new jobs log a 200).
   */
  webhookAnswer: number | undefined;
  /** Called on `redeliver` (the world sends the delivery again). */
  onRedeliver?: (id: number) => void;
  readonly #now: () => number;
  #nextId = 100;
  #nextDeliveryId = 1;

  constructor(options: FakeGitHubOptions = {}) {
    this.#now = options.now ?? Date.now;
  }

  /** The deliveries log, under the name the tests that arrange failed deliveries directly use. */
  get failedDeliveries(): WebhookDelivery[] {
    return this.deliveries;
  }

  set failedDeliveries(log: WebhookDelivery[]) {
    this.deliveries = log;
  }

  #count(name: string): void {
    this.calls.set(name, (this.calls.get(name) ?? 0) + 1);
  }

  total(): number {
    return [...this.calls.values()].reduce((a, b) => a + b, 0);
  }

  byName(name: string): Registration | undefined {
    return [...this.registrations.values()].find((r) => r.name === name);
  }

  /** The runner process started and connected. */
  online(name: string, busy = false): void {
    const reg = this.byName(name);
    if (!reg) throw new Error(`no registration ${name}`);
    reg.status = 'online';
    reg.busy = busy;
  }

  /** Adds a registration ghr does not know (an orphan). */
  addRegistration(scope: RunnerScope, name: string, busy = false): number {
    const id = this.#nextId++;
    this.registrations.set(id, { id, name, scope: key(scope), status: 'online', busy, labels: [], ephemeral: true });
    return id;
  }

  /** A job is queued (a `queued` webhook goes out) and runs at once on an online idle runner with all its labels. */
  queueJob(repository: RepositoryRef, labels: readonly string[]): GitHubJob {
    const id = this.#nextId++;
    const runner = [...this.registrations.values()].find((r) => r.status === 'online' && !r.busy && labels.every((l) => r.labels.includes(l)));
    const now = this.#now();
    const job: GitHubJob = runner
      ? { id, runId: id + 1_000_000, status: 'in_progress', labels, runnerName: runner.name, startedAt: now }
      : { id, runId: id + 1_000_000, status: 'queued', labels };
    if (runner) runner.busy = true;
    this.jobs.set(id, job);
    this.#deliver({ guid: `guid-${repository.owner}-${repository.repo}-${id}`, action: 'queued', redelivery: false });
    return job;
  }

  /** A job ends: it completes with `conclusion`; its ephemeral runner is removed, as GitHub does. */
  finishJob(jobId: number, conclusion: string): void {
    const job = this.jobs.get(jobId);
    if (!job) throw new Error(`no job ${jobId}`);
    const runner = job.runnerName === undefined ? undefined : this.byName(job.runnerName);
    if (runner?.ephemeral) this.registrations.delete(runner.id);
    else if (runner) runner.busy = false;
    this.jobs.set(jobId, { ...job, status: 'completed', conclusion, completedAt: this.#now() });
  }

  async createJitConfig(scope: RunnerScope, request: { name: string; labels: readonly string[] }): Promise<JitConfig> {
    this.#count('createJitConfig');
    if (this.failJit > 0) {
      this.failJit -= 1;
      throw new GhrError('GitHub answered 503 to generate-jitconfig.', { code: 'unavailable' });
    }
    if ([...this.registrations.values()].some((r) => r.scope === key(scope) && r.name === request.name)) {
      throw new GhrError(`Runner ${request.name} already exists.`, { code: 'conflict', retryable: false });
    }
    const id = this.#nextId++;
    this.registrations.set(id, { id, name: request.name, scope: key(scope), status: 'offline', busy: false, labels: request.labels, ephemeral: true });
    const secret = `JIT-SECRET-${id}`;
    this.secrets.push(secret);
    return { runnerId: id, encodedJitConfig: secret };
  }

  async createRegistrationToken(): Promise<{ token: string; expiresAt: number }> {
    this.#count('createRegistrationToken');
    const token = `REG-TOKEN-${this.#nextId++}-AAAAAAAAAAAAAAAA`;
    this.secrets.push(token);
    return { token, expiresAt: this.#now() + 3_600_000 };
  }

  async listRunners(scope: RunnerScope): Promise<readonly GitHubRunner[]> {
    this.#count('listRunners');
    return [...this.registrations.values()].filter((r) => r.scope === key(scope)).map(toRunner);
  }

  async getRunner(scope: RunnerScope, id: number): Promise<GitHubRunner | undefined> {
    this.#count('getRunner');
    const r = this.registrations.get(id);
    return r && r.scope === key(scope) ? toRunner(r) : undefined;
  }

  async deleteRunner(scope: RunnerScope, id: number): Promise<DeleteRunnerResult> {
    this.#count('deleteRunner');
    const r = this.registrations.get(id);
    if (!r || r.scope !== key(scope)) return 'not-found';
    if (r.busy) return 'busy';
    this.registrations.delete(id);
    return 'deleted';
  }

  async getJob(_repo: RepositoryRef, id: number): Promise<GitHubJob | undefined> {
    this.#count('getJob');
    return this.jobs.get(id);
  }

  /** Refuses a job it knows has not completed (GitHub answers 403); a job it does not know is taken as completed. */
  async rerunJob(_repo: RepositoryRef, id: number): Promise<void> {
    this.#count('rerunJob');
    const job = this.jobs.get(id);
    if (job && job.status !== 'completed') {
      throw new GhrError(`Job ${id} is ${job.status}: only a completed job can be re-run.`, { code: 'invalid-input', retryable: false });
    }
    this.reruns.push(id);
  }

  async listFailedDeliveries(since: number): Promise<readonly WebhookDelivery[]> {
    this.#count('listFailedDeliveries');
    // Newest first; attempts of the same moment in the order they were recorded.
    const log = this.deliveries.filter((d) => d.deliveredAt >= since).sort((a, b) => b.deliveredAt - a.deliveredAt);
    const succeeded = new Set(log.filter((d) => delivered(d.statusCode)).map((d) => d.guid));
    const seen = new Set<string>();
    return log.filter((d) => {
      if (succeeded.has(d.guid) || seen.has(d.guid)) return false;
      seen.add(d.guid);
      return true;
    });
  }

  async redeliver(id: number): Promise<void> {
    this.#count('redeliver');
    const original = this.deliveries.find((d) => d.id === id);
    if (!original) throw new GhrError(`GitHub found no delivery ${id}.`, { code: 'not-found', retryable: false });
    this.redelivered.push(id);
    if (this.webhookAnswer !== undefined) this.#deliver({ guid: original.guid, event: original.event, action: original.action, redelivery: true });
    this.onRedeliver?.(id);
  }

  async latestRunnerRelease(): Promise<RunnerRelease> {
    this.#count('latestRunnerRelease');
    const name = 'actions-runner-linux-x64-2.330.0.tar.gz';
    return {
      version: '2.330.0',
      assets: [{ os: 'linux', arch: 'x64', name, url: `https://github.com/actions/runner/releases/download/v2.330.0/${name}`, size: 200_000_000 }],
    };
  }

  /** One delivery attempt, answered as `webhookAnswer` says (200 when unset), recorded in the log. */
  #deliver(attempt: { readonly guid: string; readonly event?: string; readonly action?: string; readonly redelivery: boolean }): void {
    // Ids above every id a test put in the log itself.
    const id = Math.max(this.#nextDeliveryId, ...this.deliveries.map((d) => d.id + 1));
    this.#nextDeliveryId = id + 1;
    this.deliveries.push({
      id,
      guid: attempt.guid,
      deliveredAt: this.#now(),
      event: attempt.event ?? 'workflow_job',
      ...(attempt.action === undefined ? {} : { action: attempt.action }),
      statusCode: this.webhookAnswer ?? 200,
      redelivery: attempt.redelivery,
    });
  }
}

function toRunner(r: Registration): GitHubRunner {
  return { id: r.id, name: r.name, status: r.status, busy: r.busy, labels: r.labels, ephemeral: r.ephemeral };
}
