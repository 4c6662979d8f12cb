// Small record builders shared by the contract suites.
import type { Job, JobEvent, Pool, Runner } from '@ghr/core';

const T0 = Date.UTC(2026, 0, 5, 9);

/** A queued job record, version 1, with fields overridable. */
export function jobRecord(id: number, overrides: Partial<Job> = {}): Job {
  return {
    id,
    runId: 1_000 + id,
    runAttempt: 1,
    repository: { owner: 'acme', repo: 'web' },
    labels: ['self-hosted', 'linux'],
    status: 'queued',
    poolId: 'linux',
    queuedAt: T0,
    updatedAt: T0,
    version: 1,
    ...overrides,
  };
}

/** A runner record in state `launching`, version 1 (what `admit` stores). */
export function runnerRecord(name: string, overrides: Partial<Runner> = {}): Runner {
  return {
    name,
    poolId: 'linux',
    state: 'launching',
    labels: ['self-hosted', 'linux'],
    ephemeral: true,
    createdAt: T0,
    updatedAt: T0,
    version: 1,
    ...overrides,
  };
}

/** A `queued` job event. */
export function jobEvent(id: number, overrides: Partial<JobEvent> = {}): JobEvent {
  return {
    deliveryId: `delivery-${id}`,
    action: 'queued',
    job: { id, runId: 1_000 + id, runAttempt: 1, labels: ['self-hosted', 'linux'], name: `build ${id}` },
    repository: { owner: 'acme', repo: 'web' },
    installationId: 42,
    poolId: 'linux',
    receivedAt: T0 + id,
    ...overrides,
  };
}

/** A pool with defaults suitable for memory implementations. */
export function poolFixture(id: string, overrides: Partial<Pool> = {}): Pool {
  return {
    id,
    labels: ['self-hosted', 'linux', id],
    match: 'subset',
    priority: 0,
    scope: { kind: 'org', org: 'acme' },
    ephemeral: true,
    maxRunners: 10,
    warm: [],
    idleTimeout: 300_000,
    minimumLifetime: 0,
    bootTimeout: 600_000,
    maxRuntime: 86_400_000,
    drainOrder: 'oldest-first',
    instance: {},
    ...overrides,
  };
}
