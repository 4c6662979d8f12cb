// verifyAndParse wired through core's run layer, as the webhook Lambda and `ghr serve` wire it.
import { createEngine, createWebhookHandler, scaleUp } from '@ghr/core';
import { ManualClock, MemoryEventQueue, MemoryLedger, MemoryRunnerProvider } from '@ghr/core/testing';
import type { GitHubApi, Pool } from '@ghr/core';
import { poolFixture } from '@ghr/contracts';
import { describe, expect, it } from 'vitest';
import { signWebhookBody } from './signature.js';
import { verifyAndParse } from './verify-and-parse.js';

const SECRET = "It's a Secret to Everybody";
const sig = () => AbortSignal.timeout(10_000);
const pool: Pool = poolFixture('linux', { labels: ['self-hosted', 'linux'], maxRunners: 3 });

function queuedBody(id: number): string {
  return JSON.stringify({
    action: 'queued',
    workflow_job: { id, run_id: 900, run_attempt: 1, labels: ['self-hosted', 'linux'], created_at: '2026-01-05T09:00:00Z' },
    repository: { name: 'web', owner: { login: 'acme' } },
    installation: { id: 1 },
  });
}

describe('verifyAndParse through the run layer', () => {
  it('gets a runner for a signed queued delivery and refuses a forged one', async () => {
    // Arrange
    const clock = new ManualClock({ start: Date.UTC(2026, 0, 5, 9), autoAdvance: true });
    const queue = new MemoryEventQueue();
    const provider = new MemoryRunnerProvider({ clock });
    let minted = 0;
    const github = {
      createJitConfig: async (_scope, request) => ({ runnerId: ++minted, encodedJitConfig: `jit-for-${request.name}` }),
    } as Partial<GitHubApi> as GitHubApi;
    const engine = createEngine({ ledger: new MemoryLedger({ clock }), github, provider, clock, pools: [pool] });
    const handle = createWebhookHandler({
      verify: (request, receivedAt) => verifyAndParse({ ...request, secrets: ['new-secret', SECRET], receivedAt }),
      pools: [pool],
      queue,
      clock,
    });
    const body = queuedBody(7);
    const headers = { 'x-github-event': 'workflow_job', 'x-github-delivery': 'guid-7', 'x-hub-signature-256': signWebhookBody(SECRET, body) };
    // Act
    const forged = await handle({ headers: { ...headers, 'x-hub-signature-256': signWebhookBody('wrong', body) }, body }, sig());
    const accepted = await handle({ headers, body }, sig());
    const result = await scaleUp(engine, await queue.receive(10, sig()), sig());
    // Assert
    expect(forged.status).toBe(401);
    expect(accepted).toMatchObject({ status: 202, poolId: 'linux', jobId: 7 });
    expect(result.reconcile?.launched).toHaveLength(1);
    expect(provider.instances()).toHaveLength(1);
  });
});
