// The simulator benchmark: every trace generator with ghr's engine and with the stateless baseline (same
// trace, same seed, same simulated GitHub and cloud), side by side, without chaos, with `flaky` chaos and in the
// production-like world (`production`: lagging ledger listings, launches named after the fact, ambiguous writes,
// runs killed at any await, 4 concurrent scale-ups, GitHub's own departures), then a simulated day of 20,000 jobs.
// Prints a table (p50/p95 wait, idle runner-seconds per served job, GitHub calls per job and per hour, launches
// that ran no job per job, violations, ghr/baseline ratios), the targets with pass/fail, and the day's wall time
// and peak memory.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseConfig } from '@ghr/core/config';
import type { Pool } from '@ghr/core';
import { CHAOS_PRESETS, GENERATOR_NAMES, generateTrace, generatorContextFor, simulate } from '@ghr/sim';
import type { ChaosPresetName, GeneratorName, PolicyName, SimulationReport } from '@ghr/sim';

const SEED = 7;
const SIZES: Readonly<Record<GeneratorName, number>> = { steady: 5_000, burst: 250, cancellations: 1_000, 'mixed-labels': 1_000 };
const DAY_JOBS = 20_000;
// The example config, with maxRunners raised so that a 250-job burst and a 20,000-job day fit (the bench
// compares how policies use capacity, not how long a queue grows behind a cap), and without warm capacity:
// the baseline has none, and warm runners are idle by design, a cost the operator chooses.
const SCALE = 15;

function pools(): readonly Pool[] {
  const file = fileURLToPath(new URL('../../../examples/ghr.config.yaml', import.meta.url));
  return parseConfig(readFileSync(file, 'utf8')).pools.map((p) => ({ ...p, maxRunners: p.maxRunners * SCALE, warm: [] }));
}

const violations = (r: SimulationReport) => Object.values(r.result.violations).reduce((a, b) => a + b, 0);
const idlePerJob = (r: SimulationReport) => r.result.runnerSeconds.idle / Math.max(1, r.result.jobs.served);
const noJobPerJob = (r: SimulationReport) => r.result.runnersWithoutJob / Math.max(1, r.result.jobs.total);
const fmt = (n: number, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : '—');
const ratio = (a: number, b: number) => (b === 0 ? (a === 0 ? '1.00' : '∞') : (a / b).toFixed(2));

export async function simulateBench(): Promise<void> {
  const configPools = pools();
  const context = generatorContextFor(configPools);
  console.log(`pools: ${configPools.map((p) => `${p.id} (max ${p.maxRunners}, no warm runners)`).join(', ')}; seed ${SEED}`);
  const targets: string[] = [];
  for (const chaos of ['none', 'flaky', 'production'] as const) {
    console.log(`\nchaos ${chaos}:`);
    await compare(configPools, context, chaos, chaos === 'none' ? targets : chaos === 'production' ? targets : undefined, chaos);
  }

  // A simulated working day of 20,000 jobs with ghr: wall time and peak memory.
  const day = generateTrace('steady', { seed: SEED, size: DAY_JOBS, ...context });
  let peakRss = process.memoryUsage().rss;
  const started = performance.now();
  const report = await simulate({
    pools: configPools,
    trace: day,
    policy: 'ghr',
    seed: SEED,
    onProgress: () => {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    },
  });
  const wall = (performance.now() - started) / 1000;
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  const peakMb = peakRss / 2 ** 20;
  const r = report.result;
  console.log(
    `\nsimulated day: ${r.jobs.total} jobs over ${fmt(report.simulatedSeconds / 3600, 1)} h simulated in ${fmt(wall, 1)} s wall, ` +
      `${report.steps} events; peak RSS ${fmt(peakMb, 0)} MB (process max RSS ${fmt(process.resourceUsage().maxRSS / 1024, 0)} MB)`,
  );
  console.log(
    `  wait p50 ${fmt(r.waitSeconds.p50)} s, p95 ${fmt(r.waitSeconds.p95)} s; idle ${fmt(r.runnerSeconds.idle / r.jobs.total)} s/job; ` +
      `GitHub ${fmt(r.githubApiCalls.perJob, 2)}/job; violations ${JSON.stringify(r.violations)}`,
  );
  targets.push(
    `${wall < 60 ? 'PASS' : 'FAIL'} day: ${fmt(wall, 1)} s wall < 60 s`,
    `${peakMb < 512 ? 'PASS' : 'FAIL'} day: peak RSS ${fmt(peakMb, 0)} MB < 512 MB`,
  );
  console.log(`\ntargets (ghr):\n${targets.map((t) => `  ${t}`).join('\n')}`);
}

