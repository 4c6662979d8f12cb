// The control API of the simulated GitHub (`/_sim/...`, JSON, no auth): set up accounts and installations,
// queue and finish jobs, bring runners online, inject faults, read counters, reset. And its typed client.
import type { CreateRunnerGroupInput, GitHubModel, QueueJobInput, QueueRunInput, RegisterRunnerInput } from '../github/model.js';
import type { SimAccount, SimEnterprise, SimInstallation, SimJob, SimRepo, SimRunner, SimRunnerGroup, WebhookEvent } from '../github/types.js';
import { SimError } from '../errors.js';
import type { FaultConfig, FaultInjector } from './faults.js';
import type { WebhookDispatcher } from './webhooks.js';

/** What control handlers get. */
export interface ControlContext {
  readonly model: GitHubModel;
  readonly faults: FaultInjector;
  readonly dispatcher: WebhookDispatcher;
  counters(): Record<string, unknown>;
  resetCounters(): void;
}

export interface ControlRequest extends ControlContext {
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  readonly body: Readonly<Record<string, unknown>>;
}

export interface ControlRoute {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  readonly template: string;
  readonly operationId?: undefined;
  readonly auth: 'none';
  readonly docs: string;
  handle(req: ControlRequest): Promise<{ status: number; body?: unknown }> | { status: number; body?: unknown };
}

const id = (value: string | undefined): number => {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new SimError(`Not an id: ${value ?? ''}`, { code: 'invalid-input' });
  return n;
};

const str = (value: unknown, name: string): string => {
  if (typeof value !== 'string' || value.length === 0) throw new SimError(`"${name}" is required (a string).`, { code: 'invalid-input' });
  return value;
};

const ok = (body?: unknown, status = 200): { status: number; body?: unknown } => ({ status, body });

/** A webhook event as the control API lists it. */
export interface ControlWebhookEvent {
  readonly guid: string;
  readonly event: string;
  readonly action: string;
  readonly jobId: number;
  readonly installationId: number;
  readonly repositoryId: number;
  readonly createdAt: number;
}

const eventJson = (e: WebhookEvent): ControlWebhookEvent => ({
  guid: e.guid,
  event: e.event,
  action: e.action,
  jobId: e.jobId,
  installationId: e.installationId,
  repositoryId: e.repositoryId,
  createdAt: e.createdAt,
});

