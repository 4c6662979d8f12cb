// `ghr simulate`: a workload against ghr's engine (or the baseline autoscaler), the simulated GitHub and the
// simulated cloud, in virtual time.
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { Pool } from '@ghr/core';
import {
  CHAOS_PRESETS,
  DEFAULT_GENERATOR_SIZES,
  GENERATOR_NAMES,
  generateTrace,
  generatorContextFor,
  isChaosPreset,
  isGeneratorName,
  parseChaos,
  parseTrace,
  simulate,
} from '@ghr/sim';
import type { Chaos, PolicyName, SimulationReport, Trace } from '@ghr/sim';
import { loadPools } from '../config.js';
import { readText } from '../files.js';
import { EXIT } from '../io.js';
import { main } from '../main.js';
import { progressLine } from '../progress.js';
import { UsageError } from './context.js';
import type { CommandContext } from './context.js';
import type { CliIo } from '../io.js';
import { renderSvgReport, renderTerminalChart } from '../render/chart.js';
import { renderSummary } from '../render/summary.js';

const SIMULATE_HELP = `
Traces: a JSON file { "jobs": [ { "at": 0, "repo": "acme/web", "labels": [...], "duration": 300 } ] } (seconds), or a
generator: ${GENERATOR_NAMES.join(', ')} (default sizes: ${GENERATOR_NAMES.map((n) => `${n} ${DEFAULT_GENERATOR_SIZES[n]}`).join(', ')}).
Chaos: a JSON file of knobs, or a preset: ${Object.keys(CHAOS_PRESETS).join(', ')}.
Progress goes to stderr on long runs; --json keeps stdout to one JSON object.
`;

interface SimulateArgs {
  readonly config: string;
  readonly trace: string;
  readonly size?: number;
  readonly policy: PolicyName;
  readonly seed: number;
  readonly chaos: string;
  readonly json: boolean;
  readonly chart?: string;
}

/** Registers `ghr simulate`. */
export function registerSimulateCommand(program: Command, context: CommandContext): void {
  program
    .command('simulate')
    .summary('run a workload against ghr (or the baseline autoscaler) in virtual time')
    .description('Runs a workload in virtual time against the simulated GitHub and cloud and prints what happened.')
    .requiredOption('--config <file>', 'ghr config (YAML or JSON) whose pools serve the jobs')
    .requiredOption('--trace <file | generator>', `a trace JSON file, or a generator: ${GENERATOR_NAMES.join(', ')}`)
    .option('--size <n>', 'jobs a generator makes (default per generator)')
    .option('--policy <name>', 'ghr or baseline (the stateless per-event autoscaler)', 'ghr')
    .option('--seed <n>', 'random seed; the same seed gives the same run', '1')
    .option('--chaos <file | name>', `chaos knobs as a JSON file, or a preset: ${Object.keys(CHAOS_PRESETS).join(', ')}`, 'none')
    .option('--json', 'print exactly one JSON object with the result, nothing else on stdout', false)
    .option('--chart <file.svg>', 'also write charts (per pool, and the wait distribution) as SVG')
    .addHelpText('after', SIMULATE_HELP)
    .action(async (options: Record<string, string | boolean | undefined>) => {
      context.exitCode = await runSimulate(options, context.io);
    });
}

/**
 * Runs `ghr simulate` with its arguments (after `simulate`) and returns the exit code.
 *
 * @example
 * ```ts
 * const code = await simulateCommand(['--config', 'examples/ghr.config.yaml', '--trace', 'burst', '--json'], processIo);
 * ```
 */
export async function simulateCommand(argv: readonly string[], io: CliIo): Promise<number> {
  return main(['simulate', ...argv], io);
}

