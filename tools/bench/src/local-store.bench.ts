// The SQLite store of @ghr/local on this machine's disk: ledger admissions per second (one process, and several
// processes admitting into one pool of one file at once), and event-queue messages per second through
// send + receive + ack, with `synchronous` normal (the default) and full (one fsync per commit).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JobEvent, Runner } from '@ghr/core';
import { openLocalStore } from '@ghr/local';
import type { SqliteSynchronous } from '@ghr/local';

const POOL = 'bench';
const MAX_RUNNERS = 20;
const RUNNERS_PER_ADMIT = 2;
const SELF = fileURLToPath(import.meta.url);

const signal = () => AbortSignal.timeout(120_000);

const runner = (name: string): Runner => ({
  name,
  poolId: POOL,
  state: 'launching',
  labels: ['self-hosted', 'linux'],
  ephemeral: true,
  createdAt: 0,
  updatedAt: 0,
  version: 1,
});

const event = (id: number): JobEvent => ({
  deliveryId: `d-${id}`,
  action: 'queued',
  job: { id, runId: id, runAttempt: 1, labels: ['self-hosted', 'linux'], name: `build ${id}` },
  repository: { owner: 'acme', repo: 'web' },
  installationId: 1,
  poolId: 'linux',
  receivedAt: id,
});

interface AdmitFigures {
  readonly admitted: number;
  readonly admitCalls: number;
  readonly maxAlive: number;
  readonly seconds: number;
}

/** `cycles` times: admit 2 runners (max 20 alive), read the alive count, terminate what was admitted. */
async function admitLoop(path: string, tag: string, cycles: number, synchronous: SqliteSynchronous): Promise<AdmitFigures> {
  const store = openLocalStore({ path, synchronous, busyTimeout: 30_000 });
  let admitted = 0;
  let maxAlive = 0;
  const started = performance.now();
  for (let i = 0; i < cycles; i += 1) {
    const got = await store.ledger.admit(POOL, Array.from({ length: RUNNERS_PER_ADMIT }, (_, j) => runner(`${tag}-${i}-${j}`)), MAX_RUNNERS, signal());
    admitted += got.length;
    maxAlive = Math.max(maxAlive, await store.ledger.alive(POOL, signal()));
    for (const r of got) await store.ledger.putRunner({ ...r, state: 'terminated', version: 2 }, signal());
  }
  const seconds = (performance.now() - started) / 1000;
  store.close();
  return { admitted, admitCalls: cycles, maxAlive, seconds };
}

/** Runs `processes` child processes of this file, each running `admitLoop` on one database file at once. */
async function admitInProcesses(path: string, processes: number, cycles: number, synchronous: SqliteSynchronous): Promise<AdmitFigures & { wall: number }> {
  openLocalStore({ path }).close(); // schema first, so the children do not all migrate at once
  const started = performance.now();
  const results = await Promise.all(
    Array.from({ length: processes }, (_, p) => {
      const child = spawn(process.execPath, ['--import', 'tsx', SELF, 'child', path, `p${p}`, String(cycles), synchronous], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      return new Promise<AdmitFigures>((resolve, reject) =>
        child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as AdmitFigures) : reject(new Error(`child exited ${code}`)))),
      );
    }),
  );
  const wall = (performance.now() - started) / 1000;
  return {
    admitted: results.reduce((a, r) => a + r.admitted, 0),
    admitCalls: results.reduce((a, r) => a + r.admitCalls, 0),
    maxAlive: Math.max(...results.map((r) => r.maxAlive)),
    seconds: Math.max(...results.map((r) => r.seconds)),
    wall,
  };
}

/** `total` events through send, receive and ack in batches of `batch`. */
async function queueLoop(path: string, total: number, batch: number, synchronous: SqliteSynchronous): Promise<number> {
  const store = openLocalStore({ path, synchronous });
  const started = performance.now();
  for (let sent = 0; sent < total; sent += batch) {
    await store.queue.send(Array.from({ length: batch }, (_, i) => event(sent + i)), signal());
    const messages = await store.queue.receive(batch, signal());
    await store.queue.ack(messages.map((m) => m.id), signal());
  }
  const seconds = (performance.now() - started) / 1000;
  const left = store.queue.depth();
  store.close();
  if (left.visible + left.inFlight > 0) throw new Error(`queue bench left ${left.visible + left.inFlight} messages`);
  return total / seconds;
}

function printAdmit(label: string, f: AdmitFigures): void {
  console.log(
    `${label}: ${f.admitted} runners admitted in ${f.admitCalls} admit calls (each + alive + terminate), ${f.seconds.toFixed(2)} s → ` +
      `${(f.admitted / f.seconds).toFixed(0)} admissions/s, ${(f.admitCalls / f.seconds).toFixed(0)} admit calls/s; max alive seen ${f.maxAlive} of ${MAX_RUNNERS}`,
  );
}

/** Prints admissions/s and queue messages/s of the SQLite store on a temporary file. */
export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ghr-bench-local-'));
  try {
    console.log(`SQLite store on ${dir} (WAL), pool max ${MAX_RUNNERS}, admit ${RUNNERS_PER_ADMIT} then terminate them`);
    // `full` fsyncs every commit: fewer rounds keep its part short.
    for (const [synchronous, scale] of [['normal', 1], ['full', 0.2]] as const) {
      console.log(`synchronous=${synchronous}`);
      printAdmit('  1 process ', await admitLoop(join(dir, `one-${synchronous}.db`), 'r', 2_000 * scale, synchronous));
      const multi = await admitInProcesses(join(dir, `multi-${synchronous}.db`), 4, 500 * scale, synchronous);
      printAdmit('  4 processes', multi);
      for (const batch of [1, 10]) {
        const rate = await queueLoop(join(dir, `queue-${synchronous}-${batch}.db`), 5_000 * scale, batch, synchronous);
        console.log(`  queue, batches of ${String(batch).padStart(2)}: ${rate.toFixed(0)} messages/s through send + receive + ack`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// A child process of `admitInProcesses`: `child <db> <tag> <cycles> <synchronous>`, prints its figures as JSON.
if (process.argv[1] === SELF && process.argv[2] === 'child') {
  const [, , , path, tag, cycles, synchronous] = process.argv;
  const figures = await admitLoop(path!, tag!, Number(cycles), synchronous as SqliteSynchronous);
  process.stdout.write(JSON.stringify(figures));
}