/** The control routes (served under `/_sim`). */
export function controlRoutes(): ControlRoute[] {
  const route = (method: ControlRoute['method'], template: string, handle: ControlRoute['handle']): ControlRoute => ({
    method,
    template,
    auth: 'none',
    docs: '',
    handle,
  });
  return [
    route('GET', '/_sim/health', () => ok({ ok: true })),
    route('GET', '/_sim/state', ({ model }) => ok(model.summary())),
    route('POST', '/_sim/reset', ({ model, faults, dispatcher, resetCounters }) => {
      model.reset();
      faults.clear();
      resetCounters();
      void dispatcher;
      return ok({ ok: true });
    }),
    route('POST', '/_sim/tick', ({ model }) => ok({ applied: model.tick(), nextDeadline: model.nextDeadline() ?? null })),
    route('POST', '/_sim/enterprises', ({ model, body }) => ok(model.createEnterprise({ slug: str(body.slug, 'slug'), name: body.name as string | undefined }), 201)),
    route('POST', '/_sim/orgs', ({ model, body }) =>
      ok(model.createOrg({ login: str(body.login, 'login'), enterprise: body.enterprise as string | undefined }), 201),
    ),
    route('POST', '/_sim/users', ({ model, body }) => ok(model.createUser({ login: str(body.login, 'login') }), 201)),
    route('POST', '/_sim/repos', ({ model, body }) =>
      ok(model.createRepo({ owner: str(body.owner, 'owner'), name: str(body.name, 'name'), private: body.private as boolean | undefined }), 201),
    ),
    route('POST', '/_sim/installations', ({ model, body }) =>
      ok(
        model.createInstallation({
          account: str(body.account, 'account'),
          repositorySelection: body.repositorySelection as 'all' | 'selected' | undefined,
          repositories: body.repositories as string[] | undefined,
        }),
        201,
      ),
    ),
    route('DELETE', '/_sim/installations/:id', ({ model, params }) => {
      model.deleteInstallation(id(params.id));
      return ok(undefined, 204);
    }),
    route('POST', '/_sim/runner-groups', ({ model, body }) => {
      const scope = body.scope as { kind: 'org'; org: string } | { kind: 'enterprise'; enterprise: string } | undefined;
      if (!scope || (scope.kind !== 'org' && scope.kind !== 'enterprise')) {
        throw new SimError('"scope" is required: { kind: "org", org } or { kind: "enterprise", enterprise }.', { code: 'invalid-input' });
      }
      return ok(model.createRunnerGroup(scope, body as unknown as CreateRunnerGroupInput), 201);
    }),
    route('POST', '/_sim/personal-tokens', ({ model, body }) =>
      ok({ token: model.createPersonalToken({ login: body.login as string | undefined, enterprises: body.enterprises as string[] | undefined }) }, 201),
    ),
    route('POST', '/_sim/installation-tokens', ({ model, body }) => {
      const minted = model.mintInstallationToken(Number(body.installationId));
      return ok({ token: minted.token, expiresAt: minted.expiresAt }, 201);
    }),
    route('GET', '/_sim/jobs', ({ model }) => ok(model.allJobs())),
    route('POST', '/_sim/jobs', ({ model, body }) => ok(model.queueJob(body as unknown as QueueJobInput), 201)),
    route('POST', '/_sim/runs', ({ model, body }) => ok(model.queueRun(body as unknown as QueueRunInput), 201)),
    route('GET', '/_sim/jobs/:id', ({ model, params }) => {
      const job = model.job(id(params.id));
      if (!job) throw new SimError('Not Found', { code: 'not-found' });
      return ok(job);
    }),
    route('POST', '/_sim/jobs/:id/approve', ({ model, params }) => ok(model.approveJob(id(params.id)))),
    route('POST', '/_sim/jobs/:id/complete', ({ model, params, body }) =>
      ok(model.completeJob(id(params.id), (body.conclusion as 'success' | 'failure' | 'cancelled' | undefined) ?? 'success')),
    ),
    route('POST', '/_sim/jobs/:id/cancel', ({ model, params }) => ok(model.cancelJob(id(params.id)))),
    route('GET', '/_sim/runners', ({ model }) => ok(model.allRunners())),
    route('POST', '/_sim/runners/connect', ({ model, body }) => ok(model.connectRunner(str(body.encodedJitConfig, 'encodedJitConfig')))),
    route('POST', '/_sim/runners/register', ({ model, body }) => ok(model.registerRunner(body as unknown as RegisterRunnerInput), 201)),
    route('POST', '/_sim/runners/:id/disconnect', ({ model, params }) => {
      const runner = model.disconnectRunner(id(params.id));
      if (!runner) throw new SimError('Not Found', { code: 'not-found' });
      return ok(runner);
    }),
    route('POST', '/_sim/runners/:id/start', ({ model, params }) => ok(model.startRunner(id(params.id)))),
    route('GET', '/_sim/faults', ({ faults }) => ok(faults.describe())),
    route('PUT', '/_sim/faults', ({ faults, body }) => {
      faults.set(body as FaultConfig);
      return ok(faults.describe());
    }),
    route('POST', '/_sim/faults', ({ faults, body }) => {
      faults.add(body as FaultConfig);
      return ok(faults.describe());
    }),
    route('DELETE', '/_sim/faults', ({ faults }) => {
      faults.clear();
      return ok(undefined, 204);
    }),
    route('GET', '/_sim/counters', ({ counters }) => ok(counters())),
    route('PUT', '/_sim/webhook', ({ model, dispatcher, body }) => {
      if (body.url !== undefined) dispatcher.url = body.url === null ? undefined : str(body.url, 'url');
      if (body.secret !== undefined) model.setWebhookSecret(body.secret === null ? undefined : str(body.secret, 'secret'));
      return ok({ url: dispatcher.url ?? null });
    }),
    route('POST', '/_sim/webhooks/flush', async ({ dispatcher }) => {
      await dispatcher.flush();
      return ok({ ok: true });
    }),
    route('GET', '/_sim/webhooks/events', ({ model }) => ok(model.webhookEvents().map(eventJson))),
  ];
}

/** Options of a {@link SimulatedGitHubControl}. */
export interface SimulatedGitHubControlOptions {
  readonly fetch?: typeof fetch;
}

/** Counters as the control API reports them (see `ServerCounters`). */
export type ControlCounters = Record<string, unknown> & {
  readonly requests: Record<string, number>;
  readonly statuses: Record<string, number>;
  readonly tokenMints: { readonly total: number; readonly byInstallation: Record<string, number> };
  readonly webhooks: { readonly attempted: number; readonly succeeded: number; readonly failed: number; readonly redeliveries: number };
};

/**
 * A typed client of the simulated GitHub's control API, for tests and demos in another process.
 *
 * @example
 * ```ts
 * const control = new SimulatedGitHubControl('http://127.0.0.1:8080');
 * await control.createRepo({ owner: 'acme', name: 'web' });
 * await control.createInstallation({ account: 'acme' });
 * const job = await control.queueJob({ repo: 'acme/web', labels: ['self-hosted', 'linux'] });
 * ```
 */
export class SimulatedGitHubControl {
  readonly #base: string;
  readonly #fetch: typeof fetch;

  constructor(baseUrl: string, options: SimulatedGitHubControlOptions = {}) {
    this.#base = baseUrl.replace(/\/+$/, '');
    this.#fetch = options.fetch ?? fetch;
  }

