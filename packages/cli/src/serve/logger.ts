// The server's log lines on stderr: `time level message key=value`, or one JSON object per line.
import type { LogFields, Logger } from '@ghr/core';

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;
/** A log level. */
export type LogLevel = (typeof LEVELS)[number];

/** Options of {@link streamLogger}. */
export interface StreamLoggerOptions {
  readonly level?: LogLevel;
  readonly json?: boolean;
  readonly now?: () => number;
}

function value(v: unknown): string {
  const text = typeof v === 'string' ? v : JSON.stringify(v);
  return /[\s"=]/.test(text ?? '') ? JSON.stringify(text) : (text ?? '');
}

/**
 * A Logger that writes lines to `write` (stderr in the CLI).
 *
 * @example
 * ```ts
 * const logger = streamLogger((line) => process.stderr.write(line), { level: 'info' });
 * ```
 */
export function streamLogger(write: (line: string) => void, options: StreamLoggerOptions = {}): Logger {
  const min = LEVELS.indexOf(options.level ?? 'info');
  const now = options.now ?? Date.now;
  const log = (level: LogLevel) => (message: string, fields?: LogFields) => {
    if (LEVELS.indexOf(level) < min) return;
    const time = new Date(now()).toISOString();
    if (options.json) {
      write(`${JSON.stringify({ time, level, message, ...fields })}\n`);
      return;
    }
    const extra = Object.entries(fields ?? {})
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}=${value(v)}`)
      .join(' ');
    write(`${time} ${level.padEnd(5)} ${message}${extra ? ` ${extra}` : ''}\n`);
  };
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}
