import { describeRunnerProviderContract, poolFixture } from '@ghr/contracts';
import type { LaunchErrorCode } from '@ghr/core';
import { LocalError, LocalProcessProvider } from '../src/index.js';
import type { RunnerCommandFactory } from '../src/index.js';
import { fakeRunnerSetup } from './fake-runner.js';

describeRunnerProviderContract(
  'LocalProcessProvider',
  async () => {
    const setup = fakeRunnerSetup('wait');
    // Launch failures are injected where a real one starts: the runner command factory throws (as a download
    // that GitHub throttles would), and the provider reports that runner's launch as failed with the code.
    let failing: { code: LaunchErrorCode; count: number } | undefined;
    const command: RunnerCommandFactory = (context) => {
      if (failing && failing.count > 0) {
        failing.count -= 1;
        throw new LocalError(`injected ${failing.code}`, { code: failing.code });
      }
      return setup.command(context);
    };
    const provider = new LocalProcessProvider({ workRoot: setup.workRoot, command, maxProcesses: 20, terminateGrace: 2_000 });
    return {
      provider,
      pool: (id) => poolFixture(id),
      injectLaunchFailure: (failure) => {
        failing = { ...failure };
      },
      cleanup: async () => {
        const live = (await provider.list({}, AbortSignal.timeout(10_000))).filter((i) => i.state !== 'terminated');
        await provider.terminate(live.map((i) => i.providerId), AbortSignal.timeout(10_000));
        setup.cleanup();
      },
    };
  },
  { unknownProviderId: 'lp-00000000deadbeef' },
);
