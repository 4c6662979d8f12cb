/* eslint-disable no-console -- an example script prints its result */
import { plan } from '@ghr/core';
import type { Job, Pool, Runner, Snapshot } from '@ghr/core';

const MINUTE = 60_000;
const now = Date.parse('2026-06-03T09:30:00Z'); // a Wednesday, 11:30 in Berlin

const pools: Pool[] = [
  {
    id: 'linux-x64',
    labels: ['self-hosted', 'linux', 'x64'],
    match: 'subset',
    priority: 0,
    scope: { kind: 'org', org: 'acme' },
    ephemeral: true,
    maxRunners: 10,
    // keep 2 runners idle on weekdays from 08:00 to 17:59, Berlin time
    warm: [{ schedule: '* 8-17 * * mon-fri', timeZone: 'Europe/Berlin', size: 2 }],
    idleTimeout: 5 * MINUTE,
    minimumLifetime: 0,
    bootTimeout: 10 * MINUTE,
    maxRuntime: 6 * 60 * MINUTE,
    drainOrder: 'oldest-first',
    instance: {},
  },
];

// Your own view of the world: open jobs and alive runners (from your database, GitHub's API, ...).
const queuedJob = (id: number): Job => ({
  id,
  runId: 100,
  runAttempt: 1,
  repository: { owner: 'acme', repo: 'app' },
  labels: ['self-hosted', 'linux'],
  status: 'queued',
  poolId: 'linux-x64',
  queuedAt: now - 30_000,
  updatedAt: now - 30_000,
  version: 1,
});
const idleRunner: Runner = {
  name: 'ghr-linux-x64-1',
  poolId: 'linux-x64',
  state: 'idle',
  labels: ['self-hosted', 'linux', 'x64'],
  ephemeral: true,
  createdAt: now - 2 * MINUTE,
  idleSince: now - MINUTE,
  updatedAt: now - MINUTE,
  version: 1,
};
const snapshot: Snapshot = { jobs: [queuedJob(1), queuedJob(2), queuedJob(3)], runners: [idleRunner] };

const result = plan(snapshot, pools, now);
for (const launch of result.launches) {
  console.log(`${launch.poolId}: launch ${launch.count}`, launch.reason);
}
// linux-x64: launch 4 { queued: 3, warm: 2, want: 5, covered: 1, alive: 1, maxRunners: 10, capped: false }
