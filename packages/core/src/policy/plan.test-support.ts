// Fixtures of the plan tests: pools, runners, jobs, instances and registrations around a fixed NOW.
import type { Job, Pool, Runner } from '../domain.js';
import type { GitHubRunner, Instance } from '../ports.js';
import type { Snapshot } from './types.js';

export const MIN = 60_000;
export const HOUR = 60 * MIN;
// Wednesday 3 June 2026, 12:00 UTC (14:00 in Berlin)
export const NOW = Date.UTC(2026, 5, 3, 12, 0);

export function pool(overrides: Partial<Pool> = {}): Pool {
  return {
    id: 'linux',
    labels: ['self-hosted', 'linux'],
    match: 'subset',
    priority: 0,
    scope: { kind: 'org', org: 'acme', runnerGroup: 'ci' },
    ephemeral: true,
    maxRunners: 10,
    warm: [],
    idleTimeout: 5 * MIN,
    minimumLifetime: 0,
    bootTimeout: 10 * MIN,
    maxRuntime: 6 * HOUR,
    drainOrder: 'oldest-first',
    instance: {},
    ...overrides,
  };
}

let seq = 0;
export function runner(overrides: Partial<Runner> = {}): Runner {
  seq += 1;
  return {
    name: `ghr-${seq}`,
    poolId: 'linux',
    state: 'idle',
    labels: ['self-hosted', 'linux'],
    ephemeral: true,
    createdAt: NOW - MIN,
    updatedAt: NOW - MIN,
    version: 1,
    ...overrides,
  };
}

export function job(overrides: Partial<Job> = {}): Job {
  seq += 1;
  return {
    id: seq,
    runId: 1,
    runAttempt: 1,
    repository: { owner: 'acme', repo: 'app' },
    labels: ['self-hosted', 'linux'],
    status: 'queued',
    poolId: 'linux',
    queuedAt: NOW - 10_000,
    updatedAt: NOW - 10_000,
    version: 1,
    ...overrides,
  };
}

export function instance(overrides: Partial<Instance> = {}): Instance {
  seq += 1;
  return { providerId: `i-${seq}`, name: `ghr-${seq}`, poolId: 'linux', state: 'running', launchedAt: NOW - HOUR, ...overrides };
}

export function registration(overrides: Partial<GitHubRunner> = {}): GitHubRunner {
  seq += 1;
  return { id: 1000 + seq, name: `ghr-${seq}`, status: 'online', busy: false, labels: ['self-hosted', 'linux'], ...overrides };
}

export const jobs = (count: number, overrides: Partial<Job> = {}) => Array.from({ length: count }, () => job(overrides));
export const runners = (count: number, overrides: Partial<Runner> = {}) => Array.from({ length: count }, () => runner(overrides));
export const snapshot = (parts: Partial<Snapshot>): Snapshot => ({ jobs: [], runners: [], ...parts });
