import { createPublicKey, createVerify, generateKeyPairSync } from 'node:crypto';
import type { Clock } from '@ghr/core';
import { describe, expect, it } from 'vitest';
import { GitHubClient } from './client.js';
import type { RateLimitInfo } from './stats.js';
import { deadlineSignal } from './deadline.js';
import { GitHubError } from './errors.js';

// A tiny GitHub behind a fake fetch: no network. The integration tests run against @ghr/sim over HTTP.
const { privateKey: PKCS8, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PKCS8_PEM = PKCS8.export({ type: 'pkcs8', format: 'pem' }).toString();
const PKCS1_PEM = PKCS8.export({ type: 'pkcs1', format: 'pem' }).toString();

interface Sent {
  readonly method: string;
  readonly path: string;
  readonly authorization: string | undefined;
  readonly body: unknown;
  readonly headers: Record<string, string>;
}

type Handler = (request: Sent) => { status: number; body?: unknown; headers?: Record<string, string> } | undefined;

function fakeGitHub(handler: Handler, options: { tokenTtlMs?: number; now?: () => number } = {}) {
  const sent: Sent[] = [];
  let mints = 0;
  const fakeFetch = (async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    const headers = (init?.headers ?? {}) as Record<string, string>;
    const request: Sent = {
      method: init?.method ?? 'GET',
      path: url.pathname + url.search,
      authorization: headers.authorization,
      body: typeof init?.body === 'string' ? JSON.parse(init.body) : undefined,
      headers,
    };
    sent.push(request);
    const json = (status: number, body?: unknown, extra: Record<string, string> = {}) =>
      new Response(body === undefined ? null : JSON.stringify(body), {
        status,
        headers: { 'content-type': 'application/json', 'x-ratelimit-limit': '5000', 'x-ratelimit-remaining': String(5000 - sent.length), 'x-ratelimit-reset': '1900000000', 'x-ratelimit-used': String(sent.length), 'x-ratelimit-resource': 'core', ...extra },
      });
    const mint = /^\/app\/installations\/(\d+)\/access_tokens$/.exec(url.pathname);
    if (mint !== null && request.method === 'POST') {
      const jwt = request.authorization?.replace(/^bearer /, '') ?? '';
      if (!verifyJwt(jwt)) return json(401, { message: 'A JSON web token could not be decoded' });
      const answer = handler(request);
      if (answer !== undefined) return json(answer.status, answer.body, answer.headers);
      mints++;
      const now = options.now?.() ?? Date.now();
      return json(201, { token: `ghs_token${mints}_${mint[1]}xxxxxxxx`, expires_at: new Date(now + (options.tokenTtlMs ?? 3_600_000)).toISOString(), permissions: {} });
    }
    const answer = handler(request) ?? { status: 404, body: { message: 'Not Found' } };
    return json(answer.status, answer.body, answer.headers);
  }) as typeof globalThis.fetch;
  return { fetch: fakeFetch, sent, mints: () => mints };
}

function verifyJwt(jwt: string): boolean {
  const [header, payload, signature] = jwt.split('.');
  if (header === undefined || payload === undefined || signature === undefined) return false;
  const verifier = createVerify('RSA-SHA256');
  verifier.update(`${header}.${payload}`);
  return verifier.verify(createPublicKey(publicKey.export({ type: 'spki', format: 'pem' })), Buffer.from(signature, 'base64url'));
}

function manualClock(start = Date.now()): Clock & { advance(ms: number): void } {
  let now = start;
  return {
    now: () => now,
    sleep: () => Promise.resolve(),
    advance: (ms) => {
      now += ms;
    },
  };
}

const signal = () => AbortSignal.timeout(10_000);
const ORG = { kind: 'org', org: 'acme' } as const;

const installationAndRunners: Handler = ({ method, path }) => {
  if (path === '/orgs/acme/installation') return { status: 200, body: { id: 77, account: { login: 'acme' } } };
  if (method === 'GET' && path.startsWith('/orgs/acme/actions/runners?')) return { status: 200, body: { total_count: 0, runners: [] } };
  return undefined;
};

