// Routing and the runner–job lifecycle in the GitHub model: which idle runner gets a queued job, pickup (delays,
// misses, the 60 s re-queue), a job's start and finish, runners going online, offline, lost (a job lease still
// running) or wedged, and runner removal.
import { drawDuration } from './behaviour.js';
import type { Deliveries } from './deliveries.js';
import type { RunnerView } from './runner-view.js';
import { DAY, lower } from './state.js';
import type { ModelState } from './state.js';
import type { Tenancy } from './tenancy.js';
import type { SimJob, SimRunner } from './types.js';

/** Moves jobs onto runners and runners through their lifecycle. */
export class Scheduling {
  readonly #s: ModelState;
  readonly #tenancy: Tenancy;
  readonly #deliveries: Deliveries;
  readonly #view: RunnerView;
  /** Called after a job completed (jobs that need it may be queued). */
  onFinished: (job: SimJob) => void = () => undefined;

  constructor(state: ModelState, tenancy: Tenancy, deliveries: Deliveries, view: RunnerView) {
    this.#s = state;
    this.#tenancy = tenancy;
    this.#deliveries = deliveries;
    this.#view = view;
  }

  /** Routes queued jobs, oldest first, to an idle online runner that may take each. */
  dispatch(): void {
    const s = this.#s;
    if (s.idle.size === 0 || s.queue.size === 0) return;
    const unmatched = new Set<string>();
    for (const job of [...s.queue.values()]) {
      if (s.idle.size === 0) return;
      const signature = `${job.repoId}\u0000${job.labels.map(lower).sort().join('\u0000')}`;
      if (unmatched.has(signature)) continue;
      const runner = s.behaviour.routing === 'random' ? this.#anyRunnerFor(job) : this.#bestRunnerFor(job);
      if (!runner) {
        unmatched.add(signature);
        continue;
      }
      this.#assign(job, runner);
    }
  }

  /** A runner becomes idle: routing may give it a job; an idle JIT runner may be removed after a while. */
  markIdle(runner: SimRunner): void {
    const s = this.#s;
    const now = s.now();
    runner.idleSince = now;
    if (runner.lostAt !== undefined && !s.behaviour.jobLease?.assignToDeadRunners) return;
    s.idle.add(runner.id);
    const expiry = s.behaviour.jitExpiry;
    if (expiry && runner.registration === 'jit' && runner.lostAt === undefined) {
      s.schedule('remove-idle-jit', runner.id, now + drawDuration(expiry.idleRemovalMs, () => s.chance.next()), now);
    }
  }

  /** A runner process connects: the runner is online and idle. */
  goOnline(runner: SimRunner): void {
    const now = this.#s.now();
    runner.status = 'online';
    runner.busy = false;
    runner.lostAt = undefined;
    runner.connectedAt ??= now;
    runner.offlineSince = undefined;
    runner.version = this.#s.options.runnerVersion ?? '2.330.0';
    this.#s.counters.runnersConnected += 1;
    this.markIdle(runner);
    this.dispatch();
  }

  /**
   * The runner's process went away. GitHub sees it offline at once, failing a job it ran; with a job lease, it
   * still sees it online (and busy with its job) until the lease runs out.
   */
  processGone(runner: SimRunner): void {
    const s = this.#s;
    if (runner.status === 'offline' || runner.lostAt !== undefined) return;
    const lease = s.behaviour.jobLease;
    if (!lease) {
      this.goOffline(runner);
      this.dispatch();
      return;
    }
    const now = s.now();
    runner.lostAt = now;
    if (!lease.assignToDeadRunners) s.idle.delete(runner.id);
    s.schedule('lease-expiry', runner.id, now + lease.leaseMs, now);
  }

  /** The job lease of a lost runner ran out: it shows offline, and the job it ran fails. */
  leaseExpired(runnerId: number, lostAt: number): boolean {
    const runner = this.#s.runners.get(runnerId);
    if (!runner || runner.lostAt !== lostAt) return false;
    this.goOffline(runner, true);
    this.dispatch();
    return true;
  }

  /** GitHub sees the runner offline: a pending assignment goes back to the queue and a running job fails. */
  goOffline(runner: SimRunner, lostCommunication = false): void {
    const s = this.#s;
    const jobId = runner.busy ? runner.jobId : undefined;
    this.releaseAssignment(runner, true);
    runner.status = 'offline';
    runner.offlineSince = s.now();
    runner.lostAt = undefined;
    if (runner.wedged) {
      runner.wedged = undefined;
      runner.busy = false;
      this.#view.busyChanged(runner);
    }
    s.idle.delete(runner.id);
    this.scheduleOfflineRemoval(runner);
    if (jobId === undefined) return;
    const job = s.jobs.get(jobId);
    if (job && job.status === 'in_progress') {
      if (lostCommunication) s.counters.jobsLostCommunication += 1;
      this.finishJob(job, 'failure');
    }
  }

