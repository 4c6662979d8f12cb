// The GitHubApi contract, run against the real client (the whole Octokit stack, over HTTP) and @ghr/sim's
// simulated GitHub. The world is arranged through the simulated GitHub's model in process; its webhooks go by
// HTTP to a receiver here that answers as the test says.
import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import type { ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describeGitHubApiContract } from '@ghr/contracts';
import { createManualClock, startSimulatedGitHub } from '@ghr/sim';
import { GitHubClient } from '../src/client.js';

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PEM = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const APP_ID = 31337;

/** A webhook receiver that answers with a settable status; 0 holds the request until the sender gives up. */
async function startReceiver(): Promise<{ url: string; answer: (status: number) => void; close: () => Promise<void> }> {
  let status = 200;
  const held: ServerResponse[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (status === 0) held.push(res);
      // A 3xx goes without a Location: the simulated GitHub's sender follows redirects, which GitHub does not.
      else res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhook`,
    answer: (next) => {
      status = next;
    },
    close: async () => {
      for (const res of held) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describeGitHubApiContract('GitHubClient over HTTP against the simulated GitHub', async () => {
  const receiver = await startReceiver();
  const clock = createManualClock(Date.now());
  const sim = await startSimulatedGitHub({
    appId: APP_ID,
    privateKey: PEM,
    clock,
    webhookUrl: receiver.url,
    webhookSecret: 'contract-secret',
    webhookTimeoutMs: 250,
    rateLimits: { pointsPerMinute: 1_000_000, primaryPerHour: 1_000_000 },
  });
  const { model } = sim;
  model.createOrg({ login: 'acme' });
  model.createRepo({ owner: 'acme', name: 'web', private: true });
  model.createInstallation({ account: 'acme' });
  model.createUser({ login: 'solo' });
  model.createRepo({ owner: 'solo', name: 'tool' });
  model.createInstallation({ account: 'solo' });
  const github = new GitHubClient({
    apiUrl: sim.apiUrl,
    auth: { kind: 'app', appId: APP_ID, privateKey: PEM },
    throttle: { writeIntervalMs: 0 },
    retry: { baseDelayMs: 50 },
  });
  return {
    github,
    scope: { kind: 'org', org: 'acme' },
    otherScope: { kind: 'repo', owner: 'solo', repo: 'tool' },
    repository: { owner: 'acme', repo: 'web' },
    now: () => clock.now(),
    advance: async (ms) => {
      clock.advance(ms);
      model.tick();
    },
    connect: async (jit) => {
      model.connectRunner(jit.encodedJitConfig);
    },
    queueJob: async (labels) => {
      const job = model.queueJob({ repo: 'acme/web', labels });
      model.tick();
      return job.id;
    },
    finishJob: async (jobId, conclusion) => {
      if (model.job(jobId)?.status === 'in_progress' && conclusion !== 'cancelled') model.completeJob(jobId, conclusion);
      else model.cancelJob(jobId);
    },
    rerunQueued: async (jobId) => {
      const job = model.job(jobId);
      return model.allJobs().some((j) => j.runId === job?.runId && j.name === job.name && j.runAttempt > job.runAttempt);
    },
    answerWebhooks: async (statusCode) => receiver.answer(statusCode),
    settle: () => sim.flushWebhooks(),
    cleanup: async () => {
      await sim.close();
      await receiver.close();
    },
  };
});
