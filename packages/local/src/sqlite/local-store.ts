// One SQLite file for a machine's ledger and event queue: what `ghr serve` opens.
import type { Clock } from '@ghr/core';
import { openDatabase } from './database.js';
import type { SqliteSynchronous } from './database.js';
import { SqliteEventQueue } from './sqlite-event-queue.js';
import { SqliteLedger } from './sqlite-ledger.js';

/** Options of {@link openLocalStore}. */
export interface LocalStoreOptions {
  /** The database file (created with its schema if missing); `:memory:` for a private in-memory store. */
  readonly path: string;
  /** Time source of the ledger's retention and the queue's visibility timeouts. Default `systemClock`. */
  readonly clock?: Pick<Clock, 'now'>;
  /** How long completed jobs and ended runners are kept (ms). Default 1 day. */
  readonly retention?: number;
  /** How long a `claim` key stays taken (ms). Default 7 days. */
  readonly claimRetention?: number;
  /** How long a received message stays hidden (ms). Default 30 s. */
  readonly visibilityTimeout?: number;
  /** Receives after which a message becomes a dead letter. Default 5. */
  readonly maxReceives?: number;
  /** How long a write waits for another process's lock before failing (ms). Default 5000. */
  readonly busyTimeout?: number;
  /** `normal` (default): commits survive process crashes; `full`: also power loss (one fsync per commit). */
  readonly synchronous?: SqliteSynchronous;
}

/** The ledger and event queue of one SQLite file. */
export interface LocalStore {
  readonly ledger: SqliteLedger;
  readonly queue: SqliteEventQueue;
  /** The database file's path, as opened. */
  readonly path: string;
  /** Closes the database; the ledger and queue fail afterwards. Safe to call twice. */
  close(): void;
}

/**
 * Opens the SQLite file that holds a machine's {@link SqliteLedger} and {@link SqliteEventQueue} (creating it and
 * its schema if needed), in WAL mode so that several processes can use it at once: a webhook server, a
 * scale-up worker and `ghr status` may each open the same file.
 *
 * @example
 * ```ts
 * import { openLocalStore } from '@ghr/local';
 *
 * const store = openLocalStore({ path: '/var/lib/ghr/ghr.db' });
 * try {
 *   await store.queue.send([event], AbortSignal.timeout(5_000));
 *   const alive = await store.ledger.alive('linux', AbortSignal.timeout(5_000));
 * } finally {
 *   store.close();
 * }
 * ```
 */
export function openLocalStore(options: LocalStoreOptions): LocalStore {
  const { path, clock, busyTimeout, synchronous } = options;
  const database = openDatabase({ path, busyTimeout, synchronous });
  const ledger = new SqliteLedger({ database, clock, retention: options.retention, claimRetention: options.claimRetention });
  const queue = new SqliteEventQueue({
    database,
    clock,
    visibilityTimeout: options.visibilityTimeout,
    maxReceives: options.maxReceives,
  });
  return {
    ledger,
    queue,
    path: options.path,
    close: () => {
      if (database.open) database.close();
    },
  };
}