async function compare(
  configPools: readonly Pool[],
  context: ReturnType<typeof generatorContextFor>,
  chaos: ChaosPresetName,
  targets: string[] | undefined,
  label: string,
): Promise<void> {
  const rows: string[][] = [];
  for (const generator of GENERATOR_NAMES) {
    const trace = generateTrace(generator, { seed: SEED, size: SIZES[generator], ...context });
    const reports = {} as Record<PolicyName, SimulationReport>;
    for (const policy of ['ghr', 'baseline'] as const) {
      reports[policy] = await simulate({ pools: configPools, trace, policy, seed: SEED, chaos: CHAOS_PRESETS[chaos] });
    }
    const g = reports.ghr;
    const b = reports.baseline;
    for (const [policy, r] of [['ghr', g], ['baseline', b]] as const) {
      rows.push([
        generator,
        policy,
        String(r.result.jobs.total),
        `${r.result.jobs.served}/${r.result.jobs.cancelled}`,
        fmt(r.result.waitSeconds.p50),
        fmt(r.result.waitSeconds.p95),
        fmt(idlePerJob(r)),
        fmt(r.result.githubApiCalls.perJob, 2),
        String(r.result.githubApiCalls.perHour),
        fmt(noJobPerJob(r), 3),
        fmt(r.result.cloudApiCalls.perJob, 2),
        String(violations(r)),
      ]);
    }
    rows.push([
      generator,
      'ghr/baseline',
      '',
      '',
      ratio(g.result.waitSeconds.p50, b.result.waitSeconds.p50),
      ratio(g.result.waitSeconds.p95, b.result.waitSeconds.p95),
      ratio(idlePerJob(g), idlePerJob(b)),
      ratio(g.result.githubApiCalls.perJob, b.result.githubApiCalls.perJob),
      ratio(g.result.githubApiCalls.perHour, b.result.githubApiCalls.perHour),
      ratio(noJobPerJob(g), noJobPerJob(b)),
      ratio(g.result.cloudApiCalls.perJob, b.result.cloudApiCalls.perJob),
      '',
    ]);
    if (!targets) continue;
    if (label === 'production') {
      targets.push(
        `${noJobPerJob(g) <= 0.05 ? 'PASS' : 'FAIL'} production ${generator}: ghr launches that ran no job per job ${fmt(noJobPerJob(g), 3)} <= 0.05`,
        `${g.result.githubApiCalls.perJob <= b.result.githubApiCalls.perJob ? 'PASS' : 'FAIL'} production ${generator}: ghr GitHub calls per job ${fmt(g.result.githubApiCalls.perJob, 2)} <= the baseline's ${fmt(b.result.githubApiCalls.perJob, 2)}`,
        `${violations(g) === 0 ? 'PASS' : 'FAIL'} production ${generator}: ghr violations ${JSON.stringify(g.result.violations)}`,
      );
      continue;
    }
    if (generator === 'burst') {
      const bound = g.bootSecondsP95 + 15;
      targets.push(
        `${g.result.waitSeconds.p95 <= bound ? 'PASS' : 'FAIL'} burst: ghr p95 wait ${fmt(g.result.waitSeconds.p95)} s <= p95 boot ${fmt(g.bootSecondsP95)} s + 15 s`,
      );
    }
    targets.push(
      `${idlePerJob(g) <= idlePerJob(b) / 2 ? 'PASS' : 'FAIL'} ${generator}: ghr idle runner-s per job ${fmt(idlePerJob(g))} <= half the baseline's ${fmt(idlePerJob(b))}`,
      `${g.result.githubApiCalls.perJob <= 1.5 ? 'PASS' : 'FAIL'} ${generator}: ghr GitHub calls per job ${fmt(g.result.githubApiCalls.perJob, 2)} <= 1.5`,
      `${violations(g) === 0 ? 'PASS' : 'FAIL'} ${generator}: ghr violations ${JSON.stringify(g.result.violations)}`,
    );
  }
  printTable(
    ['trace', 'policy', 'jobs', 'served/cancelled', 'p50 wait s', 'p95 wait s', 'idle s/job', 'GitHub/job', 'GitHub/h', 'no-job launches/job', 'cloud/job', 'violations'],
    rows,
  );
}

function printTable(header: readonly string[], rows: readonly (readonly string[])[]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => (i < 2 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w, i) => (i < 2 ? `${'-'.repeat(w + 1)}-` : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
  for (const row of rows) console.log(line(row));
}
