// Jobs and workflow runs in the GitHub model: queueing (single jobs, matrices, jobs that need others), approval,
// completion, cancellation, the 24 h queue timeout, and re-runs (new attempts, with GitHub's refusals).
import type { RepositoryRef } from '@ghr/core';
import { SimError } from '../errors.js';
import type { Deliveries } from './deliveries.js';
import type { QueueJobInput, QueueRunInput } from './options.js';
import type { Scheduling } from './scheduling.js';
import { DAY, notFound, repoRefOf } from './state.js';
import type { ModelState } from './state.js';
import type { Tenancy } from './tenancy.js';
import type { SimJob, SimRun } from './types.js';

/** Jobs, runs and re-runs. */
export class Jobs {
  readonly #s: ModelState;
  readonly #tenancy: Tenancy;
  readonly #scheduling: Scheduling;
  readonly #deliveries: Deliveries;

  constructor(state: ModelState, tenancy: Tenancy, scheduling: Scheduling, deliveries: Deliveries) {
    this.#s = state;
    this.#tenancy = tenancy;
    this.#scheduling = scheduling;
    this.#deliveries = deliveries;
    scheduling.onFinished = (job) => this.#releaseDependents(job);
  }

  /** Queues a job (a `queued` webhook, or `waiting` with an environment) and routes it if a runner can take it. */
  queueJob(input: QueueJobInput): SimJob {
    const s = this.#s;
    const ref = repoRefOf(input.repo);
    const repo = this.#tenancy.repo(ref);
    if (!repo) throw new SimError(`Repository ${ref.owner}/${ref.repo} does not exist: create it first.`, { code: 'not-found' });
    if (!Array.isArray(input.labels) || input.labels.length === 0) {
      throw new SimError('A job needs at least one runs-on label.', { code: 'invalid-input' });
    }
    s.ids.job += 1;
    let runId = input.runId;
    if (runId === undefined) {
      s.ids.run += 1;
      runId = s.ids.run;
    }
    const now = s.now();
    let run = s.runs.get(runId);
    if (!run) {
      run = { id: runId, repoId: repo.id, attempt: 1, reruns: 0, createdAt: now };
      s.runs.set(runId, run);
    }
    const job: SimJob = {
      id: s.ids.job,
      runId,
      runAttempt: run.attempt,
      repoId: repo.id,
      name: input.name ?? 'build',
      workflowName: input.workflowName ?? 'CI',
      headBranch: input.headBranch ?? 'main',
      headSha: input.headSha ?? s.rng.hex(20),
      labels: [...input.labels],
      status: input.environment === undefined ? 'queued' : 'waiting',
      environment: input.environment,
      createdAt: now,
      durationMs: input.durationMs,
      plannedConclusion: input.conclusion ?? 'success',
      sender: input.sender ?? repo.owner,
      ...(input.needs === undefined || input.needs.length === 0 ? {} : { needs: [...input.needs] }),
    };
    if (job.needs && this.#needsState(job) !== 'ready') {
      this.#hold(job);
      return job;
    }
    this.#admit(job);
    return job;
  }

  /**
   * Queues a workflow run of several jobs (a matrix): they share a run id, head SHA and attempt; a job that
   * `needs` others is queued once they all succeeded.
   */
  queueRun(input: QueueRunInput): readonly SimJob[] {
    const s = this.#s;
    if (input.jobs.length === 0) throw new SimError('A run needs at least one job.', { code: 'invalid-input' });
    s.ids.run += 1;
    const runId = s.ids.run;
    const headSha = input.headSha ?? s.rng.hex(20);
    return input.jobs.map((job) =>
      this.queueJob({
        ...job,
        repo: input.repo,
        runId,
        headSha,
        ...(input.workflowName === undefined ? {} : { workflowName: input.workflowName }),
        ...(input.headBranch === undefined ? {} : { headBranch: input.headBranch }),
        ...(input.sender === undefined ? {} : { sender: input.sender }),
      }),
    );
  }

  /** Approves a `waiting` job's environment: it becomes `queued`. */
  approveJob(jobId: number): SimJob {
    const job = this.#s.jobs.get(jobId);
    if (!job) throw notFound();
    if (job.status !== 'waiting') throw new SimError(`Job ${jobId} is ${job.status}, not waiting for approval.`, { code: 'conflict' });
    job.status = 'queued';
    this.#enqueue(job);
    this.#deliveries.emit(job, 'queued');
    this.#scheduling.dispatch();
    return job;
  }