async function runSimulate(options: Record<string, string | boolean | undefined>, io: CliIo): Promise<number> {
  let args: SimulateArgs;
  try {
    args = simulateArgs(options);
  } catch (error) {
    io.stderr(`ghr simulate: ${(error as Error).message}\n(run "ghr simulate --help" for its options)\n`);
    return EXIT.usage;
  }

  let pools: readonly Pool[];
  let trace: Trace;
  let chaos: Chaos;
  try {
    pools = await loadPools(args.config);
    trace = await loadTrace(args, pools);
    chaos = await loadChaos(args.chaos);
  } catch (error) {
    io.stderr(`ghr simulate: ${(error as Error).message}\n`);
    return EXIT.usage;
  }

  const progress = progressLine(io);
  let report: SimulationReport;
  try {
    report = await simulate({
      pools,
      trace,
      policy: args.policy,
      seed: args.seed,
      chaos,
      onProgress: (p) => {
        progress.update(`simulated ${(p.simulatedSeconds / 3600).toFixed(2)} h, ${p.jobsArrived}/${p.jobsTotal} jobs queued so far`);
      },
    });
  } catch (error) {
    progress.done();
    io.stderr(`ghr simulate: the simulation failed: ${(error as Error).message}\n`);
    return EXIT.failure;
  }
  progress.done();

  if (args.chart) {
    const title = `${args.policy} on ${args.trace} (seed ${args.seed}, chaos ${args.chaos})`;
    try {
      await writeFile(args.chart, renderSvgReport(report, title));
    } catch (error) {
      io.stderr(`ghr simulate: could not write the chart to ${args.chart}: ${(error as Error).message}\n`);
      return EXIT.failure;
    }
  }

  if (args.json) {
    io.stdout(`${JSON.stringify(report.result)}\n`);
  } else {
    io.stdout(renderSummary(report, { trace: args.trace, chaos: args.chaos }));
    io.stdout(`\n${renderTerminalChart(report.timeline)}`);
    if (args.chart) io.stdout(`\nChart written to ${args.chart}\n`);
  }
  return EXIT.ok;
}

function simulateArgs(v: Record<string, string | boolean | undefined>): SimulateArgs {
  const str = (key: string): string | undefined => (typeof v[key] === 'string' ? (v[key] as string) : undefined);
  const policy = str('policy') ?? 'ghr';
  if (policy !== 'ghr' && policy !== 'baseline') throw new UsageError(`--policy must be ghr or baseline, got "${policy}".`);
  const seed = Number(str('seed') ?? '1');
  if (!Number.isSafeInteger(seed) || seed < 0) throw new UsageError(`--seed must be a whole number >= 0, got "${str('seed')}".`);
  let size: number | undefined;
  if (str('size') !== undefined) {
    size = Number(str('size'));
    if (!Number.isSafeInteger(size) || size < 1) throw new UsageError(`--size must be a whole number >= 1, got "${str('size')}".`);
  }
  const chart = str('chart');
  return {
    config: str('config') ?? '',
    trace: str('trace') ?? '',
    policy,
    seed,
    chaos: str('chaos') ?? 'none',
    json: v['json'] === true,
    ...(size === undefined ? {} : { size }),
    ...(chart === undefined ? {} : { chart }),
  };
}

async function loadTrace(args: SimulateArgs, pools: readonly Pool[]): Promise<Trace> {
  if (isGeneratorName(args.trace)) {
    return generateTrace(args.trace, {
      seed: args.seed,
      size: args.size ?? DEFAULT_GENERATOR_SIZES[args.trace],
      ...generatorContextFor(pools),
    });
  }
  const text = await readText(args.trace, `the trace file (or a generator name: ${GENERATOR_NAMES.join(', ')})`);
  return parseTrace(parseJson(text, args.trace), `trace ${args.trace}`);
}

async function loadChaos(name: string): Promise<Chaos> {
  if (isChaosPreset(name)) return CHAOS_PRESETS[name];
  const text = await readText(name, `the chaos file (or a preset: ${Object.keys(CHAOS_PRESETS).join(', ')})`);
  return parseChaos(parseJson(text, name), `chaos settings in ${name}`);
}

function parseJson(text: string, path: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`${path} is not valid JSON: ${(error as Error).message}.`, { cause: error });
  }
}