  scheduleOfflineRemoval(runner: SimRunner): void {
    if (runner.offlineSince === undefined) return;
    const o = this.#s.options;
    const ttl = runner.ephemeral ? (o.ephemeralOfflineRemovalMs ?? DAY) : (o.persistentOfflineRemovalMs ?? 14 * DAY);
    this.#s.schedule('remove-offline-runner', runner.id, runner.offlineSince + ttl, runner.offlineSince);
  }

  /** Deletes a registration; a pending assignment goes back to the queue. */
  removeRunner(runner: SimRunner): void {
    const s = this.#s;
    this.releaseAssignment(runner, true);
    s.runners.delete(runner.id);
    s.runnerNames.delete(`${runner.scope}\u0000${lower(runner.name)}`);
    s.runnerLabels.delete(runner.id);
    s.jitSecrets.delete(runner.id);
    s.idle.delete(runner.id);
    this.#view.forget(runner.id);
    s.counters.runnersRemoved += 1;
  }

  /** A pending assignment is due: the runner picks the job up, or (gone) the job waits again. */
  pickupDue(jobId: number, runnerId: number): boolean {
    const s = this.#s;
    const job = s.jobs.get(jobId);
    if (!job || job.status !== 'queued' || job.assignedRunnerId !== runnerId) return false;
    const runner = s.runners.get(runnerId);
    if (runner && runner.status === 'online' && runner.assignedJobId === job.id) {
      // A lost runner never picks it up: the pickup timeout or the lease's end sends the job back.
      if (runner.lostAt !== undefined) return false;
      this.#start(job, runner);
    } else {
      this.requeue(job);
    }
    this.dispatch();
    return true;
  }

  /** The assigned runner did not pick the job up in time: the job goes back to the queue, the runner is idle. */
  pickupTimedOut(jobId: number, runnerId: number): boolean {
    const s = this.#s;
    const job = s.jobs.get(jobId);
    if (!job || job.status !== 'queued' || job.assignedRunnerId !== runnerId) return false;
    const runner = s.runners.get(runnerId);
    if (runner && runner.assignedJobId === job.id) {
      runner.assignedJobId = undefined;
      if (runner.status === 'online') this.markIdle(runner);
    }
    this.requeue(job);
    this.dispatch();
    return true;
  }

  /** Completes a job, freeing (or removing) its runner, and emits `completed`. */
  finishJob(job: SimJob, conclusion: 'success' | 'failure' | 'cancelled'): void {
    const s = this.#s;
    const now = s.now();
    s.queue.delete(job.id);
    const assigned = job.assignedRunnerId === undefined ? undefined : s.runners.get(job.assignedRunnerId);
    job.assignedRunnerId = undefined;
    if (assigned && assigned.assignedJobId === job.id) {
      assigned.assignedJobId = undefined;
      if (assigned.status === 'online') this.markIdle(assigned);
    }
    job.status = 'completed';
    job.conclusion = conclusion;
    job.completedAt = now;
    job.startedAt ??= job.queuedAt ?? job.createdAt;
    s.counters.jobsCompleted += 1;
    const runner = job.runnerId === undefined ? undefined : s.runners.get(job.runnerId);
    if (runner && runner.jobId === job.id && runner.busy && !runner.wedged) this.#release(runner);
    this.#deliveries.emit(job, 'completed');
    this.onFinished(job);
  }

  /** A job whose assigned runner went away (or missed it) waits again, in its original place. */
  requeue(job: SimJob): void {
    const s = this.#s;
    job.assignedRunnerId = undefined;
    s.counters.jobsRequeued += 1;
    const entries = [...s.queue.values(), job].sort((a, b) => (a.queuedAt ?? 0) - (b.queuedAt ?? 0) || a.id - b.id);
    s.queue.clear();
    for (const queued of entries) s.queue.set(queued.id, queued);
  }

  /** Frees a runner's pending assignment (runner going away, or job cancelled). */
  releaseAssignment(runner: SimRunner, requeue: boolean): void {
    const jobId = runner.assignedJobId;
    if (jobId === undefined) return;
    runner.assignedJobId = undefined;
    const job = this.#s.jobs.get(jobId);
    if (job && job.assignedRunnerId === runner.id && requeue) this.requeue(job);
  }

