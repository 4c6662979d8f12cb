// The real Octokit stack (core + throttling + retry + auth-app) over real HTTP against @ghr/sim's server.
import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Clock, JobEvent } from '@ghr/core';
import { startSimulatedGitHub } from '@ghr/sim';
import type { SimulatedGitHub } from '@ghr/sim';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GitHubClient } from '../src/client.js';
import type { GitHubClientOptions } from '../src/client.js';
import type { RateLimitInfo } from '../src/stats.js';
import { deadlineSignal } from '../src/deadline.js';
import { GitHubError } from '../src/errors.js';
import { verifyAndParse } from '../src/webhooks/verify-and-parse.js';

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PKCS8 = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const PKCS1 = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
const APP_ID = 4242;
const WEBHOOK_SECRET = 'integration-webhook-secret';

let sim: SimulatedGitHub;
let installations: { acme: number; solo: number };
const signal = () => AbortSignal.timeout(30_000);

function client(overrides: Partial<GitHubClientOptions> = {}): GitHubClient {
  return new GitHubClient({
    apiUrl: sim.apiUrl,
    auth: { kind: 'app', appId: APP_ID, privateKey: PKCS8 },
    // Tests need no write pacing; retries of 5xx after 50/200/450 ms instead of 1/4/9 s.
    throttle: { writeIntervalMs: 0 },
    retry: { baseDelayMs: 50 },
    ...overrides,
  });
}

function requestsOf(route: string): number {
  return sim.counters().requests[route] ?? 0;
}

beforeAll(async () => {
  sim = await startSimulatedGitHub({
    appId: APP_ID,
    privateKey: PKCS8,
    webhookSecret: WEBHOOK_SECRET,
    // 1,000 calls in a few seconds stay within the budget; the secondary limits are tested by injection.
    rateLimits: { pointsPerMinute: 1_000_000, primaryPerHour: 1_000_000 },
  });
});

afterAll(async () => {
  await sim?.close();
});

beforeEach(async () => {
  await sim.control.reset();
  await sim.control.createEnterprise({ slug: 'big' });
  await sim.control.createOrg({ login: 'acme', enterprise: 'big' });
  await sim.control.createRepo({ owner: 'acme', name: 'web' });
  await sim.control.createUser({ login: 'solo' });
  await sim.control.createRepo({ owner: 'solo', name: 'tool' });
  installations = {
    acme: (await sim.control.createInstallation({ account: 'acme' })).id,
    solo: (await sim.control.createInstallation({ account: 'solo' })).id,
  };
});

describe('auth and token caching', () => {
  it('serves 1,000 calls with one installation token mint, even when the first ones race', async () => {
    // Arrange
    const github = client();
    const scope = { kind: 'org', org: 'acme' } as const;

    // Act: 20 concurrent calls on a cold client, then the rest 20 at a time.
    for (let done = 0; done < 1_000; done += 20) {
      await Promise.all(Array.from({ length: 20 }, () => github.listRunners(scope, signal())));
    }

    // Assert
    expect(sim.counters().tokenMints.total).toBe(1);
    expect(github.stats().tokenMints).toBe(1);
    expect(github.stats().operations.listRunners).toEqual({ calls: 1_000, requests: 1_001, errors: 0 });
    expect(requestsOf('GET /orgs/:org/installation')).toBe(1);
    expect(requestsOf('POST /app/installations/:installation_id/access_tokens')).toBe(1);
  }, 60_000);

  it('signs App JWTs with a PKCS#1 key as well as PKCS#8', async () => {
    const github = client({ auth: { kind: 'app', appId: APP_ID, privateKey: PKCS1 } });
    await expect(github.listRunners({ kind: 'repo', owner: 'solo', repo: 'tool' }, signal())).resolves.toEqual([]);
    expect(sim.counters().tokenMints.byInstallation[String(installations.solo)]).toBe(1);
    expect(github.stats().tokenMints).toBe(1);
  });

  it('keeps one token per installation, and mints anew only near expiry in a warm process', async () => {
    // Arrange: the client's clock runs ahead on demand; the simulated GitHub's tokens last an hour.
    let offset = 0;
    const clock: Clock = { now: () => Date.now() + offset, sleep: () => Promise.resolve() };
    const github = client({ clock });

    // Act
    for (let i = 0; i < 10; i++) {
      await github.listRunners({ kind: 'org', org: 'acme' }, signal());
      await github.getJob({ owner: 'solo', repo: 'tool' }, 999, signal());
    }
    const mintsWarm = sim.counters().tokenMints.total;
    offset = 54 * 60_000;
    await github.listRunners({ kind: 'org', org: 'acme' }, signal());
    const mintsAt54 = sim.counters().tokenMints.total;
    offset = 56 * 60_000;
    await github.listRunners({ kind: 'org', org: 'acme' }, signal());

    // Assert
    expect(mintsWarm).toBe(2);
    expect(mintsAt54).toBe(2);
    expect(sim.counters().tokenMints.total).toBe(3);
  });

  it('re-resolves the installation once when the App was reinstalled', async () => {
    // Arrange
    const github = client();
    await github.listRunners({ kind: 'org', org: 'acme' }, signal());
    await sim.control.deleteInstallation(installations.acme);
    const reinstalled = await sim.control.createInstallation({ account: 'acme' });

    // Act
    const runners = await github.listRunners({ kind: 'org', org: 'acme' }, signal());

    // Assert
    expect(runners).toEqual([]);
    expect(requestsOf('GET /orgs/:org/installation')).toBe(2);
    expect(sim.counters().tokenMints.byInstallation[String(reinstalled.id)]).toBe(1);
  });

  it('uses the installation id from a webhook payload without a lookup', async () => {
    const github = client();
    github.rememberInstallation('acme', installations.acme);
    await github.listRunners({ kind: 'org', org: 'acme' }, signal());
    expect(requestsOf('GET /orgs/:org/installation')).toBe(0);
  });

  it('answers a clear not-found when the App is not installed', async () => {
    await sim.control.createOrg({ login: 'stranger' });
    await expect(client().listRunners({ kind: 'org', org: 'stranger' }, signal())).rejects.toMatchObject({
      name: 'GitHubError',
      code: 'not-found',
      retryable: false,
    });
  });
});

