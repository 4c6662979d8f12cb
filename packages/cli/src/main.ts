// The `ghr` command: dispatches to a sub-command.
import { simulateCommand, SIMULATE_USAGE } from './commands/simulate.js';
import { EXIT, processIo } from './io.js';
import type { CliIo } from './io.js';

const USAGE = `Usage: ghr <command> [options]

Commands:
  simulate   run a workload against ghr (or the baseline autoscaler) in virtual time

Run "ghr <command> --help" for a command's options.
`;

/**
 * Runs the `ghr` command with `argv` (without `node` and the script) and returns the exit code: 0 on success,
 * 2 on a usage, config or trace error, 1 when the command itself failed.
 *
 * @example
 * ```ts
 * const code = await main(['simulate', '--config', 'ghr.config.yaml', '--trace', 'burst', '--json']);
 * process.exitCode = code;
 * ```
 */
export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'simulate':
      return simulateCommand(rest, io);
    case undefined:
    case '--help':
    case '-h':
    case 'help':
      io.stdout(`${USAGE}\n${SIMULATE_USAGE}`);
      return command === undefined ? EXIT.usage : EXIT.ok;
    default:
      io.stderr(`ghr: unknown command "${command}".\n\n${USAGE}`);
      return EXIT.usage;
  }
}
