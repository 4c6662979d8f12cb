// A scale-up worker for the crash-safety test: receives job events from the SQLite queue, ingests each job and
// admits one runner per job (pool "linux", at most MAX_RUNNERS), acknowledges the batch. Usage:
//   node --import tsx worker.ts <db> <maxRunners> [--stall-after N] [--delay ms]
// --stall-after N: after the N-th message (mid-batch, before the ack) print "stalled" and hang, to be killed.
// Without it, runs until the queue is empty (in-flight messages included). Prints `<job id>:<receive count>` for
// every message it has admitted for.
import { openLocalStore } from '../../src/index.js';

const [path, maxArg, ...flags] = process.argv.slice(2);
const flag = (name: string) => {
  const i = flags.indexOf(name);
  return i < 0 ? undefined : Number(flags[i + 1]);
};
const stallAfter = flag('--stall-after');
const delay = flag('--delay') ?? 0;
const maxRunners = Number(maxArg);
const store = openLocalStore({ path: path!, visibilityTimeout: 300 });
const signal = () => AbortSignal.timeout(10_000);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let processed = 0;
for (;;) {
  const batch = await store.queue.receive(10, signal());
  if (batch.length === 0) {
    const depth = store.queue.depth();
    if (depth.visible + depth.inFlight === 0) break;
    await sleep(25);
    continue;
  }
  for (const message of batch) {
    const { job } = message.event;
    const now = Date.now();
    await store.ledger.putJob(
      {
        id: job.id,
        runId: job.runId,
        runAttempt: job.runAttempt,
        repository: message.event.repository,
        labels: job.labels,
        status: 'queued',
        poolId: 'linux',
        queuedAt: now,
        updatedAt: now,
        version: 1,
      },
      signal(),
    ); // 'conflict' when a redelivery finds it stored: absorbed
    const runner = { name: `runner-${job.id}`, poolId: 'linux', state: 'launching' as const, labels: job.labels, ephemeral: true, createdAt: now, updatedAt: now, version: 1 };
    await store.ledger.admit('linux', [runner], maxRunners, signal());
    processed += 1;
    process.stdout.write(`${job.id}:${message.receiveCount}\n`);
    if (processed === stallAfter) {
      process.stdout.write('stalled\n');
      await new Promise(() => {}); // hang mid-batch, unacknowledged, until killed
    }
    if (delay > 0) await sleep(delay);
  }
  await store.queue.ack(batch.map((m) => m.id), signal());
}
store.close();
