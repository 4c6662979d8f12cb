// Opening the SQLite file: pragmas for several processes on one file (WAL, busy timeout) and the schema.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Database as SqliteDatabase } from 'better-sqlite3';
import { LocalError, toLocalError } from '../errors.js';

/** How hard SQLite pushes a commit to the disk. */
export type SqliteSynchronous = 'normal' | 'full';

/** Options of {@link openDatabase}. */
export interface OpenDatabaseOptions {
  /** The database file; `:memory:` for a private in-memory database (tests). */
  readonly path: string;
  /**
   * How long a write waits for another process's write lock before failing with `unavailable` (ms). The wait
   * blocks this process's event loop; writes hold the lock for well under a millisecond. Default 5000.
   */
  readonly busyTimeout?: number;
  /**
   * `normal` (default): a commit survives the crash or `kill -9` of any process; the last commits before a power
   * loss may be lost (WAL mode keeps the file consistent either way). `full`: a commit also survives a power
   * loss, at the cost of one fsync per commit.
   */
  readonly synchronous?: SqliteSynchronous;
}

/** The schema's version in `PRAGMA user_version`; each step below moves it up by one. */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE jobs (
    id INTEGER PRIMARY KEY,
    pool_id TEXT,
    status TEXT NOT NULL,
    version INTEGER NOT NULL,
    ended_at INTEGER,
    record TEXT NOT NULL
  );
  CREATE INDEX jobs_by_status ON jobs (status, pool_id);
  CREATE INDEX jobs_by_pool ON jobs (pool_id);
  CREATE INDEX jobs_ended ON jobs (ended_at) WHERE ended_at IS NOT NULL;

  CREATE TABLE runners (
    name TEXT PRIMARY KEY,
    pool_id TEXT NOT NULL,
    state TEXT NOT NULL,
    version INTEGER NOT NULL,
    ended_at INTEGER,
    record TEXT NOT NULL
  );
  CREATE INDEX runners_by_pool ON runners (pool_id, state);
  CREATE INDEX runners_by_state ON runners (state);
  CREATE INDEX runners_ended ON runners (ended_at) WHERE ended_at IS NOT NULL;

  CREATE TABLE claims (
    key TEXT PRIMARY KEY,
    at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
  );
  CREATE INDEX claims_by_expiry ON claims (expires_at);

  CREATE TABLE queue (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    body TEXT NOT NULL,
    sent_at INTEGER NOT NULL,
    visible_at INTEGER NOT NULL,
    receive_count INTEGER NOT NULL DEFAULT 0,
    receipt TEXT
  );
  CREATE INDEX queue_by_visibility ON queue (visible_at, id);

  CREATE TABLE dead_letters (
    id INTEGER PRIMARY KEY,
    body TEXT NOT NULL,
    sent_at INTEGER NOT NULL,
    receive_count INTEGER NOT NULL,
    dead_at INTEGER NOT NULL
  );
  `,
];

/**
 * Opens (creating it and its directory if needed) the SQLite file that holds the ledger and the queue, in WAL mode with a busy
 * timeout so that several processes can share it, and brings its schema up to date inside one write
 * transaction (safe when several processes open the file at once).
 */
export function openDatabase(options: OpenDatabaseOptions): SqliteDatabase {
  let db: SqliteDatabase;
  try {
    if (options.path !== ':memory:' && options.path !== '') mkdirSync(dirname(options.path), { recursive: true });
    db = new Database(options.path, { timeout: Math.max(0, options.busyTimeout ?? 5_000) });
  } catch (err) {
    throw toLocalError(err, `Opening the SQLite database ${options.path}`);
  }
  try {
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
    db.pragma('foreign_keys = ON');
    migrate(db);
    return db;
  } catch (err) {
    db.close();
    throw toLocalError(err, `Preparing the SQLite database ${options.path}`);
  }
}

function migrate(db: SqliteDatabase): void {
  const current = () => Number(db.pragma('user_version', { simple: true }));
  if (current() === MIGRATIONS.length) return;
  db.transaction(() => {
    const version = current(); // read again under the write lock: another process may have migrated
    if (version > MIGRATIONS.length) {
      throw new LocalError(
        `The SQLite database has schema version ${version}, newer than this @ghr/local knows (${MIGRATIONS.length}): upgrade ghr or use another file.`,
        { code: 'invalid-config' },
      );
    }
    for (let step = version; step < MIGRATIONS.length; step += 1) db.exec(MIGRATIONS[step]!);
    db.pragma(`user_version = ${MIGRATIONS.length}`);
  }).immediate();
}
