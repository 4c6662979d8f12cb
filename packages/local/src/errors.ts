// The one error type of @ghr/local, and the one place where SQLite and operating-system errors are translated.
import { GhrError } from '@ghr/core';
import type { GhrErrorCode } from '@ghr/core';

/** What went wrong, aligned with core's {@link GhrErrorCode} so the engine branches the same way on every adapter. */
export type LocalErrorCode = GhrErrorCode;

/** Options of a {@link LocalError}. */
export interface LocalErrorOptions {
  readonly code: LocalErrorCode;
  /** Whether the same call may succeed if tried again later. Defaults by code (as `GhrError`). */
  readonly retryable?: boolean;
  /** The SQLite result code (`SQLITE_BUSY`, `SQLITE_FULL`, ...) or errno name (`EACCES`), when known. */
  readonly systemCode?: string;
  readonly cause?: unknown;
}

/**
 * The error type of `@ghr/local`: a core {@link GhrError} (so `code` and `retryable` mean the same everywhere)
 * that also keeps the SQLite result code or errno name. Messages never contain JIT configs or tokens.
 *
 * @example
 * ```ts
 * try {
 *   await ledger.putJob(job, signal);
 * } catch (err) {
 *   if (err instanceof LocalError && err.retryable) await clock.sleep(1_000, signal);
 * }
 * ```
 */
export class LocalError extends GhrError {
  readonly systemCode: string | undefined;

  constructor(message: string, options: LocalErrorOptions) {
    super(message, {
      code: options.code,
      ...(options.retryable === undefined ? {} : { retryable: options.retryable }),
      ...(options.cause === undefined ? {} : { cause: options.cause }),
    });
    this.name = 'LocalError';
    this.systemCode = options.systemCode;
  }
}

/** Throws a `LocalError` with code `aborted` when `signal` has fired. */
export function throwIfAborted(signal: AbortSignal, what: string): void {
  if (signal.aborted) {
    throw new LocalError(`${what} was aborted: the caller's deadline passed. Retry within a new deadline.`, {
      code: 'aborted',
      cause: signal.reason,
    });
  }
}

const SQLITE_ADVICE: Readonly<Record<string, readonly [LocalErrorCode, string]>> = {
  SQLITE_BUSY: ['unavailable', 'another process held the database lock past the busy timeout: retry, or raise busyTimeout'],
  SQLITE_LOCKED: ['unavailable', 'the database is locked: retry'],
  SQLITE_FULL: ['unavailable', 'the disk is full: free space on the volume that holds the database'],
  SQLITE_IOERR: ['unavailable', 'the disk reported an I/O error: check the volume that holds the database'],
  SQLITE_READONLY: ['invalid-config', 'the database is read-only: give this process write access to the file and its directory'],
  SQLITE_CANTOPEN: ['invalid-config', 'the database file cannot be opened: check that its directory exists and is writable'],
  SQLITE_CORRUPT: ['internal', 'the database file is corrupt: restore it from a backup or start with a new file'],
  SQLITE_NOTADB: ['invalid-config', 'the file is not a SQLite database: point the store at another path'],
  EACCES: ['invalid-config', 'permission denied: give the user ghr runs as access to the directory'],
  EPERM: ['invalid-config', 'operation not permitted: run ghr as the user that owns the directory and the runner processes'],
  EROFS: ['invalid-config', 'the file system is read-only: point ghr at a writable directory'],
  ENOSPC: ['unavailable', 'the disk is full: free space on the volume'],
  EMFILE: ['unavailable', 'too many open files: raise the limit (ulimit -n) or lower maxProcesses'],
};

/**
 * Translates anything thrown by better-sqlite3 or the file system into a {@link LocalError}, once, at the
 * adapter's boundary.
 * A `LocalError` passes through unchanged. `context` says what was being done ("SQLite admit into pool linux").
 *
 * @example
 * ```ts
 * try { statement.run(args); } catch (err) { throw toLocalError(err, 'SQLite putJob 42'); }
 * ```
 */
export function toLocalError(err: unknown, context: string): LocalError {
  if (err instanceof LocalError) return err;
  const code = typeof (err as { code?: unknown })?.code === 'string' ? (err as { code: string }).code : undefined;
  // Extended result codes (SQLITE_IOERR_WRITE, SQLITE_BUSY_SNAPSHOT) classify as their primary code.
  const primary = Object.keys(SQLITE_ADVICE).find((k) => code === k || code?.startsWith(`${k}_`));
  const entry = primary === undefined ? undefined : SQLITE_ADVICE[primary];
  const [ghrCode, advice] = entry ?? ['internal', 'an unexpected error: report it with this message'];
  const detail = err instanceof Error ? err.message.replace(/\s+/g, ' ').slice(0, 200) : String(err);
  return new LocalError(`${context} failed (${code ?? 'error'}: ${detail}): ${advice}.`, {
    code: ghrCode,
    ...(code === undefined ? {} : { systemCode: code }),
    cause: err,
  });
}
