// The engine of @ghr/core on this package's ports, as `ghr serve` wires it: SQLite ledger and queue, runners as
// local processes. GitHub is a small stand-in that mints JIT configs (the engine's other GitHub calls are not
// reached by a scale-up).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { jobEvent, poolFixture } from '@ghr/contracts';
import { createEngine, scaleUp } from '@ghr/core';
import type { GitHubApi } from '@ghr/core';
import { afterEach, describe, expect, it } from 'vitest';
import { openLocalStore } from '../src/index.js';
import type { LocalStore } from '../src/index.js';
import { fakeRunnerSetup } from './fake-runner.js';

function jitMintingGitHub(): GitHubApi & { readonly minted: string[] } {
  const minted: string[] = [];
  const unused = (what: string) => () => Promise.reject(new Error(`${what} is not expected in this test`));
  return {
    minted,
    createJitConfig: async (_scope, request) => {
      minted.push(request.name);
      return { runnerId: minted.length, encodedJitConfig: `jit-for-${request.name}` };
    },
    createRegistrationToken: unused('createRegistrationToken'),
    listRunners: async () => [],
    getRunner: async () => undefined,
    deleteRunner: async () => 'not-found',
    getJob: async () => undefined,
    rerunJob: unused('rerunJob'),
    listFailedDeliveries: async () => [],
    redeliver: unused('redeliver'),
    latestRunnerRelease: unused('latestRunnerRelease'),
  };
}

describe('the engine on the local ports', () => {
  let setup: ReturnType<typeof fakeRunnerSetup>;
  let store: LocalStore;
  afterEach(async () => {
    store?.close();
    setup?.cleanup();
  });

  it('scales up from queued events: admits up to maxRunners, starts one process per runner with its JIT config', async () => {
    setup = fakeRunnerSetup('wait');
    store = openLocalStore({ path: join(setup.dir, 'ghr.db') });
    const provider = setup.provider({ maxProcesses: 10 });
    const pool = poolFixture('linux', { maxRunners: 2, labels: ['self-hosted', 'linux'], match: 'subset' });
    const github = jitMintingGitHub();
    const engine = createEngine({ ledger: store.ledger, github, provider, pools: [pool] });
    const signal = AbortSignal.timeout(20_000);

    await store.queue.send([jobEvent(1), jobEvent(2), jobEvent(3)], signal);
    const messages = await store.queue.receive(10, signal);
    const result = await scaleUp(engine, messages, signal);
    await store.queue.ack(result.acknowledge, signal);

    try {
      expect(result.retry).toEqual([]);
      expect(store.queue.depth()).toEqual({ visible: 0, inFlight: 0, deadLetters: 0 });
      expect(await store.ledger.alive('linux', signal)).toBe(2);
      const runners = await store.ledger.listRunners({ poolId: 'linux' }, signal);
      expect(runners.map((r) => r.state)).toEqual(['booting', 'booting']);
      const instances = await provider.list({ poolIds: ['linux'] }, signal);
      expect(instances.map((i) => i.name).sort()).toEqual(runners.map((r) => r.name).sort());
      expect(runners.map((r) => r.providerId).sort()).toEqual(instances.map((i) => i.providerId).sort());
      for (const runner of runners) {
        const reportFile = join(setup.reports, `${runner.name}.json`);
        const end = Date.now() + 10_000;
        while (!existsSync(reportFile) && Date.now() < end) await new Promise((r) => setTimeout(r, 25));
        expect(setup.report(runner.name).jitConfig).toBe(`jit-for-${runner.name}`);
      }
      expect((await store.ledger.listJobs({ statuses: ['queued'] }, signal)).map((j) => j.id)).toEqual([1, 2, 3]);
    } finally {
      const live = await provider.list({}, AbortSignal.timeout(10_000));
      await provider.terminate(live.map((i) => i.providerId), AbortSignal.timeout(10_000));
    }
  });
});
