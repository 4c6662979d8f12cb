// Secrets with the shapes GitHub gives them, taken from the simulated GitHub over HTTP: none may show in a
// redacted text, in `util.inspect` of a client, or in its JSON.
import { generateKeyPairSync } from 'node:crypto';
import { inspect } from 'node:util';
import { startSimulatedGitHub } from '@ghr/sim';
import type { SimulatedGitHub } from '@ghr/sim';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GitHubClient } from '../src/client.js';
import { redact } from '../src/errors.js';
import { InstallationTokenCache } from '../src/token-cache.js';

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PEM = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const APP_ID = 77;
const ORG = { kind: 'org', org: 'acme' } as const;
const signal = () => AbortSignal.timeout(30_000);

let sim: SimulatedGitHub;

beforeAll(async () => {
  sim = await startSimulatedGitHub({ appId: APP_ID, privateKey: PEM });
});

afterAll(async () => {
  await sim?.close();
});

beforeEach(async () => {
  await sim.control.reset();
  await sim.control.createOrg({ login: 'acme' });
  await sim.control.createInstallation({ account: 'acme' });
});

/** A client whose every authorization value (App JWTs, installation tokens) is kept for the test. */
function recordingClient(): { readonly github: GitHubClient; readonly credentials: string[] } {
  const credentials: string[] = [];
  const github = new GitHubClient({
    apiUrl: sim.apiUrl,
    auth: { kind: 'app', appId: APP_ID, privateKey: PEM },
    throttle: { writeIntervalMs: 0 },
    fetch: (input, init) => {
      const authorization = (init?.headers as Record<string, string> | undefined)?.authorization;
      if (authorization !== undefined) credentials.push(authorization.replace(/^(bearer|token) /i, ''));
      return fetch(input, init);
    },
  });
  return { github, credentials };
}

const pemBody = PEM.split('\n')[1] ?? '';

describe('redact, on secrets as the simulated GitHub hands them out', () => {
  it('hides a JIT config, a registration token, an installation token and an App JWT, bare and in JSON', async () => {
    // Arrange
    const { github, credentials } = recordingClient();
    const jit = await github.createJitConfig(ORG, { name: 'ghr-secret-1', labels: ['self-hosted'] }, signal());
    const registration = await github.createRegistrationToken(ORG, signal());
    const jwt = credentials.find((c) => c.split('.').length === 3);
    const installationToken = credentials.find((c) => c.split('.').length === 1);
    const secrets = { jit: jit.encodedJitConfig, registration: registration.token, jwt: jwt ?? '', installationToken: installationToken ?? '' };

    // Act
    const texts = [
      `runner started with ${secrets.jit}`,
      JSON.stringify({ runner: { id: jit.runnerId }, encoded_jit_config: secrets.jit }),
      `./config.sh --url ${sim.url}/acme --token ${secrets.registration} --unattended`,
      `registration ${secrets.registration} expires soon`,
      JSON.stringify({ token: secrets.registration, expires_at: new Date(registration.expiresAt).toISOString() }),
      `Bad credentials: ${secrets.installationToken}`,
      `authorization: bearer ${secrets.jwt}`,
      `jwt ${secrets.jwt} for app ${APP_ID}`,
      `key was ${PEM}`,
    ].map(redact);

    // Assert: real shapes (a JIT config is base64 of {".runner"…, so it starts eyIu; tokens are ghs_…).
    expect(secrets.jit.startsWith('eyIu')).toBe(true);
    expect(secrets.installationToken.startsWith('ghs_')).toBe(true);
    expect(secrets.jwt.split('.')).toHaveLength(3);
    for (const text of texts) {
      for (const secret of [...Object.values(secrets), pemBody]) expect(text).not.toContain(secret);
      expect(text).toContain('[REDACTED]');
    }
  });
});

describe('GitHubClient keeps its credentials out of sight', () => {
  it('shows no private key, JWT or token in util.inspect or JSON.stringify, after calls that used them all', async () => {
    // Arrange
    const { github, credentials } = recordingClient();
    await github.listRunners(ORG, signal());
    await github.listFailedDeliveries(Date.now() - 60_000, signal());
    expect(credentials.length).toBeGreaterThanOrEqual(3);

    // Act
    const shown = [inspect(github, { depth: Infinity, showHidden: true, getters: true }), JSON.stringify(github)];

    // Assert
    for (const text of shown) {
      expect(text).not.toContain(pemBody);
      for (const credential of credentials) expect(text).not.toContain(credential);
    }
  });

  it('shows no token of the installation-token cache', () => {
    const cache = new InstallationTokenCache(() => 0, 0);
    cache.set('42', 'ghs_cachedtoken0123456789|2026-01-01T00:00:00Z|2026-01-01T01:00:00Z|all||');
    expect(inspect(cache, { depth: Infinity, showHidden: true })).not.toContain('ghs_cachedtoken');
    expect(JSON.stringify(cache)).not.toContain('ghs_cachedtoken');
  });

  it('shows no token of a PAT-authenticated client', () => {
    const github = new GitHubClient({ apiUrl: sim.apiUrl, auth: { kind: 'token', token: 'ghp_patvalue0123456789abcdef' } });
    expect(inspect(github, { depth: Infinity, showHidden: true })).not.toContain('ghp_patvalue');
    expect(JSON.stringify(github)).not.toContain('ghp_patvalue');
  });
});

describe('GitHubClient refuses to send credentials in the clear', () => {
  it.each([
    [{ apiUrl: 'http://ghe.example.com/api/v3' }],
    [{ githubUrl: 'http://ghe.example.com' }],
    [{ apiUrl: 'http://127.0.0.1.nip.io/api/v3' }],
  ])('refuses %j with invalid-config', (urls) => {
    expect(() => new GitHubClient({ ...urls, auth: { kind: 'token', token: 'ghp_x0123456789' } })).toThrow(
      expect.objectContaining({ code: 'invalid-config', message: expect.stringMatching(/must use https/) }),
    );
  });

  it.each([[{ apiUrl: 'https://ghe.example.com/api/v3' }], [{ githubUrl: 'http://localhost:8080' }], [{ apiUrl: 'http://[::1]:9000' }], [{}]])(
    'accepts %j',
    (urls) => {
      expect(new GitHubClient({ ...urls, auth: { kind: 'token', token: 'ghp_x0123456789' } }).baseUrl).toMatch(/^http/);
    },
  );
});
