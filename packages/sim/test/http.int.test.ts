// The simulated GitHub over real HTTP on loopback: REST routes, auth, pagination, rate limits, faults, webhook
// delivery to a local receiver, and the control API. Every REST body served and every webhook received is
// validated against GitHub's published schemas (OpenAPI extract, @octokit/webhooks-schemas) in afterAll.
import { createHash, createHmac, generateKeyPairSync, timingSafeEqual } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { decodeJitConfig, SimulatedGitHubControl, startSimulatedGitHub } from '../src/index.js';
import type { SimExchange, SimulatedGitHub, SimulatedGitHubOptions } from '../src/index.js';
import { appJwt } from './support/jwt.js';
import { startReceiver } from './support/receiver.js';
import type { ReceivedWebhook } from './support/receiver.js';
import { createOpenApiValidator, createWebhookValidator, validateErrorBody } from './support/schemas.js';

const SECRET = "It's a Secret to Everybody";
const LINUX = ['self-hosted', 'linux', 'x64'];

const exchanges: SimExchange[] = [];
const webhooks: ReceivedWebhook[] = [];
const servers: SimulatedGitHub[] = [];

// One App key for the whole file: generating RSA keys is slow on a small machine.
const APP_KEY = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();

async function start(options: SimulatedGitHubOptions = {}): Promise<SimulatedGitHub> {
  const github = await startSimulatedGitHub({
    webhookSecret: SECRET,
    appId: 4242,
    privateKey: APP_KEY,
    onExchange: (exchange) => exchanges.push(exchange),
    ...options,
  });
  servers.push(github);
  return github;
}

/** A seeded world: org `acme` (in enterprise `megacorp`) with repos `web` and `api`, the App installed on it. */
async function seed(github: SimulatedGitHub): Promise<{ installationId: number }> {
  await github.control.createEnterprise({ slug: 'megacorp' });
  await github.control.createOrg({ login: 'acme', enterprise: 'megacorp' });
  await github.control.createRepo({ owner: 'acme', name: 'web' });
  await github.control.createRepo({ owner: 'acme', name: 'api' });
  const installation = await github.control.createInstallation({ account: 'acme' });
  return { installationId: installation.id };
}

interface Call {
  readonly status: number;
  readonly headers: Headers;
  readonly body: unknown;
}

async function call(github: SimulatedGitHub, method: string, path: string, token?: string, body?: unknown, base = github.apiUrl): Promise<Call> {
  const headers: Record<string, string> = { accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28' };
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${base}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text.length > 0 ? (JSON.parse(text) as unknown) : undefined };
}

function jwtFor(github: SimulatedGitHub): string {
  return appJwt(APP_KEY, github.app.id);
}

async function installationToken(github: SimulatedGitHub, installationId: number): Promise<string> {
  const minted = await call(github, 'POST', `/app/installations/${installationId}/access_tokens`, jwtFor(github));
  expect(minted.status).toBe(201);
  return (minted.body as { token: string }).token;
}

function verifySignature(received: ReceivedWebhook): boolean {
  const expected = Buffer.from(`sha256=${createHmac('sha256', SECRET).update(received.body).digest('hex')}`);
  const given = Buffer.from(received.headers['x-hub-signature-256'] ?? '');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

const validated = { rest: 0, errors: 0, webhooks: 0 };

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  // Faithfulness: every body served for an operation we use validates against GitHub's OpenAPI description, and
  // every error body is GitHub-shaped; every webhook received validates against @octokit/webhooks-schemas.
  const openapi = createOpenApiValidator();
  const webhookValidator = createWebhookValidator();
  const failures: string[] = [];
  for (const exchange of exchanges) {
    if (exchange.body === undefined) continue;
    if (exchange.status >= 400) {
      const errors = validateErrorBody(exchange.body);
      if (errors.length > 0) failures.push(`${exchange.route ?? exchange.url} ${exchange.status}: ${errors.join('; ')}`);
      validated.errors += 1;
      continue;
    }
    if (!exchange.operationId) continue;
    const errors = openapi.validate(exchange.operationId, exchange.status, exchange.body);
    if (errors === undefined) continue;
    if (errors.length > 0) failures.push(`${exchange.operationId} ${exchange.status}: ${errors.join('; ')}`);
    validated.rest += 1;
  }
  for (const received of webhooks) {
    const errors = webhookValidator(JSON.parse(received.body));
    if (errors.length > 0) failures.push(`webhook: ${errors.join('; ')}`);
    validated.webhooks += 1;
  }
  const operationsServed = new Set(exchanges.filter((e) => e.status < 300 && e.operationId).map((e) => e.operationId));
  console.log(`operations not served with a 2xx: ${openapi.operations.filter((op) => !operationsServed.has(op)).join(', ') || 'none'}`);
  console.log(
    `schema validation: ${validated.rest} REST bodies (${operationsServed.size} of ${openapi.operations.length} operations), ${validated.errors} error bodies, ${validated.webhooks} webhooks`,
  );
  expect(failures).toEqual([]);
  expect(validated.rest).toBeGreaterThan(40);
  expect(validated.webhooks).toBeGreaterThan(10);
  expect([...openapi.operations].filter((op) => !operationsServed.has(op))).toEqual([]);
}, 60_000);

