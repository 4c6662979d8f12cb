import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jobEvent } from '@ghr/contracts';
import { afterEach, describe, expect, it } from 'vitest';
import { openLocalStore } from '../src/index.js';

const WORKER = join(import.meta.dirname, 'crash', 'worker.ts');
const ADMITTER = join(import.meta.dirname, 'crash', 'admitter.ts');
const PACKAGE_DIR = join(import.meta.dirname, '..');
const JOBS = 120;
const MAX_RUNNERS = 100;

/** Starts the worker; `output` resolves with its stdout once it prints `until` (or exits). */
function startWorker(db: string, extra: string[], until?: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER, db, String(MAX_RUNNERS), ...extra], {
    cwd: PACKAGE_DIR,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  const output = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (until !== undefined && stdout.includes(until)) resolve(stdout);
    });
    child.once('exit', (code, signal) => (code === 0 || signal === 'SIGKILL' ? resolve(stdout) : reject(new Error(`worker exited ${code ?? signal}`))));
    child.once('error', reject);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { child, output, exited };
}

describe('the SQLite store under several processes and crashes', () => {
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('loses no event and counts no runner twice when a worker is killed with SIGKILL mid-batch', { timeout: 30_000 }, async () => {
    dir = mkdtempSync(join(tmpdir(), 'ghr-crash-'));
    const db = join(dir, 'ghr.db');
    const store = openLocalStore({ path: db });
    const signal = AbortSignal.timeout(30_000);
    await store.queue.send(Array.from({ length: JOBS }, (_, i) => jobEvent(i + 1)), signal);

    // 1. A worker admits 25 runners (mid-way through its third batch of 10), then hangs before its ack: kill -9.
    const stalled = startWorker(db, ['--stall-after', '25'], 'stalled');
    await stalled.output;
    stalled.child.kill('SIGKILL');
    await stalled.exited;
    expect(await store.ledger.alive('linux', signal)).toBe(25);
    expect(store.queue.depth()).toEqual({ visible: JOBS - 30, inFlight: 10, deadLetters: 0 });

    // 2. A worker running flat out is killed at an arbitrary moment, possibly inside a transaction.
    const busy = startWorker(db, ['--delay', '1']);
    await new Promise((resolve) => setTimeout(resolve, 400));
    busy.child.kill('SIGKILL');
    await busy.exited;

    // 3. A restarted worker drains the queue, unacknowledged messages included once their timeout passes.
    const last = startWorker(db, []);
    const seen = [await stalled.output, await busy.output, await last.output]
      .join('')
      .split('\n')
      .filter((line) => /^\d+:\d+$/.test(line))
      .map((line) => line.split(':').map(Number) as [number, number]);
    // Every job was worked on; the stalled batch (jobs 21-30, 21-25 admitted before the kill) came back.
    expect(new Set(seen.map(([job]) => job)).size).toBe(JOBS);
    for (let job = 21; job <= 30; job += 1) expect(seen.some(([j, count]) => j === job && count >= 2)).toBe(true);

    expect(store.queue.depth()).toEqual({ visible: 0, inFlight: 0, deadLetters: 0 });
    const jobs = await store.ledger.listJobs({}, signal);
    expect(jobs.map((j) => j.id)).toEqual(Array.from({ length: JOBS }, (_, i) => i + 1));
    const runners = await store.ledger.listRunners({ poolId: 'linux' }, signal);
    expect(runners).toHaveLength(MAX_RUNNERS);
    expect(new Set(runners.map((r) => r.name)).size).toBe(MAX_RUNNERS);
    const jobIds = new Set(jobs.map((j) => `runner-${j.id}`));
    expect(runners.every((r) => jobIds.has(r.name) && r.state === 'launching' && r.version === 1)).toBe(true);
    expect(await store.ledger.alive('linux', signal)).toBe(MAX_RUNNERS);
    expect(store.ledger.prune()).toEqual({ jobs: 0, runners: 0, claims: 0 });
    store.close();
  });

  it('never admits past maxRunners when several processes admit into one pool at once', { timeout: 30_000 }, async () => {
    dir = mkdtempSync(join(tmpdir(), 'ghr-multi-'));
    const db = join(dir, 'ghr.db');
    const store = openLocalStore({ path: db });
    let ready = 0;
    let startAll = () => {};
    const allReady = new Promise<void>((resolve) => (startAll = resolve));
    const done = ['a', 'b', 'c', 'd'].map((tag) => {
      const child = spawn(process.execPath, ['--import', 'tsx', ADMITTER, db, tag, '15', '20'], {
        cwd: PACKAGE_DIR,
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      let counted = false;
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (!counted && out.includes('ready\n')) {
          counted = true;
          if (++ready === 4) startAll();
        }
      });
      return new Promise<{ admitted: number; maxSeen: number }>((resolve, reject) =>
        child.once('exit', (code) =>
          code === 0
            ? resolve(JSON.parse(out.trim().split('\n').pop()!) as { admitted: number; maxSeen: number })
            : reject(new Error(`admitter exited ${code}`)),
        ),
      );
    });
    await allReady;
    writeFileSync(`${db}.go`, ''); // all four start admitting at once
    const results = await Promise.all(done);
    // 4 processes × 15 rounds × 3 runners want 180; exactly 20 get in, and nobody ever saw more alive.
    expect(results.reduce((sum, r) => sum + r.admitted, 0)).toBe(20);
    expect(Math.max(...results.map((r) => r.maxSeen))).toBe(20);
    const signal = AbortSignal.timeout(10_000);
    expect(await store.ledger.alive('linux', signal)).toBe(20);
    expect(await store.ledger.listRunners({ poolId: 'linux' }, signal)).toHaveLength(20);
    store.close();
  });
});