describe('runners', () => {
  it('pages through 250 runners in 3 requests of 100', async () => {
    // Arrange
    const github = client();
    const { token } = await github.createRegistrationToken({ kind: 'org', org: 'acme' }, signal());
    // Registered in process (the model behind the server) to keep the test fast; the token came over HTTP.
    for (let i = 0; i < 250; i++) {
      sim.model.registerRunner({ token, name: `ghr-r${i}`, labels: ['self-hosted', 'linux'], ephemeral: false, connect: i % 2 === 0 });
    }

    // Act
    const runners = await github.listRunners({ kind: 'org', org: 'acme' }, signal());

    // Assert
    expect(runners).toHaveLength(250);
    expect(new Set(runners.map((r) => r.name)).size).toBe(250);
    expect(runners.filter((r) => r.status === 'online')).toHaveLength(125);
    expect(runners[0]?.labels).toEqual(expect.arrayContaining(['self-hosted', 'linux']));
    expect(requestsOf('GET /orgs/:org/actions/runners')).toBe(3);
  }, 60_000);

  it.each([
    ['repo', { kind: 'repo', owner: 'acme', repo: 'web' }, undefined],
    ['org (named group)', { kind: 'org', org: 'acme' }, 'ci'],
    ['enterprise (token auth)', { kind: 'enterprise', enterprise: 'big' }, undefined],
  ] as const)('creates a JIT config for the %s scope that a runner can use', async (_name, scope, runnerGroup) => {
    // Arrange
    if (runnerGroup !== undefined) await sim.control.createRunnerGroup({ scope: { kind: 'org', org: 'acme' }, name: 'CI' });
    const enterpriseToken = await sim.control.createPersonalToken({ enterprises: ['big'] });
    const github = client({ auth: { kind: 'app', appId: APP_ID, privateKey: PKCS8, enterpriseToken } });

    // Act
    const jit = await github.createJitConfig(scope, { name: `ghr-jit-${scope.kind}`, labels: ['self-hosted', 'linux'], runnerGroup }, signal());
    await sim.control.connectRunner(jit.encodedJitConfig);
    const runner = await github.getRunner(scope, jit.runnerId, signal());

    // Assert
    expect(runner).toMatchObject({ id: jit.runnerId, name: `ghr-jit-${scope.kind}`, status: 'online', busy: false, ephemeral: true });
    expect(runner?.labels).toEqual(expect.arrayContaining(['self-hosted', 'linux']));
    if (runnerGroup !== undefined) expect(runner?.runnerGroupId).not.toBe(1);
  });

  it('resolves a runner group once: later JIT configs are one request each', async () => {
    await sim.control.createRunnerGroup({ scope: { kind: 'org', org: 'acme' }, name: 'ci' });
    const github = client();
    await github.createJitConfig({ kind: 'org', org: 'acme' }, { name: 'ghr-a', labels: ['x'], runnerGroup: 'ci' }, signal());
    const first = github.stats().operations.createJitConfig!.requests;
    await github.createJitConfig({ kind: 'org', org: 'acme' }, { name: 'ghr-b', labels: ['x'], runnerGroup: 'ci' }, signal());
    expect(first).toBe(3); // installation lookup + runner groups + JIT (and one token mint, counted apart)
    expect(github.stats().operations.createJitConfig!.requests).toBe(4);
    expect(requestsOf('GET /orgs/:org/actions/runner-groups')).toBe(1);
  });

  it('answers busy for a runner running a job, deleted for an idle one, not-found after', async () => {
    // Arrange
    const github = client();
    const scope = { kind: 'org', org: 'acme' } as const;
    const busyJit = await github.createJitConfig(scope, { name: 'ghr-busy', labels: ['self-hosted', 'gpu'] }, signal());
    const idleJit = await github.createJitConfig(scope, { name: 'ghr-idle', labels: ['self-hosted', 'arm'] }, signal());
    await sim.control.connectRunner(busyJit.encodedJitConfig);
    await sim.control.connectRunner(idleJit.encodedJitConfig);
    await sim.control.queueJob({ repo: 'acme/web', labels: ['self-hosted', 'gpu'] });
    await sim.control.tick();
    expect((await github.getRunner(scope, busyJit.runnerId, signal()))?.busy).toBe(true);

    // Act + Assert
    expect(await github.deleteRunner(scope, busyJit.runnerId, signal())).toBe('busy');
    expect(await github.deleteRunner(scope, idleJit.runnerId, signal())).toBe('deleted');
    expect(await github.deleteRunner(scope, idleJit.runnerId, signal())).toBe('not-found');
    expect(await github.getRunner(scope, idleJit.runnerId, signal())).toBeUndefined();
  });
});

