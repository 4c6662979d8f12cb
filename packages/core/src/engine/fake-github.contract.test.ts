// The engine tests' FakeGitHub keeps the GitHubApi contract, so what the engine is proven against is GitHub-shaped.
import { describeGitHubApiContract } from '@ghr/contracts';
import { FakeGitHub } from './fake-github.test-support.js';

describeGitHubApiContract('FakeGitHub (the engine tests)', async () => {
  let now = Date.UTC(2026, 0, 5, 9);
  const github = new FakeGitHub({ now: () => now });
  github.webhookAnswer = 200;
  const repository = { owner: 'acme', repo: 'web' };
  return {
    github,
    scope: { kind: 'org', org: 'acme' },
    otherScope: { kind: 'repo', owner: 'solo', repo: 'tool' },
    repository,
    now: () => now,
    advance: async (ms) => {
      now += ms;
    },
    connect: async (jit) => {
      const registration = github.registrations.get(jit.runnerId);
      if (registration) github.online(registration.name);
    },
    queueJob: async (labels) => github.queueJob(repository, labels).id,
    finishJob: async (jobId, conclusion) => github.finishJob(jobId, conclusion),
    rerunQueued: async (jobId) => github.reruns.includes(jobId),
    answerWebhooks: async (statusCode) => {
      github.webhookAnswer = statusCode;
    },
  };
});
