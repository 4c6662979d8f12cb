// The Ledger port on SQLite (docs/architecture.md: Ports, safety rule 1): versioned conditional writes and atomic admission.
import { ALIVE_RUNNER_STATES, systemClock } from '@ghr/core';
import type { Clock, Job, JobFilter, Ledger, Runner, RunnerFilter, RunnerState, WriteResult } from '@ghr/core';
import type { Database as SqliteDatabase, Statement } from 'better-sqlite3';
import { throwIfAborted, toLocalError } from '../errors.js';

/** Options of a {@link SqliteLedger}. */
export interface SqliteLedgerOptions {
  /** An open database with the store's schema (see `openLocalStore`, which passes it). */
  readonly database: SqliteDatabase;
  /** Time source for retention. Default `systemClock`. */
  readonly clock?: Pick<Clock, 'now'>;
  /** How long completed jobs and terminated/failed runners are kept after their last write (ms). Default 1 day. */
  readonly retention?: number;
  /** How long a `claim` key stays taken, from its `at` (ms). Default 7 days. */
  readonly claimRetention?: number;
}

/**
 * Defaults of {@link SqliteLedgerOptions}, in one place.
 *
 * @example
 * ```ts
 * openLocalStore({ path, retention: 7 * SQLITE_LEDGER_DEFAULTS.retention }); // keep ended records a week
 * ```
 */
export const SQLITE_LEDGER_DEFAULTS = {
  retention: 86_400_000,
  claimRetention: 7 * 86_400_000,
  /** Longest pause between two prunes of ended records and expired claims (ms). */
  pruneInterval: 600_000,
} as const;

const ALIVE: ReadonlySet<RunnerState> = new Set(ALIVE_RUNNER_STATES);
const ALIVE_SQL = ALIVE_RUNNER_STATES.map((s) => `'${s}'`).join(', ');

interface Row {
  readonly record: string;
}

/**
 * A {@link Ledger} in a SQLite file, safe for several processes on one file. Records are stored whole (JSON)
 * beside the columns that lists filter on. Every write is one conditional statement on `version` (create only
 * when absent at version 1, else only from the previous version), so exactly one of several concurrent writers
 * wins. `admit` counts the pool's alive runners and inserts what fits inside one `BEGIN IMMEDIATE` transaction,
 * which holds the file's write lock: admissions from every process on the file are serialised and never
 * exceed `maxRunners`. The alive count is a query, so a runner leaves it exactly once, with the write that
 * moves it to `terminated` or `failed`. Completed jobs, ended runners and expired claims are pruned after their
 * retention, at most every ten minutes, during writes (or by {@link SqliteLedger.prune}).
 *
 * better-sqlite3 is synchronous: each method runs to completion before it returns its promise, and a write
 * that waits for another process's lock blocks the event loop up to the database's busy timeout.
 *
 * @example
 * ```ts
 * const store = openLocalStore({ path: '/var/lib/ghr/ghr.db' });
 * const admitted = await store.ledger.admit('linux', runners, pool.maxRunners, AbortSignal.timeout(5_000));
 * if ((await store.ledger.claim(deliveryId, Date.now(), signal)) === 'taken') return; // seen before
 * ```
 */
export class SqliteLedger implements Ledger {
  readonly #db: SqliteDatabase;
  readonly #clock: Pick<Clock, 'now'>;
  readonly #retention: number;
  readonly #claimRetention: number;
  readonly #pruneEvery: number;
  readonly #sql: ReturnType<typeof prepare>;
  /** Statements of list queries, by SQL text (one per filter shape). */
  readonly #lists = new Map<string, Statement>();
  #nextPrune = 0;

  constructor(options: SqliteLedgerOptions) {
    this.#db = options.database;
    this.#clock = options.clock ?? systemClock;
    this.#retention = options.retention ?? SQLITE_LEDGER_DEFAULTS.retention;
    this.#claimRetention = options.claimRetention ?? SQLITE_LEDGER_DEFAULTS.claimRetention;
    this.#pruneEvery = Math.max(1, Math.min(SQLITE_LEDGER_DEFAULTS.pruneInterval, this.#retention / 24, this.#claimRetention / 24));
    this.#sql = prepare(this.#db);
  }