describe('GitHubClient auth', () => {
  it.each([
    ['PKCS#8', PKCS8_PEM],
    ['PKCS#1', PKCS1_PEM],
  ])('signs App JWTs with a %s key and mints one installation token for many calls', async (_format, pem) => {
    // Arrange
    const github = fakeGitHub(installationAndRunners);
    const client = new GitHubClient({ apiUrl: 'https://api.test', auth: { kind: 'app', appId: 1, privateKey: pem }, fetch: github.fetch });

    // Act
    for (let i = 0; i < 20; i++) await client.listRunners(ORG, signal());

    // Assert
    expect(github.mints()).toBe(1);
    expect(client.stats().tokenMints).toBe(1);
    expect(client.stats().operations.listRunners).toEqual({ calls: 20, requests: 21, errors: 0 }); // 1 lookup + 20 lists
    expect(github.sent.filter((r) => r.path.startsWith('/orgs/acme/actions/runners')).every((r) => r.authorization === 'token ghs_token1_77xxxxxxxx')).toBe(true);
    expect(github.sent.every((r) => r.headers['x-ghr-operation'] === undefined)).toBe(true);
  });

  it('mints anew shortly before the token expires, not after every call', async () => {
    const clock = manualClock();
    const github = fakeGitHub(installationAndRunners, { now: clock.now });
    const client = new GitHubClient({ apiUrl: 'https://api.test', auth: { kind: 'app', appId: 1, privateKey: PKCS8_PEM }, fetch: github.fetch, clock });
    await client.listRunners(ORG, signal());
    clock.advance(54 * 60_000);
    await client.listRunners(ORG, signal());
    expect(github.mints()).toBe(1);
    clock.advance(2 * 60_000); // 56 min: inside the 5-minute margin
    await client.listRunners(ORG, signal());
    expect(github.mints()).toBe(2);
  });

  it('uses a remembered installation id without a lookup', async () => {
    const github = fakeGitHub(installationAndRunners);
    const client = new GitHubClient({ apiUrl: 'https://api.test', auth: { kind: 'app', appId: 1, privateKey: PKCS8_PEM }, fetch: github.fetch });
    client.rememberInstallation('ACME', 77);
    await client.listRunners(ORG, signal());
    expect(github.sent.map((r) => r.path)).toEqual(['/app/installations/77/access_tokens', '/orgs/acme/actions/runners?per_page=100&page=1']);
  });

  it('re-resolves the installation once when its token mint answers 404 (App reinstalled)', async () => {
    const github = fakeGitHub((request) => {
      if (request.path === '/app/installations/5/access_tokens') return { status: 404, body: { message: 'Not Found' } };
      return installationAndRunners(request);
    });
    const client = new GitHubClient({
      apiUrl: 'https://api.test',
      auth: { kind: 'app', appId: 1, privateKey: PKCS8_PEM, installationIds: { acme: 5 } },
      fetch: github.fetch,
    });
    await expect(client.listRunners(ORG, signal())).resolves.toEqual([]);
    expect(github.sent.map((r) => r.path)).toEqual([
      '/app/installations/5/access_tokens',
      '/orgs/acme/installation',
      '/app/installations/77/access_tokens',
      '/orgs/acme/actions/runners?per_page=100&page=1',
    ]);
  });

  it('says when the App is not installed on an account', async () => {
    const github = fakeGitHub(() => undefined);
    const client = new GitHubClient({ apiUrl: 'https://api.test', auth: { kind: 'app', appId: 1, privateKey: PKCS8_PEM }, fetch: github.fetch });
    await expect(client.listRunners(ORG, signal())).rejects.toMatchObject({ name: 'GitHubError', code: 'not-found', message: expect.stringContaining('not installed on "acme"') });
  });

  it('uses the enterprise token for enterprise scopes and refuses them without one', async () => {
    const github = fakeGitHub(({ path }) => (path.startsWith('/enterprises/big/actions/runners?') ? { status: 200, body: { total_count: 0, runners: [] } } : undefined));
    const withToken = new GitHubClient({
      apiUrl: 'https://api.test',
      auth: { kind: 'app', appId: 1, privateKey: PKCS8_PEM, enterpriseToken: 'ghp_enterprise000000' },
      fetch: github.fetch,
    });
    await withToken.listRunners({ kind: 'enterprise', enterprise: 'big' }, signal());
    expect(github.sent[0]?.authorization).toBe('token ghp_enterprise000000');
    const without = new GitHubClient({ apiUrl: 'https://api.test', auth: { kind: 'app', appId: 1, privateKey: PKCS8_PEM }, fetch: github.fetch });
    await expect(without.listRunners({ kind: 'enterprise', enterprise: 'big' }, signal())).rejects.toMatchObject({ code: 'invalid-config' });
  });

  it('refuses App-only endpoints with token auth before sending anything', async () => {
    const github = fakeGitHub(() => undefined);
    const client = new GitHubClient({ apiUrl: 'https://api.test', auth: { kind: 'token', token: 'ghp_x0000000000' }, fetch: github.fetch });
    await expect(client.listFailedDeliveries(0, signal())).rejects.toMatchObject({ code: 'invalid-config' });
    expect(github.sent).toHaveLength(0);
  });
});

