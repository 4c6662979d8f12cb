// How unkind the GitHub model is: each way real GitHub departs from the tidy model of runners and jobs, as a knob.
// Every knob is off unless set, so a model built without a behaviour keeps its exact, predictable semantics; the
// production constant turns them all on with values taken from GitHub's documentation or from public reports.
import type { RateLimitOptions } from './rate-limits.js';

/** A duration drawn uniformly between two bounds (ms), or a fixed one. */
export type DurationRange = number | { readonly minMs: number; readonly maxMs: number };

/** A runner whose process died keeps its job: GitHub only notices when the job lease runs out. */
export interface JobLeaseBehaviour {
  /**
   * How long GitHub still believes a runner whose process went away (`disconnectRunner`) is online: a job it runs
   * stays `in_progress` (busy) for this long, then fails; only then does the runner show offline.
   */
  readonly leaseMs: number;
  /** Whether GitHub may route queued jobs to such a dead-but-online runner (they wait for the pickup timeout). */
  readonly assignToDeadRunners: boolean;
}

/** The `busy` and `status` the REST API shows are not the runner's exact state. */
export interface BusyViewBehaviour {
  /** A runner list is served from a snapshot up to this old (per scope and `name` filter). 0: always fresh. */
  readonly listCacheMs: number;
  /** The API's `busy` shows the runner's state this long ago. 0: no lag. */
  readonly busyLagMs: number;
  /** Chance per job that the API shows its runner `busy: false` for the whole job (a DELETE then succeeds). */
  readonly hiddenBusyRate: number;
  /** Chance per finished job that its runner wedges: online, `busy: true`, taking no job, refusing DELETE (422). */
  readonly stuckBusyRate: number;
}

/** How assigned jobs are picked up. */
export interface PickupBehaviour {
  /** How long an assigned runner takes to pick its job up; meanwhile the job stays `queued`. */
  readonly delayMs: DurationRange;
  /** A job its runner did not pick up within this long goes back to the queue. 0: it waits for the runner. */
  readonly timeoutMs: number;
  /** Chance per assignment that a live runner misses it (the job then waits for `timeoutMs`). */
  readonly missRate: number;
}

/** GitHub's server-side clean-up of JIT runners. */
export interface JitExpiryBehaviour {
  /** A connected JIT runner that stays idle this long is removed; its process exits (`onRunnerExit`). */
  readonly idleRemovalMs: DurationRange;
  /** A JIT config not used (connected) within this long is void: its registration is removed. */
  readonly unusedConfigMs: number;
}

/** Webhooks that vanish, arrive late, or repeat. Rates are chances per event. */
export interface EventBehaviour {
  /** A `queued` event is neither sent nor logged as a delivery: only a listing of jobs finds the job. */
  readonly queuedVanishRate: number;
  /** A `completed` event is sent late, by `completedLateMs`. */
  readonly completedLateRate: number;
  readonly completedLateMs: DurationRange;
  /** A `completed` event is never sent. */
  readonly completedNeverRate: number;
  /** A `completed` event is sent twice, the second time as a new delivery (new GUID). */
  readonly completedDuplicateRate: number;
  /** After a re-run, `completed` is sent again for the jobs the new attempt carried over from the earlier one. */
  readonly resendCarriedOverCompleted: boolean;
}

/** GitHub's limits on re-running jobs. */
export interface RerunBehaviour {
  /** A run is re-run at most this many times (its attempt number then stays). */
  readonly maxReruns: number;
  /** A run older than this cannot be re-run. */
  readonly maxAgeMs: number;
}

/**
 * Every way the model departs from an exact GitHub, each off unless set. Pass it as `behaviour` to a
 * `GitHubModel` (or `model.behaviour` to the HTTP server).
 *
 * @example
 * ```ts
 * const model = new GitHubModel({ clock, behaviour: { jobLease: { leaseMs: 600_000, assignToDeadRunners: true } } });
 * ```
 */
