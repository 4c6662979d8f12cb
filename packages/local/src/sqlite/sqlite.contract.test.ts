import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeEventQueueContract, describeLedgerContract } from '@ghr/contracts';
import { ManualClock } from '@ghr/core/testing';
import { openLocalStore } from './local-store.js';

/** A fresh store in its own temporary directory (a real file, WAL and all), removed after the test. */
function tempStore(options: Omit<Parameters<typeof openLocalStore>[0], 'path'> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'ghr-local-'));
  const store = openLocalStore({ path: join(dir, 'ghr.db'), ...options });
  return {
    store,
    cleanup: async () => {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describeLedgerContract('SqliteLedger', async () => {
  const { store, cleanup } = tempStore();
  return { ledger: store.ledger, cleanup };
});

describeLedgerContract('SqliteLedger in memory', async () => {
  const store = openLocalStore({ path: ':memory:' });
  return { ledger: store.ledger, cleanup: async () => store.close() };
});

describeEventQueueContract('SqliteEventQueue on a manual clock', async ({ visibilityTimeout, maxReceives }) => {
  const clock = new ManualClock();
  const { store, cleanup } = tempStore({ clock, visibilityTimeout, maxReceives: maxReceives ?? Infinity });
  return {
    queue: store.queue,
    elapse: (ms) => clock.advance(ms),
    deadLetters: async () => store.queue.deadLetters().map((d) => d.event),
    cleanup,
  };
});

describeEventQueueContract(
  'SqliteEventQueue on the system clock',
  async ({ visibilityTimeout, maxReceives }) => {
    const { store, cleanup } = tempStore({ visibilityTimeout, maxReceives: maxReceives ?? Infinity });
    return { queue: store.queue, deadLetters: async () => store.queue.deadLetters().map((d) => d.event), cleanup };
  },
  { minVisibilityTimeout: 50 },
);
