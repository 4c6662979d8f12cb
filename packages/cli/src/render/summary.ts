// The readable summary of `ghr simulate`.
import type { SimulationReport } from '@ghr/sim';

/** Pools listed one by one up to this many; past it, the busiest and totals. */
export const SUMMARY_MAX_POOLS = 6;

/** `a peak 3/20, b peak 1/10`, or for many pools the busiest few and totals (never one line per pool). */
function poolPeaks(pools: SimulationReport['pools']): string {
  const peak = (p: SimulationReport['pools'][number]) => `${p.id} peak ${p.peakAlive}/${p.maxRunners}`;
  if (pools.length <= SUMMARY_MAX_POOLS) return pools.map(peak).join(', ');
  const busiest = [...pools].sort((a, b) => b.peakAlive - a.peakAlive || a.id.localeCompare(b.id)).slice(0, 3);
  const used = pools.filter((p) => p.launched > 0).length;
  const full = pools.filter((p) => p.peakAlive >= p.maxRunners).length;
  return `${pools.length} pools, ${used} used, ${full} at their max; busiest: ${busiest.map(peak).join(', ')}`;
}

const fmt = (n: number, digits = 1) => (Number.isInteger(n) ? String(n) : n.toFixed(digits));

/**
 * Renders a simulation report as a few aligned lines of text.
 *
 * @example
 * ```ts
 * process.stdout.write(renderSummary(report, { trace: 'burst', chaos: 'none' }));
 * ```
 */
export function renderSummary(report: SimulationReport, labels: { readonly trace: string; readonly chaos: string; readonly heading?: string }): string {
  const r = report.result;
  // Hours for long runs, seconds when all runner time is under an hour (a demo).
  const short = r.runnerSeconds.busy + r.runnerSeconds.idle + r.runnerSeconds.booting < 3600;
  const time = (seconds: number) => (short ? `${fmt(seconds)} s` : `${fmt(seconds / 3600, 1)} h`);
  const v = r.violations;
  const violations = v.maxRunnersExceeded + v.busyRunnerTerminated + v.orphansLeft + v.jobsLost;
  const hours = report.simulatedSeconds / 3600;
  const lines = [
    labels.heading ?? `ghr simulate: policy ${r.policy}, trace ${labels.trace}, chaos ${labels.chaos}, seed ${r.seed} (${fmt(hours, 2)} h simulated)`,
    '',
    `  jobs           ${r.jobs.total} total, ${r.jobs.served} served, ${r.jobs.unserved} unserved, ${r.jobs.cancelled} cancelled`,
    `  wait (s)       p50 ${fmt(r.waitSeconds.p50)}, p95 ${fmt(r.waitSeconds.p95)}, p99 ${fmt(r.waitSeconds.p99)}, max ${fmt(r.waitSeconds.max)}  (median boot ${fmt(report.bootSecondsP50)} s)`,
    `  runner time    busy ${time(r.runnerSeconds.busy)}, idle ${time(r.runnerSeconds.idle)}, booting ${time(r.runnerSeconds.booting)}  (idle ${fmt(r.jobs.total === 0 ? 0 : r.runnerSeconds.idle / r.jobs.total)} s per job)`,
    `  runners        ${r.runnersLaunched} launched; ${poolPeaks(report.pools)}`,
    `  API calls      GitHub ${r.githubApiCalls.total} (${fmt(r.githubApiCalls.perJob, 2)} per job), cloud ${r.cloudApiCalls.total} (${fmt(r.cloudApiCalls.perJob, 2)} per job)`,
    `  violations     ${violations === 0 ? 'none' : violations} (max runners exceeded ${v.maxRunnersExceeded}, busy runner terminated ${v.busyRunnerTerminated}, orphans left ${v.orphansLeft}, jobs lost ${v.jobsLost})`,
  ];
  const errors = Object.entries(report.errors);
  if (errors.length > 0) {
    lines.push(`  errors         ${errors.map(([m, n]) => `${n}× ${m}`).slice(0, 5).join('; ')}`);
  }
  const left = report.leftovers;
  if (left.orphans.length + left.jobsLost.length > 0) {
    const names = [...left.orphans.map((o) => `${o.kind} ${o.name}`), ...left.jobsLost.map((j) => `job ${j.id}`)];
    lines.push(`  left over      ${names.slice(0, 6).join(', ')}${names.length > 6 ? `, and ${names.length - 6} more` : ''}`);
  }
  return `${lines.join('\n')}\n`;
}