  /** The runner of a finished job: removed (ephemeral), idle again (persistent), or wedged. */
  #release(runner: SimRunner): void {
    const s = this.#s;
    runner.busy = false;
    if (runner.status === 'offline') {
      // Its machine went away mid-job: the registration stays, offline, until removed or deleted.
      this.#view.busyChanged(runner);
      return;
    }
    if (runner.lostAt === undefined && s.roll(s.behaviour.busyView?.stuckBusyRate)) {
      // Wedged: the runner never reports the job done; GitHub keeps showing it busy.
      runner.busy = true;
      runner.wedged = true;
      s.counters.runnersWedged += 1;
      return;
    }
    this.#view.busyChanged(runner);
    if (runner.ephemeral) {
      this.removeRunner(runner);
      if (runner.lostAt === undefined) s.runnerExited(runner, 'job-finished');
    } else {
      this.markIdle(runner);
    }
  }

  #assign(job: SimJob, runner: SimRunner): void {
    const s = this.#s;
    s.queue.delete(job.id);
    s.idle.delete(runner.id);
    runner.idleSince = undefined;
    const pickup = s.behaviour.pickup;
    const delay = pickup ? drawDuration(pickup.delayMs, () => s.chance.next()) : (s.options.pickupDelayMs ?? 0);
    const timeout = pickup?.timeoutMs ?? 0;
    const misses = runner.lostAt !== undefined || (timeout > 0 && s.roll(pickup?.missRate));
    if (delay <= 0 && !misses) {
      this.#start(job, runner);
      return;
    }
    runner.assignedJobId = job.id;
    job.assignedRunnerId = runner.id;
    const now = s.now();
    if (!misses) s.schedule('start-job', job.id, now + delay, runner.id);
    if (timeout > 0) s.schedule('pickup-timeout', job.id, now + timeout, runner.id);
  }

  /** The runner picks the job up: `in_progress`. */
  #start(job: SimJob, runner: SimRunner): void {
    const s = this.#s;
    const now = s.now();
    runner.assignedJobId = undefined;
    job.assignedRunnerId = undefined;
    runner.busy = true;
    runner.jobId = job.id;
    runner.idleSince = undefined;
    this.#view.busyChanged(runner, s.roll(s.behaviour.busyView?.hiddenBusyRate));
    const group = this.#tenancy.groupOf(runner);
    job.status = 'in_progress';
    job.startedAt = now;
    job.runnerId = runner.id;
    job.runnerName = runner.name;
    job.runnerGroupId = runner.groupId;
    job.runnerGroupName = group?.name ?? 'Default';
    s.counters.jobsStarted += 1;
    if (job.durationMs !== undefined) s.schedule('complete-job', job.id, now + job.durationMs, now);
    this.#deliveries.emit(job, 'in_progress');
  }

  /**
   * Visits the idle runners of a job's repository, organization or enterprise that may take it, with their rank
   * (0 repository, 1 organization, 2 enterprise); `visit` returns the worst rank still worth visiting.
   */
  #eachCandidate(job: SimJob, visit: (runner: SimRunner, rank: number) => number): void {
    const s = this.#s;
    const repo = s.reposById.get(job.repoId);
    if (!repo) return;
    const owner = s.accounts.get(lower(repo.owner));
    const repoKey = `repo:${lower(repo.fullName)}`;
    const orgKey = `org:${lower(repo.owner)}`;
    const enterpriseKey = owner?.enterprise ? `enterprise:${lower(owner.enterprise)}` : undefined;
    const wanted = job.labels.map(lower);
    let worst = 2;
    for (const id of s.idle) {
      const runner = s.runners.get(id);
      if (!runner) continue;
      const rank = runner.scope === repoKey ? 0 : runner.scope === orgKey ? 1 : runner.scope === enterpriseKey ? 2 : -1;
      if (rank < 0 || rank > worst) continue;
      const labels = s.runnerLabels.get(id);
      if (!labels || !wanted.every((l) => labels.has(l))) continue;
      if (rank > 0 && !this.#tenancy.groupAllows(runner, repo)) continue;
      worst = visit(runner, rank);
    }
  }

  /** Repository runners before organization runners before enterprise runners, longest idle first. */
  #bestRunnerFor(job: SimJob): SimRunner | undefined {
    let best: SimRunner | undefined;
    let bestRank = Number.POSITIVE_INFINITY;
    this.#eachCandidate(job, (runner, rank) => {
      if (
        !best ||
        rank < bestRank ||
        (runner.idleSince ?? 0) < (best.idleSince ?? 0) ||
        ((runner.idleSince ?? 0) === (best.idleSince ?? 0) && runner.id < best.id)
      ) {
        best = runner;
        bestRank = rank;
      }
      return bestRank;
    });
    return best;
  }

  /** Any matching idle runner, whatever its scope (GitHub promises no order). */
  #anyRunnerFor(job: SimJob): SimRunner | undefined {
    const candidates: SimRunner[] = [];
    this.#eachCandidate(job, (runner) => {
      candidates.push(runner);
      return 2;
    });
    if (candidates.length === 0) return undefined;
    return candidates[this.#s.chance.int(candidates.length)];
  }
}
