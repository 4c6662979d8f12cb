/* eslint-disable no-console -- an example script prints its result */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JobEvent, Pool } from '@ghr/core';
import { LocalProcessProvider, openLocalStore } from '@ghr/local';

// A pool as `ghr serve` gets it from the config (only `id` matters to the local provider).
const pool: Pool = {
  id: 'linux', labels: ['self-hosted', 'linux'], match: 'exact', priority: 0, scope: { kind: 'org', org: 'acme' },
  ephemeral: true, maxRunners: 3, warm: [], idleTimeout: 300_000, minimumLifetime: 0, bootTimeout: 600_000,
  maxRuntime: 21_600_000, drainOrder: 'oldest-first', instance: {},
};
const dir = mkdtempSync(join(tmpdir(), 'ghr-example-'));
const signal = AbortSignal.timeout(30_000);
const store = openLocalStore({ path: join(dir, 'ghr.db'), visibilityTimeout: 30_000, maxReceives: 5 });
const provider = new LocalProcessProvider({
  workRoot: join(dir, 'runners'),
  maxProcesses: 2,
  // Any program can stand in for actions/runner; it finds its JIT config in ACTIONS_RUNNER_INPUT_JITCONFIG.
  command: { file: '/bin/sh', args: ['-c', 'echo "$GHR_RUNNER_NAME has a ${#ACTIONS_RUNNER_INPUT_JITCONFIG}-byte JIT config"; sleep 30'] },
});

try {
  // The webhook side: a queued job goes into the durable queue.
  const event: JobEvent = {
    deliveryId: 'delivery-1',
    action: 'queued',
    job: { id: 1, runId: 10, runAttempt: 1, labels: ['self-hosted', 'linux'] },
    repository: { owner: 'acme', repo: 'web' },
    poolId: 'linux',
    receivedAt: Date.now(),
  };
  await store.queue.send([event], signal);

  // The scale-up side: receive, admit a runner under the pool's limit, launch it, acknowledge.
  const [message] = await store.queue.receive(10, signal);
  const now = Date.now();
  const runner = { name: 'ghr-linux-1', poolId: 'linux', state: 'launching' as const, labels: ['self-hosted', 'linux'], ephemeral: true, createdAt: now, updatedAt: now, version: 1 };
  const admitted = await store.ledger.admit(pool.id, [runner], pool.maxRunners, signal);
  const { launched } = await provider.launch(
    pool,
    admitted.map((r) => ({ name: r.name, poolId: r.poolId, labels: r.labels, ephemeral: true, bootstrap: { kind: 'jit', encodedJitConfig: 'not-a-real-jit-config' } })),
    signal,
  );
  await store.queue.ack([message!.id], signal);

  console.log('alive in pool linux:', await store.ledger.alive('linux', signal));
  console.log('processes:', (await provider.list({ poolIds: ['linux'] }, signal)).map((i) => `${i.name} ${i.state}`));
  await provider.terminate(launched.map((l) => l.providerId), signal);
  console.log('after terminate:', (await provider.list({}, signal)).map((i) => `${i.name} ${i.state}`));
  console.log('queue:', store.queue.depth());
} finally {
  store.close();
  rmSync(dir, { recursive: true, force: true });
}
