// What every command's action gets: where to write, and where to put its exit code.
import type { CliIo } from '../io.js';

/** Shared by the commands of one `main` call. */
export interface CommandContext {
  readonly io: CliIo;
  /** The environment secrets are read from (`{ env: NAME }` references). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Resolves when a long-running command (`ghr serve`) should stop: SIGTERM or SIGINT by default. */
  readonly waitForStop: () => Promise<void>;
  /** The action's result (see `EXIT`). */
  exitCode: number;
}

/** Thrown by an action for bad input: printed and answered with exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}
