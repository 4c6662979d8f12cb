// Where the CLI writes: injectable so that tests capture output instead of printing.

/** The CLI's outputs. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** True when stderr is an interactive terminal (progress lines overwrite each other). */
  readonly stderrIsTty: boolean;
}

/**
 * The process's real stdout and stderr.
 *
 * @example
 * ```ts
 * process.exitCode = await main(process.argv.slice(2), processIo);
 * ```
 */
export const processIo: CliIo = {
  stdout: (text) => {
    process.stdout.write(text);
  },
  stderr: (text) => {
    process.stderr.write(text);
  },
  get stderrIsTty() {
    return process.stderr.isTTY === true;
  },
};

/**
 * Exit codes of the `ghr` command.
 *
 * @example
 * ```ts
 * if ((await main(argv)) === EXIT.usage) console.error('fix the arguments');
 * ```
 */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;
