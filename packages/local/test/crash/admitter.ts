// An admitter for the several-processes test: `node --import tsx admitter.ts <db> <tag> <rounds> <maxRunners>`.
// Prints "ready", waits for the file <db>.go (so that all admitters start together), admits 3 runners per round
// into pool "linux", and prints what it admitted and the most runners it ever saw alive, as JSON.
import { existsSync } from 'node:fs';
import { openLocalStore } from '../../src/index.js';

const [path, tag, rounds, max] = process.argv.slice(2);
const store = openLocalStore({ path: path!, busyTimeout: 20_000 });
const signal = () => AbortSignal.timeout(20_000);
process.stdout.write('ready\n');
while (!existsSync(`${path}.go`)) await new Promise((resolve) => setTimeout(resolve, 5));
let admitted = 0;
let maxSeen = 0;
for (let i = 0; i < Number(rounds); i += 1) {
  const runners = [0, 1, 2].map((j) => {
    const now = Date.now();
    return { name: `${tag}-${i}-${j}`, poolId: 'linux', state: 'launching' as const, labels: [], ephemeral: true, createdAt: now, updatedAt: now, version: 1 };
  });
  admitted += (await store.ledger.admit('linux', runners, Number(max), signal())).length;
  maxSeen = Math.max(maxSeen, await store.ledger.alive('linux', signal()));
}
store.close();
process.stdout.write(`${JSON.stringify({ admitted, maxSeen })}\n`);
