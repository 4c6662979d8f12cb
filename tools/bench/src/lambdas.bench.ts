// The Lambda bundles of apps/lambdas: size of each `dist/<function>/index.mjs` and its cold-init import time, i.e.
// a fresh `node` importing the bundle minus a fresh `node` importing an empty module, median of several runs
// (interleaved, so a neighbour's load hits every bundle alike). Budgets: webhook <= 300 KB and <= 25 ms; each
// control-plane function <= 1.5 MB and <= 150 ms. Run `pnpm --filter @ghr/lambdas build` first.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const DIST = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'apps', 'lambdas', 'dist');
const FUNCTIONS = [
  { name: 'webhook', maxBytes: 300 * 1024, maxMs: 25 },
  { name: 'scale-up', maxBytes: 1.5 * 1024 * 1024, maxMs: 150 },
  { name: 'reconcile', maxBytes: 1.5 * 1024 * 1024, maxMs: 150 },
  { name: 'termination-watcher', maxBytes: 1.5 * 1024 * 1024, maxMs: 150 },
  { name: 'binaries-syncer', maxBytes: 1.5 * 1024 * 1024, maxMs: 150 },
] as const;
const RUNS = 11;

/** What the functions' config.ts needs to get through a cold start (no call is made at import). */
const ENV = {
  GHR_CONFIG_PARAMETER: '/ghr/bench/config',
  GHR_ENVIRONMENT: 'bench',
  GHR_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/ghr-events',
  GHR_TABLE_NAME: 'ghr-ledger',
  GHR_BINARIES_BUCKET: 'ghr-binaries',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  AWS_LAMBDA_FUNCTION_NAME: 'ghr-bench',
};

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Wall time of a fresh process importing `file`, and the import's own time measured inside it (ms). */
function coldImport(probe: string, file: string): { wall: number; inside: number } {
  const start = process.hrtime.bigint();
  const out = spawnSync(process.execPath, [probe, file], { env: { ...process.env, ...ENV }, encoding: 'utf8' });
  const wall = Number(process.hrtime.bigint() - start) / 1e6;
  if (out.status !== 0) throw new Error(`importing ${file} failed: ${out.stderr.slice(0, 2_000)}`);
  return { wall, inside: Number(out.stdout.trim().split('\n').pop()) };
}

/** Prints the figures. */
export async function run(): Promise<void> {
  const missing = FUNCTIONS.filter((f) => !existsSync(join(DIST, f.name, 'index.mjs')));
  if (missing.length > 0) throw new Error(`No bundle for ${missing.map((f) => f.name).join(', ')} in ${DIST}: run \`pnpm --filter @ghr/lambdas build\` first.`);
  const dir = mkdtempSync(join(tmpdir(), 'ghr-lambdas-bench-'));
  try {
    const probe = join(dir, 'probe.mjs');
    const empty = join(dir, 'empty.mjs');
    writeFileSync(probe, 'const t0 = performance.now();\nconst m = await import(process.argv[2]);\nif (m.handler === undefined && !process.argv[2].endsWith("empty.mjs")) process.exit(3);\nprocess.stdout.write(`${performance.now() - t0}\\n`);\n');
    writeFileSync(empty, 'export const handler = undefined;\n');
    const walls = new Map<string, number[]>();
    const insides = new Map<string, number[]>();
    const targets = [{ name: 'bare', file: empty }, ...FUNCTIONS.map((f) => ({ name: f.name, file: join(DIST, f.name, 'index.mjs') }))];
    coldImport(probe, empty); // warm the file-system cache
    for (let i = 0; i < RUNS; i++) {
      for (const t of targets) {
        const { wall, inside } = coldImport(probe, t.file);
        walls.set(t.name, [...(walls.get(t.name) ?? []), wall]);
        insides.set(t.name, [...(insides.get(t.name) ?? []), inside]);
      }
    }
    const bare = median(walls.get('bare')!);
    console.log(`cold init: fresh node importing the bundle minus a fresh node importing an empty module; median of ${RUNS} interleaved runs (bare node: ${bare.toFixed(0)} ms)`);
    console.log('| function | bundle | gzip | cold init (wall − bare) | import inside the process | budget | within |');
    console.log('|---|---|---|---|---|---|---|');
    let allWithin = true;
    for (const f of FUNCTIONS) {
      const file = join(DIST, f.name, 'index.mjs');
      const bytes = statSync(file).size;
      const gzip = gzipSync(readFileSync(file)).length;
      const cold = median(walls.get(f.name)!) - bare;
      const inside = median(insides.get(f.name)!);
      const within = bytes <= f.maxBytes && cold <= f.maxMs;
      allWithin &&= within;
      console.log(
        `| ${f.name} | ${(bytes / 1024).toFixed(0)} KB | ${(gzip / 1024).toFixed(0)} KB | ${cold.toFixed(1)} ms | ${inside.toFixed(1)} ms | ≤ ${f.maxBytes >= 1024 * 1024 ? `${f.maxBytes / 1024 / 1024} MB` : `${f.maxBytes / 1024} KB`}, ≤ ${f.maxMs} ms | ${within ? 'yes' : 'NO'} |`,
      );
    }
    console.log(`budgets: ${allWithin ? 'met' : 'NOT met'} (a loaded machine inflates times: compare with the bare figure)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
