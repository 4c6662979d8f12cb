// The EventQueue port on SQLite: durable, at-least-once, visibility timeouts, receive counts, dead letters.
import { randomBytes } from 'node:crypto';
import { systemClock } from '@ghr/core';
import type { Clock, EventQueue, JobEvent, QueueMessage, SendResult } from '@ghr/core';
import type { Database as SqliteDatabase, Statement } from 'better-sqlite3';
import { throwIfAborted, toLocalError } from '../errors.js';

/** Options of a {@link SqliteEventQueue}. */
export interface SqliteEventQueueOptions {
  /** An open database with the store's schema (see `openLocalStore`, which passes it). */
  readonly database: SqliteDatabase;
  /** Time source for visibility timeouts. Default `systemClock`. */
  readonly clock?: Pick<Clock, 'now'>;
  /** How long a received message stays hidden before it is delivered again (ms). Default 30 s. */
  readonly visibilityTimeout?: number;
  /**
   * After this many receives without an ack, the next receive moves the message to the dead letters instead of
   * delivering it (an SQS redrive policy's `maxReceiveCount`). Default 5; `Infinity` never dead-letters.
   */
  readonly maxReceives?: number;
}

/**
 * Defaults of {@link SqliteEventQueueOptions}, in one place.
 *
 * @example
 * ```ts
 * openLocalStore({ path, maxReceives: SQLITE_QUEUE_DEFAULTS.maxReceives * 2 });
 * ```
 */
export const SQLITE_QUEUE_DEFAULTS = {
  visibilityTimeout: 30_000,
  maxReceives: 5,
} as const;

/** A message that was received `maxReceives` times without an ack, kept for inspection and redrive. */
export interface DeadLetter {
  /** Stable id of the message (the same before and after a redrive). */
  readonly id: string;
  readonly event: JobEvent;
  readonly receiveCount: number;
  readonly sentAt: number;
  readonly deadAt: number;
}

/** How many messages the queue holds, by where they are. */
export interface QueueDepth {
  /** Waiting to be received now. */
  readonly visible: number;
  /** Received and neither acknowledged nor past their visibility timeout. */
  readonly inFlight: number;
  readonly deadLetters: number;
}

interface QueueRow {
  readonly id: number;
  readonly body: string;
  readonly sent_at: number;
  readonly receive_count: number;
}

/**
 * An {@link EventQueue} in a SQLite file, safe for several processes on one file. `send` commits all events of
 * a call in one transaction before it returns, so an event a webhook answered 202 for survives a crash of the
 * process. `receive` hides the messages it returns for the visibility timeout and raises their receive count
 * in one `BEGIN IMMEDIATE` transaction, so two consumers never get the same message within its timeout.
 * A message's `id` carries a receipt that changes on every receive (as an SQS receipt handle): a late `ack` by a
 * consumer whose timeout passed does not delete the message another consumer now holds. A message received
 * `maxReceives` times moves to the dead letters on its next receive; {@link SqliteEventQueue.deadLetters} lists
 * them and {@link SqliteEventQueue.redrive} puts them back.
 *
 * `receive` never waits for messages: poll it, with {@link SqliteEventQueue.wait} between polls.
 *
 * @example
 * ```ts
 * const { queue } = openLocalStore({ path: 'ghr.db', visibilityTimeout: 30_000, maxReceives: 5 });
 * await queue.send([event], signal);
 * const messages = await queue.receive(10, signal);
 * await queue.ack(messages.map((m) => m.id), signal);
 * ```
 */
export class SqliteEventQueue implements EventQueue {
  readonly #db: SqliteDatabase;
  readonly #clock: Pick<Clock, 'now'>;
  readonly #visibilityTimeout: number;
  readonly #maxReceives: number;
  readonly #sql: ReturnType<typeof prepare>;
  /** Wakers of `wait` calls in this process. */
  readonly #waiters = new Set<() => void>();

