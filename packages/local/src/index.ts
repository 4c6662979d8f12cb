// Public API of @ghr/local. Every export is listed by name; what is not here is free to change.

// --- Errors (the one error type; SQLite and OS errors are translated once, at the boundary) ---
export { LocalError, toLocalError } from './errors.js';
export type { LocalErrorCode, LocalErrorOptions } from './errors.js';

// --- SQLite store: ledger and event queue in one file ---
export { openLocalStore } from './sqlite/local-store.js';
export type { LocalStore, LocalStoreOptions } from './sqlite/local-store.js';
export { SQLITE_LEDGER_DEFAULTS, SqliteLedger } from './sqlite/sqlite-ledger.js';
export type { SqliteLedgerOptions } from './sqlite/sqlite-ledger.js';
export { SQLITE_QUEUE_DEFAULTS, SqliteEventQueue } from './sqlite/sqlite-event-queue.js';
export type { DeadLetter, QueueDepth, SqliteEventQueueOptions } from './sqlite/sqlite-event-queue.js';
export type { SqliteSynchronous } from './sqlite/database.js';

// --- Local processes: one OS process group per runner ---
export { LOCAL_PROCESS_DEFAULTS, LocalProcessProvider } from './process/local-process-provider.js';
export type { LocalProcessProviderOptions } from './process/local-process-provider.js';
export { JIT_CONFIG_ENV } from './process/runner-command.js';
export type { RunnerCommand, RunnerCommandContext, RunnerCommandFactory } from './process/runner-command.js';
export { actionsRunnerCommand, actionsRunnerReleaseUrl } from './process/actions-runner.js';
export type { ActionsRunnerCommandOptions, RunnerDownload, RunnerPlatform } from './process/actions-runner.js';