  async getJob(id: number, signal: AbortSignal): Promise<Job | undefined> {
    return this.#run(signal, `getJob ${id}`, () => parse<Job>(this.#sql.getJob.get(id) as Row | undefined));
  }

  async putJob(record: Job, signal: AbortSignal): Promise<WriteResult> {
    return this.#write(signal, `putJob ${record.id}`, () => {
      if (!isVersion(record.version)) return 'conflict';
      const row = {
        id: record.id,
        pool: record.poolId,
        status: record.status,
        version: record.version,
        ended: record.status === 'completed' ? this.#clock.now() : null,
        record: JSON.stringify(record),
      };
      const statement = record.version === 1 ? this.#sql.insertJob : this.#sql.updateJob;
      return statement.run(row).changes === 1 ? 'ok' : 'conflict';
    });
  }

  async listJobs(filter: JobFilter, signal: AbortSignal): Promise<readonly Job[]> {
    return this.#run(signal, 'listJobs', () => {
      const where: string[] = [];
      const args: unknown[] = [];
      if (filter.statuses) {
        where.push(`status IN (${filter.statuses.map(() => '?').join(', ') || 'NULL'})`);
        args.push(...filter.statuses);
      }
      if (filter.poolId !== undefined) {
        where.push('pool_id = ?');
        args.push(filter.poolId);
      }
      const sql = `SELECT record FROM jobs${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY id`;
      return this.#list<Job>(sql, args);
    });
  }

  async getRunner(name: string, signal: AbortSignal): Promise<Runner | undefined> {
    return this.#run(signal, `getRunner ${name}`, () => parse<Runner>(this.#sql.getRunner.get(name) as Row | undefined));
  }

  async putRunner(record: Runner, signal: AbortSignal): Promise<WriteResult> {
    return this.#write(signal, `putRunner ${record.name}`, () => {
      if (!isVersion(record.version)) return 'conflict';
      const statement = record.version === 1 ? this.#sql.insertRunner : this.#sql.updateRunner;
      return statement.run(this.#runnerRow(record)).changes === 1 ? 'ok' : 'conflict';
    });
  }

  async listRunners(filter: RunnerFilter, signal: AbortSignal): Promise<readonly Runner[]> {
    return this.#run(signal, 'listRunners', () => {
      const where: string[] = [];
      const args: unknown[] = [];
      if (filter.poolId !== undefined) {
        where.push('pool_id = ?');
        args.push(filter.poolId);
      }
      if (filter.states) {
        where.push(`state IN (${filter.states.map(() => '?').join(', ') || 'NULL'})`);
        args.push(...filter.states);
      }
      const sql = `SELECT record FROM runners${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY name`;
      return this.#list<Runner>(sql, args);
    });
  }

  async admit(poolId: string, runners: readonly Runner[], maxRunners: number, signal: AbortSignal): Promise<readonly Runner[]> {
    return this.#write(signal, `admit into pool ${poolId}`, () =>
      this.#db
        .transaction(() => {
          let alive = this.#countAlive(poolId);
          const admitted: Runner[] = [];
          for (const runner of runners) {
            if (alive >= maxRunners) break;
            const stored: Runner = { ...runner, poolId, state: 'launching', version: 1 };
            // A name already stored (a retried admission) is skipped, not counted twice.
            if (this.#sql.insertRunner.run(this.#runnerRow(stored)).changes !== 1) continue;
            admitted.push(stored);
            alive += 1;
          }
          return admitted;
        })
        .immediate(),
    );
  }

  async alive(poolId: string, signal: AbortSignal): Promise<number> {
    return this.#run(signal, `alive of pool ${poolId}`, () => this.#countAlive(poolId));
  }

  /**
   * Takes `key` once: `claimed` for the first caller within the claim retention (counted from `at`), `taken`
   * for every other. One insert-if-absent statement, so exactly one of several concurrent callers (in any
   * process) gets `claimed`; an expired key that was not pruned yet is claimed again.
   */
  async claim(key: string, at: number, signal: AbortSignal): Promise<'claimed' | 'taken'> {
    return this.#write(signal, 'claim', () => {
      const result = this.#sql.claim.run({ key, at, expires: at + this.#claimRetention, now: this.#clock.now() });
      return result.changes === 1 ? 'claimed' : 'taken';
    });
  }

  /**
   * Deletes completed jobs and terminated/failed runners whose last write is older than the retention, and
   * expired claims. Writes call it on their own at most every ten minutes; call it to prune now.
   *
   * @example
   * ```ts
   * const { jobs, runners, claims } = ledger.prune();
   * ```
   */
  prune(): { readonly jobs: number; readonly runners: number; readonly claims: number } {
    const now = this.#clock.now();
    this.#nextPrune = now + this.#pruneEvery;
    try {
      return this.#db
        .transaction(() => ({
          jobs: this.#sql.pruneJobs.run(now - this.#retention).changes,
          runners: this.#sql.pruneRunners.run(now - this.#retention).changes,
          claims: this.#sql.pruneClaims.run(now).changes,
        }))
        .immediate();
    } catch (err) {
      throw toLocalError(err, 'SQLite prune of ended records');
    }
  }

  #list<T>(sql: string, args: readonly unknown[]): T[] {
    let statement = this.#lists.get(sql);
    if (!statement) this.#lists.set(sql, (statement = this.#db.prepare(sql)));
    return (statement.all(...args) as Row[]).map((row) => JSON.parse(row.record) as T);
  }

  #countAlive(poolId: string): number {
    return (this.#sql.countAlive.get(poolId) as { n: number }).n;
  }

  #runnerRow(record: Runner) {
    return {
      name: record.name,
      pool: record.poolId,
      state: record.state,
      version: record.version,
      ended: ALIVE.has(record.state) ? null : this.#clock.now(),
      record: JSON.stringify(record),
    };
  }

  #write<T>(signal: AbortSignal, what: string, body: () => T): Promise<T> {
    return this.#run(signal, what, () => {
      if (this.#clock.now() >= this.#nextPrune) this.prune();
      return body();
    });
  }

  async #run<T>(signal: AbortSignal, what: string, body: () => T): Promise<T> {
    throwIfAborted(signal, `Ledger ${what}`);
    try {
      return body();
    } catch (err) {
      throw toLocalError(err, `SQLite ${what}`);
    }
  }
}