describe('simulated GitHub: App authentication', () => {
  let github: SimulatedGitHub;
  let installationId: number;
  beforeAll(async () => {
    github = await start();
    ({ installationId } = await seed(github));
  });

  it('serves installation lookups to the App and mints counted installation tokens with a 1 h expiry', async () => {
    const jwt = jwtFor(github);
    const list = await call(github, 'GET', '/app/installations', jwt);
    const byOrg = await call(github, 'GET', '/orgs/acme/installation', jwt);
    const byRepo = await call(github, 'GET', '/repos/acme/web/installation', jwt);
    const byId = await call(github, 'GET', `/app/installations/${installationId}`, jwt);
    const minted = await call(github, 'POST', `/app/installations/${installationId}/access_tokens`, jwt);

    expect(list.status).toBe(200);
    expect((list.body as { id: number }[]).map((i) => i.id)).toEqual([installationId]);
    expect((byOrg.body as { id: number; app_id: number }).app_id).toBe(4242);
    expect((byRepo.body as { id: number }).id).toBe(installationId);
    expect(byId.status).toBe(200);
    expect(minted.status).toBe(201);
    const expiresAt = Date.parse((minted.body as { expires_at: string }).expires_at);
    expect(expiresAt - Date.now()).toBeGreaterThan(3_590_000);
    expect(github.counters().tokenMints.byInstallation[String(installationId)]).toBe(1);
    expect(byOrg.headers.get('x-ratelimit-resource')).toBe('core');
  });

  it('answers 404 for an org or repository the App is not installed on', async () => {
    await github.control.createOrg({ login: 'stranger' });
    expect((await call(github, 'GET', '/orgs/stranger/installation', jwtFor(github))).status).toBe(404);
    expect((await call(github, 'GET', '/repos/stranger/nothing/installation', jwtFor(github))).status).toBe(404);
  });

  it('refuses missing, forged, expired and foreign JWTs with 401', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const key = APP_KEY;
    const cases = [
      await call(github, 'GET', '/app/installations'),
      await call(github, 'GET', '/app/installations', appJwt(other, 4242)),
      await call(github, 'GET', '/app/installations', appJwt(key, 4242, Date.now() - 3_600_000)),
      await call(github, 'GET', '/app/installations', appJwt(key, 9999)),
      await call(github, 'GET', '/app/installations', appJwt(key, 4242, Date.now(), { exp: Math.floor(Date.now() / 1000) + 3600 })),
      await call(github, 'GET', '/app/installations', 'ghs_not_a_jwt'),
    ];
    expect(cases.map((c) => c.status)).toEqual([401, 401, 401, 401, 401, 401]);
    expect(cases[0]?.body).toMatchObject({ documentation_url: expect.stringContaining('docs.github.com') as unknown, status: '401' });
  });

  it('accepts JWTs signed with the PKCS#8 form of the key, and generates a key when given none', async () => {
    const { createPrivateKey } = await import('node:crypto');
    const pkcs8 = createPrivateKey(APP_KEY).export({ type: 'pkcs8', format: 'pem' }).toString();
    const generated = await startSimulatedGitHub({ appId: 7 });
    servers.push(generated);
    expect((await call(github, 'GET', '/app/installations', appJwt(pkcs8, 4242))).status).toBe(200);
    expect(generated.app.privateKey).toMatch(/^-----BEGIN RSA PRIVATE KEY-----/);
    expect((await call(generated, 'GET', '/app/installations', appJwt(generated.app.privateKey ?? '', 7))).status).toBe(200);
    expect(github.app.privateKey).toBeUndefined();
  });

  it('refuses expired and unknown installation tokens with 401 "Bad credentials"', async () => {
    const bad = await call(github, 'GET', '/orgs/acme/actions/runners', 'ghs_unknown');
    expect(bad).toMatchObject({ status: 401, body: { message: 'Bad credentials' } });
    const none = await call(github, 'GET', '/orgs/acme/actions/runners');
    expect(none).toMatchObject({ status: 401, body: { message: 'Requires authentication' } });
  });
});

