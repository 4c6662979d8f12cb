// The behaviour knobs of the GitHub model as a client sees them over HTTP: cached runner lists, a dead runner's
// job lease, re-run refusals, and the shapes of rate-limit answers. Every body served is validated against
// GitHub's OpenAPI extract (errors against GitHub's error shape) in afterAll, as the main HTTP suite does.
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { createManualClock, startSimulatedGitHub } from '../src/index.js';
import type { GitHubModelBehaviour, SimExchange, SimulatedGitHub, SimulatedGitHubOptions } from '../src/index.js';
import { appJwt } from './support/jwt.js';
import { createOpenApiValidator, validateErrorBody } from './support/schemas.js';

const APP_KEY = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
const LINUX = ['self-hosted', 'linux', 'x64'];
const MINUTE = 60_000;
const exchanges: SimExchange[] = [];
const servers: SimulatedGitHub[] = [];

async function start(behaviour: GitHubModelBehaviour, options: SimulatedGitHubOptions = {}): Promise<{ github: SimulatedGitHub; token: string }> {
  const github = await startSimulatedGitHub({
    appId: 77,
    privateKey: APP_KEY,
    onExchange: (exchange) => exchanges.push(exchange),
    model: { behaviour },
    ...options,
  });
  servers.push(github);
  await github.control.createOrg({ login: 'acme' });
  await github.control.createRepo({ owner: 'acme', name: 'web' });
  const installation = await github.control.createInstallation({ account: 'acme' });
  const minted = await call(github, 'POST', `/app/installations/${installation.id}/access_tokens`, appJwt(APP_KEY, 77, github.model.now()));
  return { github, token: (minted.body as { token: string }).token };
}

