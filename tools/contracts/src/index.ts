// Contract test suites of ghr's ports (DESIGN.md §4): one per port, run against every implementation.
export { describeLedgerContract } from './ledger.js';
export type { LedgerContractOptions, LedgerContractSubject } from './ledger.js';
export { describeEventQueueContract } from './event-queue.js';
export type {
  EventQueueContractOptions,
  EventQueueContractQueueOptions,
  EventQueueContractSubject,
} from './event-queue.js';
export { describeRunnerProviderContract } from './runner-provider.js';
export type { RunnerProviderContractOptions, RunnerProviderContractSubject } from './runner-provider.js';
export { describeGitHubApiContract } from './github-api.js';
export type { GitHubApiContractOptions, GitHubApiContractSubject } from './github-api.js';
export { jobEvent, jobRecord, poolFixture, runnerRecord } from './fixtures.js';
