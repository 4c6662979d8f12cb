// `@ghr/core/testing`: memory implementations of the ports and a manual clock, for tests, simulators and trying the
// engine out. Not for production: nothing here is durable.
export { ManualClock } from './memory/manual-clock.js';
export type { ManualClockOptions } from './memory/manual-clock.js';
export { MemoryLedger } from './memory/memory-ledger.js';
export type { MemoryLedgerOptions } from './memory/memory-ledger.js';
export { MemoryEventQueue } from './memory/memory-event-queue.js';
export type { MemoryEventQueueOptions } from './memory/memory-event-queue.js';
export { MemoryRunnerProvider } from './memory/memory-runner-provider.js';
export type {
  InjectedLaunchFailure,
  MemoryRunnerProviderCalls,
  MemoryRunnerProviderOptions,
} from './memory/memory-runner-provider.js';
