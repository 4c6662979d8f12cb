// Runners in the GitHub model: registration (JIT configs, registration tokens and `config.sh`), runner processes
// connecting and going away, the runners the REST API lists, deletion, and GitHub's server-side removals.
import type { RunnerScope } from '@ghr/core';
import { SimError } from '../errors.js';
import { decodeJitConfig, encodeJitConfig } from './jit.js';
import type { RegisterRunnerInput } from './options.js';
import type { RunnerView } from './runner-view.js';
import type { Scheduling } from './scheduling.js';
import { HOUR, lower, notFound } from './state.js';
import type { ModelState } from './state.js';
import type { Tenancy } from './tenancy.js';
import type { ScopeKey, SimRunner, SimRunnerToken } from './types.js';

/** Runner registrations and their processes. */
export class Runners {
  readonly #s: ModelState;
  readonly #tenancy: Tenancy;
  readonly #scheduling: Scheduling;
  readonly #view: RunnerView;

  constructor(state: ModelState, tenancy: Tenancy, scheduling: Scheduling, view: RunnerView) {
    this.#s = state;
    this.#tenancy = tenancy;
    this.#scheduling = scheduling;
    this.#view = view;
  }

  /**
   * `POST …/actions/runners/generate-jitconfig`: registers an ephemeral runner (offline until it connects) and
   * returns it with its single-use encoded JIT config. A name already used in the scope answers 409.
   */
  generateJitConfig(
    scope: RunnerScope,
    input: { readonly name: string; readonly runnerGroupId: number; readonly labels: readonly string[]; readonly workFolder?: string },
  ): { readonly runner: SimRunner; readonly encodedJitConfig: string } {
    const key = this.#tenancy.requireScope(scope);
    if (typeof input.name !== 'string' || input.name.length === 0) {
      throw new SimError('Invalid request.\n\n"name" wasn\'t supplied.', { code: 'unprocessable' });
    }
    if (!Array.isArray(input.labels) || input.labels.length === 0 || input.labels.length > 100) {
      throw new SimError('Invalid request.\n\n"labels" must have between 1 and 100 items.', { code: 'unprocessable' });
    }
    if (typeof input.runnerGroupId !== 'number') {
      throw new SimError('Invalid request.\n\n"runner_group_id" wasn\'t supplied.', { code: 'unprocessable' });
    }
    const group = scope.kind === 'repo' ? undefined : (this.#s.groups.get(key) ?? []).find((g) => g.id === input.runnerGroupId);
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
    const secret = this.#s.rng.hex(20);
    this.#s.jitSecrets.set(runner.id, secret);
    this.#s.counters.jitConfigs += 1;
    const expiry = this.#s.behaviour.jitExpiry;
    if (expiry) this.#s.schedule('expire-jit-config', runner.id, this.#s.now() + expiry.unusedConfigMs, runner.createdAt);
    const encodedJitConfig = encodeJitConfig({
      runnerId: runner.id,
      runnerName: runner.name,
      runnerGroupId: runner.groupId,
      serverUrl: `${this.#s.urls.html}/${key.slice(key.indexOf(':') + 1)}`,
      workFolder: runner.workFolder,
      secret,
    });
    return { runner, encodedJitConfig };
  }

  /** `POST …/actions/runners/registration-token` (or `remove-token` with `kind: 'remove'`): valid for 1 h. */
  createRunnerToken(scope: RunnerScope, kind: 'registration' | 'remove' = 'registration'): SimRunnerToken {
    const key = this.#tenancy.requireScope(scope);
    const token: SimRunnerToken = {
      token: `A${this.#s.alnum(28).toUpperCase()}`,
      kind,
      scope: key,
      expiresAt: this.#s.now() + (this.#s.options.runnerTokenTtlMs ?? HOUR),
    };
    this.#s.runnerTokens.set(token.token, token);
    if (kind === 'registration') this.#s.counters.registrationTokens += 1;
    return token;
  }

  /** What `config.sh --token` does: registers a runner (persistent by default) and, by default, starts it. */
  registerRunner(input: RegisterRunnerInput): SimRunner {
    const token = this.#s.runnerTokens.get(input.token);
    if (!token || token.kind !== 'registration' || token.expiresAt <= this.#s.now()) {
      throw new SimError('The registration token is invalid or expired: create a new one.', { code: 'unauthorized' });
    }
    let groupId = 1;
    if (!token.scope.startsWith('repo:')) {
      const groups = this.#s.groups.get(token.scope) ?? [];
      const group = groups.find((g) => lower(g.name) === lower(input.runnerGroup ?? 'Default'));
      if (!group) throw new SimError(`Could not find any self-hosted runner group named "${input.runnerGroup}".`, { code: 'not-found' });
      groupId = group.id;
    }
    const existing = this.#runnerByName(token.scope, input.name);
    if (existing) {
      if (!input.replace) this.#requireUniqueName(token.scope, input.name);
      else if (existing.busy) throw new SimError(`Runner "${input.name}" is busy and cannot be replaced.`, { code: 'unprocessable' });
      else this.#scheduling.removeRunner(existing);
    }
    const runner = this.#addRunner({
      name: input.name,
      scope: token.scope,
      groupId,
      labels: this.#configLabels(input),
      ephemeral: input.ephemeral ?? false,
      registration: 'token',
      workFolder: '_work',
    });
    if (input.connect ?? true) this.#scheduling.goOnline(runner);
    return runner;
  }

  /**
   * A runner process starts with its JIT config and comes online (idle). A config works once; an unknown, forged
   * or already used config is refused, as is a runner deleted meanwhile.
   */
  connectRunner(encodedJitConfig: string): SimRunner {
    const decoded = decodeJitConfig(encodedJitConfig);
    const runner = this.#s.runners.get(decoded.runnerId);
    if (!runner || this.#s.jitSecrets.get(runner.id) !== decoded.secret) {
      throw new SimError(`Runner registration ${decoded.runnerName} does not exist (deleted or never created): it cannot connect.`, {
        code: 'not-found',
      });
    }
    if (runner.connectedAt !== undefined) {
      throw new SimError(`The JIT config of ${runner.name} was already used: JIT configs work once.`, { code: 'conflict' });
    }
    this.#scheduling.goOnline(runner);
    return runner;
  }

  /** Starts a registered, offline persistent runner again (`run.sh`). */
  startRunner(runnerId: number): SimRunner {
    const runner = this.#s.runners.get(runnerId);
    if (!runner) throw notFound();
    if (runner.registration === 'jit' && runner.connectedAt !== undefined && runner.status === 'offline') {
      throw new SimError(`JIT runner ${runner.name} cannot reconnect: JIT configs work once.`, { code: 'conflict' });
    }
    if (runner.status === 'offline' || (runner.lostAt !== undefined && !runner.busy)) this.#scheduling.goOnline(runner);
    return runner;
  }

  /**
   * The runner's machine went away (terminated, crashed, spot-interrupted): it goes offline and a job it was
   * running fails, as GitHub fails a job whose runner lost communication. With a job lease
   * (`behaviour.jobLease`), GitHub notices only when the lease runs out: until then the runner shows online (and
   * busy with its job), and may even be given queued jobs it will never pick up.
   */
  disconnectRunner(runnerId: number): SimRunner | undefined {
    const runner = this.#s.runners.get(runnerId);
    if (!runner) return undefined;
    this.#scheduling.processGone(runner);
    return runner;
  }

  /** Runners of a scope, by id; `name` filters by exact name (case-insensitive), as GitHub's `name` parameter. */
  listRunners(scope: RunnerScope, filter: { readonly name?: string } = {}): readonly SimRunner[] {
    const key = this.#tenancy.requireScope(scope);
    return this.#view.list(`${key}\u0000${filter.name === undefined ? '' : lower(filter.name)}`, () => {
      const result: SimRunner[] = [];
      for (const runner of this.#s.runners.values()) {
        if (runner.scope !== key) continue;
        if (filter.name !== undefined && lower(runner.name) !== lower(filter.name)) continue;
        result.push(runner);
      }
      return result;
    });
  }

  /** A runner of a scope as the API shows it; 404 when it does not exist there. */
  getRunner(scope: RunnerScope, runnerId: number): SimRunner {
    return this.#view.shown(this.#find(scope, runnerId));
  }

  /** A runner by id, in any scope. */
  runner(runnerId: number): SimRunner | undefined {
    return this.#s.runners.get(runnerId);
  }

  /** All runners, by id. */
  allRunners(): readonly SimRunner[] {
    return [...this.#s.runners.values()];
  }

  /**
   * `DELETE …/actions/runners/{id}`: 404 when unknown, 422 while it runs a job (as GitHub answers). A runner whose
   * job the API hides (`busyView.hiddenBusyRate`) is deleted anyway: its job fails and its process exits.
   */
  deleteRunner(scope: RunnerScope, runnerId: number): void {
    const runner = this.#find(scope, runnerId);
    const hidden = runner.busy && !runner.wedged && this.#view.isHidden(runner.id);
    if (runner.busy && !hidden) {
      throw new SimError(`Bad request - Runner "${runner.name}" is still running a job"`, { code: 'unprocessable' });
    }
    const job = hidden && runner.jobId !== undefined ? this.#s.jobs.get(runner.jobId) : undefined;
    this.#scheduling.removeRunner(runner);
    if (job && job.status === 'in_progress') this.#scheduling.finishJob(job, 'failure');
    if (runner.status === 'online' && runner.lostAt === undefined) this.#s.runnerExited(runner, 'removed');
    this.#scheduling.dispatch();
  }

  /** A connected JIT runner stayed idle too long: GitHub removes it and its process exits. */
  removeIdleJit(runnerId: number, idleSince: number): boolean {
    const runner = this.#s.runners.get(runnerId);
    if (!runner || runner.status !== 'online' || runner.idleSince !== idleSince || !this.#s.idle.has(runner.id)) return false;
    if (runner.assignedJobId !== undefined || runner.busy) return false;
    this.#scheduling.removeRunner(runner);
    this.#s.counters.idleJitRunnersRemoved += 1;
    if (runner.lostAt === undefined) this.#s.runnerExited(runner, 'removed');
    return true;
  }

  /** A JIT config was never used: GitHub removes its registration (a later connection is refused). */
  expireJitConfig(runnerId: number, createdAt: number): boolean {
    const runner = this.#s.runners.get(runnerId);
    if (!runner || runner.createdAt !== createdAt || runner.connectedAt !== undefined) return false;
    this.#scheduling.removeRunner(runner);
    this.#s.counters.jitConfigsExpired += 1;
    return true;
  }

  /** An offline runner's time is up: GitHub removes it. */
  removeOffline(runnerId: number, offlineSince: number): boolean {
    const runner = this.#s.runners.get(runnerId);
    if (!runner || runner.status !== 'offline' || runner.offlineSince !== offlineSince) return false;
    this.#scheduling.removeRunner(runner);
    return true;
  }

  #runnerByName(scope: ScopeKey, name: string): SimRunner | undefined {
    const id = this.#s.runnerNames.get(`${scope}\u0000${lower(name)}`);
    return id === undefined ? undefined : this.#s.runners.get(id);
  }

  #requireUniqueName(scope: ScopeKey, name: string): void {
    if (this.#runnerByName(scope, name)) {
      throw new SimError(`Already exists - A runner with the name ${name} already exists.`, { code: 'conflict' });
    }
  }

  #addRunner(input: Pick<SimRunner, 'name' | 'scope' | 'groupId' | 'labels' | 'ephemeral' | 'registration' | 'workFolder'>): SimRunner {
    this.#s.ids.runner += 1;
    const runner: SimRunner = {
      ...input,
      labels: [...input.labels],
      id: this.#s.ids.runner,
      status: 'offline',
      busy: false,
      offlineSince: this.#s.now(),
      createdAt: this.#s.now(),
    };
    this.#s.runners.set(runner.id, runner);
    this.#s.runnerNames.set(`${runner.scope}\u0000${lower(runner.name)}`, runner.id);
    this.#s.runnerLabels.set(runner.id, new Set(runner.labels.map(lower)));
    for (const label of runner.labels) this.#s.labelId(label);
    this.#s.counters.runnersRegistered += 1;
    this.#scheduling.scheduleOfflineRemoval(runner);
    return runner;
  }


  #find(scope: RunnerScope, runnerId: number): SimRunner {
    const key = this.#tenancy.requireScope(scope);
    const runner = this.#s.runners.get(runnerId);
    if (!runner || runner.scope !== key) throw notFound();
    return runner;
  }

  /** The labels `config.sh` registers: as given, plus `self-hosted`, OS and architecture with default labels on. */
  #configLabels(input: RegisterRunnerInput): readonly string[] {
    const defaults = ['self-hosted', input.os ?? 'Linux', input.arch ?? 'X64'];
    if (!this.#s.behaviour.configDefaultLabels) return input.labels.length > 0 ? input.labels : defaults;
    if (input.noDefaultLabels) return input.labels;
    const out = [...defaults];
    for (const label of input.labels) if (!out.some((l) => lower(l) === lower(label))) out.push(label);
    return out;
  }
}