  /** Finishes an `in_progress` job; its runner is removed (ephemeral) or becomes idle again (persistent). */
  completeJob(jobId: number, conclusion: 'success' | 'failure' | 'cancelled' = 'success'): SimJob {
    const job = this.#s.jobs.get(jobId);
    if (!job) throw notFound();
    if (conclusion === 'cancelled') return this.cancelJob(jobId);
    if (job.status !== 'in_progress') {
      throw new SimError(`Job ${jobId} is ${job.status}: only an in_progress job can complete.`, { code: 'conflict' });
    }
    this.#scheduling.finishJob(job, conclusion);
    this.#scheduling.dispatch();
    return job;
  }

  /** Cancels a job: `completed` with conclusion `cancelled`, freeing its runner if it had one. Idempotent. */
  cancelJob(jobId: number): SimJob {
    const job = this.#s.jobs.get(jobId);
    if (!job) throw notFound();
    if (job.status === 'completed') return job;
    this.#s.counters.jobsCancelled += 1;
    this.#scheduling.finishJob(job, 'cancelled');
    this.#scheduling.dispatch();
    return job;
  }

  /**
   * `POST /repos/{o}/{r}/actions/jobs/{id}/rerun`: a completed job runs again as a new job (next attempt). With
   * `behaviour.reruns`, as on GitHub: refused (403) while any job of its run's latest attempt is unfinished, for a
   * job outside that attempt, past the run's re-run limit or age; the new attempt also re-runs the jobs that need
   * it and carries the other jobs over (completed, as they were).
   */
  rerunJob(ref: string | RepositoryRef, jobId: number): SimJob {
    const previous = this.getJob(ref, jobId);
    const rules = this.#s.behaviour.reruns;
    if (!rules) {
      if (previous.status !== 'completed') this.#refuse('This job is not complete yet and cannot be re-run.');
      const job = this.#copy(previous, previous.runAttempt + 1);
      const run = this.#s.runs.get(previous.runId);
      if (run) run.attempt = Math.max(run.attempt, job.runAttempt);
      this.#admit(job);
      return job;
    }
    const run = this.#s.runs.get(previous.runId) as SimRun;
    const latest = [...this.#s.jobs.values()].filter((j) => j.runId === run.id && j.runAttempt === run.attempt);
    if (previous.runAttempt < run.attempt) {
      this.#refuse('This job is not part of the latest attempt of its workflow run: re-run the job of the latest attempt.');
    }
    if (latest.some((j) => j.status !== 'completed') || (this.#s.held.get(run.id) ?? []).length > 0) {
      this.#refuse('This workflow run is still in progress: a job can be re-run once the whole run completed.');
    }
    if (run.reruns >= rules.maxReruns) this.#refuse(`This workflow run was already re-run ${run.reruns} times: it cannot be re-run again.`);
    if (this.#s.now() - run.createdAt > rules.maxAgeMs) this.#refuse('This workflow run is too old to be re-run.');
    run.attempt += 1;
    run.reruns += 1;
    const dependents = this.#dependentsOf(previous.name, latest);
    const rerun = this.#copy(previous, run.attempt);
    const carried: SimJob[] = [];
    for (const job of latest) {
      if (job.id === previous.id) continue;
      if (dependents.has(job.name)) this.#hold(this.#copy(job, run.attempt));
      else carried.push(this.#carryOver(job, run.attempt));
    }
    this.#admit(rerun);
    if (this.#s.behaviour.events?.resendCarriedOverCompleted) {
      for (const job of carried) {
        this.#s.counters.webhooksResentAfterRerun += 1;
        this.#deliveries.emit(job, 'completed', true);
      }
    }
    return rerun;
  }

  /** A job of a repository; 404 when it does not exist there. */
  getJob(ref: string | RepositoryRef, jobId: number): SimJob {
    const repo = this.#tenancy.repo(ref);
    const job = this.#s.jobs.get(jobId);
    if (!repo || !job || job.repoId !== repo.id) throw notFound();
    return job;
  }

  /** A workflow run by id. */
  run(runId: number): SimRun | undefined {
    return this.#s.runs.get(runId);
  }

  /** A job's planned duration ran out: it completes by itself. */
  completeDue(jobId: number, startedAt: number): boolean {
    const job = this.#s.jobs.get(jobId);
    if (!job || job.status !== 'in_progress' || job.startedAt !== startedAt) return false;
    // A runner whose process died cannot report: the job stays in progress until its lease runs out.
    const runner = job.runnerId === undefined ? undefined : this.#s.runners.get(job.runnerId);
    if (runner?.lostAt !== undefined) return false;
    this.#scheduling.finishJob(job, job.plannedConclusion);
    this.#scheduling.dispatch();
    return true;
  }

  /** A job queued too long fails. */
  queueTimedOut(jobId: number, queuedAt: number): boolean {
    const job = this.#s.jobs.get(jobId);
    if (!job || job.status !== 'queued' || job.queuedAt !== queuedAt) return false;
    this.#s.counters.jobsTimedOut += 1;
    this.#scheduling.finishJob(job, 'failure');
    this.#scheduling.dispatch();
    return true;
  }

  #refuse(message: string): never {
    this.#s.counters.rerunsRefused += 1;
    throw new SimError(message, { code: 'forbidden' });
  }

  /** Registers a job and queues it (or, with an environment, leaves it waiting), emitting its event. */
  #admit(job: SimJob): void {
    const s = this.#s;
    s.jobs.set(job.id, job);
    s.counters.jobsQueued += 1;
    if (job.status === 'waiting') {
      this.#deliveries.emit(job, 'waiting');
      return;
    }
    this.#enqueue(job);
    this.#deliveries.emit(job, 'queued');
    this.#scheduling.dispatch();
  }

  #enqueue(job: SimJob): void {
    job.queuedAt = this.#s.now();
    this.#s.queue.set(job.id, job);
    this.#s.schedule('queue-timeout', job.id, job.queuedAt + (this.#s.options.queueTimeoutMs ?? DAY), job.queuedAt);
  }

  /** A new job of the next attempt, queued (or waiting) again. */
  #copy(previous: SimJob, attempt: number): SimJob {
    this.#s.ids.job += 1;
    return {
      ...previous,
      id: this.#s.ids.job,
      runAttempt: attempt,
      status: 'queued',
      conclusion: undefined,
      createdAt: this.#s.now(),
      queuedAt: undefined,
      startedAt: undefined,
      completedAt: undefined,
      runnerId: undefined,
      runnerName: undefined,
      runnerGroupId: undefined,
      runnerGroupName: undefined,
      assignedRunnerId: undefined,
      carriedOver: undefined,
    };
  }