  constructor(options: SqliteEventQueueOptions) {
    this.#db = options.database;
    this.#clock = options.clock ?? systemClock;
    this.#visibilityTimeout = Math.max(0, options.visibilityTimeout ?? SQLITE_QUEUE_DEFAULTS.visibilityTimeout);
    this.#maxReceives = Math.max(1, options.maxReceives ?? SQLITE_QUEUE_DEFAULTS.maxReceives);
    this.#sql = prepare(this.#db);
  }

  async send(events: readonly JobEvent[], signal: AbortSignal): Promise<SendResult> {
    throwIfAborted(signal, 'Queue send');
    if (events.length === 0) return { failed: [] };
    const now = this.#clock.now();
    try {
      this.#db
        .transaction(() => {
          for (const event of events) this.#sql.insert.run(JSON.stringify(event), now, now);
        })
        .immediate();
      for (const wake of [...this.#waiters]) wake();
      return { failed: [] };
    } catch (err) {
      // Nothing of the call was committed: report every event, so the caller answers an error and GitHub's
      // delivery shows as failed (and is redelivered).
      const error = toLocalError(err, `SQLite send of ${events.length} event(s)`);
      return { failed: events.map((event) => ({ event, code: error.code, message: error.message })) };
    }
  }

  async receive(max: number, signal: AbortSignal): Promise<readonly QueueMessage[]> {
    throwIfAborted(signal, 'Queue receive');
    const want = Math.floor(max);
    if (!(want >= 1)) return [];
    try {
      return this.#db
        .transaction(() => {
          const now = this.#clock.now();
          const out: QueueMessage[] = [];
          while (out.length < want) {
            const rows = this.#sql.visible.all(now, want - out.length) as QueueRow[];
            if (rows.length === 0) break;
            for (const row of rows) {
              if (row.receive_count >= this.#maxReceives) {
                this.#sql.bury.run(now, row.id);
                this.#sql.remove.run(row.id);
                continue;
              }
              const receipt = randomBytes(8).toString('hex');
              this.#sql.hide.run(now + this.#visibilityTimeout, receipt, row.id);
              out.push({ id: `${row.id}:${receipt}`, event: JSON.parse(row.body) as JobEvent, receiveCount: row.receive_count + 1 });
            }
          }
          return out;
        })
        .immediate();
    } catch (err) {
      throw toLocalError(err, 'SQLite receive');
    }
  }

  async ack(messageIds: readonly string[], signal: AbortSignal): Promise<void> {
    throwIfAborted(signal, 'Queue ack');
    if (messageIds.length === 0) return;
    try {
      this.#db
        .transaction(() => {
          for (const messageId of messageIds) {
            const [id, receipt] = messageId.split(':');
            if (id !== undefined && receipt !== undefined) this.#sql.ack.run(Number(id), receipt);
          }
        })
        .immediate();
    } catch (err) {
      throw toLocalError(err, `SQLite ack of ${messageIds.length} message(s)`);
    }
  }

  /**
   * Resolves when this queue object sends events, or after `ms`, or when `signal` fires, whichever comes first
   * (never rejects). A consumer in the process that receives webhooks picks events up at once instead of at its
   * next poll; sends from other processes on the file are seen at the next poll.
   *
   * @example
   * ```ts
   * while (!signal.aborted) {
   *   const messages = await queue.receive(10, signal);
   *   if (messages.length === 0) await queue.wait(1_000, signal);
   *   else await queue.ack((await scaleUp(engine, messages, signal)).acknowledge, signal);
   * }
   * ```
   */
  wait(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#waiters.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      this.#waiters.add(done);
      if (signal?.aborted) done();
      else signal?.addEventListener('abort', done, { once: true });
    });
  }