async function call(github: SimulatedGitHub, method: string, path: string, token: string, body?: unknown) {
  const headers: Record<string, string> = { accept: 'application/vnd.github+json', authorization: `Bearer ${token}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${github.apiUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text.length > 0 ? (JSON.parse(text) as unknown) : undefined };
}

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  const openapi = createOpenApiValidator();
  const failures: string[] = [];
  let validated = 0;
  for (const exchange of exchanges) {
    if (exchange.body === undefined) continue;
    const errors =
      exchange.status >= 400
        ? validateErrorBody(exchange.body)
        : exchange.operationId
          ? openapi.validate(exchange.operationId, exchange.status, exchange.body)
          : undefined;
    if (errors === undefined) continue;
    validated += 1;
    if (errors.length > 0) failures.push(`${exchange.route ?? exchange.url} ${exchange.status}: ${errors.join('; ')}`);
  }
  expect(failures).toEqual([]);
  expect(validated).toBeGreaterThan(10);
}, 60_000);

describe('simulated GitHub with behaviour knobs, over HTTP', () => {
  it('serves the runner list from a snapshot up to a minute old, saying so in cache-control', async () => {
    // Arrange
    const clock = createManualClock(Date.UTC(2026, 0, 5, 9));
    const view = { busyView: { listCacheMs: MINUTE, busyLagMs: 0, hiddenBusyRate: 0, stuckBusyRate: 0 } };
    const { github, token } = await start(view, { clock });
    const jit = { runner_group_id: 1, labels: LINUX };
    await call(github, 'POST', '/orgs/acme/actions/runners/generate-jitconfig', token, { ...jit, name: 'r1' });
    const first = await call(github, 'GET', '/orgs/acme/actions/runners', token);
    // Act
    await call(github, 'POST', '/orgs/acme/actions/runners/generate-jitconfig', token, { ...jit, name: 'r2' });
    const cached = await call(github, 'GET', '/orgs/acme/actions/runners', token);
    clock.advance(MINUTE);
    const fresh = await call(github, 'GET', '/orgs/acme/actions/runners', token);
    // Assert
    expect(first.headers.get('cache-control')).toBe('private, max-age=60, s-maxage=60');
    expect((cached.body as { total_count: number }).total_count).toBe(1);
    expect((fresh.body as { total_count: number }).total_count).toBe(2);
  });

  it('shows a runner whose process died online and busy, and its job in progress, until the lease runs out', async () => {
    // Arrange
    const clock = createManualClock(Date.UTC(2026, 0, 5, 9));
    const { github, token } = await start({ jobLease: { leaseMs: 10 * MINUTE, assignToDeadRunners: false } }, { clock });
    const created = await call(github, 'POST', '/orgs/acme/actions/runners/generate-jitconfig', token, { name: 'r1', runner_group_id: 1, labels: LINUX });
    const { runner, encoded_jit_config: config } = created.body as { runner: { id: number }; encoded_jit_config: string };
    await github.control.connectRunner(config);
    const job = await github.control.queueJob({ repo: 'acme/web', labels: ['linux'] });
    // Act
    await github.control.disconnectRunner(runner.id);
    const during = await call(github, 'GET', `/orgs/acme/actions/runners/${runner.id}`, token);
    const running = await call(github, 'GET', `/repos/acme/web/actions/jobs/${job.id}`, token);
    const deleteRefused = await call(github, 'DELETE', `/orgs/acme/actions/runners/${runner.id}`, token);
    clock.advance(10 * MINUTE);
    const after = await call(github, 'GET', `/repos/acme/web/actions/jobs/${job.id}`, token);
    // Assert
    expect(during.body).toMatchObject({ status: 'online', busy: true });
    expect(running.body).toMatchObject({ status: 'in_progress', runner_name: 'r1' });
    expect(deleteRefused.status).toBe(422);
    expect(after.body).toMatchObject({ status: 'completed', conclusion: 'failure' });
  });

  it('refuses a re-run with 403 and GitHub’s error body while the job’s run is in progress', async () => {
    // Arrange
    const { github, token } = await start({ reruns: { maxReruns: 50, maxAgeMs: 30 * 24 * 60 * MINUTE } });
    const jobs = await github.control.queueRun({ repo: 'acme/web', jobs: [{ name: 'a', labels: ['linux'] }, { name: 'b', labels: ['linux'] }] });
    const [a, b] = jobs.map((j) => j.id);
    await github.control.cancelJob(a ?? 0);
    // Act
    const refused = await call(github, 'POST', `/repos/acme/web/actions/jobs/${a}/rerun`, token);
    await github.control.cancelJob(b ?? 0);
    const accepted = await call(github, 'POST', `/repos/acme/web/actions/jobs/${a}/rerun`, token);
    // Assert
    expect(refused).toMatchObject({ status: 403, body: { message: expect.stringMatching(/in progress/), status: '403' } });
    expect(accepted).toMatchObject({ status: 201, body: {} });
  });

  it('answers a spent primary budget with 429 and secondary limits without retry-after when so shaped', async () => {
    // Arrange
    const { github, token } = await start({
      rateLimits: { primaryPerHour: 3, primaryStatus: 429, contentCreationPerMinute: 1, retryAfterAbsentRate: 1 },
    });
    const jit = { runner_group_id: 1, labels: LINUX };
    // Act
    const created = await call(github, 'POST', '/orgs/acme/actions/runners/generate-jitconfig', token, { ...jit, name: 'r1' });
    const content = await call(github, 'POST', '/orgs/acme/actions/runners/generate-jitconfig', token, { ...jit, name: 'r2' });
    await call(github, 'GET', '/orgs/acme/actions/runners', token);
    const primary = await call(github, 'GET', '/orgs/acme/actions/runners', token);
    // Assert
    expect(created.status).toBe(201);
    expect(content).toMatchObject({ status: 403, body: { message: expect.stringMatching(/content creation/) } });
    expect(content.headers.get('retry-after')).toBeNull();
    expect(primary.status).toBe(429);
    expect(primary.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(github.counters().rateLimited).toMatchObject({ primary: 1, content: 1 });
  });
});