  /** A job of an earlier attempt copied, completed as it was, into the new attempt. */
  #carryOver(previous: SimJob, attempt: number): SimJob {
    this.#s.ids.job += 1;
    const job: SimJob = { ...previous, id: this.#s.ids.job, runAttempt: attempt, carriedOver: true };
    this.#s.jobs.set(job.id, job);
    return job;
  }

  /** Names of the jobs of `latest` that need `name`, directly or through others. */
  #dependentsOf(name: string, latest: readonly SimJob[]): Set<string> {
    const out = new Set<string>();
    let grew = true;
    while (grew) {
      grew = false;
      for (const job of latest) {
        if (out.has(job.name) || job.name === name) continue;
        if (job.needs?.some((need) => need === name || out.has(need))) {
          out.add(job.name);
          grew = true;
        }
      }
    }
    return out;
  }

  #hold(job: SimJob): void {
    const held = this.#s.held.get(job.runId) ?? [];
    held.push(job);
    this.#s.held.set(job.runId, held);
  }

  /** Whether the jobs a job needs (in its attempt) all succeeded, one did not, or some are unfinished. */
  #needsState(job: SimJob): 'ready' | 'failed' | 'waiting' {
    let state: 'ready' | 'failed' | 'waiting' = 'ready';
    for (const need of job.needs ?? []) {
      let found: SimJob | undefined;
      for (const other of this.#s.jobs.values()) {
        if (other.runId === job.runId && other.runAttempt === job.runAttempt && other.name === need) found = other;
      }
      if (!found || found.status !== 'completed') state = 'waiting';
      else if (found.conclusion !== 'success') return 'failed';
    }
    return state;
  }

  /** A job finished: the held jobs of its run whose needs are now met are queued; those that cannot run, skipped. */
  #releaseDependents(finished: SimJob): void {
    let held = this.#s.held.get(finished.runId) ?? [];
    const ready: SimJob[] = [];
    for (let changed = held.length > 0; changed; ) {
      changed = false;
      const waiting: SimJob[] = [];
      for (const job of held) {
        const state = this.#needsState(job);
        if (state === 'waiting') waiting.push(job);
        else if (state === 'ready') ready.push(job);
        else {
          // Skipped: recorded completed, never queued (a job that needs it is skipped in turn).
          this.#s.jobs.set(job.id, { ...job, status: 'completed', conclusion: 'skipped', completedAt: this.#s.now() });
          changed = true;
        }
      }
      held = waiting;
    }
    if (held.length > 0) this.#s.held.set(finished.runId, held);
    else this.#s.held.delete(finished.runId);
    for (const job of ready) this.#admit(job);
  }
}
