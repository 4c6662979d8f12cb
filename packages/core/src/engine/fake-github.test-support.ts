// An in-memory GitHubApi for the engine's tests (the real model lives in @ghr/sim).
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

const key = (scope: RunnerScope): string =>
  scope.kind === 'org' ? `org/${scope.org}` : scope.kind === 'repo' ? `repo/${scope.owner}/${scope.repo}` : `ent/${scope.enterprise}`;

/** A small GitHub: registrations per scope, jobs, failed deliveries; every call counted. */
export class FakeGitHub implements GitHubApi {
  readonly registrations = new Map<number, Registration>();
  readonly jobs = new Map<number, GitHubJob>();
  failedDeliveries: WebhookDelivery[] = [];
  readonly redelivered: number[] = [];
  readonly reruns: number[] = [];
  readonly calls = new Map<string, number>();
  /** Secrets handed out, to check none leaks into logs. */
  readonly secrets: string[] = [];
  failJit = 0;
  /** Called on `redeliver` (the world sends the delivery again). */
  onRedeliver?: (id: number) => void;
  #nextId = 100;

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

  async createJitConfig(scope: RunnerScope, request: { name: string; labels: readonly string[] }): Promise<JitConfig> {
    this.#count('createJitConfig');
    if (this.failJit > 0) {
      this.failJit -= 1;
      throw new GhrError('GitHub answered 503 to generate-jitconfig.', { code: 'unavailable' });
    }
    if (this.byName(request.name)) throw new GhrError(`Runner ${request.name} already exists.`, { code: 'conflict', retryable: false });
    const id = this.#nextId++;
    this.registrations.set(id, { id, name: request.name, scope: key(scope), status: 'offline', busy: false, labels: request.labels, ephemeral: true });
    const secret = `JIT-SECRET-${id}`;
    this.secrets.push(secret);
    return { runnerId: id, encodedJitConfig: secret };
  }

  async createRegistrationToken(): Promise<{ token: string; expiresAt: number }> {
    this.#count('createRegistrationToken');
    const token = `REG-TOKEN-${this.#nextId++}`;
    this.secrets.push(token);
    return { token, expiresAt: Date.now() + 3_600_000 };
  }

  async listRunners(scope: RunnerScope): Promise<readonly GitHubRunner[]> {
    this.#count('listRunners');
    return [...this.registrations.values()]
      .filter((r) => r.scope === key(scope))
      .map((r) => ({ id: r.id, name: r.name, status: r.status, busy: r.busy, labels: r.labels, ephemeral: r.ephemeral }));
  }

  async getRunner(_scope: RunnerScope, id: number): Promise<GitHubRunner | undefined> {
    this.#count('getRunner');
    const r = this.registrations.get(id);
    return r && { id: r.id, name: r.name, status: r.status, busy: r.busy, labels: r.labels };
  }

  async deleteRunner(_scope: RunnerScope, id: number): Promise<DeleteRunnerResult> {
    this.#count('deleteRunner');
    const r = this.registrations.get(id);
    if (!r) return 'not-found';
    if (r.busy) return 'busy';
    this.registrations.delete(id);
    return 'deleted';
  }

  async getJob(_repo: RepositoryRef, id: number): Promise<GitHubJob | undefined> {
    this.#count('getJob');
    return this.jobs.get(id);
  }

  async rerunJob(_repo: RepositoryRef, id: number): Promise<void> {
    this.#count('rerunJob');
    this.reruns.push(id);
  }

  async listFailedDeliveries(since: number): Promise<readonly WebhookDelivery[]> {
    this.#count('listFailedDeliveries');
    return this.failedDeliveries.filter((d) => d.deliveredAt >= since);
  }

  async redeliver(id: number): Promise<void> {
    this.#count('redeliver');
    this.redelivered.push(id);
    this.onRedeliver?.(id);
  }

  async latestRunnerRelease(): Promise<RunnerRelease> {
    this.#count('latestRunnerRelease');
    return { version: '2.330.0', assets: [] };
  }
}
