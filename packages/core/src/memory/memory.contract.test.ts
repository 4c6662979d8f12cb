import { describeEventQueueContract, describeLedgerContract, describeRunnerProviderContract, poolFixture } from '@ghr/contracts';
import { ManualClock } from './manual-clock.js';
import { MemoryEventQueue } from './memory-event-queue.js';
import { MemoryLedger } from './memory-ledger.js';
import { MemoryRunnerProvider } from './memory-runner-provider.js';

describeLedgerContract('MemoryLedger', async () => ({ ledger: new MemoryLedger({ clock: new ManualClock() }) }));

describeEventQueueContract('MemoryEventQueue', async ({ visibilityTimeout, maxReceives }) => {
  const clock = new ManualClock();
  const queue = new MemoryEventQueue({ clock, visibilityTimeout, maxReceives });
  return { queue, elapse: (ms) => clock.advance(ms), deadLetters: async () => queue.deadLetters() };
});

describeEventQueueContract(
  'MemoryEventQueue on the system clock (real waiting, as SQS runs the suite)',
  async ({ visibilityTimeout, maxReceives }) => {
    const queue = new MemoryEventQueue({ visibilityTimeout, maxReceives });
    return { queue, deadLetters: async () => queue.deadLetters() };
  },
  { minVisibilityTimeout: 50 },
);

describeRunnerProviderContract('MemoryRunnerProvider', async () => {
  const provider = new MemoryRunnerProvider({ clock: new ManualClock() });
  return { provider, pool: (id) => poolFixture(id), injectLaunchFailure: (f) => provider.failNextLaunch(f) };
});
