import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jobRecord, runnerRecord } from '@ghr/contracts';
import { ManualClock } from '@ghr/core/testing';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalError } from '../errors.js';
import { openLocalStore } from './local-store.js';
import type { LocalStore } from './local-store.js';

const signal = () => AbortSignal.timeout(10_000);
const HOUR = 3_600_000;

describe('SqliteLedger', () => {
  const dirs: string[] = [];
  const stores: LocalStore[] = [];
  afterEach(() => {
    for (const store of stores.splice(0)) store.close();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  const file = () => {
    const dir = mkdtempSync(join(tmpdir(), 'ghr-ledger-'));
    dirs.push(dir);
    return join(dir, 'ghr.db');
  };
  const open = (options: Partial<Parameters<typeof openLocalStore>[0]> & { path: string }) => {
    const store = openLocalStore(options);
    stores.push(store);
    return store;
  };

  it('keeps its records across a reopen of the file', async () => {
    const path = file();
    const first = open({ path });
    await first.ledger.putJob(jobRecord(1), signal());
    await first.ledger.admit('linux', [runnerRecord('ghr-linux-a')], 5, signal());
    await first.ledger.claim('d-1', Date.now(), signal());
    first.close();

    const second = open({ path });
    expect(await second.ledger.getJob(1, signal())).toEqual(jobRecord(1));
    expect(await second.ledger.alive('linux', signal())).toBe(1);
    expect(await second.ledger.claim('d-1', Date.now(), signal())).toBe('taken');
  });

  it('admits atomically across two connections to one file (as two processes would)', async () => {
    const path = file();
    const a = open({ path });
    const b = open({ path });
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        (i % 2 === 0 ? a : b).ledger.admit('linux', [runnerRecord(`r-${i}-0`), runnerRecord(`r-${i}-1`)], 15, signal()),
      ),
    );
    expect(results.flat()).toHaveLength(15);
    expect(await a.ledger.alive('linux', signal())).toBe(15);
    expect(await b.ledger.alive('linux', signal())).toBe(15);
  });

  it('skips a runner name that is already stored instead of counting it twice', async () => {
    const { ledger } = open({ path: ':memory:' });
    await ledger.admit('linux', [runnerRecord('ghr-linux-a')], 5, signal());
    const again = await ledger.admit('linux', [runnerRecord('ghr-linux-a'), runnerRecord('ghr-linux-b')], 5, signal());
    expect(again.map((r) => r.name)).toEqual(['ghr-linux-b']);
    expect(await ledger.alive('linux', signal())).toBe(2);
  });

  describe('claim', () => {
    it('answers claimed once and taken after, until the claim retention from `at` has passed', async () => {
      const clock = new ManualClock({ start: 10 * HOUR });
      const { ledger } = open({ path: ':memory:', clock, claimRetention: HOUR });
      expect(await ledger.claim('k', clock.now(), signal())).toBe('claimed');
      await clock.advance(HOUR - 1);
      expect(await ledger.claim('k', clock.now(), signal())).toBe('taken');
      await clock.advance(1);
      expect(await ledger.claim('k', clock.now(), signal())).toBe('claimed');
      expect(await ledger.claim('k', clock.now(), signal())).toBe('taken');
    });

    it('answers claimed exactly once among callers on two connections', async () => {
      const path = file();
      const [a, b] = [open({ path }), open({ path })];
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? a : b).ledger.claim('shared', Date.now(), signal())),
      );
      expect(results.filter((r) => r === 'claimed')).toHaveLength(1);
    });
  });

  describe('retention', () => {
    it('prunes completed jobs and ended runners after the retention, and keeps open and alive ones', async () => {
      const clock = new ManualClock({ start: 10 * HOUR });
      const { ledger } = open({ path: ':memory:', clock, retention: HOUR, claimRetention: 2 * HOUR });
      await ledger.putJob(jobRecord(1), signal());
      await ledger.putJob(jobRecord(2), signal());
      await ledger.putJob(jobRecord(2, { status: 'completed', conclusion: 'success', version: 2 }), signal());
      const [a, b] = await ledger.admit('linux', [runnerRecord('a'), runnerRecord('b')], 5, signal());
      await ledger.putRunner({ ...a!, state: 'terminated', version: 2 }, signal());
      await ledger.claim('old', clock.now(), signal());

      await clock.advance(HOUR - 1);
      expect(ledger.prune()).toEqual({ jobs: 0, runners: 0, claims: 0 });
      await clock.advance(1);
      expect(ledger.prune()).toEqual({ jobs: 1, runners: 1, claims: 0 });
      expect(await ledger.getJob(2, signal())).toBeUndefined();
      expect(await ledger.getRunner('a', signal())).toBeUndefined();
      expect((await ledger.getJob(1, signal()))?.status).toBe('queued');
      expect(await ledger.getRunner('b', signal())).toEqual(b);
      await clock.advance(HOUR);
      expect(ledger.prune().claims).toBe(1);
    });

    it('counts the retention from the last write, so a job reopened by a late event is not pruned', async () => {
      const clock = new ManualClock({ start: 10 * HOUR });
      const { ledger } = open({ path: ':memory:', clock, retention: HOUR });
      await ledger.putJob(jobRecord(1, { status: 'completed' }), signal());
      await clock.advance(HOUR / 2);
      await ledger.putJob(jobRecord(1, { status: 'completed', conclusion: 'success', version: 2 }), signal());
      await clock.advance(HOUR / 2 + 1);
      ledger.prune();
      expect(await ledger.getJob(1, signal())).toBeDefined();
    });

    it('prunes on its own during writes', async () => {
      const clock = new ManualClock({ start: 10 * HOUR });
      const { ledger } = open({ path: ':memory:', clock, retention: HOUR });
      await ledger.putJob(jobRecord(1, { status: 'completed' }), signal());
      await clock.advance(2 * HOUR);
      await ledger.putJob(jobRecord(2), signal());
      expect(await ledger.getJob(1, signal())).toBeUndefined();
    });
  });

  describe('errors', () => {
    it('fails with code aborted when the signal has fired, and writes nothing', async () => {
      const { ledger } = open({ path: ':memory:' });
      const aborted = AbortSignal.abort();
      await expect(ledger.putJob(jobRecord(1), aborted)).rejects.toMatchObject({ name: 'LocalError', code: 'aborted' });
      expect(await ledger.getJob(1, signal())).toBeUndefined();
    });

    it('fails a write as retryable unavailable while another connection holds the write lock past the busy timeout', async () => {
      const path = file();
      const { ledger } = open({ path, busyTimeout: 50 });
      const other = new Database(path);
      try {
        other.exec('BEGIN IMMEDIATE');
        const error = await ledger.admit('linux', [runnerRecord('a')], 5, signal()).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(LocalError);
        expect(error).toMatchObject({ code: 'unavailable', retryable: true, systemCode: 'SQLITE_BUSY' });
        other.exec('ROLLBACK');
        expect(await ledger.admit('linux', [runnerRecord('a')], 5, signal())).toHaveLength(1);
      } finally {
        other.close();
      }
    });

    it('refuses a file whose schema is newer than it knows, saying what to do', () => {
      const path = file();
      const db = new Database(path);
      db.pragma('user_version = 99');
      db.close();
      expect(() => openLocalStore({ path })).toThrow(/schema version 99.*upgrade ghr/);
    });

    it('refuses a file that is not a database as invalid-config', () => {
      const path = file();
      writeFileSync(path, 'not a database, just text that is long enough to have a header '.repeat(4));
      expect(() => openLocalStore({ path })).toThrow(expect.objectContaining({ code: 'invalid-config', systemCode: 'SQLITE_NOTADB' }));
    });

    it('creates the directory of a new database file', async () => {
      const path = join(file(), '..', 'data', 'nested', 'ghr.db');
      const { ledger } = open({ path });
      expect(await ledger.claim('k', 0, signal())).toBe('claimed');
    });
  });
});
