// Times the pure scaling policy `plan` on seeded random snapshots of 1k, 10k and 100k runners and jobs across
// 50 pools, with and without the full-sweep listings; prints ms per plan, the growth ratio and heap used.
import { plan } from '@ghr/core';
import type { GitHubRunner, Instance, Job, Pool, Runner, RunnerState, Snapshot } from '@ghr/core';

const MIN = 60_000;
const HOUR = 60 * MIN;
const POOLS = 50;
// Wednesday 3 June 2026, 14:00 UTC: office-hours windows are active in some zones and not in others.
const NOW = Date.UTC(2026, 5, 3, 14, 0);
const ZONES = ['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Tokyo', 'Australia/Sydney'];

/** mulberry32: a small seeded PRNG, so every run plans the same snapshots. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(rnd: () => number, weighted: readonly (readonly [T, number])[]): T {
  let x = rnd();
  for (const [value, weight] of weighted) {
    x -= weight;
    if (x < 0) return value;
  }
  return (weighted[weighted.length - 1] as readonly [T, number])[0];
}

const RUNNER_STATES: readonly (readonly [RunnerState, number])[] = [
  ['busy', 0.5],
  ['idle', 0.2],
  ['booting', 0.1],
  ['launching', 0.1],
  ['draining', 0.1],
];
const JOB_STATUSES = [
  ['in_progress', 0.4],
  ['queued', 0.4],
  ['waiting', 0.1],
  ['completed', 0.1],
] as const;

interface World {
  readonly pools: readonly Pool[];
  readonly snapshot: Snapshot;
  readonly sweep: Snapshot;
}

function buildWorld(size: number, seed: number): World {
  const rnd = random(seed);
  const perPool = Math.ceil(size / POOLS);
  const pools: Pool[] = Array.from({ length: POOLS }, (_, i) => ({
    id: `pool-${i}`,
    labels: ['self-hosted', 'linux', `p${i}`],
    match: 'subset',
    priority: 0,
    scope: { kind: 'org', org: 'acme' },
    ephemeral: i % 3 !== 0,
    maxRunners: Math.ceil(perPool * 1.5),
    warm: [
      { schedule: '* 8-17 * * mon-fri', timeZone: ZONES[i % ZONES.length] as string, size: Math.ceil(perPool / 10) },
      { schedule: '*/2 * * * *', timeZone: 'UTC', size: 1 },
    ],
    idleTimeout: 5 * MIN,
    minimumLifetime: 10 * MIN,
    bootTimeout: 10 * MIN,
    maxRuntime: 6 * HOUR,
    drainOrder: i % 2 === 0 ? 'oldest-first' : 'newest-first',
    instance: {},
  }));
  const runners: Runner[] = [];
  const instances: Instance[] = [];
  const registrations: GitHubRunner[] = [];
  for (let i = 0; i < size; i++) {
    const state = pick(rnd, RUNNER_STATES);
    const poolId = `pool-${Math.floor(rnd() * POOLS)}`;
    // Steady state: busy, idle and draining runners up to 3 h old; launching and booting ones a few minutes old,
    // except 1% stuck past bootTimeout.
    const starting = state === 'launching' || state === 'booting';
    const createdAt = NOW - Math.floor(rnd() * (starting && rnd() >= 0.01 ? 5 * MIN : 3 * HOUR));
    const launched = state !== 'launching';
    const name = `ghr-${seed}-${i}`;
    runners.push({
      name,
      poolId,
      state,
      labels: ['self-hosted', 'linux'],
      ephemeral: true,
      providerId: launched ? `i-${i}` : undefined,
      githubId: launched ? 10_000_000 + i : undefined,
      createdAt,
      launchedAt: launched ? createdAt + 20_000 : undefined,
      idleSince: state === 'idle' ? NOW - Math.floor(rnd() * 20 * MIN) : undefined,
      updatedAt: createdAt,
      version: 1,
    });
    if (launched) {
      instances.push({ providerId: `i-${i}`, name, poolId, state: 'running', launchedAt: createdAt + 20_000 });
      registrations.push({ id: 10_000_000 + i, name, status: 'online', busy: state === 'busy', labels: ['self-hosted', 'linux'] });
    }
  }
  // 1% orphans both ways
  for (let i = 0; i < size / 100; i++) {
    instances.push({ providerId: `i-orphan-${i}`, name: `ghr-orphan-${i}`, poolId: `pool-${i % POOLS}`, state: 'running', launchedAt: NOW - HOUR });
    registrations.push({ id: 90_000_000 + i, name: `ghr-ghost-${i}`, status: 'offline', busy: false, labels: [] });
  }
  const jobs: Job[] = [];
  for (let i = 0; i < size; i++) {
    const status = pick(rnd, JOB_STATUSES);
    const queuedAt = NOW - Math.floor(rnd() * HOUR);
    jobs.push({
      id: i + 1,
      runId: Math.floor(i / 4) + 1,
      runAttempt: 1,
      repository: { owner: 'acme', repo: `repo-${i % 200}` },
      labels: ['self-hosted', 'linux'],
      status,
      poolId: rnd() < 0.05 ? null : `pool-${Math.floor(rnd() * POOLS)}`,
      queuedAt,
      startedAt: status === 'in_progress' ? queuedAt + 30_000 : undefined,
      checkedAt: rnd() < 0.5 ? queuedAt + Math.floor(rnd() * (NOW - queuedAt)) : undefined,
      updatedAt: queuedAt,
      version: 1,
    });
  }
  return {
    pools,
    snapshot: { jobs, runners },
    sweep: { jobs, runners, instances, registrations: [{ scope: { kind: 'org', org: 'acme' }, runners: registrations }] },
  };
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] as number;
}