describe('simulated GitHub: runners', () => {
  let github: SimulatedGitHub;
  let token: string;
  let pat: string;
  beforeAll(async () => {
    github = await start();
    const { installationId } = await seed(github);
    token = await installationToken(github, installationId);
    pat = await github.control.createPersonalToken({ enterprises: ['megacorp'] });
  });

  it('generates JIT configs for org, repo and enterprise scopes, 409 on a duplicate name', async () => {
    const org = await call(github, 'POST', '/orgs/acme/actions/runners/generate-jitconfig', token, { name: 'org-1', runner_group_id: 1, labels: LINUX });
    const repo = await call(github, 'POST', '/repos/acme/web/actions/runners/generate-jitconfig', token, { name: 'repo-1', runner_group_id: 1, labels: LINUX, work_folder: '_w' });
    const ent = await call(github, 'POST', '/enterprises/megacorp/actions/runners/generate-jitconfig', pat, { name: 'ent-1', runner_group_id: 1, labels: LINUX });
    const dup = await call(github, 'POST', '/orgs/acme/actions/runners/generate-jitconfig', token, { name: 'org-1', runner_group_id: 1, labels: LINUX });

    expect([org.status, repo.status, ent.status, dup.status]).toEqual([201, 201, 201, 409]);
    const body = org.body as { runner: { id: number; name: string; status: string; labels: { name: string; type: string }[] }; encoded_jit_config: string };
    expect(body.runner).toMatchObject({ name: 'org-1', status: 'offline', busy: false, ephemeral: true, runner_group_id: 1 });
    expect(body.runner.labels.map((l) => `${l.name}:${l.type}`)).toEqual(['self-hosted:read-only', 'linux:read-only', 'x64:read-only']);
    expect(decodeJitConfig(body.encoded_jit_config)).toMatchObject({ runnerId: body.runner.id, runnerName: 'org-1' });
    expect((dup.body as { message: string }).message).toBe('Already exists - A runner with the name org-1 already exists.');
  });

  it('serves the enterprise endpoints to personal tokens only', async () => {
    const byInstallation = await call(github, 'GET', '/enterprises/megacorp/actions/runners', token);
    const byPat = await call(github, 'GET', '/enterprises/megacorp/actions/runners', pat);
    expect(byInstallation).toMatchObject({ status: 403, body: { message: 'Resource not accessible by integration' } });
    expect(byPat.status).toBe(200);
  });

  it('paginates runner lists with per_page, page and a GitHub Link header, and filters by name', async () => {
    for (let i = 0; i < 5; i += 1) {
      await call(github, 'POST', '/orgs/acme/actions/runners/generate-jitconfig', token, { name: `page-${i}`, runner_group_id: 1, labels: LINUX });
    }
    const first = await call(github, 'GET', '/orgs/acme/actions/runners?per_page=2', token);
    const total = (first.body as { total_count: number }).total_count;
    const last = Math.ceil(total / 2);
    expect((first.body as { runners: unknown[] }).runners).toHaveLength(2);
    expect(first.headers.get('link')).toBe(
      `<${github.apiUrl}/orgs/acme/actions/runners?per_page=2&page=2>; rel="next", <${github.apiUrl}/orgs/acme/actions/runners?per_page=2&page=${last}>; rel="last"`,
    );
    const end = await call(github, 'GET', `/orgs/acme/actions/runners?per_page=2&page=${last}`, token);
    expect(end.headers.get('link')).toContain('rel="prev"');
    expect(end.headers.get('link')).not.toContain('rel="next"');
    const named = await call(github, 'GET', '/orgs/acme/actions/runners?name=PAGE-3', token);
    expect(named.body).toMatchObject({ total_count: 1, runners: [{ name: 'page-3' }] });
    const all = await call(github, 'GET', '/orgs/acme/actions/runners?per_page=100', token);
    expect(all.headers.get('link')).toBeNull();
  });

  it('gets and deletes runners: 204, then 404; 422 while the runner runs a job', async () => {
    const jit = await call(github, 'POST', '/orgs/acme/actions/runners/generate-jitconfig', token, { name: 'busy-1', runner_group_id: 1, labels: ['self-hosted', 'busy'] });
    const { runner, encoded_jit_config: config } = jit.body as { runner: { id: number }; encoded_jit_config: string };
    await github.control.connectRunner(config);
    const job = await github.control.queueJob({ repo: 'acme/web', labels: ['busy'] });

    const got = await call(github, 'GET', `/orgs/acme/actions/runners/${runner.id}`, token);
    const busy = await call(github, 'DELETE', `/orgs/acme/actions/runners/${runner.id}`, token);
    await github.control.cancelJob(job.id);
    const free = await call(github, 'DELETE', `/orgs/acme/actions/runners/${runner.id}`, token);
    const gone = await call(github, 'DELETE', `/orgs/acme/actions/runners/${runner.id}`, token);

    expect(got.body).toMatchObject({ id: runner.id, status: 'online', busy: true, os: 'Linux' });
    expect(busy.status).toBe(422);
    expect((busy.body as { message: string }).message).toContain('is still running a job');
    // The cancelled job freed the ephemeral runner, which GitHub then removes: the second delete finds nothing.
    expect([free.status, gone.status]).toEqual([404, 404]);
  });

  it('gets and deletes idle runners with 200 and 204 in every scope', async () => {
    const scopes = [
      { base: '/repos/acme/web', auth: token },
      { base: '/orgs/acme', auth: token },
      { base: '/enterprises/megacorp', auth: pat },
    ];
    for (const [i, { base, auth }] of scopes.entries()) {
      const jit = await call(github, 'POST', `${base}/actions/runners/generate-jitconfig`, auth, { name: `idle-${i}`, runner_group_id: 1, labels: LINUX });
      const id = (jit.body as { runner: { id: number } }).runner.id;
      const got = await call(github, 'GET', `${base}/actions/runners/${id}`, auth);
      const deleted = await call(github, 'DELETE', `${base}/actions/runners/${id}`, auth);
      const after = await call(github, 'GET', `${base}/actions/runners/${id}`, auth);
      expect([got.status, deleted.status, after.status]).toEqual([200, 204, 404]);
      expect(got.body).toMatchObject({ id, name: `idle-${i}`, status: 'offline', os: 'unknown' });
    }
  });

  it('creates registration and remove tokens for each scope', async () => {
    const tokens = [
      await call(github, 'POST', '/orgs/acme/actions/runners/registration-token', token),
      await call(github, 'POST', '/repos/acme/web/actions/runners/registration-token', token),
      await call(github, 'POST', '/enterprises/megacorp/actions/runners/registration-token', pat),
      await call(github, 'POST', '/orgs/acme/actions/runners/remove-token', token),
      await call(github, 'POST', '/repos/acme/web/actions/runners/remove-token', token),
      await call(github, 'POST', '/enterprises/megacorp/actions/runners/remove-token', pat),
    ];
    expect(tokens.map((t) => t.status)).toEqual([201, 201, 201, 201, 201, 201]);
    const registration = (tokens[0]?.body as { token: string }).token;
    const runner = await github.control.registerRunner({ token: registration, name: 'persistent-1', labels: LINUX });
    expect(runner).toMatchObject({ status: 'online', ephemeral: false });
  });

  it('lists runner groups of an org (own and inherited) and of an enterprise', async () => {
    await github.control.createRunnerGroup({ scope: { kind: 'org', org: 'acme' }, name: 'gpu', visibility: 'selected', selectedRepositories: ['acme/web'] });
    await github.control.createRunnerGroup({ scope: { kind: 'enterprise', enterprise: 'megacorp' }, name: 'shared' });
    const org = await call(github, 'GET', '/orgs/acme/actions/runner-groups', token);
    const ent = await call(github, 'GET', '/enterprises/megacorp/actions/runner-groups', pat);
    expect(org.body).toMatchObject({
      total_count: 3,
      runner_groups: [
        { id: 1, name: 'Default', default: true, inherited: false },
        { name: 'gpu', visibility: 'selected', inherited: false },
        { name: 'shared', inherited: true },
      ],
    });
    expect((ent.body as { runner_groups: { name: string }[] }).runner_groups.map((g) => g.name)).toEqual(['Default', 'shared']);
  });

  it('serves the same API under the GHES prefix /api/v3', async () => {
    const created = await call(github, 'POST', '/repos/acme/api/actions/runners/generate-jitconfig', token, { name: 'ghes-1', runner_group_id: 1, labels: LINUX }, github.ghesApiUrl);
    const listed = await call(github, 'GET', '/repos/acme/api/actions/runners?per_page=1', token, undefined, github.ghesApiUrl);
    expect(created.status).toBe(201);
    expect(listed.body).toMatchObject({ runners: [{ name: 'ghes-1' }] });
    expect(created.headers.get('x-github-enterprise-version')).toBeTruthy();
  });

  it('answers unknown routes and malformed bodies the way GitHub does', async () => {
    const unknown = await call(github, 'GET', '/nothing/here', token);
    const malformed = await fetch(`${github.apiUrl}/orgs/acme/actions/runners/generate-jitconfig`, {
      method: 'POST',
      headers: { authorization: `token ${token}`, 'content-type': 'application/json' },
      body: '{"name":',
    });
    const missing = await call(github, 'POST', '/orgs/acme/actions/runners/generate-jitconfig', token, { name: 'x', labels: LINUX });
    expect(unknown).toMatchObject({ status: 404, body: { message: 'Not Found', status: '404' } });
    expect(malformed.status).toBe(400);
    expect(missing.status).toBe(422);
  });
});

