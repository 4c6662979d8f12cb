import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jobEvent } from '@ghr/contracts';
import { ManualClock } from '@ghr/core/testing';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openLocalStore } from './local-store.js';
import type { LocalStore, LocalStoreOptions } from './local-store.js';

const signal = () => AbortSignal.timeout(10_000);

describe('SqliteEventQueue', () => {
  const dirs: string[] = [];
  const stores: LocalStore[] = [];
  afterEach(() => {
    for (const store of stores.splice(0)) store.close();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  const file = () => {
    const dir = mkdtempSync(join(tmpdir(), 'ghr-queue-'));
    dirs.push(dir);
    return join(dir, 'ghr.db');
  };
  const open = (options: Partial<LocalStoreOptions> = {}) => {
    const store = openLocalStore({ path: ':memory:', ...options });
    stores.push(store);
    return store;
  };

  it('keeps unacknowledged messages across a reopen of the file, and delivers them after their timeout', async () => {
    const path = file();
    const clock = new ManualClock();
    const first = open({ path, clock, visibilityTimeout: 1_000 });
    await first.queue.send([jobEvent(1), jobEvent(2)], signal());
    const received = await first.queue.receive(10, signal());
    expect(received).toHaveLength(2);
    first.close(); // as a crash would: nothing acknowledged

    const second = open({ path, clock, visibilityTimeout: 1_000 });
    expect(await second.queue.receive(10, signal())).toEqual([]);
    await clock.advance(1_000);
    const again = await second.queue.receive(10, signal());
    expect(again.map((m) => [m.event.job.id, m.receiveCount])).toEqual([
      [1, 2],
      [2, 2],
    ]);
  });

  it('ignores a late ack from a consumer whose visibility timeout passed (the message moved on)', async () => {
    const clock = new ManualClock();
    const { queue } = open({ clock, visibilityTimeout: 1_000 });
    await queue.send([jobEvent(1)], signal());
    const [stale] = await queue.receive(1, signal());
    await clock.advance(1_000);
    const [current] = await queue.receive(1, signal());
    expect(current?.id).not.toBe(stale?.id);

    await queue.ack([stale!.id], signal());
    expect(queue.depth()).toEqual({ visible: 0, inFlight: 1, deadLetters: 0 });
    await queue.ack([current!.id, 'not-an-id'], signal());
    expect(queue.depth()).toEqual({ visible: 0, inFlight: 0, deadLetters: 0 });
  });

  it('never gives one message to two consumers on two connections within its timeout', async () => {
    const path = file();
    const a = open({ path, visibilityTimeout: 60_000 });
    const b = open({ path, visibilityTimeout: 60_000 });
    await a.queue.send(Array.from({ length: 50 }, (_, i) => jobEvent(i + 1)), signal());
    const batches = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).queue.receive(4, signal())));
    const ids = batches.flat().map((m) => m.event.job.id);
    expect(ids).toHaveLength(50);
    expect(new Set(ids).size).toBe(50);
  });

  it('lists dead letters with their receive count and times, and redrives them, one or all', async () => {
    const clock = new ManualClock({ start: 1_000 });
    const { queue } = open({ clock, visibilityTimeout: 100, maxReceives: 1 });
    await queue.send([jobEvent(1), jobEvent(2), jobEvent(3)], signal());
    await queue.receive(10, signal());
    await clock.advance(100);
    expect(await queue.receive(10, signal())).toEqual([]);

    const dead = queue.deadLetters();
    expect(dead.map((d) => [d.event.job.id, d.receiveCount, d.sentAt, d.deadAt])).toEqual([
      [1, 1, 1_000, 1_100],
      [2, 1, 1_000, 1_100],
      [3, 1, 1_000, 1_100],
    ]);
    expect(queue.depth()).toEqual({ visible: 0, inFlight: 0, deadLetters: 3 });

    expect(queue.redrive([dead[1]!.id, 'unknown'])).toBe(1);
    const [back] = await queue.receive(10, signal());
    expect([back?.event.job.id, back?.receiveCount]).toEqual([2, 1]);
    expect(queue.redrive()).toBe(2);
    expect(queue.depth()).toEqual({ visible: 2, inFlight: 1, deadLetters: 0 });
  });

  it('defaults to five receives before a message becomes a dead letter', async () => {
    const clock = new ManualClock();
    const { queue } = open({ clock, visibilityTimeout: 10 });
    await queue.send([jobEvent(1)], signal());
    const counts: number[] = [];
    for (let i = 0; i < 6; i += 1) {
      counts.push(...(await queue.receive(1, signal())).map((m) => m.receiveCount));
      await clock.advance(10);
    }
    expect(counts).toEqual([1, 2, 3, 4, 5]);
    expect(queue.deadLetters()).toHaveLength(1);
  });

  it('reports every event of a send as failed when the file cannot be written, and answers an empty batch', async () => {
    const path = file();
    const { queue } = open({ path, busyTimeout: 20 });
    expect(await queue.send([], signal())).toEqual({ failed: [] });
    const locker = new Database(path);
    try {
      locker.exec('BEGIN IMMEDIATE');
      const result = await queue.send([jobEvent(1), jobEvent(2)], signal());
      expect(result.failed.map((f) => [f.event.job.id, f.code])).toEqual([
        [1, 'unavailable'],
        [2, 'unavailable'],
      ]);
      expect(result.failed[0]?.message).toContain('SQLITE_BUSY');
    } finally {
      locker.exec('ROLLBACK');
      locker.close();
    }
    expect(queue.depth().visible).toBe(0);
  });

  it('wakes a waiting consumer when this queue sends, and otherwise after the wait or on abort', async () => {
    const { queue } = open();
    const started = Date.now();
    const waiting = queue.wait(10_000);
    await queue.send([jobEvent(1)], signal());
    await waiting;
    expect(Date.now() - started).toBeLessThan(5_000);

    const t = Date.now();
    await queue.wait(30);
    expect(Date.now() - t).toBeGreaterThanOrEqual(25);
    const controller = new AbortController();
    const aborted = queue.wait(10_000, controller.signal);
    controller.abort();
    await aborted;
    await queue.wait(10_000, AbortSignal.abort());
  });

  it('answers nothing for a receive of zero or fewer messages', async () => {
    const { queue } = open();
    await queue.send([jobEvent(1)], signal());
    expect(await queue.receive(0, signal())).toEqual([]);
    expect(await queue.receive(-3, signal())).toEqual([]);
    expect(queue.depth().visible).toBe(1);
  });
});