describe('GitHubClient operations', () => {
  const token = { kind: 'token', token: 'ghp_0123456789abcdef' } as const;

  it('resolves a runner group by name once and then sends only the JIT request', async () => {
    // Arrange
    const github = fakeGitHub(({ method, path, body }) => {
      if (path.startsWith('/orgs/acme/actions/runner-groups')) {
        return { status: 200, body: { total_count: 2, runner_groups: [{ id: 1, name: 'Default' }, { id: 9, name: 'CI' }] } };
      }
      if (method === 'POST' && path === '/orgs/acme/actions/runners/generate-jitconfig') {
        return { status: 201, body: { runner: { id: 500, name: (body as { name: string }).name }, encoded_jit_config: 'eyJzZWNyZXQiOiJ5ZXMifQ==' } };
      }
      return undefined;
    });
    const client = new GitHubClient({ apiUrl: 'https://api.test', auth: token, fetch: github.fetch, throttle: { writeIntervalMs: 0 } });

    // Act
    const first = await client.createJitConfig(ORG, { name: 'ghr-1', labels: ['self-hosted'], runnerGroup: 'ci' }, signal());
    const second = await client.createJitConfig(ORG, { name: 'ghr-2', labels: ['self-hosted'], runnerGroup: 'CI' }, signal());
    await client.createJitConfig(ORG, { name: 'ghr-3', labels: ['self-hosted'] }, signal());

    // Assert
    expect(first).toEqual({ runnerId: 500, encodedJitConfig: 'eyJzZWNyZXQiOiJ5ZXMifQ==' });
    expect(second.runnerId).toBe(500);
    expect(client.stats().operations.createJitConfig).toEqual({ calls: 3, requests: 4, errors: 0 });
    const jits = github.sent.filter((r) => r.path.endsWith('generate-jitconfig')).map((r) => r.body);
    expect(jits).toEqual([
      { name: 'ghr-1', runner_group_id: 9, labels: ['self-hosted'], work_folder: '_work' },
      { name: 'ghr-2', runner_group_id: 9, labels: ['self-hosted'], work_folder: '_work' },
      { name: 'ghr-3', runner_group_id: 1, labels: ['self-hosted'], work_folder: '_work' },
    ]);
  });

  it('fails with invalid-config for an unknown runner group', async () => {
    const github = fakeGitHub(({ path }) => (path.startsWith('/orgs/acme/actions/runner-groups') ? { status: 200, body: { total_count: 1, runner_groups: [{ id: 1, name: 'Default' }] } } : undefined));
    const client = new GitHubClient({ apiUrl: 'https://api.test', auth: token, fetch: github.fetch });
    await expect(client.createJitConfig(ORG, { name: 'n', labels: ['x'], runnerGroup: 'gpu' }, signal())).rejects.toMatchObject({
      code: 'invalid-config',
      message: expect.stringContaining('"gpu" does not exist'),
    });
  });

  it('pages through runners 100 at a time and stops at total_count', async () => {
    const all = Array.from({ length: 250 }, (_, i) => ({ id: i + 1, name: `r${i + 1}`, os: 'linux', status: i % 2 ? 'online' : 'offline', busy: i % 3 === 0, labels: [{ id: 1, name: 'self-hosted', type: 'read-only' }] }));
    const github = fakeGitHub(({ path }) => {
      const url = new URL(path, 'https://x');
      if (url.pathname !== '/orgs/acme/actions/runners') return undefined;
      const page = Number(url.searchParams.get('page'));
      return { status: 200, body: { total_count: 250, runners: all.slice((page - 1) * 100, page * 100) } };
    });
    const client = new GitHubClient({ apiUrl: 'https://api.test', auth: token, fetch: github.fetch });
    const runners = await client.listRunners(ORG, signal());
    expect(runners).toHaveLength(250);
    expect(runners[1]).toEqual({ id: 2, name: 'r2', status: 'online', busy: false, labels: ['self-hosted'] });
    expect(github.sent).toHaveLength(3);
  });

  it('answers deleted, busy or not-found for a runner delete', async () => {
    const github = fakeGitHub(({ method, path }) => {
      if (method !== 'DELETE') return undefined;
      if (path.endsWith('/1')) return { status: 204 };
      if (path.endsWith('/2')) return { status: 422, body: { message: 'Bad request - Runner "x" is still running a job"' } };
      return { status: 404, body: { message: 'Not Found' } };
    });
    const client = new GitHubClient({ apiUrl: 'https://api.test', auth: token, fetch: github.fetch, throttle: { writeIntervalMs: 0 } });
    expect(await client.deleteRunner(ORG, 1, signal())).toBe('deleted');
    expect(await client.deleteRunner(ORG, 2, signal())).toBe('busy');
    expect(await client.deleteRunner(ORG, 3, signal())).toBe('not-found');
  });

  it('reads a job and answers undefined for an unknown one', async () => {
    const github = fakeGitHub(({ path }) =>
      path === '/repos/o/r/actions/jobs/5'
        ? { status: 200, body: { id: 5, run_id: 6, status: 'completed', conclusion: 'success', labels: ['x'], runner_name: 'ghr-1', started_at: '2026-01-01T00:00:00Z', completed_at: '2026-01-01T00:01:00Z' } }
        : undefined,
    );
    const client = new GitHubClient({ apiUrl: 'https://api.test', auth: token, fetch: github.fetch });
    expect(await client.getJob({ owner: 'o', repo: 'r' }, 5, signal())).toEqual({
      id: 5,
      runId: 6,
      status: 'completed',
      conclusion: 'success',
      labels: ['x'],
      runnerName: 'ghr-1',
      startedAt: Date.parse('2026-01-01T00:00:00Z'),
      completedAt: Date.parse('2026-01-01T00:01:00Z'),
    });
    expect(await client.getJob({ owner: 'o', repo: 'r' }, 6, signal())).toBeUndefined();
  });

  it('lists failed deliveries by cursor, one per GUID, skipping GUIDs that succeeded, stopping at since', async () => {
    const at = (m: number) => new Date(Date.parse('2026-01-01T00:00:00Z') + m * 60_000).toISOString();
    const pages: Record<string, unknown[]> = {
      '': [
        { id: 10, guid: 'a', delivered_at: at(10), event: 'workflow_job', action: 'queued', status_code: 502, redelivery: true, installation_id: 7 },
        { id: 9, guid: 'b', delivered_at: at(9), event: 'workflow_job', action: 'queued', status_code: 200, redelivery: true },
      ],
      c2: [
        { id: 8, guid: 'b', delivered_at: at(8), event: 'workflow_job', action: 'queued', status_code: 500, redelivery: false },
        { id: 7, guid: 'a', delivered_at: at(7), event: 'workflow_job', action: 'queued', status_code: 0, redelivery: false },
        { id: 6, guid: 'c', delivered_at: at(1), event: 'workflow_job', action: 'queued', status_code: 500, redelivery: false },
      ],
    };
    const github = fakeGitHub(({ path }) => {
      const url = new URL(path, 'https://x');
      if (url.pathname !== '/app/hook/deliveries') return undefined;
      const cursor = url.searchParams.get('cursor') ?? '';
      return {
        status: 200,
        body: pages[cursor],
        headers: (cursor === '' ? { link: '<https://api.test/app/hook/deliveries?per_page=100&cursor=c2>; rel="next"' } : {}) as Record<string, string>,
      };
    });
    const client = new GitHubClient({ apiUrl: 'https://api.test', auth: { kind: 'app', appId: 1, privateKey: PKCS8_PEM }, fetch: github.fetch });
    const failed = await client.listFailedDeliveries(Date.parse(at(5)), signal());
    expect(failed.map((d) => d.id)).toEqual([10]);
    expect(failed[0]).toEqual({ id: 10, guid: 'a', deliveredAt: Date.parse(at(10)), event: 'workflow_job', action: 'queued', statusCode: 502, redelivery: true, installationId: 7 });
    expect(github.sent.every((r) => r.authorization?.startsWith('bearer ey'))).toBe(true);
    expect(github.sent).toHaveLength(2);
  });

  it('reports every response budget to onRateLimit', async () => {
    const seen: RateLimitInfo[] = [];
    const github = fakeGitHub(installationAndRunners);
    const client = new GitHubClient({ apiUrl: 'https://api.test', auth: token, fetch: github.fetch, onRateLimit: (info) => seen.push(info) });
    await client.listRunners(ORG, signal());
    await client.listRunners(ORG, signal());
    expect(seen).toEqual([
      { resource: 'core', limit: 5000, remaining: 4999, reset: 1_900_000_000_000, used: 1 },
      { resource: 'core', limit: 5000, remaining: 4998, reset: 1_900_000_000_000, used: 2 },
    ]);
    expect(client.stats().rateLimits.core?.remaining).toBe(4998);
  });

  it('serves an unchanged runner release from its ETag', async () => {
    const github = fakeGitHub(({ headers }) =>
      headers['if-none-match'] === '"v1"'
        ? { status: 304 }
        : { status: 200, body: { tag_name: 'v2.321.0', body: '', assets: [{ name: 'actions-runner-linux-x64-2.321.0.tar.gz', browser_download_url: 'u', size: 1 }] }, headers: { etag: '"v1"' } },
    );
    const client = new GitHubClient({ apiUrl: 'https://api.test', auth: token, fetch: github.fetch });
    const first = await client.latestRunnerRelease(signal());
    const second = await client.latestRunnerRelease(signal());
    expect(second).toEqual(first);
    expect(github.sent[1]?.headers['if-none-match']).toBe('"v1"');
  });
});

