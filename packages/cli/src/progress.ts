// Progress on stderr for anything that takes more than a second: one line rewritten in place on a terminal,
// a line every few seconds otherwise (CI logs), nothing for commands that end sooner.
import type { CliIo } from './io.js';

/** A progress line. */
export interface ProgressLine {
  /** Shows `text` (at most once a second on a terminal, every `interval` ms otherwise; never in the first second). */
  update(text: string): void;
  /** Ends the line (a newline on a terminal if anything was shown). */
  done(): void;
}

/**
 * A progress line on `io.stderr`.
 *
 * @example
 * ```ts
 * const progress = progressLine(io);
 * progress.update('12/40 jobs done');
 * progress.done();
 * ```
 */
export function progressLine(io: CliIo, options: { readonly interval?: number; readonly now?: () => number } = {}): ProgressLine {
  const now = options.now ?? Date.now;
  const started = now();
  const interval = io.stderrIsTty ? 1_000 : (options.interval ?? 2_000);
  let last = started;
  let shown = false;
  return {
    update(text) {
      const t = now();
      if (t - last < interval) return;
      last = t;
      shown = true;
      io.stderr(io.stderrIsTty ? `\r\x1b[2K${text}` : `${text}\n`);
    },
    done() {
      if (shown && io.stderrIsTty) io.stderr('\n');
      shown = false;
    },
  };
}