interface Timing {
  readonly median: number;
  readonly p95: number;
  /** Median CPU time of this thread per plan (user + system): less inflated than wall time on a busy machine. */
  readonly cpu: number;
}

function time(snapshot: Snapshot, pools: readonly Pool[], runs: number): Timing {
  for (let i = 0; i < 5; i++) plan(snapshot, pools, NOW);
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    const cpuStart = process.cpuUsage();
    const start = performance.now();
    plan(snapshot, pools, NOW);
    wall.push(performance.now() - start);
    const used = process.cpuUsage(cpuStart);
    cpu.push((used.user + used.system) / 1000);
  }
  wall.sort((a, b) => a - b);
  cpu.sort((a, b) => a - b);
  return { median: percentile(wall, 0.5), p95: percentile(wall, 0.95), cpu: percentile(cpu, 0.5) };
}

const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
const pad = (value: string | number, width: number) => String(value).padStart(width);

/** Runs the plan benchmark and prints its table. */
export async function planBench(): Promise<void> {
  const sizes = [1_000, 10_000, 100_000];
  const header = ['runners', 'jobs', 'pools', 'mode', 'median ms', 'p95 ms', 'cpu ms', 'cpu µs/item', 'cpu growth', 'heap MB'];
  const widths = [8, 8, 6, 11, 10, 9, 8, 12, 11, 8];
  console.log(header.map((h, i) => pad(h, widths[i] as number)).join(' '));
  const previous: Record<string, number> = {};
  let check = 0;
  for (const size of sizes) {
    const world = buildWorld(size, size);
    for (const mode of ['event', 'full-sweep'] as const) {
      const snapshot = mode === 'event' ? world.snapshot : world.sweep;
      const runs = size >= 100_000 ? 15 : 40;
      const { median, p95, cpu } = time(snapshot, world.pools, runs);
      const result = plan(snapshot, world.pools, NOW);
      check += result.launches.length + result.drains.length + result.terminations.length;
      const growth = previous[mode] === undefined ? '' : `${(cpu / (previous[mode] as number)).toFixed(1)}x`;
      previous[mode] = cpu;
      const row = [size, size, POOLS, mode, median.toFixed(2), p95.toFixed(2), cpu.toFixed(2), ((cpu * 1000) / (2 * size)).toFixed(3), growth, mb(process.memoryUsage().heapUsed)];
      console.log(row.map((v, i) => pad(v, widths[i] as number)).join(' '));
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  console.log(
    '\nmedian/p95: wall time per plan after 5 warm-up runs; cpu: median CPU time per plan (wall time on a shared machine',
  );
  console.log('includes waiting for a core); item: one runner or one job; cpu growth: cpu / cpu of the size 10x smaller');
  console.log(`(10x = linear). event: ledger only; full-sweep: plus instances and registrations. (${check} actions planned)`);
}
