// The cold import time of each `@ghr/core` entry point, from the built dist: a fresh `node` process that imports
// the entry, minus a fresh bare `node` process, median of RUNS runs (interleaved, so that load on the machine
// hits all alike). A webhook Lambda and an embedder of `plan` pay the root entry's figure at every cold start.
// Also printed: the CPU time the import itself takes inside the fresh process (`process.cpuUsage`), which a busy
// machine inflates less than wall time, beside that of a one-line module (Node's own cost of a first import).
import { spawnSync } from 'node:child_process';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const ENTRIES = ['@ghr/core', '@ghr/core/config', '@ghr/core/testing'] as const;
const RUNS = 11;
const TARGET_ROOT_MS = 10;
// Resolve the entries as this package does (its node_modules link to the workspace's built packages).
const here = dirname(fileURLToPath(import.meta.url));

/** A module of one line, imported like the entries: what any first import of a file costs. */
const ONE_LINE = `data:text/javascript,${encodeURIComponent('export const one = 1;')}`;

/** Wall time (ms) of a fresh node process running `code` as an ES module, and what the process printed. */
function timeProcess(code: string): { wall: number; out: string } {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: here, stdio: ['ignore', 'pipe', 'pipe'] });
  const wall = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`node exited with ${result.status}: ${result.stderr.toString().trim()} (build first: pnpm --filter @ghr/core build)`);
  return { wall, out: result.stdout.toString() };
}

/** Code that imports `specifier` and prints the CPU ms the import took. */
const importing = (specifier: string) =>
  `const c = process.cpuUsage(); await import(${JSON.stringify(specifier)}); const d = process.cpuUsage(c); process.stdout.write(String((d.user + d.system) / 1000));`;

const median = (xs: readonly number[]): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

export function run(): void {
  const wall = new Map<string, number[]>();
  const cpu = new Map<string, number[]>();
  const add = (map: Map<string, number[]>, key: string, value: number) => map.set(key, [...(map.get(key) ?? []), value]);
  timeProcess(importing(ENTRIES[0])); // warm the file system cache once
  for (let i = 0; i < RUNS; i += 1) {
    add(wall, 'bare', timeProcess('').wall);
    add(cpu, 'one-line module', Number(timeProcess(importing(ONE_LINE)).out));
    for (const entry of ENTRIES) {
      const { wall: ms, out } = timeProcess(importing(entry));
      add(wall, entry, ms);
      add(cpu, entry, Number(out));
    }
  }
  const bare = median(wall.get('bare') ?? []);
  console.log(`node ${process.version}, median of ${RUNS} fresh processes; bare node: ${bare.toFixed(1)} ms`);
  console.log(`${'entry'.padEnd(18)} ${'process − bare'.padStart(15)} ${'import CPU'.padStart(11)}`);
  console.log(`${'one-line module'.padEnd(18)} ${''.padStart(15)} ${`${median(cpu.get('one-line module') ?? []).toFixed(1)} ms`.padStart(11)}`);
  for (const entry of ENTRIES) {
    const cost = median(wall.get(entry) ?? []) - bare;
    const target = entry === '@ghr/core' ? `  (target ≤ ${TARGET_ROOT_MS} ms: ${cost <= TARGET_ROOT_MS ? 'pass' : 'over'})` : '';
    console.log(`${entry.padEnd(18)} ${`${cost.toFixed(1)} ms`.padStart(15)} ${`${median(cpu.get(entry) ?? []).toFixed(1)} ms`.padStart(11)}${target}`);
  }
}
