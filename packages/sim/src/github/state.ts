// The state every part of the GitHub model shares: the records, the id counters, the clock and the timers. Plain
// data plus a few helpers; the concerns (tenancy, access, runners, scheduling, jobs, deliveries) act on it.
import type { RepositoryRef, RunnerScope } from '@ghr/core';
import type { SimClock } from '../clock.js';
import { SimError } from '../errors.js';
import type { Rng } from '../random.js';
import { createRng } from '../random.js';
import type { GitHubModelBehaviour } from './behaviour.js';
import { TimerHeap } from './heap.js';
import type { Timer } from './heap.js';
import type { GitHubModelOptions, ModelCounters } from './options.js';
import type { PayloadUrls } from './payloads.js';
import type {
  RunnerExit,
  ScopeKey,
  SimAccount,
  SimDelivery,
  SimEnterprise,
  SimInstallation,
  SimJob,
  SimRepo,
  SimRun,
  SimRunner,
  SimRunnerGroup,
  SimRunnerToken,
  WebhookAttempt,
  WebhookEvent,
} from './types.js';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** Lower case, for GitHub's case-insensitive names and labels. */
export const lower = (s: string): string => s.toLowerCase();

/** The scope key of a runner scope: `repo:owner/name`, `org:login`, `enterprise:slug` (lower case). */
export function scopeKeyOf(scope: RunnerScope): ScopeKey {
  if (scope.kind === 'repo') return `repo:${lower(scope.owner)}/${lower(scope.repo)}`;
  if (scope.kind === 'org') return `org:${lower(scope.org)}`;
  return `enterprise:${lower(scope.enterprise)}`;
}

/** A repository reference from `owner/repo` or a reference. */
export function repoRefOf(repo: string | RepositoryRef): RepositoryRef {
  if (typeof repo !== 'string') return repo;
  const [owner, name, ...rest] = repo.split('/');
  if (!owner || !name || rest.length > 0) {
    throw new SimError(`"${repo}" is not a repository name: write it as owner/repo.`, { code: 'invalid-input' });
  }
  return { owner, repo: name };
}

export const notFound = (): SimError => new SimError('Not Found', { code: 'not-found' });
export const notAccessible = (): SimError => new SimError('Resource not accessible by integration', { code: 'forbidden' });

export const newCounters = (): ModelCounters => ({
  jobsQueued: 0,
  jobsStarted: 0,
  jobsCompleted: 0,
  jobsCancelled: 0,
  jobsTimedOut: 0,
  jobsRequeued: 0,
  jobsLostCommunication: 0,
  jitConfigs: 0,
  registrationTokens: 0,
  runnersRegistered: 0,
  runnersConnected: 0,
  runnersRemoved: 0,
  idleJitRunnersRemoved: 0,
  jitConfigsExpired: 0,
  runnersWedged: 0,
  tokenMints: 0,
  webhooksEmitted: 0,
  webhooksSkippedNoInstallation: 0,
  webhooksVanished: 0,
  webhooksLate: 0,
  webhooksNeverSent: 0,
  webhooksDuplicated: 0,
  webhooksResentAfterRerun: 0,
  redeliveries: 0,
  rerunsRefused: 0,
});

const freshIds = () => ({
  account: 1_000_000,
  enterprise: 9_000,
  repo: 500_000_000,
  installation: 40_000_000,
  runner: 0,
  group: 1,
  job: 20_000_000_000,
  run: 9_000_000_000,
  delivery: 80_000_000_000,
  label: 0,
  timer: 0,
  pending: 0,
});

/** An installation access token as stored. */
export interface StoredToken {
  readonly installationId: number;
  readonly expiresAt: number;
}

/** The model's shared state. Mutated only by the model's concerns, never by callers. */
export class ModelState {
  readonly options: GitHubModelOptions;
  readonly behaviour: GitHubModelBehaviour;
  readonly clock: SimClock;
  counters: ModelCounters = newCounters();
  /** Tokens, GUIDs, secrets, SHAs. */
  rng: Rng;
  /** Draws of the behaviour knobs only, so a model without them draws exactly as before. */
  chance: Rng;
  ids = freshIds();
  webhookSecret: string | undefined;
  /** Base URLs inside payloads (the HTTP server points them at itself). */
  urls: PayloadUrls;

