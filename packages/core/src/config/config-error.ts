// The error of an invalid config: every problem at once, each with its path and a fix hint.
import { GhrError } from '../errors.js';

/** One problem in a config. */
export interface ConfigIssue {
  /** Where: `pools[2].warm[0].schedule`; empty for the file as a whole. */
  readonly path: string;
  /** What is wrong and how to fix it. Never contains a secret. */
  readonly message: string;
  /** 1-based line in the source text, when the config was parsed from text. */
  readonly line?: number;
  /** 1-based column in the source text, when the config was parsed from text. */
  readonly column?: number;
}

/** One issue as a line: `path: message (line 3, column 5)`. */
export function formatConfigIssue(issue: ConfigIssue): string {
  const where = issue.line === undefined ? '' : ` (line ${issue.line}${issue.column === undefined ? '' : `, column ${issue.column}`})`;
  return `${issue.path === '' ? '' : `${issue.path}: `}${issue.message}${where}`;
}

/**
 * A config that cannot work. `issues` lists every problem found, each with its path and a fix hint; the message
 * lists them all. Code `invalid-config`, never retryable.
 *
 * @example
 * ```ts
 * try {
 *   parseConfig(text);
 * } catch (error) {
 *   if (error instanceof ConfigError) for (const issue of error.issues) console.error(issue.path, issue.message);
 * }
 * ```
 */
export class ConfigError extends GhrError {
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[], options: { readonly source?: string; readonly cause?: unknown } = {}) {
    const count = issues.length === 1 ? '1 problem' : `${issues.length} problems`;
    const where = options.source === undefined ? '' : ` in ${options.source}`;
    super(`Invalid ghr config${where}: ${count}; fix and try again.\n${issues.map((i) => `  - ${formatConfigIssue(i)}`).join('\n')}`, {
      code: 'invalid-config',
      retryable: false,
      cause: options.cause,
    });
    this.name = 'ConfigError';
    this.issues = issues;
  }
}
