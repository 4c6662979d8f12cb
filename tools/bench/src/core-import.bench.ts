// The cold import time of each `@ghr/core` entry point, from the built dist: a fresh `node` process that imports
// the entry, minus a fresh bare `node` process, median of RUNS runs (interleaved, so that load on the machine
// hits all alike). A webhook Lambda and an embedder of `plan` pay the root entry's figure at every cold start.
import { spawnSync } from 'node:child_process';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const ENTRIES = ['@ghr/core', '@ghr/core/config', '@ghr/core/testing'] as const;
const RUNS = 11;
const TARGET_ROOT_MS = 10;
// Resolve the entries as this package does (its node_modules link to the workspace's built packages).
const here = dirname(fileURLToPath(import.meta.url));

/** Wall time (ms) of a fresh node process running `code` as an ES module. */
function timeProcess(code: string): number {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: here, stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`node exited with ${result.status}: ${result.stderr.toString().trim()} (build first: pnpm --filter @ghr/core build)`);
  return ms;
}

const median = (xs: readonly number[]): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

export function run(): void {
  const samples = new Map<string, number[]>([['bare', []], ...ENTRIES.map((e): [string, number[]] => [e, []])]);
  timeProcess(`await import('${ENTRIES[0]}');`); // warm the file system cache once
  for (let i = 0; i < RUNS; i += 1) {
    samples.get('bare')?.push(timeProcess(''));
    for (const entry of ENTRIES) samples.get(entry)?.push(timeProcess(`await import('${entry}');`));
  }
  const bare = median(samples.get('bare') ?? []);
  console.log(`node ${process.version}, median of ${RUNS} fresh processes; bare node: ${bare.toFixed(1)} ms`);
  for (const entry of ENTRIES) {
    const cost = median(samples.get(entry) ?? []) - bare;
    const target = entry === '@ghr/core' ? `  (target ≤ ${TARGET_ROOT_MS} ms: ${cost <= TARGET_ROOT_MS ? 'pass' : 'FAIL'})` : '';
    console.log(`${entry.padEnd(18)} ${cost.toFixed(1).padStart(6)} ms${target}`);
  }
}