describe('simulated GitHub: jobs and webhooks', () => {
  let github: SimulatedGitHub;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let token: string;
  beforeAll(async () => {
    receiver = await startReceiver();
    github = await start({ webhookUrl: receiver.url, webhookTimeoutMs: 300 });
    const { installationId } = await seed(github);
    token = await installationToken(github, installationId);
  });
  afterEach(async () => {
    await github.flushWebhooks();
    webhooks.push(...receiver.received);
    receiver.received.length = 0;
    receiver.status = 202;
    receiver.delayMs = 0;
    await github.control.clearFaults();
  });
  afterAll(() => receiver.close());

  it('delivers signed workflow_job webhooks for queued, in_progress and completed, with GitHub headers', async () => {
    const jit = await call(github, 'POST', '/orgs/acme/actions/runners/generate-jitconfig', token, { name: 'wh-1', runner_group_id: 1, labels: LINUX });
    const job = await github.control.queueJob({ repo: 'acme/web', labels: ['self-hosted', 'linux'] });
    await github.control.connectRunner((jit.body as { encoded_jit_config: string }).encoded_jit_config);
    await github.control.completeJob(job.id);
    await github.flushWebhooks();

    const received = receiver.received;
    expect(received.map((r) => (JSON.parse(r.body) as { action: string }).action)).toEqual(['queued', 'in_progress', 'completed']);
    expect(received.every(verifySignature)).toBe(true);
    expect(new Set(received.map((r) => r.headers['x-github-delivery'])).size).toBe(3);
    expect(received[0]?.headers).toMatchObject({
      'x-github-event': 'workflow_job',
      'x-github-hook-id': '1',
      'x-github-hook-installation-target-type': 'integration',
      'x-github-hook-installation-target-id': '4242',
      'content-type': 'application/json',
    });
    const inProgress = JSON.parse(received[1]?.body ?? '{}') as { workflow_job: Record<string, unknown> };
    expect(inProgress.workflow_job).toMatchObject({ id: job.id, status: 'in_progress', runner_name: 'wh-1', runner_group_name: 'Default' });
  });

  it('records failed deliveries (non-2xx, timeouts) and redelivers them with the same GUID on request', async () => {
    receiver.status = 500;
    const job = await github.control.queueJob({ repo: 'acme/api', labels: ['gpu'] });
    await github.flushWebhooks();
    receiver.status = 202;
    receiver.delayMs = 1_000;
    await github.control.cancelJob(job.id);
    await github.flushWebhooks();
    receiver.delayMs = 0;

    const jwt = jwtFor(github);
    const failed = await call(github, 'GET', '/app/hook/deliveries?status=failure&per_page=10', jwt);
    const list = failed.body as { id: number; guid: string; status: string; status_code: number; action: string; redelivery: boolean }[];
    expect(list.slice(0, 2).map((d) => [d.action, d.status_code, d.status])).toEqual([
      ['completed', 0, 'timed out'],
      ['queued', 500, 'Invalid HTTP Response: 500'],
    ]);
    const detail = await call(github, 'GET', `/app/hook/deliveries/${list[1]?.id}`, jwt);
    expect(detail.body).toMatchObject({ guid: list[1]?.guid, url: receiver.url, request: { payload: { action: 'queued' } } });

    const before = receiver.received.length;
    const redelivered = await call(github, 'POST', `/app/hook/deliveries/${list[1]?.id}/attempts`, jwt);
    await github.flushWebhooks();
    expect(redelivered.status).toBe(202);
    const again = receiver.received[before];
    expect(again?.headers['x-github-delivery']).toBe(list[1]?.guid);
    expect(verifySignature(again as ReceivedWebhook)).toBe(true);
    const latest = (await call(github, 'GET', '/app/hook/deliveries?per_page=1', jwt)).body as { guid: string; redelivery: boolean; status_code: number }[];
    expect(latest[0]).toMatchObject({ guid: list[1]?.guid, redelivery: true, status_code: 202 });
  });

  it('pages the deliveries log with a cursor in the Link header', async () => {
    for (let i = 0; i < 3; i += 1) await github.control.queueJob({ repo: 'acme/web', labels: ['nobody-has-this'] });
    await github.flushWebhooks();
    const jwt = jwtFor(github);
    const first = await call(github, 'GET', '/app/hook/deliveries?per_page=2', jwt);
    const link = first.headers.get('link') ?? '';
    const next = /<([^>]+)>; rel="next"/.exec(link)?.[1] ?? '';
    expect(next).toMatch(/cursor=v1_\d+/);
    const second = await call(github, 'GET', next.slice(github.apiUrl.length), jwt);
    const ids = [...(first.body as { id: number }[]), ...(second.body as { id: number }[])].map((d) => d.id);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('records a connection failure when the webhook URL does not answer', async () => {
    const dead = await startReceiver();
    const url = dead.url;
    await dead.close();
    await github.control.setWebhook({ url });
    await github.control.queueJob({ repo: 'acme/web', labels: ['nobody-has-this'] });
    await github.flushWebhooks();
    await github.control.setWebhook({ url: receiver.url });
    const latest = (await call(github, 'GET', '/app/hook/deliveries?per_page=1', jwtFor(github))).body as { status: string; status_code: number }[];
    expect(latest[0]).toMatchObject({ status_code: 0, status: 'failed to connect to host' });
  });

  it('serves job status and re-runs a completed job', async () => {
    const job = await github.control.queueJob({ repo: 'acme/web', labels: ['gpu'], name: 'test (ubuntu)', workflowName: 'CI' });
    const queued = await call(github, 'GET', `/repos/acme/web/actions/jobs/${job.id}`, token);
    const early = await call(github, 'POST', `/repos/acme/web/actions/jobs/${job.id}/rerun`, token);
    await github.control.cancelJob(job.id);
    const rerun = await call(github, 'POST', `/repos/acme/web/actions/jobs/${job.id}/rerun`, token);
    const wrongRepo = await call(github, 'GET', `/repos/acme/api/actions/jobs/${job.id}`, token);

    expect(queued.body).toMatchObject({ id: job.id, status: 'queued', conclusion: null, labels: ['gpu'], name: 'test (ubuntu)', runner_name: null });
    expect(early.status).toBe(403);
    expect(rerun).toMatchObject({ status: 201, body: {} });
    expect(wrongRepo.status).toBe(404);
    const jobs = await github.control.listJobs();
    expect(jobs.at(-1)).toMatchObject({ runId: job.runId, runAttempt: 2, status: 'queued' });
  });

  it('injects webhook faults: lost (logged as failed), vanished, duplicated, reordered and late deliveries', async () => {
    await github.control.setFaults({
      webhooks: [
        { fault: 'lose', times: 1 },
        { fault: 'vanish', times: 1 },
        { fault: 'duplicate', times: 1 },
        { fault: 'reorder', times: 1 },
      ],
    });
    const jobs = [];
    for (let i = 0; i < 6; i += 1) jobs.push(await github.control.queueJob({ repo: 'acme/web', labels: [`fault-${i}`] }));
    await github.flushWebhooks();
    const order = receiver.received.map((r) => (JSON.parse(r.body) as { workflow_job: { labels: string[] } }).workflow_job.labels[0]);
    // 0 lost, 1 vanished, 2 twice, 3 held until 4 went first, 5 normal.
    expect(order).toEqual(['fault-2', 'fault-2', 'fault-4', 'fault-3', 'fault-5']);
    const failed = (await call(github, 'GET', '/app/hook/deliveries?status=failure&per_page=1', jwtFor(github))).body as { status: string }[];
    expect(failed[0]).toMatchObject({ status: 'timed out' });

    await github.control.setFaults({ webhooks: [{ fault: 'delay', delayMs: 150, times: 1 }] });
    const started = Date.now();
    await github.control.queueJob({ repo: 'acme/web', labels: ['late'] });
    await github.flushWebhooks();
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    const counters = await github.control.counters();
    expect(counters.webhooks.attempted).toBeGreaterThan(0);
  });
});

describe('simulated GitHub: concurrent webhook delivery', () => {
  it('delivers up to webhookConcurrency webhooks at once', async () => {
    const receiver = await startReceiver();
    receiver.delayMs = 200;
    const github = await start({ webhookUrl: receiver.url, webhookConcurrency: 4 });
    await seed(github);
    for (let i = 0; i < 8; i += 1) await github.control.queueJob({ repo: 'acme/web', labels: [`c-${i}`] });
    const started = Date.now();
    await github.flushWebhooks();
    const elapsed = Date.now() - started;
    webhooks.push(...receiver.received);
    expect(receiver.received).toHaveLength(8);
    expect(elapsed).toBeLessThan(8 * 200);
    await receiver.close();
  });
});

describe('simulated GitHub: rate limits and faults', () => {
  let github: SimulatedGitHub;
  let installationId: number;
  let token: string;
  beforeEach(async () => {
    github = await start({ rateLimits: { primaryPerHour: 6, pointsPerMinute: 10, maxConcurrent: 1 } });
    ({ installationId } = await seed(github));
    token = await installationToken(github, installationId);
  });
  afterEach(() => github.close());

  it('reports the primary budget on every response and answers 403 with remaining 0 when spent', async () => {
    const answers: Call[] = [];
    for (let i = 0; i < 7; i += 1) answers.push(await call(github, 'GET', `/orgs/acme/actions/runners?page=${i}`, token));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 200, 403]);
    expect(answers.map((a) => a.headers.get('x-ratelimit-remaining'))).toEqual(['5', '4', '3', '2', '1', '0', '0']);
    expect(answers[0]?.headers.get('x-ratelimit-limit')).toBe('6');
    expect(answers[6]?.headers.get('x-ratelimit-used')).toBe('6');
    expect(Number(answers[6]?.headers.get('x-ratelimit-reset'))).toBeGreaterThan(Date.now() / 1000);
    expect((answers[6]?.body as { message: string }).message).toContain('API rate limit exceeded for installation ID');
  });

  it('answers the secondary limit of points per minute per endpoint with 403 and retry-after', async () => {
    const body = (name: string) => ({ name, runner_group_id: 1, labels: LINUX });
    const a = await call(github, 'POST', '/orgs/acme/actions/runners/generate-jitconfig', token, body('a'));
    const b = await call(github, 'POST', '/orgs/acme/actions/runners/generate-jitconfig', token, body('b'));
    const c = await call(github, 'POST', '/orgs/acme/actions/runners/generate-jitconfig', token, body('c'));
    const other = await call(github, 'GET', '/orgs/acme/actions/runners', token);
    expect([a.status, b.status, c.status, other.status]).toEqual([201, 201, 403, 200]);
    expect(Number(c.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((c.body as { message: string }).message).toContain('secondary rate limit');
  });

  it('answers requests beyond the concurrency limit with retry-after, and injects slow responses', async () => {
    await github.control.setFaults({ http: [{ route: 'GET /orgs/:org/actions/runners', delayMs: 300, times: 1 }] });
    const started = Date.now();
    const slow = call(github, 'GET', '/orgs/acme/actions/runners', token);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const refused = await call(github, 'GET', '/orgs/acme/actions/runner-groups', token);
    expect((await slow).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(refused.status).toBe(403);
    expect(refused.headers.get('retry-after')).toBe('60');
    expect(github.counters().rateLimited.concurrency).toBe(1);
  });

  it('injects 5xx by rule for a number of requests, and rate limits as GitHub shapes them', async () => {
    await github.control.setFaults({
      http: [
        { route: 'POST /orgs/:org/actions/runners/generate-jitconfig', status: 503, times: 2 },
        { route: '/orgs/:org/actions/runner-groups', rateLimit: 'secondary', retryAfterSeconds: 3, times: 1 },
      ],
    });
    const body = { name: 'x', runner_group_id: 1, labels: LINUX };
    const statuses = [];
    for (let i = 0; i < 2; i += 1) statuses.push((await call(github, 'POST', '/orgs/acme/actions/runners/generate-jitconfig', token, body)).status);
    const limited = await call(github, 'GET', '/orgs/acme/actions/runner-groups', token);
    expect(statuses).toEqual([503, 503]);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('3');
    expect(github.counters().faults.http).toBe(3);
  });
});

describe('simulated GitHub: faults by rate', () => {
  it('is deterministic for a seed', async () => {
    const statusesFor = async (): Promise<number[]> => {
      const github = await start({ faults: { rates: { seed: 99, serverErrors: 0.3, rateLimits: 0.1 } } });
      await github.control.createRepo({ owner: 'acme', name: 'web' });
      const installation = await github.control.createInstallation({ account: 'acme' });
      const { token } = await github.control.mintInstallationToken(installation.id);
      const statuses: number[] = [];
      for (let i = 0; i < 30; i += 1) statuses.push((await call(github, 'GET', '/orgs/acme/actions/runners', token)).status);
      await github.close();
      return statuses;
    };
    const first = await statusesFor();
    const second = await statusesFor();
    expect(first).toEqual(second);
    expect(first.some((s) => s >= 500)).toBe(true);
    expect(first.some((s) => s === 429)).toBe(true);
    expect(first.filter((s) => s === 200).length).toBeGreaterThan(10);
  });
});

describe('simulated GitHub: runner releases and the control API', () => {
  let github: SimulatedGitHub;
  beforeAll(async () => {
    github = await start({ model: { runnerVersion: '2.331.0' } });
  });

  it('serves the latest actions/runner release with downloadable assets whose digests match', async () => {
    const release = await call(github, 'GET', '/repos/actions/runner/releases/latest');
    const body = release.body as { tag_name: string; body: string; assets: { id: number; name: string; size: number; digest: string; browser_download_url: string }[] };
    expect(body.tag_name).toBe('v2.331.0');
    expect(body.assets.map((a) => a.name)).toContain('actions-runner-linux-x64-2.331.0.tar.gz');
    expect(body.assets.map((a) => a.name)).toContain('actions-runner-win-arm64-2.331.0.zip');
    expect(body.assets.map((a) => a.name)).toContain('actions-runner-osx-arm64-2.331.0.tar.gz');
    const asset = body.assets[0];
    const download = await fetch(asset?.browser_download_url ?? '');
    const bytes = Buffer.from(await download.arrayBuffer());
    expect(bytes.length).toBe(asset?.size);
    expect(`sha256:${createHash('sha256').update(bytes).digest('hex')}`).toBe(asset?.digest);
    expect(body.body).toContain(`<!-- BEGIN SHA linux-x64 -->${asset?.digest.slice(7)}<!-- END SHA linux-x64 -->`);
    const viaApi = await fetch(`${github.apiUrl}/repos/actions/runner/releases/assets/${asset?.id}`, {
      headers: { accept: 'application/octet-stream' },
      redirect: 'manual',
    });
    expect(viaApi.status).toBe(302);
    expect((await call(github, 'GET', '/repos/acme/other/releases/latest')).status).toBe(404);
  });

  it('drives the model through the typed control client: state, counters, reset', async () => {
    const control = new SimulatedGitHubControl(github.url);
    await control.createOrg({ login: 'ctl' });
    await control.createRepo({ owner: 'ctl', name: 'repo' });
    const installation = await control.createInstallation({ account: 'ctl' });
    const { token } = await control.mintInstallationToken(installation.id);
    await call(github, 'GET', '/orgs/ctl/actions/runners', token);
    const job = await control.queueJob({ repo: 'ctl/repo', labels: ['self-hosted'] });
    const counters = await control.counters();
    expect(counters.requests['GET /orgs/:org/actions/runners']).toBe(1);
    expect(counters.tokenMints.total).toBe(1);
    expect((await control.state()).jobs).toEqual({ queued: 1 });
    expect((await control.webhookEvents()).map((e) => e.jobId)).toEqual([job.id]);
    await expect(control.getJob(123)).rejects.toMatchObject({ status: 404 });
    await control.reset();
    expect((await control.state()).repositories).toBe(0);
    expect((await control.counters()).requests).toEqual({});
  });
});