describe('GitHubClient retries and deadlines', () => {
  const token = { kind: 'token', token: 'ghp_0123456789abcdef' } as const;

  it('paces writes by writeIntervalMs and leaves reads unpaced', async () => {
    // Arrange
    const github = fakeGitHub(({ method }) =>
      method === 'POST' ? { status: 201, body: { token: 'AABBCC', expires_at: '2099-01-01T00:00:00Z' } } : { status: 200, body: { total_count: 0, runners: [] } },
    );
    const client = new GitHubClient({ apiUrl: 'https://api.test', auth: token, fetch: github.fetch, throttle: { writeIntervalMs: 150 } });

    // Act
    const readsStarted = Date.now();
    await Promise.all([1, 2, 3].map(() => client.listRunners(ORG, signal())));
    const readsTook = Date.now() - readsStarted;
    const writesStarted = Date.now();
    await Promise.all([1, 2, 3].map(() => client.createRegistrationToken(ORG, signal())));
    const writesTook = Date.now() - writesStarted;

    // Assert: three writes need two intervals between them.
    expect(writesTook).toBeGreaterThanOrEqual(290);
    expect(readsTook).toBeLessThan(writesTook);
  });

  it('retries 5xx and succeeds', async () => {
    let calls = 0;
    const github = fakeGitHub(() => (++calls < 3 ? { status: 502, body: { message: 'Bad Gateway' } } : { status: 200, body: { total_count: 0, runners: [] } }));
    const client = new GitHubClient({ apiUrl: 'https://api.test', auth: token, fetch: github.fetch, retry: { baseDelayMs: 5 } });
    await expect(client.listRunners(ORG, signal())).resolves.toEqual([]);
    expect(client.stats().operations.listRunners).toEqual({ calls: 1, requests: 3, errors: 0 });
  });

  it('does not start a retry wait that would pass the deadline: fails fast and retryable', async () => {
    const github = fakeGitHub(() => ({ status: 503, body: { message: 'Service Unavailable' } }));
    const client = new GitHubClient({ apiUrl: 'https://api.test', auth: token, fetch: github.fetch, retry: { baseDelayMs: 5_000 } });
    const started = Date.now();
    const error = await client.listRunners(ORG, deadlineSignal(3_000)).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(2_500);
    expect(error).toBeInstanceOf(GitHubError);
    expect(error).toMatchObject({ code: 'unavailable', retryable: true, status: 503 });
    expect(github.sent).toHaveLength(1);
  });

  it('stops at a plain signal mid-wait', async () => {
    const github = fakeGitHub(() => ({ status: 503, body: { message: 'Service Unavailable' } }));
    const client = new GitHubClient({ apiUrl: 'https://api.test', auth: token, fetch: github.fetch, retry: { baseDelayMs: 5_000 } });
    const started = Date.now();
    await expect(client.listRunners(ORG, AbortSignal.timeout(200))).rejects.toMatchObject({ code: 'timeout', retryable: true });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('sends nothing for writes still queued behind the pacing when the deadline passes', async () => {
    // Arrange: writes leave at 0, 400, 800... ms; the deadline is at 600 ms.
    const github = fakeGitHub(() => ({ status: 201, body: { token: 'AABBCC', expires_at: '2099-01-01T00:00:00Z' } }));
    const client = new GitHubClient({ apiUrl: 'https://api.test', auth: token, fetch: github.fetch, throttle: { writeIntervalMs: 400 } });
    const deadline = deadlineSignal(600);

    // Act
    const results = await Promise.allSettled([1, 2, 3, 4, 5].map(() => client.createRegistrationToken(ORG, deadline)));
    await new Promise((resolve) => setTimeout(resolve, 1_500)); // let the queue drain

    // Assert
    const fulfilled = results.filter((r) => r.status === 'fulfilled').length;
    expect(fulfilled).toBeGreaterThanOrEqual(1);
    expect(fulfilled).toBeLessThanOrEqual(2);
    const reasons = results.flatMap((r) => (r.status === 'rejected' ? [(r.reason as GitHubError).code] : []));
    expect(reasons).toEqual(Array.from({ length: 5 - fulfilled }, () => 'timeout'));
    expect(github.sent).toHaveLength(fulfilled);
    expect(client.stats().requests).toBe(fulfilled);
  });

  it('never puts a token in an error', async () => {
    const github = fakeGitHub(() => ({ status: 401, body: { message: 'Bad credentials' } }));
    const client = new GitHubClient({ apiUrl: 'https://api.test', auth: token, fetch: github.fetch });
    const error = (await client.listRunners(ORG, signal()).then(
      () => undefined,
      (e: unknown) => e,
    )) as GitHubError;
    expect(JSON.stringify({ ...error, message: error.message, cause: String(error.cause), stack: error.stack })).not.toContain('ghp_0123456789abcdef');
    expect(error).toMatchObject({ code: 'unauthorized', retryable: false });
  });
});
