// The `ghr` command: one commander program per call (commander keeps parse state on its objects), with output
// and exit codes routed through `CliIo` so that tests run it in process.
import { Command, CommanderError } from 'commander';
import { registerConfigCommands } from './commands/config.js';
import { registerDemoCommand } from './commands/demo.js';
import { registerDoctorCommand } from './commands/doctor.js';
import { registerServeCommand } from './commands/serve.js';
import { registerSimulateCommand } from './commands/simulate.js';
import { registerStatusCommand } from './commands/status.js';
import { EXIT, processIo } from './io.js';
import type { CliIo } from './io.js';
import type { CommandContext } from './commands/context.js';

const EXIT_CODES_HELP = `
Exit codes:
  0  done
  1  the command failed (a check failed, the simulation or the server failed)
  2  bad input: an unknown command or option, a bad config, trace or chaos file (the message says what to fix)
`;

/** Builds the program: every command registers itself; `context.exitCode` receives the action's result. */
function buildProgram(context: CommandContext): Command {
  const { io } = context;
  const program = new Command('ghr')
    .description('On-demand self-hosted GitHub Actions runners: serve, demo, simulate, status, doctor, config.')
    .showHelpAfterError('(run the command with --help for its options)')
    .configureOutput({
      writeOut: (text) => io.stdout(text),
      writeErr: (text) => io.stderr(text),
    })
    .addHelpText('after', EXIT_CODES_HELP)
    .exitOverride();
  registerServeCommand(program, context);
  registerDemoCommand(program, context);
  registerSimulateCommand(program, context);
  registerStatusCommand(program, context);
  registerDoctorCommand(program, context);
  registerConfigCommands(program, context);
  // Sub-commands inherit the output and exit handling, and say their exit codes.
  for (const command of program.commands) applyCommon(command, io);
  return program;
}

function applyCommon(command: Command, io: CliIo): void {
  command
    .configureOutput({ writeOut: (text) => io.stdout(text), writeErr: (text) => io.stderr(text) })
    .showHelpAfterError(`(run "ghr ${command.name()} --help" for its options)`)
    .exitOverride();
  if (command.commands.length === 0) command.addHelpText('after', EXIT_CODES_HELP);
  for (const sub of command.commands) applyCommon(sub, io);
}

/** What `main` takes from its process besides output; tests pass their own. */
export interface MainOptions {
  /** Default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** When `ghr serve` stops. Default: on SIGTERM or SIGINT. */
  readonly waitForStop?: () => Promise<void>;
}

function waitForSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      resolve();
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}

/**
 * Runs the `ghr` command with `argv` (without `node` and the script) and returns the exit code: 0 done, 1 the
 * command failed, 2 bad input (unknown command or option, bad config, trace or chaos file).
 *
 * @example
 * ```ts
 * const code = await main(['simulate', '--config', 'ghr.config.yaml', '--trace', 'burst', '--json']);
 * process.exitCode = code;
 * ```
 */
export async function main(argv: readonly string[], io: CliIo = processIo, options: MainOptions = {}): Promise<number> {
  const context: CommandContext = { io, env: options.env ?? process.env, waitForStop: options.waitForStop ?? waitForSignal, exitCode: EXIT.ok };
  const program = buildProgram(context);
  if (argv.length === 0) {
    io.stdout(program.helpInformation());
    return EXIT.usage;
  }
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are answers, not errors; every other commander error is bad input.
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') {
        return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
      }
      return EXIT.usage;
    }
    io.stderr(`ghr: ${(error as Error).message}\n`);
    return EXIT.failure;
  }
  return context.exitCode;
}
