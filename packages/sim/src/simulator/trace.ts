// The trace format of the simulator: which jobs arrive when, where, with which labels, for how long.
import { GhrError } from '@ghr/core';

/** One job of a trace. Times are seconds from the start of the simulation. */
export interface TraceJob {
  /** When the job is queued, seconds from the start. */
  readonly at: number;
  /** `owner/name` of the repository. */
  readonly repo: string;
  /** The job's `runs-on` labels. */
  readonly labels: readonly string[];
  /** How long the job runs once a runner picked it up, seconds. */
  readonly duration: number;
  /** When the job is cancelled (if it has not completed by then), seconds from the start. */
  readonly cancelAt?: number;
}

/** A workload: jobs in order of arrival. */
export interface Trace {
  readonly jobs: readonly TraceJob[];
}

const MAX_REPORTED = 20;

/**
 * Validates a parsed JSON value as a {@link Trace} and returns its jobs sorted by arrival. Every problem is
 * reported at once (up to 20), each with its path, in a `GhrError` with code `invalid-input`.
 *
 * @example
 * ```ts
 * const trace = parseTrace(JSON.parse(readFileSync('trace.json', 'utf8')));
 * ```
 */
export function parseTrace(value: unknown, source = 'trace'): Trace {
  const problems: string[] = [];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid(source, ['the top level must be an object like { "jobs": [ ... ] }']);
  }
  const jobsValue = (value as { jobs?: unknown }).jobs;
  if (!Array.isArray(jobsValue)) {
    throw invalid(source, ['"jobs" must be an array of { at, repo, labels, duration, cancelAt? }']);
  }
  const jobs: TraceJob[] = [];
  jobsValue.forEach((raw: unknown, i) => {
    const path = `jobs[${i}]`;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      problems.push(`${path}: must be an object`);
      return;
    }
    const job = raw as Record<string, unknown>;
    const before = problems.length;
    const at = job.at;
    const duration = job.duration;
    const cancelAt = job.cancelAt;
    if (!isSeconds(at)) problems.push(`${path}.at: must be a number of seconds >= 0, got ${show(at)}`);
    if (!isSeconds(duration)) problems.push(`${path}.duration: must be a number of seconds >= 0, got ${show(duration)}`);
    if (typeof job.repo !== 'string' || !/^[\w.-]+\/[\w.-]+$/.test(job.repo)) {
      problems.push(`${path}.repo: must be "owner/name", got ${show(job.repo)}`);
    }
    if (
      !Array.isArray(job.labels) ||
      job.labels.length === 0 ||
      !job.labels.every((l) => typeof l === 'string' && l.trim() !== '')
    ) {
      problems.push(`${path}.labels: must be a non-empty array of label strings, got ${show(job.labels)}`);
    }
    if (cancelAt !== undefined && (!isSeconds(cancelAt) || (isSeconds(at) && cancelAt < at))) {
      problems.push(`${path}.cancelAt: must be a number of seconds >= at, got ${show(cancelAt)}`);
    }
    for (const key of Object.keys(job)) {
      if (!['at', 'repo', 'labels', 'duration', 'cancelAt'].includes(key)) {
        problems.push(`${path}.${key}: unknown field (allowed: at, repo, labels, duration, cancelAt)`);
      }
    }
    if (problems.length > before) return;
    jobs.push({
      at: at as number,
      repo: job.repo as string,
      labels: [...(job.labels as string[])],
      duration: duration as number,
      ...(cancelAt === undefined ? {} : { cancelAt: cancelAt as number }),
    });
  });
  if (problems.length > 0) throw invalid(source, problems);
  if (jobs.length === 0) throw invalid(source, ['"jobs" is empty: a trace needs at least one job']);
  return { jobs: sortByArrival(jobs) };
}

/**
 * Jobs sorted by `at`, keeping the given order for equal times.
 *
 * @example
 * ```ts
 * const jobs = sortByArrival([...morning, ...afternoon]);
 * ```
 */
export function sortByArrival(jobs: readonly TraceJob[]): TraceJob[] {
  return jobs
    .map((job, i) => ({ job, i }))
    .sort((a, b) => a.job.at - b.job.at || a.i - b.i)
    .map(({ job }) => job);
}

function isSeconds(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

function invalid(source: string, problems: readonly string[]): GhrError {
  const shown = problems.slice(0, MAX_REPORTED).map((p) => `  - ${p}`);
  if (problems.length > MAX_REPORTED) shown.push(`  - ... and ${problems.length - MAX_REPORTED} more`);
  return new GhrError(`The ${source} is not a valid trace; fix these and try again:\n${shown.join('\n')}`, {
    code: 'invalid-input',
  });
}
