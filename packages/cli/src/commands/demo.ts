// `ghr demo`: everything on this machine without any account (see demo/run-demo.ts).
import { appendFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { Pool } from '@ghr/core';
import { parseConfig } from '@ghr/core/config';
import { DEFAULT_GENERATOR_SIZES, GENERATOR_NAMES, generateTrace, generatorContextFor, isGeneratorName, parseTrace } from '@ghr/sim';
import type { Trace } from '@ghr/sim';
import { loadPools } from '../config.js';
import { runDemo } from '../demo/run-demo.js';
import type { DemoReport } from '../demo/run-demo.js';
import { renderDemoFrame, renderDemoLine } from '../demo/view.js';
import { readText } from '../files.js';
import { EXIT } from '../io.js';
import type { CliIo } from '../io.js';
import { progressLine } from '../progress.js';
import { renderSvgReport, renderTerminalChart } from '../render/chart.js';
import { renderSummary } from '../render/summary.js';
import { streamLogger } from '../serve/logger.js';
import { UsageError } from './context.js';
import type { CommandContext } from './context.js';

/** The demo's pools when no config is given: the example config's two Linux pools. */
export const DEMO_CONFIG = `
github:
  auth: { kind: app, appId: 1, privateKey: { env: GHR_DEMO_UNUSED } }
  webhookSecret: { env: GHR_DEMO_UNUSED }
pools:
  - id: linux-small
    labels: [self-hosted, linux, x64]
    match: subset
    scope: { org: acme }
    maxRunners: 8
  - id: linux-large
    labels: [self-hosted, linux, x64, large]
    match: subset
    scope: { org: acme }
    maxRunners: 4
`;

/**
 * Demo timings: runners drain soon after they are idle, a runner process that has not come online within 20 s is
 * replaced (the stub runner connects in well under a second), warm windows are off (the demo scales from zero).
 */
export function demoPools(pools: readonly Pool[], maxRunners: number): Pool[] {
  return pools.map((p) => ({ ...p, warm: [], idleTimeout: 5_000, minimumLifetime: 0, bootTimeout: 20_000, maxRunners: Math.min(p.maxRunners, maxRunners) }));
}

function whole(value: string, name: string, min: number): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < min) throw new UsageError(`${name} must be a number >= ${min}, got "${value}".`);
  return n;
}

/** Registers `ghr demo`. */
export function registerDemoCommand(program: Command, context: CommandContext): void {
  program
    .command('demo')
    .summary('run ghr on this machine against a simulated GitHub, with runner processes: no account needed')
    .description(
      'Starts the simulated GitHub over HTTP, `ghr serve` in this process (SQLite ledger and queue, one stub runner\n' +
        'process per runner), replays a workload in real time (compressed by --speed) with signed webhooks, shows\n' +
        'a live view on stderr, and prints a summary with the figures of `ghr simulate`.',
    )
    .option('--config <file>', 'take the pools from this ghr config (default: two Linux pools of org acme)')
    .option('--trace <file | generator>', `a trace JSON file, or a generator: ${GENERATOR_NAMES.join(', ')}`, 'burst')
    .option('--size <n>', 'jobs a generator makes', '30')
    .option('--speed <n>', 'trace seconds per real second (a 5-minute job takes 5 s at 60)', '90')
    .option('--seed <n>', 'random seed of the generator and the simulated GitHub', '1')
    .option('--max-runners <n>', 'cap every pool at this many runners (processes on this machine)', '8')
    .option('--timeout <seconds>', 'stop waiting for the work to settle after this long', '100')
    .option('--log-file <file>', "write ghr serve's log (debug level) to this file")
    .option('--json', 'print exactly one JSON object with the result, nothing else on stdout', false)
    .option('--chart <file.svg>', 'also write charts (per pool, and the wait distribution) as SVG')
    .action(async (options: Record<string, string | boolean | undefined>) => {
      context.exitCode = await demoAction(options, context.io);
    });
}

async function demoAction(options: Record<string, string | boolean | undefined>, io: CliIo): Promise<number> {
  const str = (k: string) => (typeof options[k] === 'string' ? (options[k] as string) : undefined);
  let pools: Pool[];
  let trace: Trace;
  let speed: number;
  let seed: number;
  let timeout: number;
  try {
    speed = whole(str('speed') ?? '90', '--speed', 1);
    seed = whole(str('seed') ?? '1', '--seed', 0);
    timeout = whole(str('timeout') ?? '100', '--timeout', 1) * 1000;
    const size = whole(str('size') ?? '30', '--size', 1);
    const maxRunners = whole(str('maxRunners') ?? '8', '--max-runners', 1);
    const config = str('config');
    const base = config ? await loadPools(config) : parseConfig(DEMO_CONFIG, { source: 'the demo config' }).pools;
    pools = demoPools(base, maxRunners);
    const name = str('trace') ?? 'burst';
    trace = isGeneratorName(name)
      ? generateTrace(name, { seed, size: size ?? DEFAULT_GENERATOR_SIZES[name], ...generatorContextFor(pools) })
      : parseTrace(JSON.parse(await readText(name, `the trace file (or a generator: ${GENERATOR_NAMES.join(', ')})`)) as unknown, `trace ${name}`);
  } catch (error) {
    io.stderr(`ghr demo: ${(error as Error).message}\n`);
    return EXIT.usage;
  }

  const logFile = str('logFile');
  const logger = logFile ? streamLogger((line) => appendFileSync(logFile, line), { level: 'debug' }) : undefined;
  const progress = progressLine(io, { interval: 3_000 });
  let drawn = 0;
  let report: DemoReport;
  try {
    report = await runDemo({
      pools,
      trace,
      speed,
      seed,
      timeout,
      ...(logger ? { logger } : {}),
      onFrame: (frame) => {
        if (!io.stderrIsTty) {
          progress.update(renderDemoLine(frame));
          return;
        }
        const lines = renderDemoFrame(frame);
        // Redraw in place: up to the first line of the last frame, then each line cleared and written.
        io.stderr(`${drawn > 0 ? `\x1b[${drawn}F` : ''}${lines.map((l) => `\x1b[2K${l}`).join('\n')}\n`);
        drawn = lines.length;
      },
    });
  } catch (error) {
    progress.done();
    io.stderr(`ghr demo: failed: ${(error as Error).message}\n`);
    return EXIT.failure;
  }
  progress.done();
  const chart = str('chart');
  if (chart) await writeFile(chart, renderSvgReport(report, `ghr demo: ${str('trace') ?? 'burst'} of ${trace.jobs.length} jobs at ${speed}× (real seconds)`));
  if (options['json'] === true) {
    io.stdout(`${JSON.stringify({ ...report.result, realSeconds: Math.round(report.realSeconds * 10) / 10, settled: report.settled })}\n`);
  } else {
    io.stdout(
      renderSummary(report, {
        trace: str('trace') ?? 'burst',
        chaos: 'none',
        heading: `ghr demo: ${trace.jobs.length} jobs at ${speed}× on this machine, ${report.realSeconds.toFixed(1)} s real time (seconds below are real)`,
      }),
    );
    io.stdout(`\n${renderTerminalChart(report.timeline)}`);
    if (!report.settled) io.stdout(`\nThe work had not settled after ${timeout / 1000} s: see the leftovers above.\n`);
    if (chart) io.stdout(`\nChart written to ${chart}\n`);
  }
  const v = report.result.violations;
  return report.settled && v.jobsLost + v.orphansLeft + v.maxRunnersExceeded + v.busyRunnerTerminated === 0 ? EXIT.ok : EXIT.failure;
}