  /**
   * The dead letters, oldest first (at most `limit`, default 1000).
   *
   * @example
   * ```ts
   * for (const dead of queue.deadLetters()) logger.warn('dead letter', { id: dead.id, job: dead.event.job.id });
   * ```
   */
  deadLetters(limit = 1_000): readonly DeadLetter[] {
    try {
      const rows = this.#sql.deadLetters.all(Math.max(0, Math.floor(limit))) as (QueueRow & { dead_at: number })[];
      return rows.map((row) => ({
        id: String(row.id),
        event: JSON.parse(row.body) as JobEvent,
        receiveCount: row.receive_count,
        sentAt: row.sent_at,
        deadAt: row.dead_at,
      }));
    } catch (err) {
      throw toLocalError(err, 'SQLite list of dead letters');
    }
  }

  /**
   * Moves dead letters back into the queue (those named by `ids`, or all), visible now with a receive count of
   * 0. Returns how many moved.
   *
   * @example
   * ```ts
   * const moved = queue.redrive(); // after fixing what made them fail
   * ```
   */
  redrive(ids?: readonly string[]): number {
    try {
      return this.#db
        .transaction(() => {
          const now = this.#clock.now();
          if (ids === undefined) {
            const moved = this.#sql.redriveAll.run(now).changes;
            this.#sql.clearDead.run();
            return moved;
          }
          let moved = 0;
          for (const id of ids) {
            const n = Number(id);
            if (!Number.isInteger(n)) continue;
            if (this.#sql.redriveOne.run(now, n).changes === 1) {
              this.#sql.removeDead.run(n);
              moved += 1;
            }
          }
          return moved;
        })
        .immediate();
    } catch (err) {
      throw toLocalError(err, 'SQLite redrive of dead letters');
    }
  }

  /**
   * How many messages are visible, in flight and dead now.
   *
   * @example
   * ```ts
   * const { visible, inFlight, deadLetters } = queue.depth();
   * ```
   */
  depth(): QueueDepth {
    try {
      const row = this.#sql.depth.get(this.#clock.now()) as { visible: number | null; total: number; dead: number };
      const visible = row.visible ?? 0;
      return { visible, inFlight: row.total - visible, deadLetters: row.dead };
    } catch (err) {
      throw toLocalError(err, 'SQLite queue depth');
    }
  }
}

function prepare(db: SqliteDatabase) {
  const s = (sql: string): Statement => db.prepare(sql);
  return {
    insert: s('INSERT INTO queue (body, sent_at, visible_at) VALUES (?, ?, ?)'),
    visible: s('SELECT id, body, sent_at, receive_count FROM queue WHERE visible_at <= ? ORDER BY visible_at, id LIMIT ?'),
    hide: s('UPDATE queue SET visible_at = ?, receipt = ?, receive_count = receive_count + 1 WHERE id = ?'),
    bury: s(
      `INSERT INTO dead_letters (id, body, sent_at, receive_count, dead_at)
       SELECT id, body, sent_at, receive_count, ? FROM queue WHERE id = ?`,
    ),
    remove: s('DELETE FROM queue WHERE id = ?'),
    ack: s('DELETE FROM queue WHERE id = ? AND receipt = ?'),
    deadLetters: s('SELECT id, body, sent_at, receive_count, dead_at FROM dead_letters ORDER BY dead_at, id LIMIT ?'),
    redriveAll: s('INSERT INTO queue (id, body, sent_at, visible_at) SELECT id, body, sent_at, ? FROM dead_letters'),
    clearDead: s('DELETE FROM dead_letters'),
    redriveOne: s('INSERT INTO queue (id, body, sent_at, visible_at) SELECT id, body, sent_at, ? FROM dead_letters WHERE id = ?'),
    removeDead: s('DELETE FROM dead_letters WHERE id = ?'),
    depth: s(
      `SELECT (SELECT count(*) FROM queue) AS total,
              (SELECT sum(visible_at <= ?) FROM queue) AS visible,
              (SELECT count(*) FROM dead_letters) AS dead`,
    ),
  };
}
