// Where the stub runner program is, in the source tree (tests) and in the built package.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { RunnerCommand } from '@ghr/local';

/**
 * The path of the stub runner (`stub-runner.mjs` beside this module in the sources, `stub-runner.js` in `dist`).
 *
 * @example
 * ```ts
 * const command = stubRunnerCommand(); // { file: process.execPath, args: ['/…/stub-runner.js'] }
 * ```
 */
export function stubRunnerPath(): string {
  for (const name of ['./stub-runner.js', './stub-runner.mjs', './demo/stub-runner.mjs']) {
    const path = fileURLToPath(new URL(name, import.meta.url));
    if (existsSync(path)) return path;
  }
  throw new Error('The stub runner program is missing from this installation of @ghr/cli: reinstall it.');
}

/** The command that starts one stub runner with this Node.js. */
export function stubRunnerCommand(): RunnerCommand {
  return { file: process.execPath, args: [stubRunnerPath()] };
}