  async #call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await this.#fetch(`${this.#base}/_sim${path}`, {
      method,
      headers: body === undefined ? undefined : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    const parsed = text.length > 0 ? (JSON.parse(text) as unknown) : undefined;
    if (!response.ok) {
      const message = (parsed as { message?: string } | undefined)?.message ?? `HTTP ${response.status}`;
      throw new SimError(`Control API ${method} /_sim${path} failed: ${message}`, {
        code: (parsed as { code?: 'internal' } | undefined)?.code ?? 'internal',
        status: response.status,
      });
    }
    return parsed as T;
  }

  health(): Promise<{ ok: boolean }> {
    return this.#call('GET', '/health');
  }
  state(): Promise<Record<string, unknown>> {
    return this.#call('GET', '/state');
  }
  reset(): Promise<void> {
    return this.#call('POST', '/reset');
  }
  tick(): Promise<{ applied: number; nextDeadline: number | null }> {
    return this.#call('POST', '/tick');
  }
  createEnterprise(input: { slug: string; name?: string }): Promise<SimEnterprise> {
    return this.#call('POST', '/enterprises', input);
  }
  createOrg(input: { login: string; enterprise?: string }): Promise<SimAccount> {
    return this.#call('POST', '/orgs', input);
  }
  createUser(input: { login: string }): Promise<SimAccount> {
    return this.#call('POST', '/users', input);
  }
  createRepo(input: { owner: string; name: string; private?: boolean }): Promise<SimRepo> {
    return this.#call('POST', '/repos', input);
  }
  createInstallation(input: { account: string; repositorySelection?: 'all' | 'selected'; repositories?: string[] }): Promise<SimInstallation> {
    return this.#call('POST', '/installations', input);
  }
  deleteInstallation(installationId: number): Promise<void> {
    return this.#call('DELETE', `/installations/${installationId}`);
  }
  createRunnerGroup(
    input: CreateRunnerGroupInput & { scope: { kind: 'org'; org: string } | { kind: 'enterprise'; enterprise: string } },
  ): Promise<SimRunnerGroup> {
    return this.#call('POST', '/runner-groups', input);
  }
  /** A personal access token for enterprise endpoints. */
  async createPersonalToken(input: { login?: string; enterprises?: string[] } = {}): Promise<string> {
    return (await this.#call<{ token: string }>('POST', '/personal-tokens', input)).token;
  }
  /** An installation token minted without a JWT (counts as a mint). */
  mintInstallationToken(installationId: number): Promise<{ token: string; expiresAt: number }> {
    return this.#call('POST', '/installation-tokens', { installationId });
  }
  queueJob(input: QueueJobInput): Promise<SimJob> {
    return this.#call('POST', '/jobs', input);
  }
  /** Queues a workflow run of several jobs (a matrix; `needs` holds a job until the jobs it needs succeeded). */
  queueRun(input: QueueRunInput): Promise<SimJob[]> {
    return this.#call('POST', '/runs', input);
  }
  listJobs(): Promise<SimJob[]> {
    return this.#call('GET', '/jobs');
  }
  getJob(jobId: number): Promise<SimJob> {
    return this.#call('GET', `/jobs/${jobId}`);
  }
  approveJob(jobId: number): Promise<SimJob> {
    return this.#call('POST', `/jobs/${jobId}/approve`);
  }
  completeJob(jobId: number, conclusion: 'success' | 'failure' | 'cancelled' = 'success'): Promise<SimJob> {
    return this.#call('POST', `/jobs/${jobId}/complete`, { conclusion });
  }
  cancelJob(jobId: number): Promise<SimJob> {
    return this.#call('POST', `/jobs/${jobId}/cancel`);
  }
  listRunners(): Promise<SimRunner[]> {
    return this.#call('GET', '/runners');
  }
  /** A runner starts with its JIT config and comes online. */
  connectRunner(encodedJitConfig: string): Promise<SimRunner> {
    return this.#call('POST', '/runners/connect', { encodedJitConfig });
  }
  registerRunner(input: RegisterRunnerInput): Promise<SimRunner> {
    return this.#call('POST', '/runners/register', input);
  }
  disconnectRunner(runnerId: number): Promise<SimRunner> {
    return this.#call('POST', `/runners/${runnerId}/disconnect`);
  }
  startRunner(runnerId: number): Promise<SimRunner> {
    return this.#call('POST', `/runners/${runnerId}/start`);
  }
  /** Replaces all faults. */
  setFaults(config: FaultConfig): Promise<FaultConfig> {
    return this.#call('PUT', '/faults', config);
  }
  /** Adds fault rules (and replaces the rates if given). */
  addFaults(config: FaultConfig): Promise<FaultConfig> {
    return this.#call('POST', '/faults', config);
  }
  clearFaults(): Promise<void> {
    return this.#call('DELETE', '/faults');
  }
  counters(): Promise<ControlCounters> {
    return this.#call('GET', '/counters');
  }
  /** Sets (or with `null`, removes) the webhook URL and secret. */
  setWebhook(input: { url?: string | null; secret?: string | null }): Promise<{ url: string | null }> {
    return this.#call('PUT', '/webhook', input);
  }
  /** Waits until every webhook accepted so far was delivered. */
  async flushWebhooks(): Promise<void> {
    await this.#call('POST', '/webhooks/flush');
  }
  webhookEvents(): Promise<ControlWebhookEvent[]> {
    return this.#call('GET', '/webhooks/events');
  }
}