export interface GitHubModelBehaviour {
  readonly jobLease?: JobLeaseBehaviour;
  readonly busyView?: BusyViewBehaviour;
  readonly pickup?: PickupBehaviour;
  /**
   * Which of several idle matching runners gets a job: `preferred` (repository runners, then organization, then
   * enterprise, longest idle first: deterministic) or `random` (any of them, as GitHub promises no order).
   * Default `preferred`.
   */
  readonly routing?: 'preferred' | 'random';
  /** `config.sh` adds `self-hosted`, the OS and the architecture to a runner's labels unless told not to. */
  readonly configDefaultLabels?: boolean;
  readonly jitExpiry?: JitExpiryBehaviour;
  readonly events?: EventBehaviour;
  /** Re-runs refused while the run is in progress, outside its latest attempt, past the limits. */
  readonly reruns?: RerunBehaviour;
  /** Rate-limit shapes; merged under the model's own `rateLimits` option (which wins). */
  readonly rateLimits?: RateLimitOptions;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * GitHub as it behaves in production, for the simulator's production-like runs. Where each value comes from:
 *
 * - `jobLease`: a runner renews its job lease every minute and a job whose runner died fails with "lost
 *   communication" about 10 minutes later (observed in actions/runner reports); jobs were seen routed to such
 *   dead runners that still showed online (observed).
 * - `busyView`: the runner list answers with `Cache-Control: max-age=60` (documented header); `busy` trailing the
 *   job by tens of seconds is what users of other autoscalers reported; `busy: false` during a job and `busy: true`
 *   stuck after a wedged job were each reported a few times (observed, rare: the rates are estimates).
 * - `pickup`: GitHub documents that a job not picked up by its assigned runner within 60 s is re-queued; the
 *   delay before pickup (a few seconds) and the miss rate are estimates, no figure is published.
 * - `routing`: GitHub does not document which of several matching runners gets a job, so any may.
 * - `configDefaultLabels`: documented behaviour of `config.sh` (`--no-default-labels` turns it off).
 * - `jitExpiry`: connected idle JIT runners were removed after 2 to 6 minutes, mostly near 6 (observed, not
 *   documented); an unused JIT config is taken to expire after an hour, the documented lifetime of a
 *   registration token (an assumption: GitHub publishes none for JIT configs).
 * - `events`: `completed` arriving 10 to 30 minutes late or never after a successful JIT job, and re-sent for
 *   carried-over jobs after a re-run, were reported (observed); GitHub documents no automatic redelivery, so a
 *   lost `queued` stays lost. The rates are estimates.
 * - `reruns`: documented: a run can be re-run up to 50 times and for 30 days.
 * - `rateLimits`: documented: 5,000 requests per hour per installation (up to 12,500 for large organizations,
 *   15,000 on Enterprise Cloud: pass `primaryPerHour`), secondary limits answered 403 or 429, `retry-after`
 *   not always sent, 100 concurrent requests, content creation limited to 80 per minute and 500 per hour. Which
 *   endpoints count as content creation is not documented: only re-runs (which create a run attempt) are counted
 *   here, since autoscalers that mint thousands of JIT configs an hour report no such limit (an assumption).
 *
 * @example
 * ```ts
 * const model = new GitHubModel({ clock, seed: 7, behaviour: PRODUCTION_GITHUB_BEHAVIOUR });
 * ```
 */
export const PRODUCTION_GITHUB_BEHAVIOUR: GitHubModelBehaviour = Object.freeze({
  jobLease: Object.freeze({ leaseMs: 10 * MINUTE, assignToDeadRunners: true }),
  busyView: Object.freeze({ listCacheMs: MINUTE, busyLagMs: 20_000, hiddenBusyRate: 0.002, stuckBusyRate: 0.001 }),
  pickup: Object.freeze({ delayMs: Object.freeze({ minMs: 1_000, maxMs: 5_000 }), timeoutMs: MINUTE, missRate: 0.002 }),
  routing: 'random',
  configDefaultLabels: true,
  jitExpiry: Object.freeze({ idleRemovalMs: Object.freeze({ minMs: 2 * MINUTE, maxMs: 6 * MINUTE }), unusedConfigMs: HOUR }),
  events: Object.freeze({
    queuedVanishRate: 0.002,
    completedLateRate: 0.01,
    completedLateMs: Object.freeze({ minMs: 10 * MINUTE, maxMs: 30 * MINUTE }),
    completedNeverRate: 0.002,
    completedDuplicateRate: 0.005,
    resendCarriedOverCompleted: true,
  }),
  reruns: Object.freeze({ maxReruns: 50, maxAgeMs: 30 * DAY }),
  rateLimits: Object.freeze({
    primaryPerHour: 5_000,
    primaryStatus: 403,
    secondaryStatus: 'either',
    retryAfterAbsentRate: 0.25,
    maxConcurrent: 100,
    contentCreationPerMinute: 80,
    contentCreationPerHour: 500,
    contentCreationEndpoints: Object.freeze(['/repos/:owner/:repo/actions/jobs/:job_id/rerun']),
  }),
} satisfies GitHubModelBehaviour);

/** A duration from a range: fixed, or drawn uniformly with `draw()` in [0, 1). */
export function drawDuration(range: DurationRange, draw: () => number): number {
  if (typeof range === 'number') return range;
  return Math.round(range.minMs + (range.maxMs - range.minMs) * draw());
}