function prepare(db: SqliteDatabase) {
  const s = (sql: string): Statement => db.prepare(sql);
  return {
    getJob: s('SELECT record FROM jobs WHERE id = ?'),
    insertJob: s(
      `INSERT INTO jobs (id, pool_id, status, version, ended_at, record) VALUES (@id, @pool, @status, @version, @ended, @record)
       ON CONFLICT (id) DO NOTHING`,
    ),
    updateJob: s(
      `UPDATE jobs SET pool_id = @pool, status = @status, version = @version, ended_at = @ended, record = @record
       WHERE id = @id AND version = @version - 1`,
    ),
    getRunner: s('SELECT record FROM runners WHERE name = ?'),
    insertRunner: s(
      `INSERT INTO runners (name, pool_id, state, version, ended_at, record) VALUES (@name, @pool, @state, @version, @ended, @record)
       ON CONFLICT (name) DO NOTHING`,
    ),
    updateRunner: s(
      `UPDATE runners SET pool_id = @pool, state = @state, version = @version, ended_at = @ended, record = @record
       WHERE name = @name AND version = @version - 1`,
    ),
    countAlive: s(`SELECT count(*) AS n FROM runners WHERE pool_id = ? AND state IN (${ALIVE_SQL})`),
    claim: s(
      `INSERT INTO claims (key, at, expires_at) VALUES (@key, @at, @expires)
       ON CONFLICT (key) DO UPDATE SET at = excluded.at, expires_at = excluded.expires_at WHERE claims.expires_at <= @now`,
    ),
    pruneJobs: s('DELETE FROM jobs WHERE ended_at IS NOT NULL AND ended_at <= ?'),
    pruneRunners: s('DELETE FROM runners WHERE ended_at IS NOT NULL AND ended_at <= ?'),
    pruneClaims: s('DELETE FROM claims WHERE expires_at <= ?'),
  };
}

function parse<T>(row: Row | undefined): T | undefined {
  return row === undefined ? undefined : (JSON.parse(row.record) as T);
}

function isVersion(version: number): boolean {
  return Number.isInteger(version) && version >= 1;
}