  readonly accounts = new Map<string, SimAccount>();
  readonly enterprises = new Map<string, SimEnterprise>();
  readonly repos = new Map<string, SimRepo>();
  readonly reposById = new Map<number, SimRepo>();
  readonly installations = new Map<number, SimInstallation>();
  readonly groups = new Map<ScopeKey, SimRunnerGroup[]>();
  readonly runners = new Map<number, SimRunner>();
  readonly runnerLabels = new Map<number, ReadonlySet<string>>();
  readonly runnerNames = new Map<string, number>();
  readonly jitSecrets = new Map<number, string>();
  /** Runners routing may give a job to. */
  readonly idle = new Set<number>();
  readonly jobs = new Map<number, SimJob>();
  readonly queue = new Map<number, SimJob>();
  readonly runs = new Map<number, SimRun>();
  /** Jobs waiting for the jobs they need, by run id. */
  readonly held = new Map<number, SimJob[]>();
  readonly labelIds = new Map<string, number>();
  readonly installationTokens = new Map<string, StoredToken>();
  readonly pats = new Map<string, { readonly login: string; readonly enterprises?: readonly string[] }>();
  readonly runnerTokens = new Map<string, SimRunnerToken>();
  readonly events = new Map<string, WebhookEvent>();
  /** Events emitted but sent later (late `completed`), by pending id. */
  readonly pendingEvents = new Map<number, WebhookEvent>();
  deliveries: SimDelivery[] = [];
  readonly timers = new TimerHeap();
  readonly webhookListeners = new Set<(attempt: WebhookAttempt) => void>();
  readonly transitionListeners = new Set<(event: WebhookEvent) => void>();
  readonly exitListeners = new Set<(exit: RunnerExit) => void>();
  /** During `tick()`, the due time of the timer being applied. */
  cursor: number | undefined;

  constructor(options: GitHubModelOptions) {
    this.options = options;
    this.behaviour = options.behaviour ?? {};
    this.clock = options.clock ?? { now: () => Date.now() };
    this.rng = createRng(options.seed ?? 1);
    this.chance = createRng(((options.seed ?? 1) ^ 0x2545f491) >>> 0);
    this.webhookSecret = options.webhookSecret;
    this.urls = options.urls ?? { api: 'https://api.github.com', html: 'https://github.com' };
  }

  /** The current model time: during `tick()`, the due time of the event being applied. */
  now(): number {
    return this.cursor ?? this.clock.now();
  }

  /** True with probability `rate` (never draws for a rate of 0, so knobs that are off change nothing). */
  roll(rate: number | undefined): boolean {
    if (rate === undefined || rate <= 0) return false;
    return this.chance.next() < rate;
  }

  schedule(kind: Timer['kind'], id: number, at: number, stamp: number): void {
    this.ids.timer += 1;
    this.timers.push({ kind, id, at, stamp, seq: this.ids.timer });
  }

  /** Forgets every record, timer and counter; keeps listeners. */
  reset(): void {
    this.rng = createRng(this.options.seed ?? 1);
    this.chance = createRng(((this.options.seed ?? 1) ^ 0x2545f491) >>> 0);
    this.ids = freshIds();
    for (const map of [
      this.accounts,
      this.enterprises,
      this.repos,
      this.reposById,
      this.installations,
      this.groups,
      this.runners,
      this.runnerLabels,
      this.runnerNames,
      this.jitSecrets,
      this.jobs,
      this.queue,
      this.runs,
      this.held,
      this.labelIds,
      this.installationTokens,
      this.pats,
      this.runnerTokens,
      this.events,
      this.pendingEvents,
    ]) {
      map.clear();
    }
    this.idle.clear();
    this.deliveries = [];
    this.timers.clear();
    this.counters = newCounters();
  }

  alnum(length: number): string {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
    let out = '';
    for (let i = 0; i < length; i += 1) out += alphabet[this.rng.int(alphabet.length)];
    return out;
  }

  /** The stable id GitHub gives a label name (case-insensitive). */
  labelId(name: string): number {
    const key = lower(name);
    let id = this.labelIds.get(key);
    if (id === undefined) {
      this.ids.label += 1;
      id = this.ids.label;
      this.labelIds.set(key, id);
    }
    return id;
  }

  runnerExited(runner: SimRunner, reason: RunnerExit['reason']): void {
    const exit: RunnerExit = { runnerId: runner.id, runnerName: runner.name, reason, at: this.now() };
    for (const listener of [...this.exitListeners]) listener(exit);
  }
}
