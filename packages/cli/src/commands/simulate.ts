// `ghr simulate`: a workload against ghr's engine (or the baseline autoscaler), the simulated GitHub and the
// simulated cloud, in virtual time.
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
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
import type { CliIo } from '../io.js';
import { renderSvgChart, renderTerminalChart } from '../render/chart.js';
import { renderSummary } from '../render/summary.js';

export const SIMULATE_USAGE = `Usage: ghr simulate --config <file> --trace <file | generator> [options]

Runs a workload in virtual time against the simulated GitHub and cloud and prints what happened.

Options:
  --config <file>        ghr config (YAML or JSON) whose pools serve the jobs
  --trace <file | name>  a trace JSON file, or a generator: ${GENERATOR_NAMES.join(', ')}
  --size <n>             jobs a generator makes (default per generator: ${GENERATOR_NAMES.map((n) => `${n} ${DEFAULT_GENERATOR_SIZES[n]}`).join(', ')})
  --policy <name>        ghr (default) or baseline (the stateless per-event autoscaler)
  --seed <n>             random seed (default 1); the same seed gives the same run
  --chaos <file | name>  chaos knobs as a JSON file, or a preset: ${Object.keys(CHAOS_PRESETS).join(', ')} (default none)
  --json                 print exactly one JSON object with the result, nothing else on stdout
  --chart <file.svg>     also write a chart of queued jobs and runners over time as SVG
  -h, --help             show this help
`;

class UsageError extends Error {
  override name = 'UsageError';
}

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

/**
 * Runs `ghr simulate` with its arguments (after `simulate`) and returns the exit code.
 *
 * @example
 * ```ts
 * const code = await simulateCommand(['--config', 'examples/ghr.config.yaml', '--trace', 'burst', '--json'], processIo);
 * ```
 */
export async function simulateCommand(argv: readonly string[], io: CliIo): Promise<number> {
  let args: SimulateArgs | 'help';
  try {
    args = parseSimulateArgs(argv);
  } catch (error) {
    io.stderr(`ghr simulate: ${(error as Error).message}\n\n${SIMULATE_USAGE}`);
    return EXIT.usage;
  }
  if (args === 'help') {
    io.stdout(SIMULATE_USAGE);
    return EXIT.ok;
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

  const started = Date.now();
  let lastProgress = started;
  let report: SimulationReport;
  try {
    report = await simulate({
      pools,
      trace,
      policy: args.policy,
      seed: args.seed,
      chaos,
      onProgress: (progress) => {
        const now = Date.now();
        if (now - lastProgress < 2_000) return;
        lastProgress = now;
        const line = `simulated ${(progress.simulatedSeconds / 3600).toFixed(2)} h, ${progress.jobsArrived}/${progress.jobsTotal} jobs queued so far`;
        io.stderr(io.stderrIsTty ? `\r${line}` : `${line}\n`);
      },
    });
  } catch (error) {
    io.stderr(`ghr simulate: the simulation failed: ${(error as Error).message}\n`);
    return EXIT.failure;
  }
  if (lastProgress !== started && io.stderrIsTty) io.stderr('\n');

  if (args.chart) {
    const title = `${args.policy} on ${args.trace} (seed ${args.seed}, chaos ${args.chaos}): queued jobs and runners`;
    try {
      await writeFile(args.chart, renderSvgChart(report.timeline, title));
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

function parseSimulateArgs(argv: readonly string[]): SimulateArgs | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        config: { type: 'string' },
        trace: { type: 'string' },
        size: { type: 'string' },
        policy: { type: 'string', default: 'ghr' },
        seed: { type: 'string', default: '1' },
        chaos: { type: 'string', default: 'none' },
        json: { type: 'boolean', default: false },
        chart: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const v = parsed.values;
  if (v.help) return 'help';
  if (!v.config) throw new UsageError('--config <file> is required.');
  if (!v.trace) throw new UsageError('--trace <file | generator> is required.');
  if (v.policy !== 'ghr' && v.policy !== 'baseline') {
    throw new UsageError(`--policy must be ghr or baseline, got "${v.policy}".`);
  }
  const seed = Number(v.seed);
  if (!Number.isSafeInteger(seed) || seed < 0) throw new UsageError(`--seed must be a whole number >= 0, got "${v.seed}".`);
  let size: number | undefined;
  if (v.size !== undefined) {
    size = Number(v.size);
    if (!Number.isSafeInteger(size) || size < 1) throw new UsageError(`--size must be a whole number >= 1, got "${v.size}".`);
  }
  return {
    config: v.config,
    trace: v.trace,
    policy: v.policy,
    seed,
    chaos: v.chaos ?? 'none',
    json: v.json ?? false,
    ...(size === undefined ? {} : { size }),
    ...(v.chart === undefined ? {} : { chart: v.chart }),
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