describe('jobs, deliveries and releases', () => {
  it('reads a job, and re-runs it once completed', async () => {
    const github = client();
    const job = await sim.control.queueJob({ repo: 'solo/tool', labels: ['self-hosted', 'linux'] });
    expect(await github.getJob({ owner: 'solo', repo: 'tool' }, job.id, signal())).toMatchObject({ id: job.id, status: 'queued', labels: ['self-hosted', 'linux'] });
    await sim.control.cancelJob(job.id);
    expect(await github.getJob({ owner: 'solo', repo: 'tool' }, job.id, signal())).toMatchObject({ status: 'completed', conclusion: 'cancelled' });
    await github.rerunJob({ owner: 'solo', repo: 'tool' }, job.id, signal());
    expect(requestsOf('POST /repos/:owner/:repo/actions/jobs/:job_id/rerun')).toBe(1);
    expect(await github.getJob({ owner: 'solo', repo: 'tool' }, 987_654, signal())).toBeUndefined();
  });

  it('lists failed deliveries and redelivers them; the redelivery verifies and parses', async () => {
    // Arrange: a webhook receiver that fails until told otherwise.
    let healthy = false;
    const received: string[] = [];
    const receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (!healthy) {
          res.writeHead(503).end();
          return;
        }
        const result = verifyAndParse({ headers: req.headers, body: Buffer.concat(chunks), secrets: ['rotated-out', WEBHOOK_SECRET] });
        received.push(result.kind === 'job' ? `${result.event.action}:${result.event.job.id}` : result.kind);
        res.writeHead(result.kind === 'rejected' ? result.status : 200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const port = (receiver.address() as AddressInfo).port;
    try {
      await sim.control.setWebhook({ url: `http://127.0.0.1:${port}/webhook`, secret: WEBHOOK_SECRET });
      const since = Date.now() - 1_000;
      const job = await sim.control.queueJob({ repo: 'acme/web', labels: ['self-hosted', 'linux'] });
      await sim.flushWebhooks();
      const github = client();

      // Act
      const failed = await github.listFailedDeliveries(since, signal());
      healthy = true;
      for (const delivery of failed) await github.redeliver(delivery.id, signal());
      await sim.flushWebhooks();

      // Assert
      expect(failed).toHaveLength(1);
      expect(failed[0]).toMatchObject({ event: 'workflow_job', action: 'queued', statusCode: 503, redelivery: false });
      expect(received).toEqual([`queued:${job.id}`]);
      expect(await github.listFailedDeliveries(since, signal())).toEqual([]);
    } finally {
      await sim.control.setWebhook({ url: null });
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
    }
  });

  it("turns the simulated GitHub's signed webhooks for a job's whole life into JobEvents", async () => {
    // Arrange: a receiver that verifies with a rotation list (the current secret second) and parses.
    const events: JobEvent[] = [];
    const receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const result = verifyAndParse({ headers: req.headers, body: Buffer.concat(chunks), secrets: ['next-secret', WEBHOOK_SECRET] });
        if (result.kind === 'job') events.push(result.event);
        res.writeHead(result.kind === 'rejected' ? result.status : 200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    try {
      await sim.control.setWebhook({ url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/`, secret: WEBHOOK_SECRET });
      await sim.control.createRunnerGroup({ scope: { kind: 'org', org: 'acme' }, name: 'gpu' });
      const github = client();
      const jit = await github.createJitConfig({ kind: 'org', org: 'acme' }, { name: 'ghr-life', labels: ['self-hosted', 'gpu'], runnerGroup: 'gpu' }, signal());

      // Act: waiting (environment approval) → queued → in_progress on our runner → completed.
      const job = await sim.control.queueJob({ repo: 'acme/web', labels: ['self-hosted', 'gpu'], environment: 'prod' });
      await sim.control.approveJob(job.id);
      await sim.control.connectRunner(jit.encodedJitConfig);
      await sim.control.tick();
      await sim.control.completeJob(job.id, 'success');
      await sim.flushWebhooks();

      // Assert
      expect(events.map((e) => e.action)).toEqual(['waiting', 'queued', 'in_progress', 'completed']);
      for (const event of events) {
        expect(event).toMatchObject({ repository: { owner: 'acme', repo: 'web' }, installationId: installations.acme });
        expect(event.job).toMatchObject({ id: job.id, runAttempt: 1, labels: ['self-hosted', 'gpu'] });
      }
      expect(new Set(events.map((e) => e.deliveryId)).size).toBe(4);
      expect(events[1]!.job.runnerId).toBeUndefined();
      expect(events[2]!.job).toMatchObject({ runnerId: jit.runnerId, runnerName: 'ghr-life', runnerGroupName: 'gpu' });
      expect(events[2]!.job.startedAt).toBeGreaterThan(0);
      expect(events[3]!.job).toMatchObject({ conclusion: 'success', runnerId: jit.runnerId });
      expect(events[3]!.job.completedAt).toBeGreaterThanOrEqual(events[2]!.job.startedAt!);
    } finally {
      await sim.control.setWebhook({ url: null });
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
    }
  });

  it('reads the latest actions/runner release with per-platform assets, and revalidates by ETag', async () => {
    const github = client();
    await github.listRunners({ kind: 'org', org: 'acme' }, signal()); // an installation to read it with
    const release = await github.latestRunnerRelease(signal());
    expect(release.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(release.assets.map((a) => `${a.os}-${a.arch}`)).toEqual(expect.arrayContaining(['linux-x64', 'linux-arm64']));
    const linux = release.assets.find((a) => a.os === 'linux' && a.arch === 'x64');
    expect(linux?.url).toContain(`actions-runner-linux-x64-${release.version}.tar.gz`);
    expect(await github.latestRunnerRelease(signal())).toEqual(release);
  });
});

describe('rate limits, retries and deadlines', () => {
  it('reports every response budget to onRateLimit', async () => {
    const seen: RateLimitInfo[] = [];
    const github = client({ onRateLimit: (info) => seen.push(info) });
    await github.listRunners({ kind: 'org', org: 'acme' }, signal());
    await github.listRunners({ kind: 'org', org: 'acme' }, signal());
    const core = seen.filter((s) => s.resource === 'core');
    expect(core.length).toBeGreaterThanOrEqual(2);
    expect(core.at(-1)!.remaining).toBeLessThan(core.at(-2)!.remaining);
    expect(core.at(-1)!.reset).toBeGreaterThan(Date.now());
  });

  it.each([429, 403] as const)('retries a secondary rate limit (%i) after retry-after and succeeds', async (status) => {
    // Arrange
    const github = client();
    await github.listRunners({ kind: 'org', org: 'acme' }, signal());
    await sim.control.addFaults({ http: [{ route: 'GET /orgs/:org/actions/runners', rateLimit: 'secondary', rateLimitStatus: status, retryAfterSeconds: 1, times: 2 }] });
    const before = requestsOf('GET /orgs/:org/actions/runners');
    const started = Date.now();

    // Act
    const runners = await github.listRunners({ kind: 'org', org: 'acme' }, signal());

    // Assert
    expect(runners).toEqual([]);
    expect(requestsOf('GET /orgs/:org/actions/runners') - before).toBe(3);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_900);
  });

  it('fails fast, retryable, when retry-after would pass the deadline', async () => {
    const github = client();
    await github.listRunners({ kind: 'org', org: 'acme' }, signal());
    await sim.control.addFaults({ http: [{ route: 'GET /orgs/:org/actions/runners', rateLimit: 'secondary', retryAfterSeconds: 10 }] });
    const before = requestsOf('GET /orgs/:org/actions/runners');
    const started = Date.now();
    const error = await github.listRunners({ kind: 'org', org: 'acme' }, deadlineSignal(5_000)).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(4_000); // not the 10 s wait, not the 5 s deadline
    expect(error).toBeInstanceOf(GitHubError);
    expect(error).toMatchObject({ code: 'throttled', retryable: true, retryAfterMs: 10_000 });
    expect(requestsOf('GET /orgs/:org/actions/runners') - before).toBe(1);
  });

  it('does not sleep until a primary rate-limit reset an hour away', async () => {
    const github = client();
    await github.listRunners({ kind: 'org', org: 'acme' }, signal());
    await sim.control.addFaults({ http: [{ route: 'GET /orgs/:org/actions/runners', rateLimit: 'primary', times: 1 }] });
    const started = Date.now();
    await expect(github.listRunners({ kind: 'org', org: 'acme' }, signal())).rejects.toMatchObject({ code: 'throttled', retryable: true });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('retries 5xx and succeeds, counting every attempt', async () => {
    const github = client();
    await github.listRunners({ kind: 'org', org: 'acme' }, signal());
    await sim.control.addFaults({ http: [{ route: 'GET /orgs/:org/actions/runners', status: 502, times: 2 }] });
    const before = requestsOf('GET /orgs/:org/actions/runners');
    await expect(github.listRunners({ kind: 'org', org: 'acme' }, signal())).resolves.toEqual([]);
    expect(requestsOf('GET /orgs/:org/actions/runners') - before).toBe(3);
    expect(github.stats().operations.listRunners).toMatchObject({ calls: 2, requests: 5 });
  });

  it('gives up on persistent 5xx after its retries, retryable', async () => {
    const github = client();
    await github.listRunners({ kind: 'org', org: 'acme' }, signal());
    await sim.control.addFaults({ http: [{ route: 'POST /orgs/:org/actions/runners/generate-jitconfig', status: 503 }] });
    await expect(github.createJitConfig({ kind: 'org', org: 'acme' }, { name: 'ghr-x', labels: ['x'] }, signal())).rejects.toMatchObject({
      code: 'unavailable',
      retryable: true,
      status: 503,
    });
    expect(requestsOf('POST /orgs/:org/actions/runners/generate-jitconfig')).toBe(4);
  });

  it('stops a slow request at the deadline', async () => {
    const github = client();
    await github.listRunners({ kind: 'org', org: 'acme' }, signal());
    await sim.control.addFaults({ http: [{ route: 'GET /orgs/:org/actions/runners', delayMs: 3_000, times: 1 }] });
    const started = Date.now();
    await expect(github.listRunners({ kind: 'org', org: 'acme' }, deadlineSignal(300))).rejects.toMatchObject({ code: 'timeout', retryable: true });
    expect(Date.now() - started).toBeLessThan(2_500); // the response would take 3 s
  });
});

describe('GitHub Enterprise Server URLs', () => {
  it('derives <host>/api/v3 from the web URL and works end to end', async () => {
    // Arrange
    const urls: string[] = [];
    const github = client({
      apiUrl: undefined,
      githubUrl: sim.url,
      fetch: (input, init) => {
        urls.push(String(input));
        return fetch(input, init);
      },
    });
    const scope = { kind: 'org', org: 'acme' } as const;

    // Act
    const jit = await github.createJitConfig(scope, { name: 'ghr-ghes', labels: ['self-hosted'] }, signal());
    const runners = await github.listRunners(scope, signal());

    // Assert
    expect(github.baseUrl).toBe(`${sim.url}/api/v3`);
    expect(urls.length).toBeGreaterThanOrEqual(3);
    expect(urls.every((u) => u.startsWith(`${sim.url}/api/v3/`))).toBe(true);
    expect(runners.map((r) => r.id)).toEqual([jit.runnerId]);
    expect(sim.counters().tokenMints.total).toBe(1);
  });
});
